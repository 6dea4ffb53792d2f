// src/train/metrics.ts — the run's observable record: one JSON line per step in metrics.jsonl, sampled completions
// in samples.jsonl, and the same step metrics as an event stream for the CLI's progress line, the pipeline and a
// dashboard. On resume both files are cut back to their length at the checkpoint, so lines written after it by the
// interrupted run do not appear twice.

import { appendFileSync, existsSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';

/** Metric fields that measure time or speed: they differ between otherwise identical runs. */
export const TIMING_FIELDS = ['wallSeconds', 'stepSeconds', 'rolloutTokensPerSec', 'trainTokensPerSec', 'rolloutSeconds', 'trainSeconds', 'rewardSeconds', 'refSeconds'] as const;

/** An append-only JSONL file that can be cut back to a saved length. */
export class JsonlLog {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  append(record: unknown): void {
    appendFileSync(this.file, JSON.stringify(record) + '\n');
  }

  /** Current length in bytes (0 when the file does not exist). */
  bytes(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /** Cuts the file back to `bytes` (a length saved earlier by bytes()). */
  truncate(bytes: number): void {
    if (!existsSync(this.file)) {
      if (bytes > 0) throw new Error(`${this.file}: missing, but the checkpoint expects ${bytes} bytes`);
      return;
    }
    const now = statSync(this.file).size;
    if (now < bytes) throw new Error(`${this.file}: holds ${now} bytes, fewer than the ${bytes} the checkpoint recorded`);
    truncateSync(this.file, bytes);
  }
}

/** A step's metrics: numbers by name (null where a metric does not apply this step). */
export type StepMetrics = { step: number } & Record<string, number | null>;

export type MetricsListener = (m: StepMetrics) => void;

/** Fan-out of step metrics to subscribers (the trainers call emit once per step). */
export class MetricsStream {
  readonly #listeners = new Set<MetricsListener>();

  subscribe(fn: MetricsListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  emit(m: StepMetrics): void {
    for (const fn of this.#listeners) fn(m);
  }

  /** The stream as an async iterator (ends when `signal` aborts). */
  async *iterate(signal?: AbortSignal): AsyncGenerator<StepMetrics> {
    const queue: StepMetrics[] = [];
    let wake: (() => void) | null = null;
    const off = this.subscribe((m) => {
      queue.push(m);
      wake?.();
    });
    const onAbort = (): void => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = null;
        while (queue.length > 0) yield queue.shift()!;
      }
    } finally {
      off();
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Drops the timing fields (what a resumed run must reproduce exactly is everything else). */
export function withoutTiming(m: Record<string, unknown>): Record<string, unknown> {
  const out = { ...m };
  for (const k of TIMING_FIELDS) delete out[k];
  return out;
}
