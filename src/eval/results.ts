// src/eval/results.ts — per-sample results on disk: the JSONL record schema, an append-only store that survives a
// crash (a truncated last line is dropped and cut off before appending) and the run config that guards resume.

import { appendFileSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, ftruncateSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readLinesSync, type FileLine, type ReadLinesOptions } from '../util/lines.js';

const UsageSchema = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  reasoningTokens: z.number().nullable(),
  cacheHitTokens: z.number().nullable(),
  cacheMissTokens: z.number().nullable(),
});

/** One line of samples.jsonl: one sampled completion, checked. */
export const SampleRecordSchema = z.object({
  bench: z.string(),
  itemId: z.string(),
  /** Sample index in [0, k). */
  sample: z.number().int().nonnegative(),
  /** The seed of this sample: hash(seed, bench, item) + sample index (with --n-mode native, the request carried
   *  the seed of its first sample and the server derived the others). */
  seed: z.number().int().nonnegative(),
  reasoning: z.string(),
  content: z.string(),
  finishReason: z.enum(['stop', 'length', 'content_filter', 'tool_calls', 'other']),
  /** The answer the task's checker extracted, null when none. */
  extracted: z.string().nullable(),
  correct: z.boolean(),
  score: z.number(),
  reason: z.string().optional(),
  /** The checker ran out of time: scored wrong, verdict unknown (absent when it decided). */
  checkTimedOut: z.boolean().optional(),
  /** Well-formed output: a \boxed{} answer after the reasoning, generation not cut off, no stray think tags. */
  formatOk: z.boolean(),
  usage: UsageSchema.nullable(),
  /** Reasoning / answer token counts (null without usage); `tokensEstimated` when split by character share. */
  reasoningTokens: z.number().nullable(),
  answerTokens: z.number().nullable(),
  tokensEstimated: z.boolean(),
  /** Wall time of the request(s) that produced this sample, ms (informational; not in summaries). */
  latencyMs: z.number().nonnegative(),
});
export type SampleRecord = z.infer<typeof SampleRecordSchema>;

/** Resume key: benchmark, item id and sample index. */
export function sampleKey(bench: string, itemId: string, sample: number): string {
  return JSON.stringify([bench, itemId, sample]);
}

/** The settings a resumed run must share with the run that wrote the directory. */
export const RunConfigSchema = z.object({
  model: z.string(),
  temperature: z.number(),
  topP: z.number(),
  maxTokens: z.number().int(),
  seed: z.number().int(),
  promptStyle: z.string(),
  /** The weights' fingerprint, for local checkpoints (absent in runs written before it was kept, and for endpoints). */
  weights: z.string().optional(),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

export const SAMPLES_FILE = 'samples.jsonl';
export const CONFIG_FILE = 'run.json';
/** The files a finished run (re)writes beside samples.jsonl and run.json. */
export const SUMMARY_FILES = ['summary.json', 'summary.md', 'summary.html'] as const;

/** Results could not be written to the output directory: rerunning as is would fail the same way. */
export class ResultsWriteError extends Error {
  override readonly name = 'ResultsWriteError';
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Make sure `outDir` can take this run's results before any work starts (loading a model, sending requests):
 * create it, create and remove a probe file in it, and open every results file already there for writing.
 * Throws ResultsWriteError naming the directory or file.
 */
export function prepareOutDir(outDir: string): void {
  const fail = (what: string, err: unknown): never => {
    throw new ResultsWriteError(`output directory ${outDir}: ${what} (${errText(err)}); choose another --out or fix its permissions`, { cause: err });
  };
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    fail('cannot create it', err);
  }
  const probe = join(outDir, `.r1-write-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (err) {
    fail('cannot create files in it', err);
  }
  for (const name of [SAMPLES_FILE, CONFIG_FILE, ...SUMMARY_FILES]) {
    const path = join(outDir, name);
    if (!existsSync(path)) continue;
    if (!statSync(path).isFile()) fail(`${name} is not a regular file`, new Error('not a file'));
    try {
      closeSync(openSync(path, 'r+'));
    } catch (err) {
      fail(`${name} is not writable`, err);
    }
  }
}

/**
 * Write run.json for a fresh directory, or check that an existing one matches: mixing samples drawn under
 * different settings would make the summary meaningless. k and --limit may change between runs.
 */
export function checkRunConfig(outDir: string, config: RunConfig): void {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, CONFIG_FILE);
  if (!existsSync(path)) {
    writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
    return;
  }
  let parsed;
  try {
    parsed = RunConfigSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new Error(`${path}: unreadable run config (${(err as Error).message}); use a fresh --out directory`);
  }
  if (!parsed.success) throw new Error(`${path}: not an r1 eval run config; use a fresh --out directory`);
  const old = parsed.data;
  const diffs = (Object.keys(config) as (keyof RunConfig)[])
    // A run.json written before fingerprints were kept cannot tell: its weights are taken on trust.
    .filter((k) => old[k] !== config[k] && !(k === 'weights' && old.weights === undefined))
    .map((k) => `${k}: ${JSON.stringify(old[k])} there, ${JSON.stringify(config[k])} now`);
  if (diffs.length > 0) {
    const what = diffs.length === 1 && diffs[0]?.startsWith('weights:') ? 'other weights of the same model name' : 'different settings';
    throw new Error(`${outDir} holds results from a run with ${what} (${diffs.join('; ')}); use a fresh --out directory`);
  }
}

/** The file that marks an output directory in use by a run (its process id inside). */
export const LOCK_FILE = '.r1-eval.lock';

/** Whether a process with this id exists (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take `outDir` for this run: a lock file holding this process's id, created only if absent. A lock whose process
 * has ended (a run killed outright) is taken over; a live one is an error naming it. Returns the release function.
 */
export function lockOutDir(outDir: string): () => void {
  const path = join(outDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) {
        throw new ResultsWriteError(`output directory ${outDir}: cannot create ${LOCK_FILE} (${errText(err)})`, { cause: err });
      }
    }
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      continue; // removed meanwhile: try again
    }
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
      throw new Error(`${outDir} is in use by another r1 eval (process ${pid}): wait for it to finish, or use another --out (if process ${pid} is not an r1 eval, remove ${path})`);
    }
    try {
      unlinkSync(path); // left by a run that did not end normally
    } catch {
      // another run took it over first: the next attempt finds its lock
    }
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}

/** Append-only JSONL store of sample records, keyed for resume. */
export class SampleStore {
  readonly path: string;
  readonly records = new Map<string, SampleRecord>();
  /** Lines dropped on open (a truncated last line after a crash). */
  readonly droppedLines: number;

  private constructor(path: string, dropped: number) {
    this.path = path;
    this.droppedLines = dropped;
  }

  /**
   * Open (or create) `outDir/samples.jsonl` and load finished samples. An incomplete last line (no trailing
   * newline, as a crash mid-write leaves) is cut off so new records start on a fresh line; a corrupt line
   * anywhere else is an error, since silently dropping finished work would re-run (and re-pay) it.
   */
  static open(outDir: string, readOpts: ReadLinesOptions = {}): SampleStore {
    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, SAMPLES_FILE);
    // Read line by line: a long run's file can outgrow the largest string V8 can build.
    const records = new Map<string, SampleRecord>();
    let partial: FileLine | null = null;
    let keep = 0; // bytes of complete lines
    if (existsSync(path)) {
      for (const line of readLinesSync(path, readOpts)) {
        if (!line.terminated) {
          partial = line;
          break;
        }
        keep = line.end;
        if (line.text.trim() === '') continue;
        let rec: SampleRecord;
        try {
          rec = SampleRecordSchema.parse(JSON.parse(line.text));
        } catch (err) {
          throw new Error(`${path}:${line.lineNo}: not a sample record (${(err as Error).message.split('\n')[0]})`);
        }
        const key = sampleKey(rec.bench, rec.itemId, rec.sample);
        // First record wins: a duplicate can only come from two runs writing at once.
        if (!records.has(key)) records.set(key, rec);
      }
    }
    if (partial !== null) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, keep);
      } finally {
        closeSync(fd);
      }
    }
    const store = new SampleStore(path, partial !== null ? 1 : 0);
    for (const [k, r] of records) store.records.set(k, r);
    return store;
  }

  has(bench: string, itemId: string, sample: number): boolean {
    return this.records.has(sampleKey(bench, itemId, sample));
  }

  get(bench: string, itemId: string, sample: number): SampleRecord | undefined {
    return this.records.get(sampleKey(bench, itemId, sample));
  }

  /** Append one record as a single line (one synchronous write, so lines never interleave). */
  append(rec: SampleRecord): void {
    const key = sampleKey(rec.bench, rec.itemId, rec.sample);
    if (this.records.has(key)) return;
    try {
      appendFileSync(this.path, `${JSON.stringify(rec)}\n`);
    } catch (err) {
      throw new ResultsWriteError(`cannot append to ${this.path} (${errText(err)})`, { cause: err });
    }
    this.records.set(key, rec);
  }
}
