// src/tensor/ops/attention.ts — fused scaled-dot-product attention (Vaswani et al. 2017) with GQA and causal masking
// that honours a KV-cache prefix. q (B, H, Tq, Dk), k (B, Hkv, Tk, Dk), v (B, Hkv, Tk, Dv) → (B, H, Tq, Dv).
// Dk may differ from Dv (MLA, DeepSeek-V2 §2.1). The attention weights (B, H, Tq, Tk) are kept only when a
// backward pass will need them; under no-grad nothing T×T outlives the kernel call.

import type { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { expectNdim, sameEngine } from './_util.js';

export interface AttentionOptions {
  /** Causal masking (default true). */
  causal?: boolean;
  /** Score scale (default 1/sqrt(Dk)). */
  scale?: number;
}

export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  sameEngine('attention', q, k, v);
  expectNdim('attention', 'q', q, 4, 4);
  expectNdim('attention', 'k', k, 4, 4);
  expectNdim('attention', 'v', v, 4, 4);
  const [B, H, Tq, Dk] = q.shape as [number, number, number, number];
  const [Bk, Hkv, Tk, Dk2] = k.shape as [number, number, number, number];
  const [Bv, Hv, Tv, Dv] = v.shape as [number, number, number, number];
  if (Bk !== B || Bv !== B || Hv !== Hkv || Tv !== Tk || Dk2 !== Dk || Hkv === 0 || H % Hkv !== 0) {
    throw new RangeError(`attention: incompatible q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}`);
  }
  const causal = opts.causal ?? true;
  if (causal && Tk < Tq) throw new RangeError(`attention: causal needs Tk >= Tq, got Tq=${Tq}, Tk=${Tk}`);
  const scale = opts.scale ?? 1 / Math.sqrt(Dk);
  const e = q.engine;
  const out = e.empty([B, H, Tq, Dv]); // (B, H, Tq, Dv)
  const needGrad = e.needsGrad(q, k, v);
  const probs = needGrad ? e.empty([B, H, Tq, Tk]) : null; // (B, H, Tq, Tk)
  e.backend.attention(q.data, k.data, v.data, B, H, Hkv, Tq, Tk, Dk, Dv, scale, causal, out.data, probs ? probs.data : null);
  if (!probs) return out;
  return e.record('attention', out, [q, k, v], (dy) => {
    const dq = e.empty(q.shape);
    const dk = e.empty(k.shape);
    const dv = e.empty(v.shape);
    e.backend.attentionBackward(q.data, k.data, v.data, probs.data, dy.data, B, H, Hkv, Tq, Tk, Dk, Dv, scale, dq.data, dk.data, dv.data);
    return [dq, dk, dv];
  });
}
