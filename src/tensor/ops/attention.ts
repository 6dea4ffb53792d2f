// src/tensor/ops/attention.ts — fused scaled-dot-product attention (Vaswani et al. 2017) with GQA and causal masking
// that honours a KV-cache prefix; Dk may differ from Dv (MLA, DeepSeek-V2 §2.1). The kernel reads strided operands,
// so no head permutes are ever materialized:
//   attention(q, k, v)                 q (B, H, Tq, Dk), k (B, Hkv, Tk, Dk), v (B, Hkv, Tk, Dv) → (B, H, Tq, Dv)
//   attention(q, k, v, {layout:'bthd'}) q (B, Tq, H, Dk), k (B, Tk, Hkv, Dk), v (B, Tk, Hkv, Dv) → (B, Tq, H, Dv)
//   packedAttention(qkv, {nHead})      qkv (B, T, (H + 2·Hkv)·D) straight from a fused projection → (B, T, H·D)
// The attention weights (B, H, Tq, Tk) are kept only when a backward pass will need them.

import { AttentionGeometry as G } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { expectNdim, sameEngine } from './_util.js';

export interface AttentionOptions {
  /** Causal masking (default true). */
  causal?: boolean;
  /** Score scale (default 1/sqrt(Dk)). */
  scale?: number;
  /** Axis order of q, k, v and the output: 'bhtd' (default) or 'bthd'. */
  layout?: 'bhtd' | 'bthd';
}

interface Sizes {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  Tk: number;
  Dk: number;
  Dv: number;
}

/** Runs the kernel pair; q/k/v/out offsets are already applied by the caller through subarray views. */
function run(
  inputs: Tensor[], sz: Sizes, strides: number[], causal: boolean, scale: number, outShape: number[],
  views: (data: Float32Array[]) => [Float32Array, Float32Array, Float32Array],
): Tensor {
  const e = inputs[0]!.engine;
  const geom = new Int32Array(G.length);
  geom.set([sz.B, sz.H, sz.Hkv, sz.Tq, sz.Tk, sz.Dk, sz.Dv, ...strides]);
  const out = e.empty(outShape);
  const needGrad = e.needsGrad(...inputs);
  const probs = needGrad ? e.empty([sz.B, sz.H, sz.Tq, sz.Tk]) : null; // (B, H, Tq, Tk)
  const [q, k, v] = views(inputs.map((t) => t.data));
  e.backend.attention(q, k, v, geom, scale, causal, out.data, probs ? probs.data : null);
  if (!probs) return out;
  return e.record('attention', out, inputs, (dy) => {
    const grads = inputs.map((t) => e.empty(t.shape));
    const [dq, dk, dv] = views(grads.map((g) => g.data));
    const [q2, k2, v2] = views(inputs.map((t) => t.data));
    e.backend.attentionBackward(q2, k2, v2, probs.data, dy.data, geom, scale, dq, dk, dv);
    return grads;
  });
}

export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  sameEngine('attention', q, k, v);
  expectNdim('attention', 'q', q, 4, 4);
  expectNdim('attention', 'k', k, 4, 4);
  expectNdim('attention', 'v', v, 4, 4);
  const bthd = opts.layout === 'bthd';
  const dims = (t: Tensor): [number, number, number, number] => {
    const [a, b, c, d] = t.shape as [number, number, number, number];
    return bthd ? [a, c, b, d] : [a, b, c, d]; // → (B, heads, T, D)
  };
  const [B, H, Tq, Dk] = dims(q);
  const [Bk, Hkv, Tk, Dk2] = dims(k);
  const [Bv, Hv, Tv, Dv] = dims(v);
  if (Bk !== B || Bv !== B || Hv !== Hkv || Tv !== Tk || Dk2 !== Dk || Hkv === 0 || H % Hkv !== 0) {
    throw new RangeError(`attention: incompatible q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)} (layout ${bthd ? 'bthd' : 'bhtd'})`);
  }
  const causal = opts.causal ?? true;
  if (causal && Tk < Tq) throw new RangeError(`attention: causal needs Tk >= Tq, got Tq=${Tq}, Tk=${Tk}`);
  // (batch, head, time) strides of a contiguous tensor in either layout.
  const st = (heads: number, T: number, D: number): number[] => (bthd ? [T * heads * D, D, heads * D] : [heads * T * D, T * D, D]);
  const strides = [...st(H, Tq, Dk), ...st(Hkv, Tk, Dk), ...st(Hkv, Tk, Dv), ...st(H, Tq, Dv)];
  const outShape = bthd ? [B, Tq, H, Dv] : [B, H, Tq, Dv];
  const scale = opts.scale ?? 1 / Math.sqrt(Dk);
  return run([q, k, v], { B, H, Hkv, Tq, Tk, Dk, Dv }, strides, causal, scale, outShape, (d) => [d[0]!, d[1]!, d[2]!]);
}

export interface PackedAttentionOptions {
  /** Query heads H. */
  nHead: number;
  /** Key/value heads (default nHead; fewer = GQA). */
  nKvHead?: number;
  causal?: boolean;
  scale?: number;
}

/**
 * Attention straight from a fused QKV projection: qkv (B, T, (H + 2·Hkv)·D) holds [q heads | k heads | v heads] per
 * token (the GPT-2 c_attn layout); the result (B, T, H·D) feeds the output projection. No splits, no permutes.
 */
export function packedAttention(qkv: Tensor, opts: PackedAttentionOptions): Tensor {
  expectNdim('packedAttention', 'qkv', qkv, 3, 3);
  const [B, T, W] = qkv.shape as [number, number, number];
  const H = opts.nHead;
  const Hkv = opts.nKvHead ?? H;
  if (!Number.isInteger(H) || !Number.isInteger(Hkv) || H < 1 || Hkv < 1 || H % Hkv !== 0 || W % (H + 2 * Hkv) !== 0) {
    throw new RangeError(`packedAttention: width ${W} of ${fmt(qkv.shape)} does not split into ${H} query + 2×${Hkv} kv heads`);
  }
  const D = W / (H + 2 * Hkv);
  const strides = [T * W, D, W, T * W, D, W, T * W, D, W, T * H * D, D, H * D];
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  return run([qkv], { B, H, Hkv, Tq: T, Tk: T, Dk: D, Dv: D }, strides, opts.causal ?? true, scale, [B, T, H * D], (d) => [
    d[0]!,
    d[0]!.subarray(H * D),
    d[0]!.subarray((H + Hkv) * D),
  ]);
}
