// src/util/lines.ts — read a text file line by line in fixed-size chunks, so files larger than the biggest
// string V8 can hold (~512 MiB) can be read; also reports where each line ends, in bytes, for truncation.

import { closeSync, openSync, readSync } from 'node:fs';

/** One line of a file, without its "\n" (a "\r" before it is kept: callers that care trim it). */
export interface FileLine {
  /** The line's text, decoded as UTF-8. */
  text: string;
  /** 1-based line number. */
  lineNo: number;
  /** Byte offset just past this line's "\n" (or past its last byte when unterminated). */
  end: number;
  /** False only for a last line with no trailing "\n" (e.g. cut short by a crash mid-write). */
  terminated: boolean;
}

export interface ReadLinesOptions {
  /** Bytes read per system call (default 1 MiB). */
  chunkBytes?: number;
  /** Longest line accepted, in bytes (default 256 MiB); a longer one is an error naming the file and line. */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * Yield the lines of `path` (or of an open file descriptor) one at a time. Only one chunk and the current line
 * are held in memory, so the file's total size is unbounded. Multi-byte UTF-8 characters split across chunks
 * decode correctly because lines are cut on bytes before decoding.
 */
export function* readLinesSync(path: string | number, opts: ReadLinesOptions = {}): Generator<FileLine> {
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  const maxLineBytes = opts.maxLineBytes ?? 256 << 20;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  const fd = typeof path === 'number' ? path : openSync(path, 'r');
  const name = typeof path === 'number' ? `file descriptor ${path}` : path;
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let parts: Buffer[] = []; // pieces of the current line from earlier chunks
  let partBytes = 0;
  let offset = 0; // bytes consumed so far
  let lineNo = 0;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkBytes, null);
      if (n === 0) break;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, start);
        if (nl === -1 || nl >= n) break;
        const piece = chunk.subarray(start, nl);
        const bytes = partBytes + piece.length;
        if (bytes > maxLineBytes) throw new Error(`${name}:${lineNo + 1}: line longer than ${maxLineBytes} bytes`);
        const text = partBytes === 0 ? piece.toString('utf8') : Buffer.concat([...parts, piece]).toString('utf8');
        parts = [];
        partBytes = 0;
        offset += bytes + 1;
        yield { text, lineNo: ++lineNo, end: offset, terminated: true };
        start = nl + 1;
      }
      if (start < n) {
        partBytes += n - start;
        if (partBytes > maxLineBytes) throw new Error(`${name}:${lineNo + 1}: line longer than ${maxLineBytes} bytes`);
        parts.push(Buffer.from(chunk.subarray(start, n))); // copied: the chunk buffer is reused
      }
    }
    if (partBytes > 0) {
      offset += partBytes;
      yield { text: Buffer.concat(parts).toString('utf8'), lineNo: ++lineNo, end: offset, terminated: false };
    }
  } finally {
    if (typeof path !== 'number') closeSync(fd);
  }
}
