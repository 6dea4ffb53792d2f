// src/eval/runner.ts — run an evaluation: for each benchmark, the first `limit` items, k zero-shot samples each
// (DeepSeek-R1 §3: "Please reason step by step, and put your final answer within \boxed{}", temperature 0.6,
// top-p 0.95), every sample checked and appended to samples.jsonl as it finishes; a rerun with the same output
// directory asks only for the missing samples. Ends with summary.json, summary.md and summary.html.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastBoxed } from '../tasks/completion.js';
import type { Task, TaskItem } from '../tasks/types.js';
import type { Price } from './pricing.js';
import { renderEvalSection, renderMarkdown } from './report.js';
import { checkRunConfig, CONFIG_FILE, lockOutDir, prepareOutDir, ResultsWriteError, SampleStore, type SampleRecord } from './results.js';
import { EndpointError } from './endpoint.js';
import { linkedSignal } from './retry.js';
import { summarizeBench, totalsOf, type BenchSummary, type EvalSummary } from './summary.js';
import type { Completion, SampleSource } from './types.js';

/** Evaluation settings. */
export interface EvalOptions {
  /** Benchmarks (tasks) to evaluate, in report order. Names must be distinct. */
  benches: readonly Task[];
  source: SampleSource;
  /** Samples per item (>= 1). */
  k: number;
  /** Evaluate only the first `limit` items of each benchmark (all when undefined). */
  limit?: number;
  /** Base seed; sample j of an item uses hash(seed, bench, item id) + j. */
  seed: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Directory for samples.jsonl, run.json and the summaries; reused to resume. */
  outDir: string;
  /** Items whose samples are in flight at once (the source applies its own request limit too). */
  concurrency: number;
  /** Token prices for cost; null when unknown. */
  price: Price | null;
  /** Progress sink (the CLI draws a bar); called after planning and after every finished sample. */
  onProgress?: (p: EvalProgress) => void;
  signal?: AbortSignal;
}

/** Progress of a run; `done` counts resumed samples too, so done / total is the real completion. */
export interface EvalProgress {
  bench: string;
  done: number;
  total: number;
  correct: number;
  /** Samples found on disk at start (not re-requested). */
  resumed: number;
}

/** DeepSeek-R1 §3 evaluation defaults. */
export const EVAL_DEFAULTS = { k: 16, temperature: 0.6, topP: 0.95, maxTokens: 32_768, seed: 0, concurrency: 8 } as const;

/** The prompt style evaluation uses (tasks render the paper's \boxed{} instruction). */
export const EVAL_PROMPT_STYLE = 'boxed' as const;

/** One unit of work: a contiguous run of missing sample indices of one item. */
interface Unit {
  bench: string;
  task: Task;
  item: TaskItem;
  first: number;
  count: number;
}

/** FNV-1a over a string, continuing from `h` (stable per-item seeds; not cryptographic). */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The seed of sample 0 of an item: a function of (seed, bench, item id) only, so resume reuses it. */
export function itemSeed(seed: number, bench: string, itemId: string): number {
  return fnv(fnv(fnv(0x811c9dc5, String(seed >>> 0)), `\u0000${bench}`), `\u0000${itemId}`);
}

/** The text a checker sees: the R1 chat shape, so answers written only inside the reasoning never count. */
export function checkedText(c: Completion): string {
  return c.reasoning ? `<think>\n${c.reasoning}\n</think>\n\n${c.content}` : c.content;
}

/** Reasoning/answer token split: reported if possible, else by character share (flagged as estimated). */
export function splitTokens(c: Completion): { reasoningTokens: number | null; answerTokens: number | null; tokensEstimated: boolean } {
  const u = c.usage;
  if (!u) return { reasoningTokens: null, answerTokens: null, tokensEstimated: false };
  if (u.reasoningTokens !== null) {
    return { reasoningTokens: u.reasoningTokens, answerTokens: Math.max(0, u.completionTokens - u.reasoningTokens), tokensEstimated: false };
  }
  if (c.reasoning === '') return { reasoningTokens: 0, answerTokens: u.completionTokens, tokensEstimated: false };
  const share = c.reasoning.length / (c.reasoning.length + c.content.length);
  const r = u.completionTokens * share;
  return { reasoningTokens: r, answerTokens: u.completionTokens - r, tokensEstimated: true };
}

function validate(o: EvalOptions): void {
  const bad = (msg: string): never => {
    throw new RangeError(`eval: ${msg}`);
  };
  // What a JavaScript caller can leave out or get wrong before any of the numbers below.
  if (o === null || typeof o !== 'object') throw new TypeError('eval: options are required ({ benches, source, outDir, k, ... })');
  if (!Array.isArray(o.benches)) throw new TypeError('eval: benches must be an array of tasks (getTask(name))');
  if (o.source === null || typeof o.source !== 'object' || typeof o.source.complete !== 'function') throw new TypeError('eval: source must be a SampleSource (an EndpointSource or a local model source)');
  if (typeof o.outDir !== 'string' || o.outDir === '') throw new TypeError('eval: outDir must be a directory path');
  if (o.benches.length === 0) bad('no benchmarks given');
  const names = o.benches.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) bad(`benchmark "${dup}" listed twice`);
  if (!Number.isInteger(o.k) || o.k < 1) bad(`k must be a positive integer, got ${o.k}`);
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) bad(`limit must be a positive integer, got ${o.limit}`);
  if (!(o.temperature >= 0)) bad(`temperature must be >= 0, got ${o.temperature}`);
  if (!(o.topP > 0 && o.topP <= 1)) bad(`top-p must be in (0, 1], got ${o.topP}`);
  if (!Number.isInteger(o.maxTokens) || o.maxTokens < 1) bad(`max tokens must be a positive integer, got ${o.maxTokens}`);
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) bad(`concurrency must be a positive integer, got ${o.concurrency}`);
  if (!Number.isInteger(o.seed) || o.seed < 0) bad(`seed must be a non-negative integer, got ${o.seed}`);
}

/**
 * Run (or resume) an evaluation and write its summaries. Throws after in-flight samples are saved when a
 * request fails for good; rerunning the same command then continues where it stopped. When `signal` aborts, throws
 * EvalInterrupted after writing the summary of the items whose samples all finished.
 */
export async function runEval(opts: EvalOptions): Promise<EvalSummary> {
  validate(opts);
  prepareOutDir(opts.outDir);
  // One run at a time per directory: two would each ask for every missing sample (and pay for it twice).
  const unlock = lockOutDir(opts.outDir);
  try {
    return await runLocked(opts);
  } finally {
    unlock();
  }
}

async function runLocked(opts: EvalOptions): Promise<EvalSummary> {
  const store = SampleStore.open(opts.outDir);
  // A run.json beside no samples (a run that stopped before its first: a missing benchmark file, a refused request)
  // guards nothing: the corrected command may change its settings.
  if (store.records.size === 0) rmSync(join(opts.outDir, CONFIG_FILE), { force: true });
  checkRunConfig(opts.outDir, {
    model: opts.source.model,
    temperature: opts.temperature,
    topP: opts.topP,
    maxTokens: opts.maxTokens,
    seed: opts.seed,
    promptStyle: EVAL_PROMPT_STYLE,
    ...(opts.source.weights !== undefined && { weights: opts.source.weights }),
  });

  // 1. Plan: items per benchmark and the samples still missing.
  const plans: { task: Task; items: TaskItem[] }[] = [];
  const units: Unit[] = [];
  let total = 0;
  let done = 0;
  let correct = 0;
  for (const task of opts.benches) {
    const items = await task.items({ split: 'test', n: opts.limit });
    const ids = new Set<string>();
    for (const item of items) {
      if (ids.has(item.id)) throw new Error(`${task.name}: duplicate item id "${item.id}"`);
      ids.add(item.id);
      let run: Unit | null = null;
      for (let s = 0; s < opts.k; s++) {
        total++;
        const rec = store.get(task.name, item.id, s);
        if (rec) {
          done++;
          if (rec.correct) correct++;
          run = null;
        } else if (run) run.count++;
        else units.push((run = { bench: task.name, task, item, first: s, count: 1 }));
      }
    }
    plans.push({ task, items });
  }
  const resumed = done;
  const report = (bench: string): void => opts.onProgress?.({ bench, done, total, correct, resumed });
  report(plans[0]?.task.name ?? '');

  // 2. Sample and check, at most `concurrency` units in flight; stop dispatching after the first failure.
  let failure: unknown = null;
  const runUnit = async (u: Unit): Promise<void> => {
    const prompt = u.task.prompt(u.item, EVAL_PROMPT_STYLE);
    const base = itemSeed(opts.seed, u.bench, u.item.id);
    const started = performance.now();
    const pending: Promise<void>[] = [];
    const save = async (j: number, c: Completion): Promise<void> => {
      const sample = u.first + j;
      const check = await u.task.check(u.item, checkedText(c));
      const strayTags = c.content.includes('<think>') || c.content.includes('</think>');
      // Format: the answer was put in \boxed{} after the reasoning, as the prompt asks (checkers may still
      // find an unboxed answer, e.g. a last number, which counts for accuracy but not for format).
      const boxed = lastBoxed(c.content) !== null;
      const rec: SampleRecord = {
        bench: u.bench,
        itemId: u.item.id,
        sample,
        seed: (base + sample) >>> 0,
        reasoning: c.reasoning,
        content: c.content,
        finishReason: c.finishReason,
        extracted: check.extracted,
        correct: check.correct,
        score: check.score,
        ...(check.reason !== undefined ? { reason: check.reason } : {}),
        ...(check.timedOut === true ? { checkTimedOut: true } : {}),
        formatOk: boxed && c.finishReason !== 'length' && !strayTags,
        usage: c.usage,
        ...splitTokens(c),
        latencyMs: Math.round(performance.now() - started),
      };
      store.append(rec);
      done++;
      if (rec.correct) correct++;
      report(u.bench);
    };
    const seen = new Set<number>();
    try {
      const result = await opts.source.complete([prompt], {
        n: u.count,
        seed: (base + u.first) >>> 0,
        temperature: opts.temperature,
        topP: opts.topP,
        maxTokens: opts.maxTokens,
        signal: link.signal,
        onCompletion: (_p, j, c) => {
          if (seen.has(j)) return;
          seen.add(j);
          pending.push(save(j, c));
        },
      });
      // onCompletion is a courtesy for early saving; the returned completions are authoritative.
      const got = result[0] ?? [];
      if (got.length !== u.count) throw new Error(`${opts.source.label} returned ${got.length} completions for n=${u.count}`);
      got.forEach((c, j) => {
        if (!seen.has(j)) {
          seen.add(j);
          pending.push(save(j, c));
        }
      });
    } finally {
      // Samples that finished are saved even when others failed.
      const saved = await Promise.allSettled(pending);
      const bad = saved.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (bad) throw bad.reason;
    }
  };
  // One listener on the caller's signal however many units run (see linkedSignal).
  const link = linkedSignal(opts.signal);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === null && next < units.length && !opts.signal?.aborted) {
      const u = units[next++]!;
      try {
        await runUnit(u);
      } catch (err) {
        if (failure === null) failure = err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, units.length) }, worker)).finally(link.dispose);
  if (opts.signal?.aborted) {
    // Interrupted: summarize the items whose k samples all finished (resumed ones included); the rest resume later.
    const summary = await writeSummaries(opts, plans, store, true);
    throw new EvalInterrupted(summary, opts.signal.reason);
  }
  if (failure !== null) {
    const msg = failure instanceof Error ? failure.message : String(failure);
    // A write failure repeats on a plain rerun: say what to fix first.
    // An endpoint that refuses the request itself (4xx other than rate limits and timeouts) refuses it again.
    const refused = failure instanceof EndpointError && !failure.retryable && failure.status !== null && failure.status >= 400 && failure.status < 500;
    const next =
      failure instanceof ResultsWriteError ? 'make the directory writable (or free space), then rerun the same command to resume'
      : refused ? 'the endpoint refuses the request as sent: fix what it names (model, key, parameters, quota), then rerun the same command to resume'
      : 'rerun the same command to resume';
    throw new Error(`eval stopped: ${msg}\n${done} of ${total} samples are saved in ${store.path}; ${next}`, { cause: failure });
  }
  // 3. Summaries from the records on disk (resumed and new alike).
  return writeSummaries(opts, plans, store, false);
}

/** An evaluation stopped by its signal; `summary` covers the items that finished (also written to the out dir). */
export class EvalInterrupted extends Error {
  constructor(readonly summary: EvalSummary, reason: unknown) {
    super(`interrupted (${reason instanceof Error ? reason.message : String(reason)}): summary of ${summary.interrupted?.items ?? 0} of ${summary.interrupted?.of ?? 0} items written`, { cause: reason });
    this.name = 'EvalInterrupted';
  }
}

/** Writes summary.json/.md/.html; `partial`: only items with all k samples on disk, noted in the summary. */
async function writeSummaries(opts: EvalOptions, plans: readonly { task: Task; items: TaskItem[] }[], store: SampleStore, partial: boolean): Promise<EvalSummary> {
  const benches: BenchSummary[] = [];
  let itemsDone = 0, itemsPlanned = 0;
  for (const { task, items } of plans) {
    const done = partial ? items.filter((it) => Array.from({ length: opts.k }, (_, s) => store.get(task.name, it.id, s)).every(Boolean)) : items;
    itemsPlanned += items.length;
    itemsDone += done.length;
    if (done.length > 0) benches.push(await summarizeBench(task.name, task, done, opts.k, (id, s) => store.get(task.name, id, s), opts.price));
  }
  const summary: EvalSummary = {
    model: opts.source.model,
    source: opts.source.label,
    k: opts.k,
    limit: opts.limit ?? null,
    seed: opts.seed,
    temperature: opts.temperature,
    topP: opts.topP,
    maxTokens: opts.maxTokens,
    benches,
    totals: totalsOf(benches, opts.price !== null),
    ...(partial ? { interrupted: { items: itemsDone, of: itemsPlanned } } : {}),
  };
  writeFileSync(join(opts.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'summary.md'), renderMarkdown(summary));
  writeFileSync(join(opts.outDir, 'summary.html'), `${renderEvalSection(summary)}\n`);
  return summary;
}
