// src/serve/rewards/wire.ts — the reward service's wire types, validated with zod at the boundary: the typed
// native API (POST /v1/rewards), OpenRLHF's remote reward-model protocol (POST /get_reward), and the service
// config file (`r1 serve-rewards --config rewards.json`). No logic here beyond shape checks.

import { z } from 'zod';
import { rewardSpecSchema } from '../../train/config.js';
import { limitsSchema, testCaseSchema } from '../../verify/code/index.js';

const posInt = z.number().int().positive();

/** A reward list as the trainer's config takes it (src/train/config.ts), with the trainer's own checks. */
export const rewardListSchema = z
  .array(rewardSpecSchema)
  .min(1, 'give at least one reward')
  .superRefine((list, ctx) => {
    if (list.every((r) => r.weight === 0)) ctx.addIssue({ code: 'custom', message: 'every reward weight is 0' });
    const names = list.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) ctx.addIssue({ code: 'custom', message: `reward "${dup}" is listed twice` });
  });

/** One sample of the native API. */
export const sampleSchema = z.strictObject({
  /** The prompt the model saw (rendered chat text or plain prompt): the format rewards read whether it opened <think>. */
  prompt: z.string(),
  /** The model's completion only (not the prompt). */
  completion: z.string(),
  /** Reference answer (math: a number or LaTeX expression; synthetic tasks: their gold). */
  gold: z.union([z.string(), z.number()]).transform(String).optional(),
  /**
   * Which checker gives accuracy: `math` (the math verifier; also gsm8k, math500, aime24, amc23), `code` (tests in
   * the sandbox), or a synthetic task of the registry (arithmetic, countdown, knights; give its `meta`). Default:
   * `code` when `tests` are given, else the service's default task when `gold` is given.
   */
  task: z.string().min(1).optional(),
  /** Code: the test cases the program must pass (stdio or call tests, as src/verify/code takes them). */
  tests: z.array(testCaseSchema).min(1, 'tests: give at least one test case').optional(),
  /** Target language of the language-consistency reward for this sample (DeepSeek-R1 eq. 7); default: the spec's. */
  language: z.enum(['en', 'zh']).optional(),
  /** Completion length in tokens (the overlong penalty needs it, or a service started with a tokenizer to count it). */
  completionTokens: z.number().int().nonnegative().optional(),
  /** Task-specific data a synthetic task's checker reads (Countdown's numbers, ...). */
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type WireSample = z.output<typeof sampleSchema>;

/** POST /v1/rewards body. */
export const rewardsRequestSchema = z.strictObject({
  samples: z.array(sampleSchema).min(1, 'samples: give at least one sample'),
  /** The weighted reward list for this request (default: the service's). */
  rewards: rewardListSchema.optional(),
});
export type RewardsRequest = z.output<typeof rewardsRequestSchema>;

/** One sample's result: the trainer's total (null total counts as 0) and every component (null = not applicable). */
export interface RewardResult {
  total: number;
  components: Record<string, number | null>;
  /** Why accuracy scored what it did (the checker's reason: "no answer found", "timeout after 2000 ms", ...). */
  reason?: string;
}
export interface RewardsResponse {
  results: RewardResult[];
}

/**
 * POST /get_reward body as OpenRLHF sends it (openrlhf/utils/agent.py `_fetch_rewards_via_http`; before 2026,
 * openrlhf/utils/remote_rm_utils.py `remote_rm_fn`): `query` = prompt + response decoded with special tokens,
 * `prompts` = the prompts, `labels` = the dataset's label column. Unknown keys are ignored (newer clients may add
 * some); clients before v0.5.8 (Feb 2025) sent `query` alone and are refused with a message, since no prompt means no
 * way to cut the response out of the query.
 */
export const openRlhfRequestSchema = z
  .object({
    query: z.array(z.string()).min(1, 'query: give at least one sequence'),
    prompts: z.array(z.string(), { error: (i) => (i.input === undefined ? 'required (OpenRLHF sends it since v0.5.8: the response is cut out of each query after its prompt)' : undefined) }),
    // Each label is checked where it is read (labelFields), so that a bad one is named by its index and kind.
    labels: z.array(z.unknown()).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.prompts.length !== b.query.length) ctx.addIssue({ code: 'custom', path: ['prompts'], message: `${b.prompts.length} prompts for ${b.query.length} queries` });
    if (b.labels !== undefined && b.labels.length !== b.query.length) ctx.addIssue({ code: 'custom', path: ['labels'], message: `${b.labels.length} labels for ${b.query.length} queries` });
  });
export type OpenRlhfRequest = z.output<typeof openRlhfRequestSchema>;

/**
 * What OpenRLHF reads back: `rewards` (advantages), `scores` (0–1, for dynamic filtering), `extra_logs` (logged
 * per sample: OpenRLHF stacks each key into a tensor, so every value is a number).
 */
export interface OpenRlhfResponse {
  rewards: number[];
  scores: number[];
  extra_logs: Record<string, number[]>;
}

/**
 * A label that is a JSON object is a typed sample description (`{"task": "code", "tests": [...]}`,
 * `{"gold": "3/4", "task": "math"}`, `{"gold": ..., "task": "countdown", "meta": {...}}`); anything else is a gold
 * answer for the default task.
 */
export const labelObjectSchema = z.strictObject({
  gold: z.union([z.string(), z.number()]).transform(String).optional(),
  task: z.string().min(1).optional(),
  tests: z.array(testCaseSchema).min(1).optional(),
  language: z.enum(['en', 'zh']).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

/** The service config (`--config rewards.json`, JSON or YAML). */
export const serviceConfigSchema = z.strictObject({
  /** The weighted reward list, as in a GRPO config (default: accuracy + R1-Zero format, weight 1 each). */
  rewards: rewardListSchema.default([
    { name: 'accuracy', weight: 1 },
    { name: 'format', weight: 1, style: 'r1-zero' },
  ]),
  /** The generation budget in tokens: the overlong penalty's L_max, as the trainer's `maxNewTokens`. */
  maxNewTokens: posInt.default(1024),
  /**
   * A tokenizer (a Hugging Face tokenizer.json, or a directory holding one: an r1ts checkpoint) that counts a
   * completion's tokens when a sample gives no `completionTokens` (OpenRLHF sends none), so that the overlong
   * penalty applies to it. Without one, overlong is null (not applicable) for such samples.
   */
  tokenizer: z.string().min(1).optional(),
  /** Checker of samples that give a gold answer and no task. */
  defaultTask: z.string().min(1).default('math'),
  /** Math verifier: worker threads (the `--workers` flag overrides) and the time budget of one check. */
  workers: z.number().int().min(1).max(64).default(2),
  mathTimeoutMs: z.number().int().min(10).max(600_000).default(2000),
  /** Code checks: sandbox limits per test run, reward mode, programs checked at once (default: workers). */
  code: z
    .strictObject({
      limits: limitsSchema.partial().optional(),
      reward: z.enum(['fraction', 'all-pass']).default('fraction'),
      concurrency: z.number().int().min(1).max(64).optional(),
      unsafeSandbox: z.boolean().default(false),
    })
    .default({ reward: 'fraction', unsafeSandbox: false }),
  /** Samples admitted and not yet scored, over all requests; past it a request is answered 503. */
  maxQueue: posInt.default(4096),
  /** Largest request body in MiB (413 past it): a batch of long R1 completions easily passes the default 16. */
  bodyLimitMb: z.number().positive().max(4096).default(16),
  /**
   * Server processes on the one port (node:cluster), each with its own HTTP event loop and its share of `workers`,
   * `maxQueue` and the code programs: one event loop caps the service (near 25,000 single-sample requests/s where
   * measured), so a machine with cores to spare serves more with several. Needs `workers` >= `procs`.
   */
  procs: z.number().int().min(1).max(64).default(1),
  /** A request not answered within this many ms is answered 504 (its samples keep their slots until done). */
  deadlineMs: z.number().int().min(100).max(3_600_000).default(120_000),
  /**
   * OpenRLHF: end-of-sequence and padding tokens cut from the end of a response (OpenRLHF decodes with special
   * tokens kept). Default: the end tokens of Qwen, Llama 3, DeepSeek and the r1ts tokenizers.
   */
  endTokens: z.array(z.string().min(1)).default(['<|im_end|>', '<|endoftext|>', '<|eot_id|>', '<|end_of_text|>', '<｜end▁of▁sentence｜>', '</s>', '<|end|>', '<eos>']),
}).superRefine((c, ctx) => {
  if (c.workers < c.procs) ctx.addIssue({ code: 'custom', path: ['procs'], message: `${c.procs} processes need at least ${c.procs} math workers (each process has its own share), got workers ${c.workers}` });
});
export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;
