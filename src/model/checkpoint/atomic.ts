// src/model/checkpoint/atomic.ts — atomic file writes (temp file in the same folder, fsync, rename), so a crash
// mid-write never leaves a half-written checkpoint under the final name.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

let counter = 0;

/** Write `chunks` to `file` atomically; creates the parent folder. */
export function writeFileAtomic(file: string, chunks: readonly Uint8Array[]): void {
  mkdirSync(dirname(file), { recursive: true });
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
