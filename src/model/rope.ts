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
    else if (scaling.type === 'yarn') inv[p] = yarnFrequency(p, dim, theta, scaling);
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

type Yarn = Extract<RopeScaling, { type: 'yarn' }>;

/** YaRN's magnitude correction for a context stretched by `scale` (1 when not stretched). */
function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * YaRN's frequency p (of D/2): the interpolated (÷ factor) and the original frequency blended by a ramp over the
 * dimensions that turn between betaSlow and betaFast times over the original context; float32 as transformers'
 * `_compute_yarn_parameters` computes it.
 */
function yarnFrequency(p: number, dim: number, theta: number, y: Yarn): number {
  const f = Math.fround;
  const correctionDim = (rotations: number): number => (dim * Math.log(y.originalMaxPositionEmbeddings / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = correctionDim(y.betaFast), high = correctionDim(y.betaSlow);
  if (y.truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // as transformers: no division by zero
  const posFreq = f(Math.pow(theta, f((2 * p) / dim)));
  const extrapolation = f(1 / posFreq), interpolation = f(1 / f(y.factor * posFreq));
  const ramp = Math.min(1, Math.max(0, f(f(p - low) / f(high - low))));
  const keep = f(1 - ramp); // the share of the original frequency
  return f(f(interpolation * f(1 - keep)) + f(extrapolation * keep));
}

/** The factor YaRN scales cos and sin by (1 for every other scaling). */
export function ropeAttentionFactor(scaling: RopeScaling | null): number {
  if (scaling?.type !== 'yarn') return 1;
  if (scaling.attentionFactor !== undefined) return scaling.attentionFactor;
  if (scaling.mscale && scaling.mscaleAllDim) return yarnMscale(scaling.factor, scaling.mscale) / yarnMscale(scaling.factor, scaling.mscaleAllDim);
  return yarnMscale(scaling.factor);
}

/**
 * What DeepSeek-V3 multiplies its attention's softmax scale by under YaRN: mscale(factor, mscaleAllDim)^2 when the
 * config sets mscale_all_dim (transformers' `yarn_apply_mscale`), else 1.
 */
export function mlaSoftmaxFactor(scaling: RopeScaling | null): number {
  if (scaling?.type !== 'yarn' || !scaling.mscaleAllDim) return 1;
  const m = yarnMscale(scaling.factor, scaling.mscaleAllDim);
  return m * m;
}

/** cos/sin for positions 0..maxLen-1 at the frequencies of ropeFrequencies, computed once (YaRN: times its factor). */
export class RopeTable {
  readonly cos: Float32Array; // (maxLen, D/2)
  readonly sin: Float32Array; // (maxLen, D/2)

  constructor(readonly maxLen: number, readonly dim: number, readonly theta: number, readonly scaling: RopeScaling | null = null) {
    const half = dim / 2;
    this.cos = new Float32Array(maxLen * half);
    this.sin = new Float32Array(maxLen * half);
    const inv = ropeFrequencies(dim, theta, scaling);
    const af = ropeAttentionFactor(scaling);
    for (let p = 0; p < half; p++) {
      for (let t = 0; t < maxLen; t++) {
        const ang = Math.fround(t * inv[p]!);
        this.cos[t * half + p] = af === 1 ? Math.cos(ang) : Math.fround(Math.cos(ang)) * af;
        this.sin[t * half + p] = af === 1 ? Math.sin(ang) : Math.fround(Math.sin(ang)) * af;
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
