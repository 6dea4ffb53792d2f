// src/train/config.ts — the typed trainer configs (SFT and GRPO), validated once with zod: config files (JSON or
// YAML) merged with flag overrides, one clear error line per mistake naming the file and the field.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/** AdamW + warmup/cosine schedule + clipping, shared by both trainers. */
export const optimSchema = z.strictObject({
  /** Peak learning rate. */
  lr: z.number().positive().default(1e-5),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.95),
  weightDecay: z.number().min(0).default(0.0),
  /** Linear warmup steps (optimizer steps). */
  warmupSteps: nonNegInt.default(0),
  /** The cosine decay ends at lr · minLrRatio (the issue: 1/10 of the peak). */
  minLrRatio: z.number().min(0).max(1).default(0.1),
  /** Global gradient-norm clip (0 = off). */
  maxGradNorm: z.number().min(0).default(1.0),
});
export type OptimConfig = z.output<typeof optimSchema>;

/** Where and how often a run writes. */
const runSchema = {
  /** Run directory: config.json, metrics.jsonl, samples.jsonl, checkpoints/, final/. */
  out: z.string().min(1),
  /** Model to start from: a Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json). */
  model: z.string().min(1),
  /**
   * A Jinja chat template file to prompt and train with instead of the checkpoint's own (tokenizer_config.json or
   * chat_template.jinja; the R1 template when it has none). Saved with the trained model's tokenizer.
   */
  chatTemplate: z.string().min(1).optional(),
  seed: nonNegInt.default(0),
  /** Optimizer steps to run. */
  steps: posInt,
  /** Write a resumable checkpoint every N steps (0 = only at the end and on SIGINT/SIGTERM). */
  checkpointEvery: nonNegInt.default(50),
  /** Checkpoints kept on disk (older ones are deleted once a newer one is complete). */
  keepCheckpoints: posInt.default(2),
  optim: optimSchema.default(optimSchema.parse({})),
};

/** A task in the RL prompt mix (DeepSeek-R1 §2.3.3 mixes math, code, STEM, logic and general prompts). */
export const taskMixSchema = z.strictObject({
  name: z.string().min(1),
  /** Relative share of prompts drawn from this task. */
  weight: z.number().positive().default(1),
  /** Synthetic tasks: a difficulty spec ("easy", "digits=2,operands=2"). */
  difficulty: z.string().optional(),
});

/** One reward in the weighted list (see src/reward). */
export const rewardSpecSchema = z.discriminatedUnion('name', [
  /** `requireFormat`: the answer counts only in that format (R1-Zero: from the <answer> block; prose earns 0). */
  z.strictObject({ name: z.literal('accuracy'), weight: z.number().min(0).default(1), requireFormat: z.enum(['r1-zero', 'r1-chat']).optional() }),
  z.strictObject({ name: z.literal('format'), weight: z.number().min(0).default(1), style: z.enum(['r1-zero', 'r1-chat']).default('r1-zero') }),
  z.strictObject({ name: z.literal('tag-count'), weight: z.number().min(0).default(1) }),
  z.strictObject({ name: z.literal('language'), weight: z.number().min(0).default(1), target: z.enum(['en', 'zh', 'question']).default('en') }),
  z.strictObject({ name: z.literal('overlong'), weight: z.number().min(0).default(1), cacheTokens: posInt.optional() }),
  z.strictObject({ name: z.literal('repetition'), weight: z.number().min(0).default(1), ngram: posInt.default(3), maxPenalty: z.number().max(0).default(-1) }),
]);
export type RewardSpec = z.output<typeof rewardSpecSchema>;

/** GRPO loss aggregation: per-sequence token mean (GRPO), global token mean (DAPO), constant normalizer (Dr. GRPO). */
export const LOSS_AGGREGATIONS = ['sequence-mean', 'token-mean', 'constant'] as const;
export type LossAggregation = (typeof LOSS_AGGREGATIONS)[number];

/**
 * Where the importance ratio π_θ / π_old is taken: per token (GRPO, PPO), or per sequence as the geometric mean of its
 * tokens' ratios, clipped as one (GSPO, Zheng et al. 2025; its clip range is far narrower, e.g. 3e-4 / 4e-4).
 */
export const IMPORTANCE_SAMPLING = ['token', 'sequence'] as const;
export type ImportanceSampling = (typeof IMPORTANCE_SAMPLING)[number];

/** How rewards become advantages: (r − mean)/std within the group, no std scaling (Dr. GRPO), or batch std. */
export const ADVANTAGE_SCALES = ['group', 'none', 'batch'] as const;
export type AdvantageScale = (typeof ADVANTAGE_SCALES)[number];

export const grpoConfigSchema = z
  .strictObject({
    ...runSchema,
    /** Prompts sampled per step; each gets `groupSize` completions (DeepSeek-R1: G = 16). */
    promptsPerStep: posInt.default(8),
    groupSize: z.number().int().min(2, 'groupSize (G) must be at least 2: advantages compare samples within a group').default(8),
    /** Longest completion in tokens; longer samples are cut and flagged truncated. */
    maxNewTokens: posInt.default(64),
    temperature: z.number().positive().default(1.0),
    topP: z.number().gt(0).max(1).default(1.0),
    /**
     * 'r1-zero': DeepSeek-R1 Table 1's plain template; 'r1-zero-think': the same ending in "<think>" (the completion
     * starts inside the reasoning block); 'chat': the R1 chat template (completion starts inside <think>).
     */
    promptStyle: z.enum(['r1-zero', 'r1-zero-think', 'chat']).default('r1-zero'),
    tasks: z.array(taskMixSchema, { error: (i) => (i.input === undefined ? 'required: give at least one task (--task arithmetic)' : undefined) }).min(1, 'tasks: give at least one task'),
    /**
     * Train on tasks that have only a test split (benchmarks), less a held-out part that is never drawn and that
     * held-out accuracy scores. Off: such a task in the mix is an error.
     */
    allowTestSplit: z.boolean().default(false),
    rewards: z.array(rewardSpecSchema, { error: (i) => (i.input === undefined ? 'required: give at least one reward (--reward accuracy)' : undefined) }).min(1, 'rewards: give at least one reward'),
    advantage: z.enum(ADVANTAGE_SCALES).default('group'),
    /** Clipped importance ratio, clip-higher (DAPO): ratio kept in [1 − epsLow, 1 + epsHigh]. */
    epsLow: z.number().min(0).max(1).default(0.2),
    epsHigh: z.number().min(0).default(0.2),
    /** Ratio per token (GRPO) or per sequence (GSPO; set epsLow/epsHigh to its narrow range, e.g. 0.0003 / 0.0004). */
    importanceSampling: z.enum(IMPORTANCE_SAMPLING).default('token'),
    /** KL coefficient β (k3 estimator); 0 loads no reference model. */
    beta: z.number().min(0).default(0.04),
    /** Copy the policy into the reference every N steps (DeepSeek-R1: 400; 0 = never). */
    refSyncSteps: nonNegInt.default(400),
    /** μ: passes over one rollout (DeepSeekMath Algorithm 1). */
    mu: posInt.default(1),
    /** Minibatches per pass: each is one optimizer step over its share of the rollout's groups. */
    minibatches: posInt.default(1),
    aggregation: z.enum(LOSS_AGGREGATIONS).default('sequence-mean'),
    /** DAPO dynamic sampling: drop groups whose rewards are all equal and sample more prompts, at most this many extra rounds. */
    dynamicSampling: z.strictObject({ enabled: z.boolean().default(false), maxRefills: nonNegInt.default(3) }).default({ enabled: false, maxRefills: 3 }),
    /** Give truncated samples (finish reason 'length') no loss (DAPO overlong filtering). */
    maskTruncated: z.boolean().default(false),
    /** Sequences per training forward (gradient accumulation inside a minibatch). */
    microBatch: posInt.default(16),
    /** Held-out accuracy every N steps through the eval runner (0 = off), on `evalItems` items per task. */
    evalEvery: nonNegInt.default(0),
    evalItems: posInt.default(32),
    /** Completions written to samples.jsonl per step. */
    logSamples: nonNegInt.default(4),
  })
  .superRefine((c, ctx) => {
    const bad = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
    const groups = c.promptsPerStep;
    if (groups % c.minibatches !== 0) bad('minibatches', `promptsPerStep (${groups}) must be divisible by minibatches (${c.minibatches}): each minibatch takes whole groups`);
    if (c.epsLow >= 1) bad('epsLow', 'epsLow must be below 1 (the ratio clip floor is 1 − epsLow)');
    if (c.rewards.every((r) => r.weight === 0)) bad('rewards', 'every reward weight is 0');
    const names = c.rewards.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) bad('rewards', `reward "${dup}" is listed twice`);
  });
export type GrpoConfig = z.output<typeof grpoConfigSchema>;
export type GrpoConfigInput = z.input<typeof grpoConfigSchema>;

export const sftConfigSchema = z
  .strictObject({
    ...runSchema,
    /** Training data: JSONL with `messages`, `prompt`/`completion`, or `text` lines. */
    data: z.string().min(1),
    /** Held-out data file, or a fraction of `data` held out (default 0.05). */
    heldout: z.union([z.string().min(1), z.number().min(0).lt(1)]).default(0.05),
    /** Sequences per micro-batch. */
    batchSize: posInt.default(8),
    /** Micro-batches per optimizer step. */
    gradAccum: posInt.default(1),
    /** Longest training sequence in tokens (longer examples are cut; default: the model's context). */
    seqLen: posInt.optional(),
    /**
     * Examples longer than seqLen: 'cut' trains on their first seqLen tokens; 'drop' leaves them out (distillation
     * traces: a cut trace trains a reply that never reaches its answer or its end).
     */
    longExamples: z.enum(['cut', 'drop']).default('cut'),
    /** Pack several short examples into one row (attention crosses examples; loss masks still apply). */
    packing: z.boolean().default(false),
    /** Loss on prompt tokens too (plain-text data always trains on every token). */
    trainOnPrompt: z.boolean().default(false),
    /** How chat/prompt data is rendered: the R1 chat template, or prompt text followed by the completion. */
    format: z.enum(['chat', 'text']).default('chat'),
    /** Weight λ of the multi-token-prediction loss (DeepSeek-V3 eq. 25) for models with MTP modules. */
    mtpWeight: z.number().min(0).default(0.3),
    /** Held-out loss every N steps (0 = only at the end). */
    evalEvery: nonNegInt.default(0),
  })
  .superRefine((c, ctx) => {
    if (c.packing && c.format === 'chat' && c.trainOnPrompt) ctx.addIssue({ code: 'custom', path: ['packing'], message: 'packing with trainOnPrompt is not supported' });
  });
export type SftConfig = z.output<typeof sftConfigSchema>;
export type SftConfigInput = z.input<typeof sftConfigSchema>;

/** Reads a JSON or YAML config file (by extension; .json is JSON, anything else is tried as YAML). */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the config (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: the config must be an object of settings`);
  return value as Record<string, unknown>;
}

/** Deep-merges `over` into `base` (objects merge key by key; arrays and scalars replace). */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
    out[k] = isObj(prev) && isObj(v) ? mergeConfig(prev, v) : v;
  }
  return out;
}

/** Validates a config; throws one Error whose lines each name a field and its problem. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, source: string, flagOf?: (path: readonly PropertyKey[]) => string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const msgOf = (i: z.core.$ZodIssue): string => (i.code === 'unrecognized_keys' ? `unknown setting${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => JSON.stringify(k)).join(', ')}` : i.message);
    // Settings given as command-line flags: one line naming each flag as typed.
    if (flagOf !== undefined) throw new Error(r.error.issues.map((i) => `${flagOf(i.path)}: ${i.path.length > 0 && i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'is required' : msgOf(i)}`).join('; '));
    const lines = r.error.issues.map((i) => {
      const path = i.path.map(String).join('.');
      return `  - ${path ? path + ': ' : ''}${msgOf(i)}`;
    });
    throw new Error(`${source}: invalid config\n${lines.join('\n')}`);
  }
  return r.data;
}

export const parseGrpoConfig = (input: unknown, source = 'GRPO config', flagOf?: (path: readonly PropertyKey[]) => string): GrpoConfig => parseConfig(grpoConfigSchema, input, source, flagOf);
export const parseSftConfig = (input: unknown, source = 'SFT config', flagOf?: (path: readonly PropertyKey[]) => string): SftConfig => parseConfig(sftConfigSchema, input, source, flagOf);
