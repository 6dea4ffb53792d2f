// src/model/attention.ts — causal self-attention with RoPE, MHA or GQA (Ainslie et al. 2023: nKvHeads < nHeads
// heads of K/V shared by groups of query heads), HF Llama/Qwen2/Qwen3 layout (rotate-half RoPE, optional q/k/v
// biases, optional per-head RMSNorm of queries and keys before RoPE as in Qwen3).
// B = batch, T = new tokens, C = hidden, H = query heads, Hkv = kv heads, D = head dim, S = cached + new tokens.

import { Linear, Module, RMSNorm } from '../nn/index.js';
import { attention, concat, indexSelect, reshape, slice, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { type ModelConfig, mhaDims } from './config.js';
import type { ForwardContext } from './context.js';
import { applyRope } from './rope.js';
import { equalLengthRuns } from './cache.js';

export class SelfAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  /** Qwen3's per-head norms of q and k (null without attention.qkNorm). */
  readonly q_norm: RMSNorm | null = null;
  readonly k_norm: RMSNorm | null = null;
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
    if (config.attention.qkNorm) {
      this.q_norm = this.child('q_norm', new RMSNorm(engine, headDim, config.normEps));
      this.k_norm = this.child('k_norm', new RMSNorm(engine, headDim, config.normEps));
    }
  }

  /** x (B, T, C) -> (B, T, C). */
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const { B, T } = ctx;
    const { H, Hkv, D } = this;
    let q = reshape(this.q_proj.forward(x), [B, T, H, D]); // (B, T, H, D)
    let k = reshape(this.k_proj.forward(x), [B, T, Hkv, D]); // (B, T, Hkv, D)
    if (this.q_norm && this.k_norm) {
      q = this.q_norm.forward(q); // each head's D normalized (Qwen3)
      k = this.k_norm.forward(k);
    }
    q = applyRope(q, ctx.rope, false);
    k = applyRope(k, ctx.rope, false);
    const v = reshape(this.v_proj.forward(x), [B, T, Hkv, D]); // (B, T, Hkv, D)
    // The strided kernel reads the (B, T, heads, D) projections as they are: no head permutes.
    let y: Tensor; // (B, T, H, D)
    if (ctx.cache) y = this.cachedAttention(q, k, v, ctx);
    else if (ctx.shared?.prompts.mode === 'attend') y = this.afterPrompts(q, k, v, ctx);
    else {
      if (ctx.shared) (ctx.shared.prompts.k[ctx.shared.layer] = k), (ctx.shared.prompts.v[ctx.shared.layer] = v);
      y = attention(q, k, v, { causal: true, layout: 'bthd' });
    }
    return this.o_proj.forward(reshape(y, [B, T, H * D])); // (B, T, C)
  }

  /**
   * Completion rows after shared prompts: each run of rows attends to its prompt's real positions (the stored K/V,
   * picked once per row), then causally to its own k, v (B, T, Hkv, D): queries sit at positions length + t.
   */
  private afterPrompts(q: Tensor, k: Tensor, v: Tensor, ctx: ForwardContext): Tensor {
    const { layer, prompts } = ctx.shared!;
    const Kp = prompts.k[layer]!, Vp = prompts.v[layer]!; // (Np, Pmax, Hkv, D)
    const ys = prompts.runs.map(({ row, n, prompt, length }) => {
      const pick = new Int32Array(n).fill(prompt);
      const kk = concat([indexSelect(slice(Kp, 1, 0, length), 0, pick), slice(k, 0, row, row + n)], 1); // (n, length + T, Hkv, D)
      const vv = concat([indexSelect(slice(Vp, 1, 0, length), 0, pick), slice(v, 0, row, row + n)], 1);
      return attention(slice(q, 0, row, row + n), kk, vv, { causal: true, layout: 'bthd' }); // (n, T, H, D)
    });
    return ys.length === 1 ? ys[0]! : concat(ys, 0);
  }

  /**
   * Inference: append k, v (B, T, Hkv, D) to each row's time-major cache (rows, L, Hkv, D) at its start, then attend
   * the T queries of row b to its S = start + T cached positions. Decode steps (T = 1) use the ragged decode kernel,
   * one call for all rows; prefill chunks use the strided kernel on the cache in place, one call per run of
   * consecutive rows at equal lengths (a batch of samples of one prompt is a single call).
   */
  private cachedAttention(q: Tensor, k: Tensor, v: Tensor, ctx: ForwardContext): Tensor {
    const { B, T } = ctx;
    const { H, Hkv, D } = this;
    const { cache, layer, rows, starts } = ctx.cache!;
    const L = cache.maxLen;
    const K = cache.k[layer]!, V = cache.v[layer]!;
    const tok = Hkv * D; // values per cached position
    const e = q.engine;
    for (let b = 0; b < B; b++) {
      const r = rows[b]!, s0 = starts[b]!;
      if (s0 + T > L) throw new RangeError(`KV cache row ${r} is full: ${s0} + ${T} tokens exceed maxLen ${L}`);
      const at = (r * L + s0) * tok, n = T * tok;
      if (K instanceof Uint16Array) {
        e.backend.toF16(k.data.subarray(b * n, (b + 1) * n), K.subarray(at, at + n));
        e.backend.toF16(v.data.subarray(b * n, (b + 1) * n), (V as Uint16Array).subarray(at, at + n));
      } else {
        K.set(k.data.subarray(b * n, (b + 1) * n), at);
        (V as Float32Array).set(v.data.subarray(b * n, (b + 1) * n), at);
      }
    }
    const out = e.empty([B, T, H, D]); // (B, T, H, D)
    if (T === 1) {
      // Decode step: the ragged kernel serves every row at its own length in one call (and rewrites the new K/V).
      const geom = Int32Array.of(B, H, Hkv, D, cache.rows, L, H * D, tok, tok, 0); // q, k, v rows contiguous; RoPE already applied
      e.backend.decodeAttention(q.data, k.data, v.data, K, V, rows, starts, null, null, geom, 1 / Math.sqrt(D), out.data);
      return out;
    }
    const qRow = T * H * D;
    for (const [b, n] of equalLengthRuns(rows, starts)) {
      const S = starts[b]! + T;
      let Kf: Float32Array, Vf: Float32Array, rowStride: number;
      if (K instanceof Uint16Array) {
        // f16 storage: widen the run's first S positions (consecutive rows) into float32 scratch.
        rowStride = S * tok;
        Kf = new Float32Array(n * rowStride);
        Vf = new Float32Array(n * rowStride);
        for (let i = 0; i < n; i++) {
          const from = (rows[b]! + i) * L * tok;
          e.backend.fromF16(K.subarray(from, from + rowStride), Kf.subarray(i * rowStride, (i + 1) * rowStride));
          e.backend.fromF16((V as Uint16Array).subarray(from, from + rowStride), Vf.subarray(i * rowStride, (i + 1) * rowStride));
        }
      } else {
        rowStride = L * tok;
        Kf = K.subarray(rows[b]! * L * tok);
        Vf = (V as Float32Array).subarray(rows[b]! * L * tok);
      }
      // q/out (n, T, H, D) contiguous; k/v rows: batch stride rowStride, time stride Hkv·D, head stride D.
      const geom = Int32Array.of(n, H, Hkv, T, S, D, D, qRow, D, H * D, rowStride, D, tok, rowStride, D, tok, qRow, D, H * D);
      e.backend.attention(q.data.subarray(b * qRow), Kf, Vf, geom, 1 / Math.sqrt(D), true, out.data.subarray(b * qRow), null);
    }
    return out;
  }
}
