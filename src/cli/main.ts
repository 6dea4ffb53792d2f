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

/**
 * commander's exit on its own errors: help asked for (--help, `r1 help`, `r1 help CMD`) and version exit 0, every
 * usage error 2 (like cmp and diff). Help shown because something is missing or wrong — `r1` or `r1 model` without
 * a subcommand, `r1 help` of a command that does not exist — is a usage error: commander marks it with exit code 1.
 */
function exitOnCommanderError(err: CommanderError): never {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
  if (err.code === 'commander.help') process.exit(err.exitCode === 0 ? 0 : 2);
  process.exit(2);
}

/** `r1 … help NAME` where NAME is no subcommand: commander prints the help alone, so say what was wrong first. */
function reportUnknownHelpTopic(program: Command, args: readonly string[]): void {
  let cmd = program;
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!;
    if (name === 'help' && cmd.commands.length > 0) {
      const topic = args[i + 1];
      if (topic !== undefined && !topic.startsWith('-') && !cmd.commands.some((c) => c.name() === topic || c.aliases().includes(topic))) {
        process.stderr.write(`error: unknown command '${topic}'\n`);
      }
      return;
    }
    const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) return;
    cmd = sub;
  }
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
const program = buildProgram();
reportUnknownHelpTopic(program, process.argv.slice(2));
await program.parseAsync(process.argv);
