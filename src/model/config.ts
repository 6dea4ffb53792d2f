// src/model/config.ts — the one typed, zod-validated model config (dense Llama-style and DeepSeek-V3 options) and presets.

import { z } from 'zod';

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/**
 * Standard attention: MHA when nKvHeads == nHeads, GQA when nKvHeads divides nHeads (Ainslie et al. 2023).
 */
export const mhaSchema = z.strictObject({
  kind: z.literal('mha'),
  /** Key/value heads; defaults to nHeads (MHA). nHeads must be a multiple of it (GQA). */
  nKvHeads: posInt.optional(),
  /** Per-head dim; defaults to hidden / nHeads. */
  headDim: posInt.optional(),
  /** Biases on q/k/v projections (Qwen2 has them, Llama does not). */
  qkvBias: z.boolean().default(false),
  /** RMSNorm over each head's query and key before RoPE (Qwen3: q_norm, k_norm; eps normEps). */
  qkNorm: z.boolean().optional(),
});

/**
 * Multi-head Latent Attention (DeepSeek-V2 §2.1, V3 §2.1.1): keys and values come from a low-rank latent c_kv
 * (kvLoraRank wide) plus one decoupled RoPE key shared by all heads; the KV cache stores only those two.
 */
export const mlaSchema = z.strictObject({
  kind: z.literal('mla'),
  /** Rank of the query compression (V3: 1536); absent = queries projected directly from the hidden state. */
  qLoraRank: posInt.optional(),
  /** Rank of the joint KV compression (V3: 512). */
  kvLoraRank: posInt,
  /** Per-head query/key dim that carries no position (V3: 128). */
  qkNopeHeadDim: posInt,
  /** Per-head query/key dim that carries RoPE (decoupled key, V3: 64). Must be even. */
  qkRopeHeadDim: posInt,
  /** Per-head value dim (V3: 128). */
  vHeadDim: posInt,
});

export const attentionSchema = z.discriminatedUnion('kind', [mhaSchema, mlaSchema]);

/** SwiGLU feed-forward in every layer (Shazeer 2020). */
export const denseMlpSchema = z.strictObject({ kind: z.literal('dense') });

/**
 * DeepSeekMoE (V3 §2.1.2): nShared always-on experts plus nRouted fine-grained experts of which
 * expertsPerToken are chosen per token; the first firstKDenseReplace layers stay dense.
 */
export const moeSchema = z.strictObject({
  kind: z.literal('moe'),
  nSharedExperts: nonNegInt,
  nRoutedExperts: posInt,
  /** Top-k routed experts per token (V3: 8). */
  expertsPerToken: posInt,
  /** Hidden width of one expert's SwiGLU (V3: 2048). */
  moeIntermediate: posInt,
  /** Leading layers that use the dense SwiGLU (width `intermediate`) instead of MoE (V3: 3). */
  firstKDenseReplace: nonNegInt.default(0),
  /** Multiplier on the routed experts' combined output (V3: 2.5). */
  routedScalingFactor: z.number().positive().default(1),
  /** Affinity function: V3 uses sigmoid, V2 softmax. */
  gating: z.enum(['sigmoid', 'softmax']).default('sigmoid'),
  /** Normalise the chosen gates to sum to 1 (V3 eq. 13 does, for sigmoid gating). */
  normTopkProb: z.boolean().default(true),
  /** Node-limited routing: experts in nGroup groups, tokens only use the best topkGroup groups (V3 §2.1.2). */
  nGroup: posInt.default(1),
  topkGroup: posInt.default(1),
  /**
   * Auxiliary-loss-free balancing (V3 §2.1.2, Wang et al. 2024): a per-expert bias added to the affinity for
   * selection only, moved by ±biasUpdateSpeed (γ) after each step from the observed load. 0 disables it.
   */
  biasUpdateSpeed: z.number().nonnegative().default(0.001),
  /** Weight α of the complementary sequence-wise balance loss (V3 eq. 17–20); 0 = off. */
  seqAuxAlpha: z.number().nonnegative().default(0),
});

export const mlpSchema = z.discriminatedUnion('kind', [denseMlpSchema, moeSchema]);

/**
 * RoPE frequency scaling for contexts beyond the pretraining length, as Hugging Face's rope types: 'linear'
 * divides every frequency by factor (positions interpolated); 'llama3' (Llama 3.1+, DeepSeek-R1-Distill-Llama)
 * divides the low frequencies (wavelength > originalMaxPositionEmbeddings / lowFreqFactor) by factor, keeps the
 * high ones (wavelength < originalMaxPositionEmbeddings / highFreqFactor) and blends the band between; 'yarn'
 * (Peng et al. 2023; DeepSeek-V3 and R1, Qwen2.5's long-context setting) interpolates the low frequencies by factor,
 * keeps those that turn more than betaFast times over originalMaxPositionEmbeddings, ramps linearly between, and
 * scales cos/sin by an attention factor (attentionFactor, else from mscale / mscaleAllDim, else 0.1 ln(factor) + 1);
 * DeepSeek-V3's MLA also multiplies its softmax scale by (0.1 mscaleAllDim ln(factor) + 1)^2.
 */
export const ropeScalingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('linear'), factor: z.number().positive() }),
  z.strictObject({
    type: z.literal('llama3'),
    factor: z.number().positive(),
    lowFreqFactor: z.number().positive(),
    highFreqFactor: z.number().positive(),
    originalMaxPositionEmbeddings: posInt,
  }),
  z.strictObject({
    type: z.literal('yarn'),
    factor: z.number().positive(),
    originalMaxPositionEmbeddings: posInt,
    betaFast: z.number().positive().default(32),
    betaSlow: z.number().positive().default(1),
    mscale: z.number().nonnegative().optional(),
    mscaleAllDim: z.number().nonnegative().optional(),
    attentionFactor: z.number().positive().optional(),
    truncate: z.boolean().default(true),
  }),
]);
export type RopeScaling = z.output<typeof ropeScalingSchema>;

export const modelConfigSchema = z
  .strictObject({
    vocabSize: posInt,
    hidden: posInt,
    nLayers: posInt,
    nHeads: posInt,
    /** SwiGLU hidden width of dense layers. */
    intermediate: posInt,
    maxSeqLen: posInt.default(2048),
    ropeTheta: z.number().positive().default(10000),
    /** RoPE frequency scaling (null = none). */
    ropeScaling: ropeScalingSchema.nullable().default(null),
    normEps: z.number().positive().default(1e-5),
    /** Share the input embedding with the output head (nanoGPT, Qwen2-0.5B) or not (Llama, V3). */
    tieEmbeddings: z.boolean().default(false),
    attention: attentionSchema.default({ kind: 'mha', qkvBias: false }),
    mlp: mlpSchema.default({ kind: 'dense' }),
    /** Multi-token prediction depth D (V3 §2.2); 0 = no MTP modules. */
    mtpDepth: nonNegInt.default(0),
    /** Std of the normal init of weight matrices. */
    initStd: z.number().positive().default(0.02),
  })
  .superRefine((c, ctx) => {
    const bad = (message: string): void => ctx.addIssue({ code: 'custom', message });
    if (c.attention.kind === 'mha') {
      const kv = c.attention.nKvHeads ?? c.nHeads;
      if (c.nHeads % kv !== 0) bad(`nHeads (${c.nHeads}) must be a multiple of attention.nKvHeads (${kv})`);
      const hd = c.attention.headDim ?? c.hidden / c.nHeads;
      if (!Number.isInteger(hd)) bad(`hidden (${c.hidden}) must be divisible by nHeads (${c.nHeads}) or set attention.headDim`);
      else if (hd % 2 !== 0) bad(`head dim (${hd}) must be even for RoPE`);
    } else if (c.attention.qkRopeHeadDim % 2 !== 0) {
      bad(`attention.qkRopeHeadDim (${c.attention.qkRopeHeadDim}) must be even for RoPE`);
    }
    if (c.ropeScaling?.type === 'llama3' && c.ropeScaling.highFreqFactor <= c.ropeScaling.lowFreqFactor) {
      bad(`ropeScaling.highFreqFactor (${c.ropeScaling.highFreqFactor}) must exceed lowFreqFactor (${c.ropeScaling.lowFreqFactor})`);
    }
    if (c.mlp.kind === 'moe') {
      const m = c.mlp;
      if (m.expertsPerToken > m.nRoutedExperts) bad(`mlp.expertsPerToken (${m.expertsPerToken}) exceeds mlp.nRoutedExperts (${m.nRoutedExperts})`);
      if (m.firstKDenseReplace > c.nLayers) bad(`mlp.firstKDenseReplace (${m.firstKDenseReplace}) exceeds nLayers (${c.nLayers})`);
      if (m.nRoutedExperts % m.nGroup !== 0) bad(`mlp.nRoutedExperts (${m.nRoutedExperts}) must be divisible by mlp.nGroup (${m.nGroup})`);
      if (m.topkGroup > m.nGroup) bad(`mlp.topkGroup (${m.topkGroup}) exceeds mlp.nGroup (${m.nGroup})`);
      if (m.expertsPerToken > m.topkGroup * (m.nRoutedExperts / m.nGroup)) bad('mlp.expertsPerToken exceeds the experts in the topkGroup best groups');
    }
  });

/** Input shape of a config (defaults may be omitted). */
export type ModelConfigInput = z.input<typeof modelConfigSchema>;
/** A validated config with every default filled in. */
export type ModelConfig = z.output<typeof modelConfigSchema>;
export type MhaConfig = z.output<typeof mhaSchema>;
export type MlaConfig = z.output<typeof mlaSchema>;
export type MoeConfig = z.output<typeof moeSchema>;

/** Validate once at the boundary; throws an Error listing every problem. */
export function parseModelConfig(input: unknown, source = 'model config'): ModelConfig {
  const r = modelConfigSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`);
    throw new Error(`invalid ${source}:\n${lines.join('\n')}`);
  }
  return r.data;
}

/** Derived attention sizes used by both the model and the parameter counts. */
export function mhaDims(c: ModelConfig): { nKvHeads: number; headDim: number } {
  if (c.attention.kind !== 'mha') throw new Error('mhaDims: config uses MLA attention');
  return { nKvHeads: c.attention.nKvHeads ?? c.nHeads, headDim: c.attention.headDim ?? c.hidden / c.nHeads };
}

/** Whether layer `i` uses MoE (false = dense SwiGLU). */
export function isMoeLayer(c: ModelConfig, i: number): boolean {
  return c.mlp.kind === 'moe' && i >= c.mlp.firstKDenseReplace;
}

export const presetNames = ['tiny-dense', 'tiny-moe-mla', 'reference', 'deepseek-v3'] as const;
export type PresetName = (typeof presetNames)[number];

const presetInputs: Record<PresetName, ModelConfigInput> = {
  // Small enough for unit tests and toy RL runs: GQA with 2 KV heads, tied embeddings.
  'tiny-dense': {
    vocabSize: 512, hidden: 64, nLayers: 2, nHeads: 4, intermediate: 192, maxSeqLen: 512, tieEmbeddings: true,
    attention: { kind: 'mha', nKvHeads: 2 },
  },
  // Every DeepSeek-V3 feature at toy size: MLA with q compression, 1 dense + 2 MoE layers, 1 shared + 8 routed
  // experts top-2 in 2 groups, one MTP module.
  'tiny-moe-mla': {
    vocabSize: 512, hidden: 64, nLayers: 3, nHeads: 4, intermediate: 192, maxSeqLen: 512,
    attention: { kind: 'mla', qLoraRank: 48, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 8, vHeadDim: 16 },
    mlp: {
      kind: 'moe', nSharedExperts: 1, nRoutedExperts: 8, expertsPerToken: 2, moeIntermediate: 32,
      firstKDenseReplace: 1, routedScalingFactor: 1, gating: 'sigmoid', nGroup: 2, topkGroup: 2,
    },
    mtpDepth: 1,
  },
  // The benchmark model of issue 3: Llama-style, hidden 256, 4 layers, 4 heads, SwiGLU 1024, vocab 512.
  reference: {
    vocabSize: 512, hidden: 256, nLayers: 4, nHeads: 4, intermediate: 1024, maxSeqLen: 2048,
    attention: { kind: 'mha' },
  },
  // The real DeepSeek-V3 / R1 dims (HF config.json of deepseek-ai/DeepSeek-V3); only for counting parameters.
  'deepseek-v3': {
    vocabSize: 129280, hidden: 7168, nLayers: 61, nHeads: 128, intermediate: 18432, maxSeqLen: 163840,
    ropeTheta: 10000, normEps: 1e-6,
    ropeScaling: { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1, mscale: 1, mscaleAllDim: 1 },
    attention: { kind: 'mla', qLoraRank: 1536, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128 },
    mlp: {
      kind: 'moe', nSharedExperts: 1, nRoutedExperts: 256, expertsPerToken: 8, moeIntermediate: 2048,
      firstKDenseReplace: 3, routedScalingFactor: 2.5, gating: 'sigmoid', normTopkProb: true, nGroup: 8, topkGroup: 4,
    },
    mtpDepth: 1,
  },
};

/** A validated preset config; an unknown name (from JavaScript, or a string typed at run time) throws naming the presets. */
export function preset(name: PresetName): ModelConfig {
  if (typeof name !== 'string' || !isPresetName(name)) {
    throw new RangeError(`unknown model preset ${JSON.stringify(name) ?? String(name)}: use one of ${presetNames.join(', ')}`);
  }
  return parseModelConfig(presetInputs[name], `preset ${name}`);
}

export function isPresetName(s: string): s is PresetName {
  return (presetNames as readonly string[]).includes(s);
}
