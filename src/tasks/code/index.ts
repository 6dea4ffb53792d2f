// src/tasks/code/index.ts — the code task: built-in programming problems, checked by running the completion's
// code block against the problem's tests in the sandbox (src/verify/code). Reward = fraction of tests passed
// (or all-pass), so partially right programs get partial credit.

import { z } from 'zod';
import { extractCodeBlock, runTests, testCaseSchema, type IsolationChoice, type Language, type RewardMode, type SandboxLimits } from '../../verify/code/index.js';
import { splitCompletion } from '../completion.js';
import { renderPrompt } from '../prompt.js';
import { fnv1a32, syntheticSplit } from '../split.js';
import type { CheckResult, PromptStyle, Split, Task, TaskItem } from '../types.js';
import { Rng } from '../../util/rng.js';
import { CODE_PROBLEMS, type CodeProblem } from './problems.js';

export { CODE_PROBLEMS, type CodeProblem } from './problems.js';

/** How many problems are held out (the ones whose slug hashes lowest: fixed by content, not by seed). */
export const CODE_HELDOUT_COUNT = 5;

/** Options of the code task's checker. */
export interface CodeTaskOptions {
  /** `fraction` (default): share of tests passed; `all-pass`: 1 only when every test passes. */
  reward?: RewardMode;
  /** Sandbox limits per test run (defaults: DEFAULT_LIMITS of src/verify/code). */
  limits?: Partial<SandboxLimits>;
  /** Force an isolation mode (default `auto`: bubblewrap, else unshare, when one works here). */
  isolation?: IsolationChoice;
  /** Tests of one program run at once (default 2). */
  concurrency?: number;
  /** Allow the rlimits fallback when bubblewrap is unavailable (see RunOptions.unsafeSandbox). */
  unsafeSandbox?: boolean;
}

/** The sandboxed checker's options, as a task's options take them (the functions task adds its cache to them). */
export const codeCheckOptionsSchema = z
  .object({
    reward: z.enum(['fraction', 'all-pass']).optional(),
    limits: z.record(z.string(), z.number()).optional(),
    isolation: z.enum(['auto', 'bubblewrap', 'unshare', 'rlimits']).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    unsafeSandbox: z.boolean().optional(),
  })
  .strict();

/** What a code item carries in `meta`. */
const metaSchema = z.object({ tests: z.array(testCaseSchema).min(1), io: z.enum(['stdio', 'call']) });

/** The held-out slugs: the CODE_HELDOUT_COUNT problems whose slug hash is smallest. */
export function heldoutSlugs(problems: readonly CodeProblem[] = CODE_PROBLEMS): Set<string> {
  const ranked = [...problems].sort((a, b) => fnv1a32(a.slug) - fnv1a32(b.slug) || (a.slug < b.slug ? -1 : 1));
  return new Set(ranked.slice(0, CODE_HELDOUT_COUNT).map((p) => p.slug));
}

function toItem(p: CodeProblem): TaskItem {
  const io = p.tests.every((t) => t.kind === 'stdio') ? 'stdio' : 'call';
  return {
    id: `code-${p.slug}`,
    question: p.statement,
    // The checker reads the tests from meta; gold says what "correct" means for display.
    gold: `passes all ${p.tests.length} tests`,
    meta: { tests: p.tests, io, slug: p.slug },
  };
}

const INSTRUCTION = {
  stdio: 'Write a complete Python 3 program that reads standard input and writes standard output.',
  call: 'Write the Python 3 function; it is called directly, so do not read input or print the result.',
};

/**
 * The user prompt: statement, what kind of program, and where the code goes. `r1-zero` wraps it in the
 * R1-Zero template (code inside <answer>); `boxed` adds the step-by-step instruction but asks for a code block
 * instead of \boxed{} (a program has no boxed form).
 */
export function codePrompt(item: TaskItem, style: PromptStyle): string {
  const meta = metaSchema.safeParse(item.meta);
  if (!meta.success) throw new Error(`code task: item ${item.id} has no valid meta.tests`);
  const body = `${item.question.trim()} ${INSTRUCTION[meta.data.io]}`;
  if (style === 'r1-zero') return renderPrompt(`${body} Put the complete code in a \`\`\`python block inside the answer.`, 'r1-zero');
  if (style === 'boxed') return `${body}\nPlease reason step by step, and put your final code in a single \`\`\`python block.`;
  throw new Error(`unknown prompt style "${String(style)}"`);
}

/**
 * Check a completion: the code is the last fenced block of the final part (the <answer> block when there is
 * one; never code inside <think>, which would reward half-finished drafts). A block tagged javascript/js runs
 * as JavaScript; untagged or python blocks run as Python.
 */
export async function checkCode(item: TaskItem, completion: string, opts: CodeTaskOptions = {}): Promise<CheckResult> {
  const meta = metaSchema.safeParse(item.meta);
  if (!meta.success) throw new Error(`code task: item ${item.id} has no valid meta.tests: ${meta.error.issues[0]?.message ?? ''}`);
  const parts = splitCompletion(completion);
  const block = extractCodeBlock(parts.answerBlock ?? parts.final);
  if (!block) return { correct: false, score: 0, extracted: null, reason: 'no code block found' };
  const lang: Language = block.lang ?? 'python';
  const res = await runTests(lang, block.code, meta.data.tests, {
    reward: opts.reward,
    limits: opts.limits,
    isolation: opts.isolation,
    concurrency: opts.concurrency,
    unsafeSandbox: opts.unsafeSandbox,
  });
  const firstFailure = res.results.find((r) => !r.ok)?.reason;
  return {
    correct: res.passed === res.total,
    score: res.score,
    extracted: block.code,
    reason: firstFailure ? `${res.passed}/${res.total} tests passed; first failure: ${firstFailure}` : `all ${res.total} tests passed`,
  };
}

/** A code task with its checker options. */
export function createCodeTask(options: CodeTaskOptions = {}): Task {
  const parsed = codeCheckOptionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`code task: bad options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const heldout = heldoutSlugs();
  return {
    name: 'code',
    description: `Programming problems (${CODE_PROBLEMS.length} built in), scored by running the code against tests in a sandbox`,
    async items({ split, n, seed }: { split: Split; n?: number; seed?: number }): Promise<TaskItem[]> {
      const want = syntheticSplit(split);
      const items = CODE_PROBLEMS.filter((p) => heldout.has(p.slug) === (want === 'heldout')).map(toItem);
      // A seed only reorders the fixed set (so `n` picks a seeded sample); membership never depends on it.
      if (seed !== undefined) new Rng(seed).shuffle(items);
      if (n === undefined) return items;
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
      return items.slice(0, n);
    },
    prompt: codePrompt,
    check: (item, completion) => checkCode(item, completion, options),
    answerKey: (extracted) => extracted.replace(/\s+/g, ' ').trim(),
  };
}

/** The code task with default options (fraction-of-tests reward, default limits, automatic isolation). */
export const codeTask: Task = createCodeTask();
