// src/cli/r1.case.test.ts — the CLI suites' one way to run `r1` for real: the built entry point (or, under tsx, the
// source one) in a child process, with its exit code and both outputs.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');
/** The entry point's path (main.ts under tsx, main.js when built). */
export const R1_MAIN = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));

/** node's arguments that run `r1 args`. */
export function r1Argv(args: readonly string[]): string[] {
  return fromSource ? ['--import', 'tsx', R1_MAIN, ...args] : [R1_MAIN, ...args];
}

/** Run `r1 args` to the end (standard input from `input`), within `timeoutMs`. */
export function r1(args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, r1Argv(args), { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, ...(opts.input !== undefined && { input: opts.input }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
