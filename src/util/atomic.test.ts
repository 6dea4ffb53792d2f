// src/util/atomic.test.ts — tests: atomic writes, and the temp files of a killed writer removed by the next write.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';

test('a write replaces the file whole and removes the temp files a killed writer left, not a live writer\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-atomic-'));
  try {
    const file = join(dir, 'model.gguf');
    // A process that has ended: its pid is free (a child that exited), so its temp file is stale.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, `model.gguf.tmp-${gone}-0`), 'half a file');
    writeFileSync(join(dir, `model.gguf.tmp-${process.pid}-99`), 'this process is writing it');
    writeFileSync(join(dir, 'other.gguf.tmp-1-0'), 'another file\'s');
    writeFileAtomic(file, [new TextEncoder().encode('whole')]);
    assert.equal(readFileSync(file, 'utf8'), 'whole');
    assert.deepEqual(readdirSync(dir).sort(), ['model.gguf', `model.gguf.tmp-${process.pid}-99`, 'other.gguf.tmp-1-0'].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
