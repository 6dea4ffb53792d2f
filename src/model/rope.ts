// src/model/rope.ts — RoPE tables for the model (Su et al. 2021) and rotation at arbitrary per-token positions, so a
// batch whose rows sit at different cache lengths rotates each token by its own position.
// N = number of tokens (B·T), H = heads, D = rotated dims.

import { reshape, rope, type Engine, type Tensor } from '../tensor/index.js';
import type { RopeScaling } from './config.js';

/**
 * The RoPE frequencies theta^(-2p/D), p < D/2, with `scaling` applied as Hugging Face does it: in float32 (HF
 * computes inv_freq as a float32 tensor; doing the same keeps logits within float rounding of it).
 */
export function ropeFrequencies(dim: number, theta: number, scaling: RopeScaling | null = null): Float64Array {
  const f = Math.fround;
  const half = dim / 2;
  const inv = new Float64Array(half);
  for (let p = 0; p < half; p++) {
    const base = f(1 / Math.pow(theta, (2 * p) / dim));
    if (!scaling) inv[p] = base;
    else if (scaling.type === 'linear') inv[p] = f(base / scaling.factor);
    else {
      const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: ctx } = scaling;
      const wavelen = f(f(2 * Math.PI) / base);
      if (wavelen > f(ctx / lowFreqFactor)) inv[p] = f(base / factor);
      else if (wavelen < f(ctx / highFreqFactor)) inv[p] = base;
      else {
        const smooth = f(f(f(ctx / wavelen) - lowFreqFactor) / f(highFreqFactor - lowFreqFactor));
        inv[p] = f(f(f(f(1 - smooth) * base) / factor) + f(smooth * base));
      }
    }
  }
  return inv;
}

/** cos/sin for positions 0..maxLen-1 at the frequencies of ropeFrequencies, computed once. */
export class RopeTable {
  readonly cos: Float32Array; // (maxLen, D/2)
  readonly sin: Float32Array; // (maxLen, D/2)

  constructor(readonly maxLen: number, readonly dim: number, readonly theta: number, readonly scaling: RopeScaling | null = null) {
    const half = dim / 2;
    this.cos = new Float32Array(maxLen * half);
    this.sin = new Float32Array(maxLen * half);
    const inv = ropeFrequencies(dim, theta, scaling);
    for (let p = 0; p < half; p++) {
      for (let t = 0; t < maxLen; t++) {
        const ang = Math.fround(t * inv[p]!);
        this.cos[t * half + p] = Math.cos(ang);
        this.sin[t * half + p] = Math.sin(ang);
      }
    }
  }

  /** Gathered (N, D/2) tables for the given positions (constants: no gradient flows into them). */
  gather(engine: Engine, positions: Int32Array): { cos: Tensor; sin: Tensor } {
    const half = this.dim / 2;
    const cos = engine.empty([positions.length, half]);
    const sin = engine.empty([positions.length, half]);
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i]!;
      if (p < 0 || p >= this.maxLen) throw new RangeError(`position ${p} outside [0, ${this.maxLen}) (maxSeqLen)`);
      cos.data.set(this.cos.subarray(p * half, (p + 1) * half), i * half);
      sin.data.set(this.sin.subarray(p * half, (p + 1) * half), i * half);
    }
    return { cos, sin };
  }
}

/**
 * Rotates x (B, T, H, D) whose token n = b·T + t sits at positions[n]: viewed as (N, H, D) with the token axis as
 * the sequence axis. `interleaved` pairs dims (2p, 2p+1) (DeepSeek MLA) instead of (p, p + D/2) (HF Llama).
 */
export function applyRope(x: Tensor, tables: { cos: Tensor; sin: Tensor }, interleaved: boolean): Tensor {
  const [B, T, H, D] = x.shape as [number, number, number, number];
  const flat = reshape(x, [B * T, H, D]); // (N, H, D)
  const y = rope(flat, tables.cos, tables.sin, { seqAxis: 0, interleaved });
  return reshape(y, [B, T, H, D]);
}
