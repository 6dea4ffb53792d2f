// src/model/mla.ts — Multi-head Latent Attention (DeepSeek-V2 §2.1, DeepSeek-V3 §2.1.1), HF deepseek_v3 layout.
// Keys/values come from a low-rank latent c_kv = RMSNorm(W_DKV x) plus one decoupled RoPE key k_pe shared by all
// heads; the KV cache stores only [c_kv, k_pe]. Training runs the explicit form (decompress K, V per head); cached
// inference runs the "absorbed" form (V2 §2.1.3): W_UK folds into the query and W_UV into the output, so attention
// runs directly over the cached latent as one shared KV head (MQA over d_c + d_r dims).
// B = batch, T = new tokens, C = hidden, H = heads, dn = qkNopeHeadDim, dr = qkRopeHeadDim, dv = vHeadDim,
// Dc = kvLoraRank, Dq = qLoraRank, W = Dc + dr, S = cached + new tokens.

import { Linear, Module, RMSNorm } from '../nn/index.js';
import { add, attention, concat, reshape, slice, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import type { MlaConfig, ModelConfig } from './config.js';
import type { ForwardContext } from './context.js';
import { applyRope, mlaSoftmaxFactor } from './rope.js';
import { equalLengthRuns } from './cache.js';

export class MlaAttention extends Module {
  readonly q_a_proj: Linear | null = null;
  readonly q_a_layernorm: RMSNorm | null = null;
  readonly q_b_proj: Linear | null = null;
  readonly q_proj: Linear | null = null;
  readonly kv_a_proj_with_mqa: Linear;
  readonly kv_a_layernorm: RMSNorm;
  readonly kv_b_proj: Linear;
  readonly o_proj: Linear;
  readonly a: MlaConfig;
  readonly H: number;
  /** The softmax scale: 1/sqrt(dn + dr), times YaRN's mscale^2 when the config asks for it (DeepSeek-V3). */
  readonly scale: number;

  constructor(engine: Engine, rng: Rng, readonly config: ModelConfig) {
    super(engine);
    if (config.attention.kind !== 'mla') throw new Error('MlaAttention needs attention.kind = mla');
    const a = (this.a = config.attention);
    const H = (this.H = config.nHeads);
    const C = config.hidden;
    const std = config.initStd;
    const o = { bias: false, std };
    const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
    this.scale = mlaSoftmaxFactor(config.ropeScaling) / Math.sqrt(qk);
    // The latent norms use eps 1e-6 whatever normEps is, as in DeepSeek's reference code and HF deepseek_v3.
    const latentEps = 1e-6;
    if (a.qLoraRank !== undefined) {
      this.q_a_proj = this.child('q_a_proj', new Linear(engine, rng, C, a.qLoraRank, o));
      this.q_a_layernorm = this.child('q_a_layernorm', new RMSNorm(engine, a.qLoraRank, latentEps));
      this.q_b_proj = this.child('q_b_proj', new Linear(engine, rng, a.qLoraRank, H * qk, o));
    } else {
      this.q_proj = this.child('q_proj', new Linear(engine, rng, C, H * qk, o));
    }
    this.kv_a_proj_with_mqa = this.child('kv_a_proj_with_mqa', new Linear(engine, rng, C, a.kvLoraRank + a.qkRopeHeadDim, o));
    this.kv_a_layernorm = this.child('kv_a_layernorm', new RMSNorm(engine, a.kvLoraRank, latentEps));
    this.kv_b_proj = this.child('kv_b_proj', new Linear(engine, rng, a.kvLoraRank, H * (a.qkNopeHeadDim + a.vHeadDim), o));
    this.o_proj = this.child('o_proj', new Linear(engine, rng, H * a.vHeadDim, C, o));
  }

  /** x (B, T, C) -> (B, T, C). */
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const { B, T } = ctx;
    const { H, a } = this;
    const dn = a.qkNopeHeadDim, dr = a.qkRopeHeadDim, dv = a.vHeadDim, Dc = a.kvLoraRank;
    const qFlat = this.q_proj ? this.q_proj.forward(x) : this.q_b_proj!.forward(this.q_a_layernorm!.forward(this.q_a_proj!.forward(x))); // (B, T, H·(dn+dr))
    const q = reshape(qFlat, [B, T, H, dn + dr]); // (B, T, H, dn+dr)
    const qNope = slice(q, 3, 0, dn); // (B, T, H, dn)
    const qPe = applyRope(slice(q, 3, dn), ctx.rope, true); // (B, T, H, dr)
    const kvA = this.kv_a_proj_with_mqa.forward(x); // (B, T, Dc+dr)
    const cKv = this.kv_a_layernorm.forward(slice(kvA, 2, 0, Dc)); // (B, T, Dc)
    const kPe = applyRope(reshape(slice(kvA, 2, Dc), [B, T, 1, dr]), ctx.rope, true); // (B, T, 1, dr)
    let y: Tensor; // (B, T, H·dv)
    if (ctx.cache) {
      y = this.absorbedCachedAttention(qNope, qPe, cKv, kPe, ctx);
    } else {
      const kv = reshape(this.kv_b_proj.forward(cKv), [B, T, H, dn + dv]); // (B, T, H, dn+dv)
      const kNope = slice(kv, 3, 0, dn); // (B, T, H, dn)
      const v = slice(kv, 3, dn); // (B, T, H, dv)
      const kPeH = add(this.engine.zeros([B, T, H, dr]), kPe); // (B, T, H, dr): the shared rope key broadcast to every head
      const qf = concat([qNope, qPe], 3); // (B, T, H, dn+dr)
      const kf = concat([kNope, kPeH], 3); // (B, T, H, dn+dr)
      const o = attention(qf, kf, v, { causal: true, scale: this.scale, layout: 'bthd' }); // (B, T, H, dv)
      y = reshape(o, [B, T, H * dv]);
    }
    return this.o_proj.forward(y);
  }

  /**
   * Inference over the latent cache. Writes [c_kv, k_pe] of the new tokens, then per head
   *   score = (W_UK_hᵀ q_nope)·c_kv + q_pe·k_pe,  out_h = W_UV_h · Σ softmax(score) c_kv
   * which equals the explicit form; all heads share the single latent "KV head", so the cache never grows with H.
   */
  private absorbedCachedAttention(qNope: Tensor, qPe: Tensor, cKv: Tensor, kPe: Tensor, ctx: ForwardContext): Tensor {
    const { B, T } = ctx;
    const { H, a } = this;
    const dn = a.qkNopeHeadDim, dr = a.qkRopeHeadDim, dv = a.vHeadDim, Dc = a.kvLoraRank, W = Dc + dr;
    const { cache, layer, rows, starts } = ctx.cache!;
    const L = cache.maxLen;
    const K = cache.latent(layer);
    for (let b = 0; b < B; b++) {
      const r = rows[b]!, s0 = starts[b]!;
      if (s0 + T > L) throw new RangeError(`KV cache row ${r} is full: ${s0} + ${T} tokens exceed maxLen ${L}`);
      for (let t = 0; t < T; t++) {
        const dst = (r * L + s0 + t) * W;
        K.set(cKv.data.subarray((b * T + t) * Dc, (b * T + t + 1) * Dc), dst);
        K.set(kPe.data.subarray((b * T + t) * dr, (b * T + t + 1) * dr), dst + Dc);
      }
    }
    const e = this.engine;
    const be = e.backend;
    const N = B * T;
    const wkv = this.kv_b_proj.weight.data; // (H·(dn+dv), Dc): per head W_UK_h (dn, Dc) then W_UV_h (dv, Dc)
    // q_abs[n, h] = [q_nope[n, h] @ W_UK_h, q_pe[n, h]]   (B, T, H, W)
    const qAbs = e.empty([B, T, H, W]);
    // One GEMM per head: the heads' outputs interleave within each row, which batched GEMM calls may not write.
    for (let h = 0; h < H; h++) be.gemm(false, false, N, Dc, dn, 1, qNope.data.subarray(h * dn), H * dn, 0, wkv.subarray(h * (dn + dv) * Dc), Dc, 0, 0, qAbs.data.subarray(h * W), H * W, 0, 1);
    for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) qAbs.data.set(qPe.data.subarray((n * H + h) * dr, (n * H + h + 1) * dr), (n * H + h) * W + Dc);
    const o = e.empty([B, T, H, W]); // (B, T, H, W); values are the cached rows too, only the first Dc dims are used
    const qRow = T * H * W;
    if (T === 1) {
      // Decode step: the ragged kernel over the latent cache as one KV head (keys = values = [c_kv, k_pe]).
      const fresh = new Float32Array(B * W); // (B, W) the rows just written above
      for (let b = 0; b < B; b++) fresh.set(K.subarray((rows[b]! * L + starts[b]!) * W, (rows[b]! * L + starts[b]! + 1) * W), b * W);
      be.decodeAttention(qAbs.data, fresh, fresh, K, K, rows, starts, null, null, Int32Array.of(B, H, 1, W, cache.rows, L, H * W, W, W, 0), this.scale, o.data);
    } else for (const [b, n] of equalLengthRuns(rows, starts)) {
      const S = starts[b]! + T;
      // One shared latent "KV head" (Hkv = 1) read in place: batch stride L·W, time stride W; keys = values.
      const geom = Int32Array.of(n, H, 1, T, S, W, W, qRow, W, H * W, L * W, 0, W, L * W, 0, W, qRow, W, H * W);
      const kv = K.subarray(rows[b]! * L * W);
      be.attention(qAbs.data.subarray(b * qRow), kv, kv, geom, this.scale, true, o.data.subarray(b * qRow), null);
    }
    // y[n, h] = o[n, h, :Dc] @ W_UV_hᵀ for all N tokens at once, one GEMM per head   (B, T, H·dv)
    const y = e.empty([B, T, H * dv]);
    for (let h = 0; h < H; h++) be.gemm(false, true, N, dv, Dc, 1, o.data.subarray(h * W), H * W, 0, wkv.subarray((h * (dn + dv) + dn) * Dc), Dc, 0, 0, y.data.subarray(h * dv), H * dv, 0, 1);
    return y;
  }
}
