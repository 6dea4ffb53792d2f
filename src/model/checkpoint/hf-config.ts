// src/model/checkpoint/hf-config.ts — ModelConfig <-> Hugging Face config.json (LlamaForCausalLM, Qwen2ForCausalLM,
// Qwen3ForCausalLM, DeepseekV3ForCausalLM).

import { z } from 'zod';
import { type ModelConfig, type ModelConfigInput, type RopeScaling, mhaDims, parseModelConfig } from '../config.js';

export type HfArchitecture = 'llama' | 'qwen2' | 'qwen3' | 'deepseek_v3';

/**
 * Which HF layout a config exports to: dense MHA/GQA -> llama (qwen2 with q/k/v biases, qwen3 with per-head q/k
 * norms), MLA -> deepseek_v3.
 */
export function hfArchitectureOf(c: ModelConfig): HfArchitecture {
  if (c.attention.kind === 'mla') return 'deepseek_v3';
  if (c.mlp.kind === 'moe') throw new Error('no Hugging Face layout for MHA attention with MoE feed-forward (use MLA for the deepseek_v3 layout)');
  if (c.attention.qkNorm) {
    if (c.attention.qkvBias) throw new Error('no Hugging Face layout for q/k/v biases with per-head q/k norms (qwen3 has norms and no biases)');
    return 'qwen3';
  }
  return c.attention.qkvBias ? 'qwen2' : 'llama';
}

/** config.json's rope_scaling object for a scaling (Hugging Face key names), or null. */
function hfRopeScaling(r: RopeScaling | null): Record<string, unknown> | null {
  if (!r) return null;
  if (r.type === 'linear') return { rope_type: 'linear', factor: r.factor };
  if (r.type === 'yarn') {
    return {
      rope_type: 'yarn', factor: r.factor, original_max_position_embeddings: r.originalMaxPositionEmbeddings, beta_fast: r.betaFast, beta_slow: r.betaSlow,
      ...(r.mscale !== undefined && { mscale: r.mscale }), ...(r.mscaleAllDim !== undefined && { mscale_all_dim: r.mscaleAllDim }),
      ...(r.attentionFactor !== undefined && { attention_factor: r.attentionFactor }), ...(!r.truncate && { truncate: false }),
    };
  }
  return { rope_type: 'llama3', factor: r.factor, low_freq_factor: r.lowFreqFactor, high_freq_factor: r.highFreqFactor, original_max_position_embeddings: r.originalMaxPositionEmbeddings };
}

/**
 * A config.json rope scaling (the older rope_scaling object, or transformers 5's rope_parameters, which also holds
 * rope_theta) as a RopeScaling; unsupported rope types are rejected by name.
 */
function parseRopeScaling(h: { rope_scaling?: unknown; rope_parameters?: Record<string, unknown> | null; max_position_embeddings: number }, source: string): RopeScaling | null {
  const raw = (h.rope_scaling ?? h.rope_parameters ?? null) as Record<string, unknown> | null;
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${source}: rope_scaling must be an object or null`);
  const key = h.rope_scaling != null ? 'rope_scaling' : 'rope_parameters';
  const type = raw.rope_type ?? raw.type ?? 'default';
  const num = (k: string): number => {
    const v = raw[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${source}: ${key}.${k} must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (type === 'default') return null;
  if (type === 'linear') return { type: 'linear', factor: num('factor') };
  if (type === 'llama3') {
    return { type: 'llama3', factor: num('factor'), lowFreqFactor: num('low_freq_factor'), highFreqFactor: num('high_freq_factor'), originalMaxPositionEmbeddings: num('original_max_position_embeddings') };
  }
  if (type === 'yarn') {
    const opt = (k: string): number | undefined => (raw[k] === undefined || raw[k] === null ? undefined : num(k));
    const nonNeg = (k: string): number | undefined => {
      const v = raw[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${source}: ${key}.${k} must be a number >= 0, got ${JSON.stringify(v)}`);
      return v;
    };
    if (raw.truncate !== undefined && typeof raw.truncate !== 'boolean') throw new Error(`${source}: ${key}.truncate must be true or false, got ${JSON.stringify(raw.truncate)}`);
    const original = opt('original_max_position_embeddings') ?? h.max_position_embeddings;
    // transformers: without a factor, the ratio of the context to the original one (DeepSeek-V3's configs give both).
    const factor = opt('factor') ?? h.max_position_embeddings / original;
    const mscale = nonNeg('mscale'), mscaleAllDim = nonNeg('mscale_all_dim'), attentionFactor = opt('attention_factor');
    return {
      type: 'yarn', factor, originalMaxPositionEmbeddings: original, betaFast: opt('beta_fast') ?? 32, betaSlow: opt('beta_slow') ?? 1,
      ...(mscale !== undefined && { mscale }), ...(mscaleAllDim !== undefined && { mscaleAllDim }), ...(attentionFactor !== undefined && { attentionFactor }),
      truncate: raw.truncate !== false,
    };
  }
  throw new Error(`${source}: ${key} type ${JSON.stringify(type)} is not supported (supported: default, linear, llama3, yarn)`);
}

/** The config.json for a model, with token ids from its tokenizer. */
export function toHfConfig(c: ModelConfig, ids: { bosId?: number; eosId?: number } = {}): Record<string, unknown> {
  const arch = hfArchitectureOf(c);
  const common = {
    vocab_size: c.vocabSize,
    hidden_size: c.hidden,
    intermediate_size: c.intermediate,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    hidden_act: 'silu',
    max_position_embeddings: c.maxSeqLen,
    rms_norm_eps: c.normEps,
    rope_theta: c.ropeTheta,
    rope_scaling: hfRopeScaling(c.ropeScaling),
    tie_word_embeddings: c.tieEmbeddings,
    initializer_range: c.initStd,
    use_cache: true,
    torch_dtype: 'float32',
    bos_token_id: ids.bosId ?? null,
    eos_token_id: ids.eosId ?? null,
  };
  if (arch !== 'deepseek_v3') {
    const { nKvHeads, headDim } = mhaDims(c);
    if (arch === 'llama') {
      return { architectures: ['LlamaForCausalLM'], model_type: 'llama', ...common, num_key_value_heads: nKvHeads, head_dim: headDim, attention_bias: false, attention_dropout: 0, mlp_bias: false, pretraining_tp: 1 };
    }
    if (arch === 'qwen3') {
      return { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', ...common, num_key_value_heads: nKvHeads, head_dim: headDim, attention_bias: false, use_sliding_window: false, sliding_window: null, max_window_layers: c.nLayers, attention_dropout: 0 };
    }
    if (headDim !== c.hidden / c.nHeads) throw new Error('qwen2 layout requires head dim = hidden / nHeads');
    return { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...common, num_key_value_heads: nKvHeads, use_sliding_window: false, sliding_window: null, max_window_layers: c.nLayers, attention_dropout: 0 };
  }
  const a = c.attention;
  if (a.kind !== 'mla') throw new Error('unreachable');
  const m = c.mlp;
  // An MLA model with dense feed-forward everywhere is a deepseek_v3 model whose first_k_dense_replace covers all layers.
  const moe = m.kind === 'moe' ? m : { nSharedExperts: 0, nRoutedExperts: 1, expertsPerToken: 1, moeIntermediate: c.intermediate, firstKDenseReplace: c.nLayers, routedScalingFactor: 1, gating: 'sigmoid' as const, normTopkProb: true, nGroup: 1, topkGroup: 1 };
  return {
    architectures: ['DeepseekV3ForCausalLM'],
    model_type: 'deepseek_v3',
    ...common,
    num_key_value_heads: c.nHeads,
    q_lora_rank: a.qLoraRank ?? null,
    kv_lora_rank: a.kvLoraRank,
    qk_nope_head_dim: a.qkNopeHeadDim,
    qk_rope_head_dim: a.qkRopeHeadDim,
    qk_head_dim: a.qkNopeHeadDim + a.qkRopeHeadDim,
    head_dim: a.qkRopeHeadDim,
    v_head_dim: a.vHeadDim,
    rope_interleave: true, // DeepSeek's RoPE pairs adjacent dims of q_pe/k_pe
    attention_bias: false,
    attention_dropout: 0,
    n_shared_experts: moe.nSharedExperts,
    n_routed_experts: moe.nRoutedExperts,
    num_experts_per_tok: moe.expertsPerToken,
    moe_intermediate_size: moe.moeIntermediate,
    first_k_dense_replace: moe.firstKDenseReplace,
    routed_scaling_factor: moe.routedScalingFactor,
    scoring_func: moe.gating,
    topk_method: 'noaux_tc',
    norm_topk_prob: moe.normTopkProb,
    n_group: moe.nGroup,
    topk_group: moe.topkGroup,
    num_nextn_predict_layers: c.mtpDepth,
  };
}

const nullableInt = z.number().int().positive().nullish();
const hfCommon = z.looseObject({
  model_type: z.string(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: nullableInt,
  head_dim: nullableInt,
  hidden_act: z.string().default('silu'),
  max_position_embeddings: z.number().int().positive().default(2048),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().optional(),
  rope_parameters: z.looseObject({ rope_theta: z.number().positive().optional(), rope_type: z.string().optional() }).nullish(),
  rope_scaling: z.unknown().optional(),
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  initializer_range: z.number().positive().default(0.02),
});
const hfDeepseek = hfCommon.extend({
  q_lora_rank: nullableInt,
  kv_lora_rank: z.number().int().positive(),
  qk_nope_head_dim: z.number().int().positive(),
  qk_rope_head_dim: z.number().int().positive(),
  v_head_dim: z.number().int().positive(),
  n_shared_experts: z.number().int().nonnegative().nullish(),
  n_routed_experts: z.number().int().positive().nullish(),
  num_experts_per_tok: z.number().int().positive().nullish(),
  moe_intermediate_size: z.number().int().positive(),
  first_k_dense_replace: z.number().int().nonnegative().default(0),
  routed_scaling_factor: z.number().positive().default(1),
  scoring_func: z.enum(['sigmoid', 'softmax']).default('sigmoid'),
  norm_topk_prob: z.boolean().default(true),
  n_group: z.number().int().positive().nullish(),
  topk_group: z.number().int().positive().nullish(),
  num_nextn_predict_layers: z.number().int().nonnegative().default(0),
});

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Parse a Hugging Face config.json object (llama, mistral-like llama, qwen2, qwen3, deepseek_v3) into a ModelConfig. */
export function fromHfConfig(json: unknown, source = 'config.json'): { config: ModelConfig; architecture: HfArchitecture } {
  const base = hfCommon.safeParse(json);
  if (!base.success) throw new Error(`${source}: not a supported Hugging Face config:\n${issues(base.error)}`);
  const h = base.data;
  if (h.hidden_act !== 'silu') throw new Error(`${source}: hidden_act ${h.hidden_act} is not supported (SwiGLU needs silu)`);
  const ropeScaling = parseRopeScaling(h, source);
  if (h.mlp_bias) throw new Error(`${source}: mlp_bias is not supported`);
  const ropeTheta = h.rope_theta ?? h.rope_parameters?.rope_theta ?? 10000;
  const common: ModelConfigInput = {
    vocabSize: h.vocab_size, hidden: h.hidden_size, nLayers: h.num_hidden_layers, nHeads: h.num_attention_heads,
    intermediate: h.intermediate_size, maxSeqLen: h.max_position_embeddings, ropeTheta, ropeScaling, normEps: h.rms_norm_eps,
    tieEmbeddings: h.tie_word_embeddings, initStd: h.initializer_range,
  };
  // Keep headDim implicit when it is the default hidden / heads, so configs round-trip unchanged.
  const headDim = h.head_dim != null && h.head_dim * h.num_attention_heads !== h.hidden_size ? h.head_dim : undefined;
  const hd = headDim !== undefined ? { headDim } : {};
  if (h.model_type === 'llama' || h.model_type === 'mistral') {
    if (h.attention_bias) throw new Error(`${source}: llama attention_bias=true (bias on o_proj too) is not supported`);
    const config = parseModelConfig({ ...common, attention: { kind: 'mha', nKvHeads: h.num_key_value_heads ?? h.num_attention_heads, ...hd, qkvBias: false } }, source);
    return { config, architecture: 'llama' };
  }
  if (h.model_type === 'qwen2') {
    const sw = json as { use_sliding_window?: unknown; sliding_window?: unknown };
    if (sw.use_sliding_window === true && typeof sw.sliding_window === 'number' && sw.sliding_window < h.max_position_embeddings) {
      throw new Error(`${source}: use_sliding_window=true (a ${sw.sliding_window}-token attention window) is not supported; r1ts attends to the whole context`);
    }
    // Qwen2 always has q/k/v biases and no o_proj bias.
    const config = parseModelConfig({ ...common, attention: { kind: 'mha', nKvHeads: h.num_key_value_heads ?? h.num_attention_heads, ...hd, qkvBias: true } }, source);
    return { config, architecture: 'qwen2' };
  }
  if (h.model_type === 'qwen3') {
    const sw = json as { use_sliding_window?: unknown; sliding_window?: unknown };
    if (sw.use_sliding_window === true && typeof sw.sliding_window === 'number' && sw.sliding_window < h.max_position_embeddings) {
      throw new Error(`${source}: use_sliding_window=true (a ${sw.sliding_window}-token attention window) is not supported; r1ts attends to the whole context`);
    }
    // Qwen3's attention_bias puts biases on all four projections, o_proj included: not this layout.
    if (h.attention_bias) throw new Error(`${source}: qwen3 attention_bias=true (bias on o_proj too) is not supported`);
    // Qwen3 always has per-head q/k RMSNorms and writes head_dim (128, also where hidden / heads differs).
    const config = parseModelConfig({ ...common, attention: { kind: 'mha', nKvHeads: h.num_key_value_heads ?? h.num_attention_heads, ...hd, qkvBias: false, qkNorm: true } }, source);
    return { config, architecture: 'qwen3' };
  }
  if (h.model_type === 'deepseek_v3') {
    const d = hfDeepseek.safeParse(json);
    if (!d.success) throw new Error(`${source}: not a valid deepseek_v3 config:\n${issues(d.error)}`);
    const v = d.data;
    if ((json as { rope_interleave?: unknown }).rope_interleave === false) throw new Error(`${source}: rope_interleave=false is not supported`);
    const allDense = v.first_k_dense_replace >= v.num_hidden_layers || !v.n_routed_experts;
    const config = parseModelConfig(
      {
        ...common,
        attention: { kind: 'mla', ...(v.q_lora_rank != null ? { qLoraRank: v.q_lora_rank } : {}), kvLoraRank: v.kv_lora_rank, qkNopeHeadDim: v.qk_nope_head_dim, qkRopeHeadDim: v.qk_rope_head_dim, vHeadDim: v.v_head_dim },
        mlp: allDense
          ? { kind: 'dense' }
          : {
              kind: 'moe', nSharedExperts: v.n_shared_experts ?? 0, nRoutedExperts: v.n_routed_experts!, expertsPerToken: v.num_experts_per_tok ?? 1,
              moeIntermediate: v.moe_intermediate_size, firstKDenseReplace: v.first_k_dense_replace, routedScalingFactor: v.routed_scaling_factor,
              gating: v.scoring_func, normTopkProb: v.norm_topk_prob, nGroup: v.n_group ?? 1, topkGroup: v.topk_group ?? 1,
            },
        mtpDepth: v.num_nextn_predict_layers,
      },
      source,
    );
    return { config, architecture: 'deepseek_v3' };
  }
  throw new Error(`${source}: model_type ${h.model_type} is not supported (llama, mistral, qwen2, qwen3, deepseek_v3 are)`);
}
