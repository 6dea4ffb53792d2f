// src/reward/overlong.ts — DAPO's soft overlong punishment (Yu et al. 2025, eq. 13): no penalty up to
// L_max − L_cache tokens, then a linear ramp to −1 at L_max, and −1 beyond. It replaces the noisy signal of
// truncated samples with a graded "too long" signal.

import type { RewardFn, RewardSample } from './types.js';

export interface OverlongOptions {
  /** L_max: the generation budget in tokens. */
  maxTokens: number;
  /** L_cache: the length of the soft-punishment interval before L_max (0 < cacheTokens <= maxTokens). */
  cacheTokens: number;
}

/** DAPO eq. 13 for a completion of `length` tokens. */
export function overlongPenalty(length: number, opts: OverlongOptions): number {
  const { maxTokens, cacheTokens } = opts;
  const start = maxTokens - cacheTokens;
  if (length <= start) return 0;
  if (length <= maxTokens) return (start - length) / cacheTokens;
  return -1;
}

/**
 * Soft overlong penalty in [−1, 0]; null when the sample has no `completionTokens`.
 *
 * @example
 * const r = overlongReward({ maxTokens: 1000, cacheTokens: 200 });
 * await r.score([
 *   { prompt: 'p', completion: '…', completionTokens: 700 },  // 0
 *   { prompt: 'p', completion: '…', completionTokens: 900 },  // −0.5
 *   { prompt: 'p', completion: '…', completionTokens: 1200 }, // −1
 *   { prompt: 'p', completion: '…' },                         // null
 * ]);
 */
export function overlongReward(opts: OverlongOptions): RewardFn {
  const { maxTokens, cacheTokens } = opts;
  if (!Number.isFinite(maxTokens) || maxTokens <= 0) throw new Error(`overlongReward: maxTokens must be > 0, got ${maxTokens}`);
  if (!Number.isFinite(cacheTokens) || cacheTokens <= 0 || cacheTokens > maxTokens) {
    throw new Error(`overlongReward: cacheTokens must be in (0, maxTokens], got ${cacheTokens}`);
  }
  return {
    name: 'overlong',
    async score(samples: readonly RewardSample[]) {
      return samples.map((s) => {
        const n = s.completionTokens;
        if (n === undefined) return null;
        if (!Number.isFinite(n) || n < 0) throw new Error(`overlongReward: bad completionTokens ${n}`);
        return overlongPenalty(n, opts);
      });
    },
  };
}
