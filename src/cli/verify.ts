// src/cli/verify.ts — `r1 verify`: check one answer or completion against a gold answer (exit 0 equivalent,
// 1 not, 2 bad usage, like cmp), or score a JSONL file of completions and print a summary. Thin: the work is
// in src/verify/math, always through the time-bounded MathVerifier.

import type { Command } from 'commander';
import { readLinesSync } from '../util/lines.js';
import { z } from 'zod';
import { flagErrors } from './flags.js';
import { EXTRACT_METHODS, GOLD_EXTRACT_MODES, MathVerifier, type ExtractMethod, type GoldExtract, type MathVerdict } from '../verify/math/index.js';

/** Streams and exit status, replaceable in tests. */
export interface VerifyCliDeps {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  setExitCode(code: number): void;
  /** The file's lines, read as a stream (a JSONL file of any size; '-' is standard input). */
  readLines(path: string): Iterable<{ text: string; lineNo: number }>;
}

/** Usage errors (bad flags, unreadable or malformed files) exit with 2. */
class UsageError extends Error {}

const flagsSchema = z
  .object({
    gold: z.string().optional(),
    answer: z.string().optional(),
    completion: z.string().optional(),
    file: z.string().min(1, '--file needs a path').optional(),
    json: z.boolean(),
    timeoutMs: z.coerce.number().positive().max(600_000),
    workers: z.coerce.number().int().min(1).max(64),
    relTol: z.coerce.number().min(0).lt(1).optional(),
    minAccuracy: z.coerce.number().min(0, '--min-accuracy is a fraction in [0, 1]').max(1, '--min-accuracy is a fraction in [0, 1]').optional(),
    priority: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''))
      .pipe(z.array(z.enum(EXTRACT_METHODS as [ExtractMethod, ...ExtractMethod[]])).min(1, '--priority needs at least one method'))
      .optional(),
    goldExtract: z.enum(GOLD_EXTRACT_MODES as [GoldExtract, ...GoldExtract[]]),
  })
  .superRefine((f, ctx) => {
    const issue = (message: string): void => ctx.addIssue({ code: 'custom', message });
    if (f.minAccuracy !== undefined && f.file === undefined) issue('--min-accuracy applies only to --file');
    if (f.file !== undefined) {
      if (f.gold !== undefined || f.answer !== undefined || f.completion !== undefined) issue('--file cannot be combined with --gold, --answer or --completion');
      return;
    }
    if (f.gold === undefined) issue('give --gold with --answer or --completion, or --file');
    if ((f.answer === undefined) === (f.completion === undefined)) issue('give exactly one of --answer and --completion');
  });
type Flags = z.infer<typeof flagsSchema>;

/** One row of a completions file: gold plus a completion (extraction) or a bare answer. */
const rowSchema = z
  .object({
    gold: z.union([z.string(), z.number()]).transform(String),
    completion: z.string().optional(),
    answer: z.union([z.string(), z.number()]).transform(String).optional(),
  })
  .refine((r) => r.completion !== undefined || r.answer !== undefined, { message: 'needs a "completion" or an "answer" field' });
type Row = z.infer<typeof rowSchema>;

/**
 * Parse every line first, so that a malformed file fails before any work, naming its line. Lines come one at a
 * time (never the whole file as one string, which V8 caps at ~512 MiB).
 */
export function parseCompletionsFile(lines: Iterable<{ text: string; lineNo: number }>, path: string): { line: number; row: Row }[] {
  const rows: { line: number; row: Row }[] = [];
  const it = lines[Symbol.iterator]();
  for (;;) {
    let next: IteratorResult<{ text: string; lineNo: number }>;
    try {
      next = it.next();
    } catch (e) {
      throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
    }
    if (next.done) break;
    const raw = next.value.text;
    const k = next.value.lineNo - 1;
    if (raw.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new UsageError(`${path}:${k + 1}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = rowSchema.safeParse(json);
    if (!parsed.success) throw new UsageError(`${path}:${k + 1}: bad row: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    rows.push({ line: k + 1, row: parsed.data });
  }
  if (rows.length === 0) throw new UsageError(`${path}: no rows (expected one JSON object per line with "gold" and "completion" or "answer")`);
  return rows;
}

function verifierFor(f: Flags): MathVerifier {
  return new MathVerifier({
    timeoutMs: f.timeoutMs,
    workers: f.workers,
    ...(f.relTol !== undefined && { relTol: f.relTol }),
    ...(f.priority !== undefined && { priority: f.priority }),
    goldExtract: f.goldExtract,
  });
}

async function single(f: Flags, deps: VerifyCliDeps): Promise<void> {
  const verifier = verifierFor(f);
  try {
    const gold = f.gold as string;
    let v: MathVerdict;
    if (f.completion !== undefined) v = await verifier.verify(gold, f.completion);
    else v = await verifier.compare(gold, f.answer as string);
    if (f.json) deps.stdout.write(JSON.stringify(v) + '\n');
    else {
      const verdict = v.timedOut ? 'not equivalent (timeout)' : v.correct ? 'equivalent' : 'not equivalent';
      deps.stdout.write(`${verdict}\n`);
      deps.stdout.write(`gold:      ${gold}  ->  ${v.parsedGold ?? '(unreadable)'}\n`);
      const label = f.completion !== undefined ? `extracted${v.method !== null ? ` (${v.method})` : ''}` : 'answer';
      deps.stdout.write(`${`${label}:`.padEnd(10)} ${v.extracted ?? '(none)'}  ->  ${v.parsedAnswer ?? '(unreadable)'}\n`);
      if (!v.correct) deps.stdout.write(`reason:    ${v.reason}\n`);
    }
    deps.setExitCode(v.correct ? 0 : 1);
  } finally {
    await verifier.close();
  }
}

export interface FileSummary {
  count: number;
  correct: number;
  accuracy: number;
  /** How answers were found: extraction methods, "answer" for bare answers, "none" when nothing was found. */
  methods: Record<string, number>;
  timeouts: number;
  results: { line: number; correct: boolean; extracted: string | null; method: string; reason: string; timedOut: boolean }[];
}

async function scoreFile(f: Flags, deps: VerifyCliDeps): Promise<void> {
  const path = f.file as string;
  const rows = parseCompletionsFile(deps.readLines(path), path);
  const verifier = verifierFor(f);
  let verdicts: MathVerdict[];
  try {
    verdicts = await Promise.all(
      rows.map(({ row }) =>
        row.completion !== undefined ? verifier.verify(row.gold, row.completion) : verifier.compare(row.gold, row.answer as string),
      ),
    );
  } finally {
    await verifier.close();
  }
  const summary: FileSummary = { count: rows.length, correct: 0, accuracy: 0, methods: {}, timeouts: 0, results: [] };
  for (const [k, v] of verdicts.entries()) {
    const { line, row } = rows[k] as { line: number; row: Row };
    const method = row.completion === undefined ? 'answer' : (v.method ?? (v.timedOut ? 'timeout' : 'none'));
    summary.methods[method] = (summary.methods[method] ?? 0) + 1;
    if (v.correct) summary.correct++;
    if (v.timedOut) summary.timeouts++;
    summary.results.push({ line, correct: v.correct, extracted: v.extracted, method, reason: v.reason, timedOut: v.timedOut });
  }
  summary.accuracy = summary.correct / summary.count;
  // Like a test runner: status 1 when the file scores below the bar (0 without a bar).
  const below = f.minAccuracy !== undefined && summary.accuracy < f.minAccuracy;
  if (below) deps.setExitCode(1);
  if (f.json) {
    deps.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  deps.stdout.write(`file:      ${path}\n`);
  deps.stdout.write(`count:     ${summary.count}\n`);
  deps.stdout.write(`correct:   ${summary.correct}\n`);
  deps.stdout.write(`accuracy:  ${(100 * summary.accuracy).toFixed(2)}%\n`);
  deps.stdout.write(`timeouts:  ${summary.timeouts}\n`);
  deps.stdout.write('methods:\n');
  for (const [m, n] of Object.entries(summary.methods).sort((a, b) => b[1] - a[1])) deps.stdout.write(`  ${m.padEnd(12)} ${n}\n`);
  if (below) deps.stderr.write(`r1 verify: accuracy ${(100 * summary.accuracy).toFixed(2)}% is below --min-accuracy ${(100 * f.minAccuracy!).toFixed(2)}%\n`);
}

/** Add `verify` under `parent`; settings such as exitOverride are inherited. */
export function addVerifyCommand(parent: Command, partial: Partial<VerifyCliDeps> = {}): Command {
  const deps: VerifyCliDeps = {
    stdout: process.stdout,
    stderr: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    readLines: (path) => readLinesSync(path === '-' ? 0 : path),
    ...partial,
  };
  return parent
    .command('verify')
    .description('check a math answer against a gold answer (exit 0 equivalent, 1 not, 2 bad usage), or score a JSONL file')
    .option('--gold <answer>', 'the reference answer')
    .option('--answer <answer>', 'a bare answer to compare with --gold')
    .option('--completion <text>', 'a full completion: its final answer is extracted first')
    .option('--file <path>', 'JSONL file (or - for stdin): one {"gold", "completion" | "answer"} object per line')
    .option('--json', 'print JSON', false)
    .option('--timeout-ms <ms>', 'hard limit per verification', '2000')
    .option('--workers <n>', 'worker threads', '1')
    .option('--rel-tol <x>', 'relative numeric tolerance (default 1e-6)')
    .option('--min-accuracy <x>', 'with --file: exit 1 when the accuracy (a fraction, e.g. 0.9) is below x')
    .option('--priority <methods>', `extraction order, comma-separated from: ${EXTRACT_METHODS.join(', ')}`)
    .option('--gold-extract <mode>', 'read the gold: auto (extract from solutions and prose), always, never', 'auto')
    .action(async (opts: Record<string, unknown>) => {
      try {
        const parsed = flagsSchema.safeParse(opts);
        if (!parsed.success) throw new UsageError(flagErrors(parsed.error, opts));
        if (parsed.data.file !== undefined) await scoreFile(parsed.data, deps);
        else await single(parsed.data, deps);
      } catch (e) {
        deps.stderr.write(`r1 verify: ${(e as Error).message}\n`);
        deps.setExitCode(e instanceof UsageError ? 2 : 1);
      }
    });
}

export function register(program: Command): void {
  addVerifyCommand(program);
}
