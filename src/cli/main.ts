#!/usr/bin/env node
// src/cli/main.ts — the `r1` command. Each subcommand lives in its own thin file and registers itself here.

import { Command, type CommanderError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { commands } from './commands.js';
import { setNativeNoticeSink } from '../backend/index.js';
import { exitQuietlyOnClosedPipe } from './pipe.js';

// The package root is the nearest folder above this file with a package.json (src/cli under tsx, dist/src/cli
// when compiled).
function findPackageJson(): URL {
  for (let url = new URL('./package.json', import.meta.url); ; ) {
    if (existsSync(url)) return url;
    const up = new URL('../package.json', url);
    if (up.href === url.href) throw new Error(`r1: no package.json above ${import.meta.url}`);
    url = up;
  }
}
const pkgUrl = findPackageJson();
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string };

/** commander's exit on its own errors: help and version exit 0, every usage error 2 (like cmp and diff). */
function exitOnCommanderError(err: CommanderError): never {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
    process.exit(0);
  }
  process.exit(2);
}

/** Apply the program's error settings to every subcommand: those built with `new Command` and attached by
 * addCommand inherit nothing, so their unknown flags would otherwise exit with commander's default 1. */
function applyToTree(cmd: Command): void {
  cmd.showHelpAfterError().exitOverride(exitOnCommanderError);
  for (const sub of cmd.commands) applyToTree(sub);
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('r1')
    .description('r1ts — DeepSeek-R1 in TypeScript: train, verify, evaluate, distill and serve reasoning models')
    .version(pkg.version);
  for (const register of commands) register(program);
  applyToTree(program);
  return program;
}

// The native backend's notices (slow or degraded OpenBLAS setup, with the fix) go to stderr once, when it loads.
setNativeNoticeSink((message) => process.stderr.write(`r1: ${message}\n`));
exitQuietlyOnClosedPipe([process.stdout, process.stderr], (code) => process.exit(code));
await buildProgram().parseAsync(process.argv);
