// src/model/params.ts — the model's parameter list (names + shapes, no allocation) and closed-form parameter counts.

import { type ModelConfig, isMoeLayer, mhaDims } from './config.js';

/**
 * One named tensor of the model. Names follow the Hugging Face layouts (LlamaForCausalLM for dense + MHA,
 * DeepseekV3ForCausalLM for MLA/MoE) so a checkpoint maps one to one; shapes are PyTorch Linear (out, in).
 * `routed` marks routed-expert weights (inactive for a token unless chosen); `buffer` marks state that is saved
 * but not trained by gradient (the aux-loss-free routing bias); `mtp` marks the multi-token-prediction modules.
 */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'ones' | 'zeros';
  routed?: boolean;
  buffer?: boolean;
  mtp?: boolean;
}

function linear(name: string, out: number, inp: number): ParamSpec {
  return { name: `${name}.weight`, shape: [out, inp], init: 'normal' };
}
function norm(name: string, n: number): ParamSpec {
  return { name: `${name}.weight`, shape: [n], init: 'ones' };
}
function swiglu(prefix: string, hidden: number, inter: number): ParamSpec[] {
  return [linear(`${prefix}.gate_proj`, inter, hidden), linear(`${prefix}.up_proj`, inter, hidden), linear(`${prefix}.down_proj`, hidden, inter)];
}

/** Parameters of one attention block under `prefix` (e.g. `model.layers.0.self_attn`). */
export function attentionSpecs(c: ModelConfig, prefix: string): ParamSpec[] {
  const a = c.attention;
  if (a.kind === 'mha') {
    const { nKvHeads, headDim } = mhaDims(c);
    const out: ParamSpec[] = [
      linear(`${prefix}.q_proj`, c.nHeads * headDim, c.hidden),
      linear(`${prefix}.k_proj`, nKvHeads * headDim, c.hidden),
      linear(`${prefix}.v_proj`, nKvHeads * headDim, c.hidden),
      linear(`${prefix}.o_proj`, c.hidden, c.nHeads * headDim),
    ];
    if (a.qkvBias) {
      out.push({ name: `${prefix}.q_proj.bias`, shape: [c.nHeads * headDim], init: 'zeros' });
      out.push({ name: `${prefix}.k_proj.bias`, shape: [nKvHeads * headDim], init: 'zeros' });
      out.push({ name: `${prefix}.v_proj.bias`, shape: [nKvHeads * headDim], init: 'zeros' });
    }
    if (a.qkNorm) out.push(norm(`${prefix}.q_norm`, headDim), norm(`${prefix}.k_norm`, headDim));
    return out;
  }
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const out: ParamSpec[] = [];
  if (a.qLoraRank !== undefined) {
    out.push(linear(`${prefix}.q_a_proj`, a.qLoraRank, c.hidden));
    out.push(norm(`${prefix}.q_a_layernorm`, a.qLoraRank));
    out.push(linear(`${prefix}.q_b_proj`, c.nHeads * qk, a.qLoraRank));
  } else {
    out.push(linear(`${prefix}.q_proj`, c.nHeads * qk, c.hidden));
  }
  out.push(linear(`${prefix}.kv_a_proj_with_mqa`, a.kvLoraRank + a.qkRopeHeadDim, c.hidden));
  out.push(norm(`${prefix}.kv_a_layernorm`, a.kvLoraRank));
  out.push(linear(`${prefix}.kv_b_proj`, c.nHeads * (a.qkNopeHeadDim + a.vHeadDim), a.kvLoraRank));
  out.push(linear(`${prefix}.o_proj`, c.hidden, c.nHeads * a.vHeadDim));
  return out;
}

/** Parameters of the feed-forward of layer `layer` under `prefix` (e.g. `model.layers.3.mlp`). */
export function mlpSpecs(c: ModelConfig, layer: number, prefix: string): ParamSpec[] {
  if (c.mlp.kind !== 'moe' || !isMoeLayer(c, layer)) return swiglu(prefix, c.hidden, c.intermediate);
  const m = c.mlp;
  const out: ParamSpec[] = [linear(`${prefix}.gate`, m.nRoutedExperts, c.hidden)];
  out.push({ name: `${prefix}.gate.e_score_correction_bias`, shape: [m.nRoutedExperts], init: 'zeros', buffer: true });
  for (let e = 0; e < m.nRoutedExperts; e++) {
    for (const s of swiglu(`${prefix}.experts.${e}`, c.hidden, m.moeIntermediate)) out.push({ ...s, routed: true });
  }
  // HF deepseek_v3 fuses the shared experts into one SwiGLU of width nShared * moeIntermediate.
  if (m.nSharedExperts > 0) out.push(...swiglu(`${prefix}.shared_experts`, c.hidden, m.nSharedExperts * m.moeIntermediate));
  return out;
}

/** One decoder block (pre-norm attention + pre-norm feed-forward) under `model.layers.{layer}`. */
export function blockSpecs(c: ModelConfig, layer: number, mlpLayer = layer): ParamSpec[] {
  const p = `model.layers.${layer}`;
  return [
    norm(`${p}.input_layernorm`, c.hidden),
    ...attentionSpecs(c, `${p}.self_attn`),
    norm(`${p}.post_attention_layernorm`, c.hidden),
    ...mlpSpecs(c, mlpLayer, `${p}.mlp`),
  ];
}

/**
 * Every tensor of the model, in checkpoint order. MTP module d (V3 §2.2, eq. 21–22) sits at layer index
 * nLayers + d as in the DeepSeek-V3 checkpoint: enorm, hnorm, eh_proj (hidden × 2·hidden), a full MoE block,
 * and its own final norm; embedding and output head are shared with the main model.
 */
export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const out: ParamSpec[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.hidden], init: 'normal' }];
  for (let l = 0; l < c.nLayers; l++) out.push(...blockSpecs(c, l));
  out.push(norm('model.norm', c.hidden));
  if (!c.tieEmbeddings) out.push(linear('lm_head', c.vocabSize, c.hidden));
  for (let d = 0; d < c.mtpDepth; d++) {
    const l = c.nLayers + d;
    const p = `model.layers.${l}`;
    const specs = [
      norm(`${p}.enorm`, c.hidden),
      norm(`${p}.hnorm`, c.hidden),
      linear(`${p}.eh_proj`, c.hidden, 2 * c.hidden),
      ...blockSpecs(c, l, c.nLayers - 1), // same feed-forward kind as the last main layer
      norm(`${p}.shared_head.norm`, c.hidden),
    ];
    for (const s of specs) out.push({ ...s, mtp: true });
  }
  return out;
}

/** Parameter counts; `buffers` (routing biases) are excluded from every other figure. */
export interface ParamCounts {
  /** Trainable parameters of the main model (embedding + blocks + head), excluding MTP modules. */
  total: number;
  /** Parameters touched by one token in the main model: total minus the routed experts it does not use. */
  activePerToken: number;
  /** Extra parameters of the MTP modules (V3 reports 671B main + 14B MTP). */
  mtp: number;
  /** Non-trainable saved state (aux-loss-free routing biases). */
  buffers: number;
}

const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Counts by summing the actual parameter shapes. */
export function countFromSpecs(c: ModelConfig): ParamCounts {
  let total = 0, routed = 0, mtp = 0, buffers = 0;
  for (const s of paramSpecs(c)) {
    const n = prod(s.shape);
    if (s.buffer) buffers += n;
    else if (s.mtp) mtp += n;
    else {
      total += n;
      if (s.routed) routed += n;
    }
  }
  const m = c.mlp;
  const activeRouted = m.kind === 'moe' ? (routed * m.expertsPerToken) / m.nRoutedExperts : 0;
  return { total, activePerToken: total - routed + activeRouted, mtp, buffers };
}

/** Closed-form counts, written from the architecture equations rather than the spec list. */
export function countFormula(c: ModelConfig): ParamCounts {
  const h = c.hidden;
  let attn: number;
  const a = c.attention;
  if (a.kind === 'mha') {
    const { nKvHeads: kv, headDim: d } = mhaDims(c);
    // W_q, W_o: h·(nh·d) each; W_k, W_v: h·(kv·d) each; optional q/k/v biases.
    attn = 2 * h * c.nHeads * d + 2 * h * kv * d + (a.qkvBias ? c.nHeads * d + 2 * kv * d : 0) + (a.qkNorm ? 2 * d : 0);
  } else {
    const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
    // DeepSeek-V2 eq. 9–14: W_DQ, norm, W_UQ|W_QR  (or one W_Q), W_DKV|W_KR, norm, W_UK|W_UV, W_O.
    const q = a.qLoraRank !== undefined ? h * a.qLoraRank + a.qLoraRank + a.qLoraRank * c.nHeads * qk : h * c.nHeads * qk;
    attn = q + h * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank + a.kvLoraRank * c.nHeads * (a.qkNopeHeadDim + a.vHeadDim) + c.nHeads * a.vHeadDim * h;
  }
  const norms = 2 * h;
  const dense = 3 * h * c.intermediate;
  let moeAll = 0, moeActive = 0, nMoe = 0, perExpert = 0, buffersPerMoe = 0;
  if (c.mlp.kind === 'moe') {
    const m = c.mlp;
    perExpert = 3 * h * m.moeIntermediate;
    const shared = m.nSharedExperts * perExpert;
    moeAll = h * m.nRoutedExperts + shared + m.nRoutedExperts * perExpert; // router + shared + routed
    moeActive = h * m.nRoutedExperts + shared + m.expertsPerToken * perExpert;
    nMoe = c.nLayers - m.firstKDenseReplace;
    buffersPerMoe = m.nRoutedExperts;
  }
  const nDense = c.nLayers - nMoe;
  const embed = c.vocabSize * h;
  const head = c.tieEmbeddings ? 0 : c.vocabSize * h;
  const total = embed + head + h + c.nLayers * (attn + norms) + nDense * dense + nMoe * moeAll;
  const activePerToken = embed + head + h + c.nLayers * (attn + norms) + nDense * dense + nMoe * moeActive;
  const lastIsMoe = nMoe > 0;
  const mtpBlock = attn + norms + (lastIsMoe ? moeAll : dense);
  const mtp = c.mtpDepth * (2 * h + 2 * h * h + mtpBlock + h);
  const buffers = (nMoe + (lastIsMoe ? c.mtpDepth : 0)) * buffersPerMoe;
  return { total, activePerToken, mtp, buffers };
}
