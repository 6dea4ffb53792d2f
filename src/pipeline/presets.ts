// src/pipeline/presets.ts — the typed budgets of the R1 story in miniature: model sizes, the task, and the steps of
// every stage. `default` is what `npm start` runs (≤ 15 minutes on 2 cores); `quick` runs the same stages with tiny
// budgets (about a minute; exercised by the test suite), enough for R1-Zero to take up the format.

import { z } from 'zod';

const posInt = z.number().int().positive();

const modelSchema = z.strictObject({ hidden: posInt, nLayers: posInt, nHeads: posInt, nKvHeads: posInt, intermediate: posInt });

/** One GRPO stage's budget. */
const rlSchema = z.strictObject({ steps: posInt, promptsPerStep: posInt, groupSize: posInt, lr: z.number().positive() });

export const pipelinePresetSchema = z.strictObject({
  name: z.string(),
  seed: z.number().int().nonnegative(),
  /** The reasoning task (a synthetic task of the library) and its difficulty spec. */
  task: z.string(),
  difficulty: z.string(),
  /**
   * Further reasoning task families beside the main one (the paper's RL data mixes math, code, STEM and logic): each
   * with its difficulty, its share of every RL stage's prompts (the main task gets the rest), and how many of its
   * problems the base corpus answers in prose. Evaluated per task.
   */
  mix: z.array(z.strictObject({ task: z.enum(['countdown', 'knights', 'functions']), difficulty: z.string(), share: z.number().positive().max(0.9), documents: posInt })),
  vocabSize: posInt,
  maxSeqLen: posInt,
  /** Completion budget in tokens for RL and evaluation. */
  maxNewTokens: posInt,
  /** The main model (R1-Zero, R1) and the smaller distillation student. */
  model: modelSchema,
  student: modelSchema,
  base: z.strictObject({ documents: posInt, steps: posInt, batchSize: posInt, seqLen: posInt, lr: z.number().positive(), zhShare: z.number().min(0).max(1), zhAnsweredInEnglish: z.number().min(0).max(1), noteShare: z.number().min(0).max(1), noteSums: z.boolean(), notePlain: z.number().min(0).max(1), noteRules: z.boolean(), restate: z.boolean(), noteOpeners: z.boolean(), slip: z.number().min(0).max(1), workedShare: z.number().min(0).max(1), generalShare: z.number().min(0).max(1) }),
  zero: rlSchema,
  /**
   * How R1-Zero-style runs (zero, the student's RL, and the base's evaluation) are prompted: Table 1's template, or the
   * same ending in "<think>" so that the completion starts inside the reasoning block (see README: a base this small
   * rarely opens the tag by itself).
   */
  zeroPrompt: z.enum(['r1-zero', 'r1-zero-think']),
  /**
   * Where R1-Zero's accuracy reward reads the answer (zero and the student's RL): only from the <answer> block
   * ('answer-tag', as the paper requires the answer in a specified format), or also from prose ('anywhere').
   */
  zeroAnswer: z.enum(['answer-tag', 'anywhere']),
  /**
   * How every RL stage's loss averages over tokens: per sequence (GRPO), over all tokens (DAPO) or by a constant
   * (Dr. GRPO). Per-sequence means push short completions harder when their advantage is positive.
   */
  aggregation: z.enum(['sequence-mean', 'token-mean', 'constant']),
  r1: z.strictObject({
    /** Rejection sampling: prompts and samples per prompt for cold start and for the SFT round. */
    rejectPrompts: posInt,
    rejectK: posInt,
    coldStartSteps: posInt,
    /**
     * Readable solutions written from the problems' structure, in each question's language, joining the
     * rejection-sampled R1-Zero outputs in the cold start: the paper's cold start was also written and rewritten by
     * people (§2.3.1), and R1-Zero's samples for the questions it mixes languages on rarely pass the filters.
     */
    coldStartWritten: z.number().int().nonnegative(),
    /**
     * Learning rates of the cold start and of the SFT round. Both fine-tune a model RL has already trained (see
     * sftFrom) on a few hundred records for several epochs; at 1e-3 the default run's R1 lost 23 points to its R1-Zero
     * start over these two rounds, at 5e-4 / 3e-4 five (README, "The R1 stage's learning rates").
     */
    coldStartLr: z.number().positive(),
    sftLr: z.number().positive(),
    reasoningRl: rlSchema,
    sftSteps: posInt,
    finalRl: rlSchema,
    /** Weight of the language-consistency reward (DeepSeek-R1 §2.3.2). */
    languageWeight: z.number().min(0),
    /**
     * Where the language reward's ablation runs, for the report's comparison: 'zero' runs R1-Zero's RL a second time
     * with the language reward added (where this miniature's language mixing arises: R1-Zero reasons in English on
     * Chinese questions), 'r1' runs the reasoning RL a second time without it (the paper's §2.3.2 ablation; after a
     * cold start filtered for one language there is little mixing left to remove), 'none' skips it.
     */
    languageAblation: z.enum(['zero', 'r1', 'none']),
    /**
     * The checkpoint the cold start and the SFT round fine-tune: the base, as the paper does with DeepSeek-V3-Base, or
     * the R1-Zero model. Fine-tuned into the chat template, a model of a million parameters often fails to copy the
     * reasoning's result into the boxed summary (held-out 7% after 200 cold-start steps from the base or from R1-Zero
     * with the preset's seed; 59% from the base and 76% from R1-Zero with another); 400 steps from R1-Zero: 75%.
     */
    sftFrom: z.enum(['base', 'zero']),
    /**
     * General prompts (the `instructions` task: everyday requests whose constraints rules check), standing in for the
     * paper's helpfulness/harmlessness reward models: their difficulty, their share of the final RL round's prompts,
     * and how many plainly answered ones join the SFT round (the paper's non-reasoning SFT data, §2.3.3).
     */
    general: z.strictObject({ difficulty: z.string(), share: z.number().min(0).max(1), sftExamples: z.number().int().nonnegative() }),
  }),
  distill: z.strictObject({ prompts: posInt, k: posInt, studentBaseSteps: posInt, sftSteps: posInt, rl: rlSchema }),
  eval: z.strictObject({ items: posInt, k: posInt }),
  /** Price of a CPU core-hour, for the cost table (DeepSeek-R1 Table 7 style). */
  dollarsPerCoreHour: z.number().nonnegative(),
});
export type PipelinePreset = z.output<typeof pipelinePresetSchema>;

// Three one-digit operands: a worked answer (two small steps) generalizes to unseen problems far better than a bare
// result, so RL has a longer, more accurate way of answering to find (the "thinking longer" effect). 30% of the
// questions are asked in Chinese: multilingual RL prompts are where the paper saw language mixing.
const TASK = { task: 'arithmetic', difficulty: 'digits=1,operands=3,operators=+-,zh=0.3' };
// Countdown with two one-digit numbers (TinyZero's R1-Zero task, scaled down): which operation reaches the target is
// a small search, answered in the corpus by trying one and checking it.
const COUNTDOWN = { task: 'countdown' as const, difficulty: 'numbers=2,maxNumber=9,maxTarget=81', share: 0.2 };

export const PIPELINE_PRESETS: Record<'quick' | 'default', PipelinePreset> = {
  quick: {
    name: 'quick', seed: 1, ...TASK, mix: [{ ...COUNTDOWN, documents: 400 }], vocabSize: 768, maxSeqLen: 320, maxNewTokens: 48,
    model: { hidden: 96, nLayers: 3, nHeads: 4, nKvHeads: 2, intermediate: 256 },
    student: { hidden: 48, nLayers: 2, nHeads: 4, nKvHeads: 2, intermediate: 128 },
    base: { documents: 4000, steps: 500, batchSize: 12, seqLen: 128, lr: 3e-3, zhShare: 0.3, zhAnsweredInEnglish: 0, noteShare: 0.5, noteSums: true, notePlain: 0.5, noteRules: true, restate: true, noteOpeners: true, slip: 0, workedShare: 0.5, generalShare: 0.05 },
    zero: { steps: 30, promptsPerStep: 8, groupSize: 8, lr: 3e-4 }, zeroPrompt: 'r1-zero', zeroAnswer: 'anywhere', aggregation: 'sequence-mean',
    r1: { rejectPrompts: 24, rejectK: 2, coldStartSteps: 10, coldStartWritten: 8, coldStartLr: 1e-3, sftLr: 1e-3, reasoningRl: { steps: 3, promptsPerStep: 4, groupSize: 4, lr: 3e-4 }, sftSteps: 10, finalRl: { steps: 2, promptsPerStep: 4, groupSize: 4, lr: 3e-4 }, languageWeight: 0.5, languageAblation: 'zero', sftFrom: 'zero', general: { difficulty: 'easy', share: 0.3, sftExamples: 8 } },
    distill: { prompts: 24, k: 2, studentBaseSteps: 40, sftSteps: 10, rl: { steps: 4, promptsPerStep: 4, groupSize: 4, lr: 5e-4 } },
    eval: { items: 32, k: 4 },
    dollarsPerCoreHour: 0.05,
  },
  default: {
    name: 'default', seed: 1, ...TASK, mix: [{ ...COUNTDOWN, documents: 1500 }], vocabSize: 1024, maxSeqLen: 384, maxNewTokens: 64,
    model: { hidden: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, intermediate: 384 },
    student: { hidden: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, intermediate: 192 },
    base: { documents: 12000, steps: 1500, batchSize: 12, seqLen: 192, lr: 3e-3, zhShare: 0.3, zhAnsweredInEnglish: 0, noteShare: 0.5, noteSums: true, notePlain: 0.5, noteRules: true, restate: true, noteOpeners: true, slip: 0, workedShare: 0.5, generalShare: 0.05 },
    zero: { steps: 160, promptsPerStep: 8, groupSize: 8, lr: 2e-4 }, zeroPrompt: 'r1-zero', zeroAnswer: 'anywhere', aggregation: 'sequence-mean',
    r1: { rejectPrompts: 256, rejectK: 4, coldStartSteps: 400, coldStartWritten: 128, coldStartLr: 5e-4, sftLr: 3e-4, reasoningRl: { steps: 80, promptsPerStep: 8, groupSize: 8, lr: 1e-4 }, sftSteps: 400, finalRl: { steps: 20, promptsPerStep: 8, groupSize: 8, lr: 1e-4 }, languageWeight: 0.5, languageAblation: 'zero', sftFrom: 'zero', general: { difficulty: 'easy', share: 0.3, sftExamples: 64 } },
    distill: { prompts: 256, k: 4, studentBaseSteps: 400, sftSteps: 120, rl: { steps: 60, promptsPerStep: 8, groupSize: 8, lr: 1e-4 } },
    eval: { items: 256, k: 16 },
    dollarsPerCoreHour: 0.05,
  },
};

export function pipelinePreset(name: string): PipelinePreset {
  if (name !== 'quick' && name !== 'default') throw new Error(`unknown pipeline preset "${name}" (known: quick, default)`);
  const p = pipelinePresetSchema.parse(PIPELINE_PRESETS[name]);
  if (p.mix.reduce((a, m) => a + m.share, 0) >= 1) throw new Error(`preset "${name}": the mix's shares must leave some prompts to ${p.task}`);
  return p;
}
