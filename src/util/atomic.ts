// src/util/atomic.ts — atomic file writes (temp file in the same folder, fsync, rename), so a crash
// mid-write never leaves a half-written checkpoint under the final name; the temp files a killed writer left behind
// are removed by the next write of the same file.

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** Whether process `pid` exists (one we may not signal exists too). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `<file>.tmp-<pid>-<n>` files whose writer is gone (killed mid-write, e.g. by Ctrl-C). */
function removeStaleTemps(file: string): void {
  const dir = dirname(file), prefix = `${basename(file)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-\d+$/.exec(name.slice(prefix.length));
    const pid = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    rmSync(join(dir, name), { force: true });
  }
}

/** Write `chunks` to `file` atomically; creates the parent folder. */
export function writeFileAtomic(file: string, chunks: readonly Uint8Array[]): void {
  mkdirSync(dirname(file), { recursive: true });
  removeStaleTemps(file);
  const tmp = `${file}.tmp-${process.pid}-${counter++}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off, c.length - off);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}
