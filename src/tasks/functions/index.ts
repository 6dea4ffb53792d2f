// src/tasks/functions/index.ts — the `functions` task: a small synthetic code family a model of a million parameters
// can learn. "Write a Python function f(x) that returns x times 3, then plus 2." (or its Chinese wording), one to a
// few operations among + - * with small constants applied to x left to right. Checked for real: the completion's
// program runs in the sandbox (src/verify/code) against call tests f(x) for fixed inputs, all in one process;
// reward = fraction of tests passed (or all-pass), as for the code task.

import { z } from 'zod';
import type { Rng } from '../../util/rng.js';
import { runTests, testCaseSchema, type IsolationChoice, type RewardMode, type SandboxLimits, type TestCase } from '../../verify/code/index.js';
import { codeCheckOptionsSchema } from '../code/index.js';
import { parseDifficultySpec, resolveDifficulty } from '../difficulty.js';
import { renderPrompt } from '../prompt.js';
import { splitStream, takeItems, type GeneratedItem } from '../split.js';
import type { CheckResult, PromptStyle, Split, Task, TaskItem } from '../types.js';
import { extractFunctionCode, functionsAnswerKey } from './extract.js';
import { evaluateSteps, FUNCTION_OPS, functionQuestion, pythonExpression, solutionOf, workedSolution, type FunctionLang, type FunctionStep } from './program.js';

export { extractFunctionCode, functionsAnswerKey, plainDef, type FunctionCodeSource } from './extract.js';
export { evaluateSteps, FUNCTION_OPS, functionQuestion, pythonExpression, type FunctionLang, type FunctionOp, type FunctionStep } from './program.js';

/** The inputs every item is tested on: a negative number, zero, and positives. */
export const FUNCTION_TEST_INPUTS: readonly number[] = [-2, 0, 1, 5];

/** Completions longer than this are still checked, but only their last part is read (as for other tasks). */
const MAX_SCAN_CHARS = 200_000;
/** Programs longer than this are refused without running (an answer here is one line). */
export const MAX_FUNCTION_CODE_CHARS = 10_000;

/**
 * Sandbox limits unless the caller sets them: f is one arithmetic expression, so a second of CPU is ample. A program
 * that hangs inside f runs once batched, then once per unreported test: about 4 s of wall time on 2 cores.
 */
export const FUNCTIONS_DEFAULT_LIMITS: Readonly<Partial<SandboxLimits>> = Object.freeze({ cpuSeconds: 1, wallMs: 2000 });

/** "1..3" or "2" (or a number, or [lo, hi]) → [lo, hi]. */
const rangeSchema = z.preprocess(
  (v) => {
    if (typeof v === 'number') return [v, v];
    if (typeof v !== 'string') return v;
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(v);
    return m ? [Number(m[1]), Number(m[2] ?? m[1])] : v;
  },
  z
    .tuple([z.number().int().min(1).max(6), z.number().int().min(1).max(6)], { error: 'expected a range like 1..3 (1 to 6 operations)' })
    .refine(([lo, hi]) => lo <= hi, 'the range is empty (lo > hi)'),
);

/** Difficulty knobs. Every field accepts a string (CLI spec overrides such as "ops=1..2,max=9,zh=0.3"). */
export const functionsDifficultySchema = z
  .object({
    /** How many operations, drawn uniformly from the range [lo, hi] (spec: "ops=1..2"). */
    ops: rangeSchema,
    /** Constants are drawn uniformly from 1..max (spec: "max=9"; one digit by default). */
    max: z.coerce.number().int().min(1).max(99),
    /** Share of questions asked in Chinese ("写一个 Python 函数 f(x)，…"); default 0. */
    zh: z.coerce.number().min(0).max(1).optional(),
  })
  .strict();
export type FunctionsDifficulty = z.infer<typeof functionsDifficultySchema>;

export const functionsPresets: Readonly<Record<string, FunctionsDifficulty>> = {
  easy: { ops: [1, 1], max: 9 },
  medium: { ops: [1, 2], max: 9 },
  hard: { ops: [2, 3], max: 9 },
  extreme: { ops: [3, 4], max: 9 },
};

/** Parse a CLI difficulty spec ("hard", "ops=1..2,max=9,zh=0.3"); the default preset is "medium". */
export function functionsDifficultyFromSpec(spec: string): FunctionsDifficulty {
  return parseDifficultySpec('functions', spec, functionsPresets, 'medium', functionsDifficultySchema);
}

/** Options of the checker (the code task's, with tighter default limits: see FUNCTIONS_DEFAULT_LIMITS). */
export interface FunctionsCheckOptions {
  /** `fraction` (default): share of tests passed; `all-pass`: 1 only when every test passes. */
  reward?: RewardMode;
  /** Sandbox limits of one run, over FUNCTIONS_DEFAULT_LIMITS and the verifier's DEFAULT_LIMITS. */
  limits?: Partial<SandboxLimits>;
  /** Force an isolation mode (default `auto`: bubblewrap, else unshare, when one works here). */
  isolation?: IsolationChoice;
  /** Sandboxed processes of one program at once (default 2; they only run when the batched run left tests unreported). */
  concurrency?: number;
  /** Allow the rlimits fallback when no namespace backend works here (see RunOptions.unsafeSandbox). */
  unsafeSandbox?: boolean;
}

/** Everything the registry passes: a difficulty (knobs or spec) and checker options. */
export interface FunctionsTaskOptions extends FunctionsCheckOptions {
  difficulty?: Partial<FunctionsDifficulty> | string;
  /**
   * Verdicts the task remembers (default 2048; 0: none). A group of GRPO samples or the k samples of an evaluation
   * often hold the same program; a program already run against the same tests gets the remembered verdict (its
   * reason marked "(cached)") instead of another sandboxed run. Only verdicts that do not depend on the machine's
   * load are kept: passes, wrong results, exceptions — never a time, memory or output limit.
   */
  cacheSize?: number;
}

const checkOptionsSchema = codeCheckOptionsSchema.extend({ cacheSize: z.number().int().min(0).optional() }).strict();

const stepSchema = z.object({ op: z.enum(FUNCTION_OPS), n: z.number().int().min(1) }).strict();

/** What a functions item carries in `meta` (besides the split key). */
const metaSchema = z.object({
  expression: z.string(),
  steps: z.array(stepSchema).min(1),
  tests: z.array(testCaseSchema).min(1),
  io: z.literal('call'),
  lang: z.enum(['en', 'zh']),
});
export type FunctionsMeta = z.infer<typeof metaSchema>;

/** An item's meta, validated; throws naming the item when it is not a functions item. */
export function functionsMeta(item: TaskItem): FunctionsMeta {
  const r = metaSchema.safeParse(item.meta);
  if (!r.success) throw new Error(`functions: item ${item.id} has no valid meta: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** The call tests of a chain: f(x) for every FUNCTION_TEST_INPUTS value. */
export function functionTests(steps: readonly FunctionStep[]): TestCase[] {
  return FUNCTION_TEST_INPUTS.map((x) => ({ kind: 'call', fn: 'f', args: [x], expected: evaluateSteps(steps, x) }));
}

/**
 * One problem drawn from `rng`. Exactly one draw decides the language whatever `zh` is, so streams that differ
 * only in `zh` hold the same problems in the same order. The split key is the expression: a problem is in one
 * split in both languages.
 */
export function generateFunction(rng: Rng, d: FunctionsDifficulty): GeneratedItem {
  const count = rng.int(d.ops[0], d.ops[1]);
  const steps: FunctionStep[] = Array.from({ length: count }, () => ({ op: rng.pick(FUNCTION_OPS), n: rng.int(1, d.max) }));
  const lang: FunctionLang = rng.next() < (d.zh ?? 0) ? 'zh' : 'en';
  const expression = pythonExpression(steps);
  const meta: FunctionsMeta = { expression, steps, tests: functionTests(steps), io: 'call', lang };
  return { question: functionQuestion(steps, lang), gold: solutionOf(steps), key: expression, meta };
}

/** The canonical solution of an item: "def f(x): return x * 3 + 2". */
export function functionSolution(item: TaskItem): string {
  return solutionOf(functionsMeta(item).steps);
}

/**
 * A short worked solution in `lang` (plain prose, never tags): the operations in order, one input checked step by
 * step (x drawn from 1..5 with `rng`), then the code on its own line. See workedSolution in program.ts.
 */
export function functionWorked(item: TaskItem, lang: FunctionLang, rng: Rng): string {
  return workedSolution(functionsMeta(item).steps, lang, rng.int(1, 5));
}

/**
 * The user prompt. `r1-zero`: the question in DeepSeek-R1's Table 1 template (the program goes in <answer>, as a
 * plain def or a fenced block). `boxed`: the question and the step-by-step instruction, asking for a ```python block
 * instead of \boxed{} (as the code task does).
 */
export function functionsPrompt(item: TaskItem, style: PromptStyle): string {
  if (style === 'r1-zero') return renderPrompt(item.question, 'r1-zero');
  if (style === 'boxed') return `${item.question.trim()}\nPlease reason step by step, and put your final code in a single \`\`\`python block.`;
  throw new Error(`unknown prompt style "${String(style)}"`);
}

/** Remembered verdicts, oldest first out (see FunctionsTaskOptions.cacheSize). */
export class VerdictCache {
  private readonly map = new Map<string, CheckResult>();
  constructor(readonly capacity: number) {}
  get(key: string): CheckResult | undefined {
    return this.map.get(key);
  }
  set(key: string, r: CheckResult): void {
    if (this.capacity <= 0) return;
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, r);
  }
  get size(): number {
    return this.map.size;
  }
}

/** Test verdicts that would repeat on any machine at any load: passes, wrong results, exceptions, syntax errors. */
function repeatable(results: readonly { ok: boolean; reason?: string }[]): boolean {
  return results.every((t) => t.ok || t.reason === 'wrong result' || /^(exception: |runtime error \(exit 1\): \w+(Error|Exception)\b)/.test(t.reason ?? ''));
}

/**
 * Check a completion: extract its program (extract.ts: after the reasoning; a fenced block, else a plain def) and
 * run every test of the item in one sandboxed process. score = fraction passed (or all-pass); correct = all passed.
 * With a `cache`, a program already run against the same tests gets its remembered verdict.
 */
export async function checkFunction(item: TaskItem, completion: string, opts: FunctionsCheckOptions = {}, cache?: VerdictCache): Promise<CheckResult> {
  const meta = functionsMeta(item);
  const text = completion.length > MAX_SCAN_CHARS ? completion.slice(-MAX_SCAN_CHARS) : completion;
  const found = extractFunctionCode(text);
  if (found === null) return { correct: false, score: 0, extracted: null, reason: 'no code found' };
  if (found.code.length > MAX_FUNCTION_CODE_CHARS) {
    return { correct: false, score: 0, extracted: null, reason: `code longer than ${MAX_FUNCTION_CODE_CHARS} characters` };
  }
  const key = `${opts.reward ?? 'fraction'}\u0000${JSON.stringify(meta.tests)}\u0000${found.code}`;
  const seen = cache?.get(key);
  if (seen !== undefined) return { ...seen, reason: `${found.source}: ${seen.reason} (cached)` };
  const res = await runTests('python', found.code, meta.tests, {
    reward: opts.reward,
    limits: { ...FUNCTIONS_DEFAULT_LIMITS, ...(opts.limits ?? {}) },
    isolation: opts.isolation,
    concurrency: opts.concurrency,
    unsafeSandbox: opts.unsafeSandbox,
  });
  const k = res.results.findIndex((r) => !r.ok);
  const failed = meta.tests[k];
  const where = failed?.kind === 'call' ? `f(${failed.args.map((a) => JSON.stringify(a)).join(', ')}): ` : '';
  const verdict =
    k < 0 ? `all ${res.total} tests passed` : `${res.passed}/${res.total} tests passed; first failure: ${where}${res.results[k]?.reason ?? 'failed'}`;
  const r: CheckResult = { correct: res.passed === res.total, score: res.score, extracted: found.code, reason: verdict };
  if (cache !== undefined && repeatable(res.results)) cache.set(key, r);
  return { ...r, reason: `${found.source}: ${verdict}` };
}

/** The functions task at a difficulty (knobs or a spec; default "medium") with checker options. */
export function createFunctionsTask(options: FunctionsTaskOptions = {}): Task & {
  difficulty: FunctionsDifficulty;
  stream(opts: { split: Split; seed?: number }): Iterable<TaskItem>;
} {
  const { difficulty, cacheSize, ...check } = options;
  const parsed = checkOptionsSchema.safeParse({ ...check, cacheSize });
  if (!parsed.success) throw new Error(`functions: bad options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const d =
    typeof difficulty === 'string'
      ? functionsDifficultyFromSpec(difficulty)
      : resolveDifficulty('functions', { ...functionsPresets.medium, ...(difficulty ?? {}) }, functionsDifficultySchema);
  const stream = (opts: { split: Split; seed?: number }): Iterable<TaskItem> => splitStream('functions', (rng) => generateFunction(rng, d), opts);
  const cache = new VerdictCache(cacheSize ?? 2048);
  const zh = d.zh ?? 0;
  return {
    name: 'functions',
    description: `one-line Python functions f(x): ${d.ops[0]}..${d.ops[1]} operations (+ - *, constants 1..${d.max}) left to right${zh > 0 ? `, ${Math.round(zh * 100)}% in Chinese` : ''}; run against tests in a sandbox`,
    difficulty: d,
    stream,
    async items(opts) {
      return takeItems(stream(opts), opts.n);
    },
    prompt: functionsPrompt,
    check: (item, completion) => checkFunction(item, completion, check, cache),
    answerKey: functionsAnswerKey,
  };
}

/** The functions task with a difficulty and default checker options (the registry's synthetic-task shape). */
export function functionsTask(difficulty: Partial<FunctionsDifficulty> = {}): ReturnType<typeof createFunctionsTask> {
  return createFunctionsTask({ difficulty });
}
