// src/model/rope.ts — RoPE tables for the model (Su et al. 2021) and rotation at arbitrary per-token positions, so a
// batch whose rows sit at different cache lengths rotates each token by its own position.
// N = number of tokens (B·T), H = heads, D = rotated dims.

import { reshape, rope, type Engine, type Tensor } from '../tensor/index.js';

/** cos/sin for positions 0..maxLen-1 and frequencies theta^(-2p/D) (p < D/2), computed once in float64. */
export class RopeTable {
  readonly cos: Float32Array; // (maxLen, D/2)
  readonly sin: Float32Array; // (maxLen, D/2)

  constructor(readonly maxLen: number, readonly dim: number, readonly theta: number) {
    const half = dim / 2;
    this.cos = new Float32Array(maxLen * half);
    this.sin = new Float32Array(maxLen * half);
    for (let p = 0; p < half; p++) {
      // HF computes inv_freq = 1 / theta^(2p/D) in float32; doing the same keeps logits within float rounding of it.
      const inv = Math.fround(1 / Math.pow(theta, (2 * p) / dim));
      for (let t = 0; t < maxLen; t++) {
        const ang = Math.fround(t * inv);
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
