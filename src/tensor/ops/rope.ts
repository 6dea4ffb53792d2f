// src/tensor/ops/rope.ts — rotary position embedding (RoPE, Su et al. 2021, "RoFormer"), used by DeepSeek-V3 on
// queries/keys. x is (..., T, [heads...], D) with the sequence axis given; cos/sin are (T, D/2) tables for the
// positions of x (slice ropeTables at the cache offset for KV-cached decoding). The backward is the inverse rotation.

import type { Tensor } from '../tensor.js';
import type { Engine } from '../engine.js';
import { fmt, normalizeAxis } from '../shape.js';

export interface RopeOptions {
  /** Axis of x holding positions (default -2: x is (..., T, D); use -3 for (B, T, H, D)). */
  seqAxis?: number;
  /** Rotate pairs (2p, 2p+1) (GPT-J / Meta LLaMA) instead of (p, p + D/2) (GPT-NeoX / HF rotate_half). Default false. */
  interleaved?: boolean;
}

export function rope(x: Tensor, cos: Tensor, sin: Tensor, opts: RopeOptions = {}): Tensor {
  const e = x.engine;
  const D = x.shape[x.ndim - 1]!;
  if (D % 2 !== 0) throw new RangeError(`rope: last dimension ${D} of ${x.describe()} must be even`);
  const sa = normalizeAxis(opts.seqAxis ?? -2, x.ndim, 'rope seqAxis');
  if (sa === x.ndim - 1) throw new RangeError('rope: seqAxis cannot be the last (feature) axis');
  const T = x.shape[sa]!;
  const want = [T, D / 2];
  for (const [name, t] of [['cos', cos], ['sin', sin]] as const) {
    if (t.ndim !== 2 || t.shape[0] !== T || t.shape[1] !== D / 2) throw new RangeError(`rope: ${name} ${fmt(t.shape)} should be ${fmt(want)}`);
  }
  let outer = 1;
  for (let i = 0; i < sa; i++) outer *= x.shape[i]!;
  let inner = 1;
  for (let i = sa + 1; i < x.ndim - 1; i++) inner *= x.shape[i]!;
  const il = opts.interleaved ?? false;
  const out = e.empty(x.shape);
  e.backend.rope(x.data, cos.data, sin.data, outer, T, inner, D, il, false, out.data);
  return e.record('rope', out, [x], (dy) => {
    const dx = e.empty(x.shape);
    e.backend.rope(dy.data, cos.data, sin.data, outer, T, inner, D, il, true, dx.data);
    return [dx];
  });
}

/** cos/sin tables (T, D/2) for positions offset..offset+T-1 with frequencies theta^(-2p/D). */
export function ropeTables(engine: Engine, T: number, D: number, theta = 10000, offset = 0): { cos: Tensor; sin: Tensor } {
  const half = D / 2;
  const cos = engine.empty([T, half]);
  const sin = engine.empty([T, half]);
  for (let t = 0; t < T; t++) {
    for (let p = 0; p < half; p++) {
      const ang = (offset + t) * Math.pow(theta, (-2 * p) / D);
      cos.data[t * half + p] = Math.cos(ang);
      sin.data[t * half + p] = Math.sin(ang);
    }
  }
  return { cos, sin };
}
