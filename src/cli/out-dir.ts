// src/cli/out-dir.ts — an output directory made and checked before any work starts: a command that trains for
// minutes must not find out at the end that it cannot write its result.

import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Creates `dir` (and missing parents, one level at a time: node's recursive mkdir spins forever where a parent
 * refuses new entries without saying so, as /proc does) and checks that a file can be written in it. Throws one
 * message naming the directory and the reason.
 */
export function prepareOutDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    let st: ReturnType<typeof statSync> | null = null;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new Error(`${dir}: cannot use it as the output directory (${(e as Error).message})`);
    }
    if (st !== null) {
      if (!st.isDirectory()) throw new Error(`${dir}: cannot create the output directory: ${p} is a file`);
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${dir}: cannot create the output directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message} at ${p})`);
    }
  }
  const probe = join(abs, `.r1-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
  } catch (e) {
    throw new Error(`${dir}: the output directory is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  rmSync(probe, { force: true });
}
