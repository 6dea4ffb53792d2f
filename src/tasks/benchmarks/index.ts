// src/tasks/benchmarks/index.ts — loaders for the math benchmarks (GSM8K, MATH-500, AIME 2024, AMC 2023) read
// from JSONL files with their original field names, checked through the time-bounded math verifier.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { MathVerifier } from '../../verify/math/index.js';
// Normalization is plain string work (no computer-algebra library): loaded up front so answerKey works before,
// or without, any check() in this process (a resumed eval summarizes records checked by an earlier run).
import { normalizeAnswer } from '../../verify/math/normalize.js';
import type { CheckResult, PromptStyle, Split, Task, TaskItem } from '../types.js';
import { renderPrompt } from '../prompt.js';
import { parseCompletion } from '../../verify/completion.js';
import { benchmarkFile, resolveDataDir } from './data-dir.js';

type MathModule = typeof import('../../verify/math/index.js');

export type BenchmarkName = 'gsm8k' | 'math500' | 'aime24' | 'amc23';
export const BENCHMARK_NAMES: readonly BenchmarkName[] = ['gsm8k', 'math500', 'aime24', 'amc23'];

/** The part of MathVerifier a benchmark task uses (lets callers share one verifier, or pass a fake). */
export interface MathChecker {
  verify(gold: string, completion: string): Promise<{ correct: boolean; extracted: string | null; reason: string; timedOut: boolean }>;
  equivalent(a: string, b: string): Promise<boolean>;
  /** Compare a gold with an already extracted answer (MathVerifier has it; without it, verify() gets the answer boxed). */
  compare?(gold: string, answer: string): Promise<{ correct: boolean; reason: string; timedOut: boolean }>;
  /** Is the answer the gold verbatim, so that compare() would find it equivalent (MathVerifier has it)? */
  verbatim?(gold: string, answer: string): boolean;
}

/** compare()'s verdict on an answer that is the gold verbatim (isEquivalent's first rule). */
const VERBATIM = { correct: true, reason: 'equivalent', timedOut: false } as const;

export interface BenchmarkOptions {
  /** Folder with the JSONL files (default: $R1_DATA_DIR, else ../shared/data beside the package root). */
  dataDir?: string;
  /** Shared verifier; when absent the task starts its own on first check and stops it in close(). */
  verifier?: MathChecker;
  /** Per-check time limit of the task's own verifier (ms, default 2000). */
  timeoutMs?: number;
}

/** GSM8K: the gold answer is the number after "####" in the worked solution (thousands separators dropped). */
export function gsm8kGold(answer: string): string {
  const i = answer.lastIndexOf('####');
  if (i < 0) throw new Error('GSM8K answer has no "####" line');
  return answer.slice(i + 4).trim().replace(/,/g, '');
}

const gsm8kRow = z.object({ question: z.string(), answer: z.string() });
const math500Row = z.object({ problem: z.string(), solution: z.string(), answer: z.string(), subject: z.string(), level: z.number(), unique_id: z.string() });
const aimeRow = z.object({ id: z.number(), problem: z.string(), answer: z.union([z.string(), z.number()]), solution: z.string().optional(), url: z.string().optional() });
const amcRow = z.object({ id: z.number(), problem: z.string(), answer: z.union([z.string(), z.number()]), url: z.string().optional() });

interface BenchmarkSpec {
  file: string;
  description: string;
  toItem(row: unknown, index: number): TaskItem;
}

/** JSON numbers lose "27.0"'s decimal part on parse; String(27) = "27" is the same answer. */
const numText = (x: string | number): string => (typeof x === 'number' ? String(x) : x.trim());

const SPECS: Record<BenchmarkName, BenchmarkSpec> = {
  gsm8k: {
    file: 'gsm8k-test.jsonl',
    description: 'GSM8K test (1,319 grade-school word problems; gold after "####")',
    toItem(row, i) {
      const r = gsm8kRow.parse(row);
      return { id: `gsm8k-${i}`, question: r.question, gold: gsm8kGold(r.answer), meta: { solution: r.answer } };
    },
  },
  math500: {
    file: 'math500-test.jsonl',
    description: 'MATH-500 (500 competition problems; gold = answer)',
    toItem(row) {
      const r = math500Row.parse(row);
      return { id: r.unique_id, question: r.problem, gold: r.answer, meta: { subject: r.subject, level: r.level, solution: r.solution } };
    },
  },
  aime24: {
    file: 'aime24-test.jsonl',
    description: 'AIME 2024 (30 problems, integer answers 0–999)',
    toItem(row) {
      const r = aimeRow.parse(row);
      return { id: `aime24-${r.id}`, question: r.problem, gold: numText(r.answer), meta: { url: r.url } };
    },
  },
  amc23: {
    file: 'amc23-test.jsonl',
    description: 'AMC 2023 (40 problems; numeric answers)',
    toItem(row) {
      const r = amcRow.parse(row);
      return { id: `amc23-${r.id}`, question: r.problem, gold: numText(r.answer), meta: { url: r.url } };
    },
  },
};

export function benchmarkDescription(name: BenchmarkName): string {
  return SPECS[name].description;
}

/** Parse a JSONL benchmark file into items; errors name the file and line. */
export async function loadBenchmark(name: BenchmarkName, dataDir?: string): Promise<TaskItem[]> {
  const spec = SPECS[name];
  const path = benchmarkFile(resolveDataDir(dataDir), spec.file);
  const text = await readFile(path, 'utf8');
  const items: TaskItem[] = [];
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = (lines[ln] as string).trim();
    if (line === '') continue;
    try {
      items.push(spec.toItem(JSON.parse(line), items.length));
    } catch (e) {
      const msg = e instanceof z.ZodError ? z.prettifyError(e) : (e as Error).message;
      throw new Error(`${path}:${ln + 1}: bad ${name} row: ${msg}`);
    }
  }
  if (items.length === 0) throw new Error(`${path}: no ${name} rows (the file is empty): restore it from the benchmark's source`);
  return items;
}

/**
 * A benchmark task. Only the `test` split exists; `items` returns the file's rows in order (the first n when
 * given; the seed is ignored). The check reads the answer after the reasoning: from the last <answer> block
 * when there is one (a \boxed{} inside it is unwrapped), else from the final part by the verifier's usual
 * extraction (verify/completion.ts: Minerva line, boxed, answer phrase, GSM8K "####", math span, last number).
 */
export function benchmarkTask(name: BenchmarkName, opts: BenchmarkOptions = {}): Task & { close(): Promise<void> } {
  const spec = SPECS[name];
  if (spec === undefined) throw new Error(`unknown benchmark "${String(name)}" (expected ${BENCHMARK_NAMES.join(', ')})`);
  let rows: Promise<TaskItem[]> | null = null;
  let own: MathVerifier | null = null;
  // The math verifier (and its computer-algebra library) loads on first use: listing tasks or sampling
  // prompts should not pay its start-up cost.
  let math: MathModule | null = null;
  const loadMath = async (): Promise<MathModule> => (math ??= await import('../../verify/math/index.js'));
  const verifier = async (): Promise<MathChecker> => {
    if (opts.verifier !== undefined) return opts.verifier;
    const m = await loadMath();
    own ??= new m.MathVerifier({ timeoutMs: opts.timeoutMs ?? 2000 });
    return own;
  };
  return {
    name,
    description: spec.description,
    async items({ split, n }: { split: Split; n?: number; seed?: number }) {
      if (split !== 'test') throw new Error(`${name} is a benchmark: it has only the "test" split (asked for "${split}")`);
      if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new RangeError(`n must be a non-negative integer, got ${n}`);
      rows ??= loadBenchmark(name, opts.dataDir);
      rows.catch(() => (rows = null)); // a missing file can be fixed and retried
      const all = await rows;
      return n === undefined ? [...all] : all.slice(0, n);
    },
    prompt(item: TaskItem, style: PromptStyle): string {
      return renderPrompt(item.question, style);
    },
    async check(item: TaskItem, completion: string): Promise<CheckResult> {
      // The one completion parser finds the answer (after the reasoning; the <answer> block first); the verifier
      // only compares it with the gold, under its time limit.
      await loadMath(); // answerKey() normalizes with it
      const found = parseCompletion(completion).final;
      if (found === null) return { correct: false, score: 0, extracted: null, reason: 'no answer found' };
      const checker = await verifier();
      // The gold verbatim needs no worker round trip: the same verdict the comparer gives it, on this thread.
      const v =
        checker.verbatim?.(item.gold, found.answer) === true ? VERBATIM
        : checker.compare !== undefined ? await checker.compare(item.gold, found.answer)
        : await checker.verify(item.gold, `\\boxed{${found.answer}}`);
      const reason = found.method === 'answer-tag' ? `answer-tag: ${v.reason}` : v.reason;
      return { correct: v.correct, score: v.correct ? 1 : 0, extracted: found.answer, reason, ...(v.timedOut ? { timedOut: true } : {}) };
    },
    answerKey(extracted: string): string {
      return normalizeAnswer(extracted);
    },
    equivalent: async (a: string, b: string) => (await verifier()).equivalent(a, b),
    async close() {
      const v = own;
      own = null;
      if (v !== null) await v.close();
    },
  };
}
