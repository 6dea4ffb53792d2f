// src/eval/retry.ts — the pieces of polite HTTP retrying: which failures to retry, exponential backoff with seeded
// jitter, Retry-After parsing, an abortable sleep and a concurrency limiter.

import { setMaxListeners } from 'node:events';
import { Rng } from '../util/rng.js';

/** Statuses worth retrying: rate limits, server errors and gateway trouble (request timeouts too). */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Backoff settings. */
export interface BackoffOptions {
  /** First retry waits about this long (ms). */
  baseMs: number;
  /** No computed wait exceeds this (ms). */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": the cap doubles each attempt (base * 2^attempt, at most maxMs) and the
 * wait is uniform in [cap/2, cap). Jitter spreads retries of concurrent requests apart; it is drawn from a seeded
 * Rng (derived from the request's seed and attempt) so a run's behaviour is reproducible.
 */
export function backoffMs(attempt: number, opts: BackoffOptions, seed: number): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** attempt);
  const rng = new Rng((seed ^ Math.imul(attempt + 1, 0x9e3779b9)) >>> 0);
  return cap / 2 + rng.next() * (cap / 2);
}

/**
 * The wait a server asked for, in ms: `retry-after-ms` (OpenAI's extension), else `Retry-After` as seconds or
 * as an HTTP date (RFC 9110 §10.2.3). null when absent or unreadable. `now` is injectable for tests.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return null;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return secs >= 0 ? secs * 1000 : null;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A counting semaphore: at most `limit` tasks run at once; others wait in FIFO order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Limiter: limit must be a positive integer, got ${limit}`);
  }

  /** Run `fn` when a slot is free. A task still waiting when `signal` aborts is rejected and never runs. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i !== -1) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) next();
  }
}

/**
 * A child signal that aborts with `parent`, for fanning one signal out to many waiters: it carries no listener
 * limit (so hundreds of queued requests do not trip Node's leak warning) and adds one listener to the parent.
 * Call `dispose` when done so the parent does not keep the child alive.
 */
export function linkedSignal(parent: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController();
  setMaxListeners(0, ctl.signal);
  if (!parent) return { signal: ctl.signal, dispose: () => {} };
  if (parent.aborted) {
    ctl.abort(parent.reason);
    return { signal: ctl.signal, dispose: () => {} };
  }
  const onAbort = (): void => ctl.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: ctl.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}
