// src/nn/optim/clip.ts — global gradient-norm clipping over the flat grad buffer. Returns the scale instead of
// rescaling in place, so AdamW.step(lr, scale) applies it in its fused pass (no extra sweep over the grads). A NaN or
// infinite gradient makes the norm non-finite: no scale repairs that, and the caller skips the update.

import type { Backend } from '../../contract/kernels.js';

export interface ClipResult {
  /** The L2 norm of all gradients before clipping. */
  readonly norm: number;
  /** min(1, maxNorm / norm): pass to AdamW.step as gradScale. */
  readonly scale: number;
  /**
   * false when the norm is NaN or infinite (a gradient holds NaN or ±Inf): skip the optimizer step, or AdamW writes
   * NaN into the weights and both moments.
   */
  readonly finite: boolean;
}

export function clipGradNorm(backend: Backend, grads: Float32Array, maxNorm: number): ClipResult {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = Math.sqrt(backend.sumSquares(grads));
  const finite = Number.isFinite(norm);
  const scale = finite && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  return { norm, scale, finite };
}
