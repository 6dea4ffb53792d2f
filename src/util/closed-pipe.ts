// src/util/closed-pipe.ts — output that must not end the work it reports on. A long job (a trainer) whose progress
// goes to a pipe the reader has closed (`r1 sft … | head -1`) keeps working and keeps writing its files: the closed
// pipe's EPIPE is absorbed and later writes to that stream are dropped, instead of the process-wide handler ending
// the process (which would leave the run unfinished with exit status 0).

/** A stream whose 'error' listeners can be taken over for a while: process.stdout / process.stderr. */
export interface GuardableStream {
  write(s: string): unknown;
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
  off(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
  listeners(event: 'error'): Function[];
}

export interface PipeGuard {
  /** Whether the stream's reader has gone (an EPIPE was seen, or a write threw it). */
  closed(stream: object): boolean;
  /** Writes `s` unless the stream's reader has gone; never throws EPIPE. */
  write(stream: { write(s: string): unknown }, s: string): void;
  /** Hands error handling back to the listeners the streams had (after any error still queued is delivered). */
  release(): void;
}

const isGuardable = (s: object): s is GuardableStream =>
  typeof (s as Partial<GuardableStream>).on === 'function' && typeof (s as Partial<GuardableStream>).off === 'function' && typeof (s as Partial<GuardableStream>).listeners === 'function';

/**
 * Until release(), an EPIPE on any of `streams` marks that stream closed and goes no further; any other stream error
 * goes to the listeners the stream had before (rethrown when it had none). Streams that are not event emitters (test
 * stand-ins) are only written through write().
 */
export function guardClosedPipes(streams: readonly object[]): PipeGuard {
  const closed = new Set<object>();
  const restore: (() => void)[] = [];
  for (const s of streams) {
    if (!isGuardable(s)) continue;
    const before = s.listeners('error') as ((err: NodeJS.ErrnoException) => void)[];
    for (const l of before) s.off('error', l);
    const ours = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EPIPE') {
        closed.add(s);
        return;
      }
      if (before.length === 0) throw err;
      for (const l of before) l.call(s, err);
    };
    s.on('error', ours);
    restore.push(() => {
      s.off('error', ours);
      for (const l of before) s.on('error', l);
    });
  }
  let released = false;
  return {
    closed: (s) => closed.has(s),
    write(stream, s) {
      if (closed.has(stream)) return;
      try {
        stream.write(s);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
        closed.add(stream);
      }
    },
    release() {
      if (released) return;
      released = true;
      // An EPIPE from the last writes is emitted on a later tick: it must still land here, not in the handler that
      // ends the process.
      setImmediate(() => restore.forEach((r) => r()));
    },
  };
}
