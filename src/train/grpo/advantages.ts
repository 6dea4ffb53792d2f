// src/train/grpo/advantages.ts — group-relative advantages (DeepSeekMath eq. 3 / DeepSeek-R1 eq. 3): each sample's
// reward against its group's mean, scaled by the group's std (GRPO), by nothing (Dr. GRPO), or by the whole
// batch's std (REINFORCE++-style batch scaling).

import type { AdvantageScale } from '../config.js';

export interface GroupAdvantages {
  /** One advantage per sample, in the order of `rewards`. */
  advantages: number[];
  /** Per group: whether all its rewards were equal (its advantages are then all 0: no learning signal). */
  zeroVariance: boolean[];
}

/** Population std (divide by n), as DeepSeek-R1 eq. 3 writes std({r_1..r_G}). */
function std(xs: readonly number[], mean: number): number {
  let s = 0;
  for (const x of xs) s += (x - mean) ** 2;
  return Math.sqrt(s / xs.length);
}

/**
 * A_i = (r_i − mean(group)) / (std(group) + eps) for rewards laid out group-major (`groupSize` consecutive
 * samples per prompt). `scale: 'none'` drops the division; 'batch' divides by the std of all rewards instead.
 *
 * @example groupAdvantages([1, 0, 0, 0], 4) // advantages ≈ [1.732, -0.577, -0.577, -0.577]
 */
export function groupAdvantages(rewards: readonly number[], groupSize: number, scale: AdvantageScale = 'group', eps = 1e-4): GroupAdvantages {
  if (!Number.isInteger(groupSize) || groupSize < 2) throw new RangeError(`groupAdvantages: groupSize must be an integer >= 2, got ${groupSize}`);
  if (rewards.length % groupSize !== 0) throw new RangeError(`groupAdvantages: ${rewards.length} rewards do not split into groups of ${groupSize}`);
  for (const r of rewards) if (!Number.isFinite(r)) throw new RangeError(`groupAdvantages: reward ${r} is not finite`);
  const advantages: number[] = new Array(rewards.length);
  const zeroVariance: boolean[] = [];
  const allMean = rewards.reduce((a, b) => a + b, 0) / Math.max(1, rewards.length);
  const batchStd = std(rewards, allMean);
  for (let g = 0; g * groupSize < rewards.length; g++) {
    const group = rewards.slice(g * groupSize, (g + 1) * groupSize);
    const mean = group.reduce((a, b) => a + b, 0) / groupSize;
    const s = std(group, mean);
    zeroVariance.push(group.every((r) => r === group[0]));
    const denom = scale === 'group' ? s + eps : scale === 'batch' ? batchStd + eps : 1;
    group.forEach((r, i) => {
      advantages[g * groupSize + i] = (r - mean) / denom;
    });
  }
  return { advantages, zeroVariance };
}
