// src/cli/pipe.ts — a closed output pipe (`r1 … | head`) ends the command quietly, as Unix tools do, instead of
// crashing with an unhandled EPIPE stack trace.

/** A stream the handler watches: process.stdout / process.stderr, or a stand-in in tests. */
export interface WatchedStream {
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
}

/**
 * On EPIPE from any of `streams`, call `exit(0)`: the reader has all it wanted, which is not a failure (the
 * same status `set -o pipefail` scripts expect from `yes | head`). Other stream errors are rethrown.
 */
export function exitQuietlyOnClosedPipe(streams: readonly WatchedStream[], exit: (code: number) => void): void {
  for (const s of streams) {
    s.on('error', (err) => {
      if (err.code === 'EPIPE') {
        exit(0);
        return;
      }
      throw err;
    });
  }
}
