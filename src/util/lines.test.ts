// src/util/lines.test.ts — the chunked line reader: chunk boundaries inside lines and inside UTF-8 characters,
// byte offsets, an unterminated last line, the line-length bound.

import test from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLinesSync } from './lines.js';

function withFile(content: string | Buffer, body: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1-lines-'));
  try {
    const path = join(dir, 'f.txt');
    writeFileSync(path, content);
    body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('readLinesSync gives the same lines and byte offsets at every chunk size, multi-byte characters included', () => {
  const text = 'ascii\nπ≈3.14159 — “quoted”\n\n🙂 emoji and CJK 数学\r\nlast, unterminated é';
  const expected = text.split('\n');
  withFile(text, (path) => {
    for (const chunkBytes of [1, 2, 3, 5, 7, 64, 1 << 20]) {
      const lines = [...readLinesSync(path, { chunkBytes })];
      assert.deepEqual(lines.map((l) => l.text), expected, `chunkBytes ${chunkBytes}`);
      assert.deepEqual(lines.map((l) => l.lineNo), expected.map((_, i) => i + 1));
      assert.deepEqual(lines.map((l) => l.terminated), expected.map((_, i) => i < expected.length - 1));
      // Each line ends where its bytes (plus the newline) end.
      let off = 0;
      lines.forEach((l, i) => {
        off += Buffer.byteLength(expected[i]!, 'utf8') + (l.terminated ? 1 : 0);
        assert.equal(l.end, off);
      });
      assert.equal(off, Buffer.byteLength(text, 'utf8'));
    }
  });
});

test('readLinesSync: empty file, trailing newline, an open descriptor, and the line-length bound naming file and line', () => {
  withFile('', (path) => assert.deepEqual([...readLinesSync(path)], []));
  withFile('a\nb\n', (path) => {
    assert.deepEqual([...readLinesSync(path, { chunkBytes: 1 })].map((l) => [l.text, l.terminated]), [['a', true], ['b', true]]);
    const fd = openSync(path, 'r');
    try {
      assert.deepEqual([...readLinesSync(fd)].map((l) => l.text), ['a', 'b']);
    } finally {
      closeSync(fd);
    }
  });
  withFile(`short\n${'x'.repeat(100)}\nshort\n`, (path) => {
    assert.throws(() => [...readLinesSync(path, { chunkBytes: 8, maxLineBytes: 50 })], (e: Error) => e.message === `${path}:2: line longer than 50 bytes`);
    assert.equal([...readLinesSync(path, { chunkBytes: 8, maxLineBytes: 100 })].length, 3);
  });
  assert.throws(() => [...readLinesSync('/nonexistent/r1-lines')], /ENOENT/);
});

test('readLinesSync streams a file past V8\'s largest string (600 MiB, sparse) with offsets exact to the byte', () => {
  // Reading the file whole fails past ~512 MiB; line by line, only one chunk and one line are held. The file is
  // sparse (no disk used): a hole of NUL bytes with a newline every 32 MiB and a last line of text. On tmpfs
  // (/dev/shm) a hole reads back as the shared zero page, about 2.5x faster than from a disk's page cache.
  const dir = sparseDir();
  try {
    const path = join(dir, 'big.txt');
    const size = 600 * 2 ** 20;
    const step = 32 << 20;
    const fd = openSync(path, 'w+');
    let newlines = 0;
    try {
      ftruncateSync(fd, size);
      for (let off = step - 1; off < size; off += step, newlines++) writeSync(fd, '\n', off);
      writeSync(fd, 'last line é', size);
    } finally {
      closeSync(fd);
    }
    const total = size + Buffer.byteLength('last line é');
    assert.ok(total > 0x1fffffe8);
    let count = 0;
    let last: { text: string; end: number; terminated: boolean } | undefined;
    for (const line of readLinesSync(path)) {
      count++;
      if (line.terminated) {
        assert.equal(line.end, count * step, `line ${count} ends at its newline`);
        assert.equal(line.text.length, step - 1);
      }
      last = line;
    }
    assert.equal(count, newlines + 1);
    assert.deepEqual(last && { text: last.text.replace(/^\0+/, ''), end: last.end, terminated: last.terminated }, { text: 'last line é', end: total, terminated: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function sparseDir(): string {
  try {
    return mkdtempSync('/dev/shm/r1-lines-big-');
  } catch {
    return mkdtempSync(join(tmpdir(), 'r1-lines-big-'));
  }
}
