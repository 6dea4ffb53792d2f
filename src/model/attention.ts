// src/model/attention.ts — causal self-attention with RoPE, MHA or GQA (Ainslie et al. 2023: nKvHeads < nHeads
// heads of K/V shared by groups of query heads), HF Llama/Qwen2 layout (rotate-half RoPE, optional q/k/v biases).
// B = batch, T = new tokens, C = hidden, H = query heads, Hkv = kv heads, D = head dim, S = cached + new tokens.

import { Linear, Module } from '../nn/index.js';
import { attention, permute, reshape, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { type ModelConfig, mhaDims } from './config.js';
import type { ForwardContext } from './context.js';
import { applyRope } from './rope.js';

export class SelfAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  readonly H: number;
  readonly Hkv: number;
  readonly D: number;

  constructor(engine: Engine, rng: Rng, readonly config: ModelConfig) {
    super(engine);
    if (config.attention.kind !== 'mha') throw new Error('SelfAttention needs attention.kind = mha');
    const { nKvHeads, headDim } = mhaDims(config);
    this.H = config.nHeads;
    this.Hkv = nKvHeads;
    this.D = headDim;
    const bias = config.attention.qkvBias;
    const std = config.initStd;
    const C = config.hidden;
    this.q_proj = this.child('q_proj', new Linear(engine, rng, C, this.H * headDim, { bias, std }));
    this.k_proj = this.child('k_proj', new Linear(engine, rng, C, nKvHeads * headDim, { bias, std }));
    this.v_proj = this.child('v_proj', new Linear(engine, rng, C, nKvHeads * headDim, { bias, std }));
    this.o_proj = this.child('o_proj', new Linear(engine, rng, this.H * headDim, C, { bias: false, std }));
  }

  /** x (B, T, C) -> (B, T, C). */
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const { B, T } = ctx;
    const { H, Hkv, D } = this;
    const q = applyRope(reshape(this.q_proj.forward(x), [B, T, H, D]), ctx.rope, false); // (B, T, H, D)
    const k = applyRope(reshape(this.k_proj.forward(x), [B, T, Hkv, D]), ctx.rope, false); // (B, T, Hkv, D)
    const v = reshape(this.v_proj.forward(x), [B, T, Hkv, D]); // (B, T, Hkv, D)
    const qh = permute(q, [0, 2, 1, 3]); // (B, H, T, D)
    let y: Tensor; // (B, H, T, D)
    if (ctx.cache) y = this.cachedAttention(qh, k, v, ctx);
    else y = attention(qh, permute(k, [0, 2, 1, 3]), permute(v, [0, 2, 1, 3]), { causal: true });
    const merged = reshape(permute(y, [0, 2, 1, 3]), [B, T, H * D]); // (B, T, H·D)
    return this.o_proj.forward(merged);
  }

  /**
   * Inference: append k, v (B, T, Hkv, D) to each row's cache at its start, then attend the T queries of row b to
   * its S = start + T cached keys, one attention call per (row, kv head) on views of the cache buffers (no copies of the cache).
   */
  private cachedAttention(qh: Tensor, k: Tensor, v: Tensor, ctx: ForwardContext): Tensor {
    const { B, T } = ctx;
    const { H, Hkv, D } = this;
    const { cache, layer, rows, starts } = ctx.cache!;
    const L = cache.maxLen;
    const K = cache.k[layer]!, V = cache.v[layer]!;
    const kd = k.data, vd = v.data;
    for (let b = 0; b < B; b++) {
      const r = rows[b]!, s0 = starts[b]!;
      if (s0 + T > L) throw new RangeError(`KV cache row ${r} is full: ${s0} + ${T} tokens exceed maxLen ${L}`);
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < Hkv; h++) {
          const src = ((b * T + t) * Hkv + h) * D;
          const dst = ((r * Hkv + h) * L + s0 + t) * D;
          K.set(kd.subarray(src, src + D), dst);
          V.set(vd.subarray(src, src + D), dst);
        }
      }
    }
    const e = qh.engine;
    const out = e.empty([B, H, T, D]); // (B, H, T, D)
    const group = H / Hkv;
    const scale = 1 / Math.sqrt(D);
    for (let b = 0; b < B; b++) {
      const r = rows[b]!, S = starts[b]! + T;
      for (let g = 0; g < Hkv; g++) {
        // The query heads of kv group g, and that kv head's first S cached positions: contiguous views, no copies.
        const qo = (b * H + g * group) * T * D;
        const ko = (r * Hkv + g) * L * D;
        const qv = e.wrap(qh.data.subarray(qo, qo + group * T * D), [1, group, T, D], { scoped: false }); // (1, group, T, D)
        const kv = e.wrap(K.subarray(ko, ko + S * D), [1, 1, S, D], { scoped: false }); // (1, 1, S, D)
        const vv = e.wrap(V.subarray(ko, ko + S * D), [1, 1, S, D], { scoped: false }); // (1, 1, S, D)
        const o = attention(qv, kv, vv, { causal: true, scale }); // (1, group, T, D)
        out.data.set(o.data, qo);
        o.dispose();
      }
    }
    return out;
  }
}

