// src/reward/composite.ts — a weighted sum of rewards that also reports every component per sample.
//
// Null components (not applicable to a sample) are skipped and the remaining weights are renormalized: the
// total is the weighted mean Σ w_i r_i / Σ w_i over the components that apply. The choice keeps totals of
// samples with and without a non-applicable component on the same scale (a plain sum would pay a sample for
// every component that applies to it); GRPO normalizes advantages per group, so the overall scale of the
// total does not matter. A sample for which no positively weighted component applies gets a null total.

import type { RewardFn, RewardSample } from './types.js';

export interface WeightedReward {
  fn: RewardFn;
  /** Non-negative weight; penalties are expressed by the reward's sign, not by a negative weight. */
  weight: number;
}

/** One sample's score: the weighted total and every component by reward name. */
export interface CompositeScore {
  total: number | null;
  components: Record<string, number | null>;
}

export interface CompositeReward extends RewardFn {
  readonly parts: readonly WeightedReward[];
  /** Totals and components for each sample. */
  scoreDetailed(samples: readonly RewardSample[]): Promise<CompositeScore[]>;
}

/**
 * Combine rewards with weights.
 *
 * @example
 * const reward = compositeReward([
 *   { fn: accuracyReward(), weight: 1 },
 *   { fn: formatReward({ style: 'r1-zero' }), weight: 0.5 },
 * ]);
 * const [s] = await reward.scoreDetailed([{ prompt: 'free text', completion: '<think>x</think><answer>1</answer>' }]);
 * // s = { total: 1, components: { accuracy: null, format: 1 } }  (accuracy skipped: no item)
 */
export function compositeReward(parts: readonly WeightedReward[], opts: { name?: string } = {}): CompositeReward {
  if (parts.length === 0) throw new Error('compositeReward: no components');
  const names = new Set<string>();
  for (const p of parts) {
    if (names.has(p.fn.name)) throw new Error(`compositeReward: duplicate component name "${p.fn.name}"`);
    names.add(p.fn.name);
    if (!Number.isFinite(p.weight) || p.weight < 0) throw new Error(`compositeReward: weight of "${p.fn.name}" must be >= 0, got ${p.weight}`);
  }
  if (!parts.some((p) => p.weight > 0)) throw new Error('compositeReward: every weight is 0');

  const scoreDetailed = async (samples: readonly RewardSample[]): Promise<CompositeScore[]> => {
    const columns = await Promise.all(parts.map((p) => p.fn.score(samples)));
    columns.forEach((col, j) => {
      if (col.length !== samples.length) {
        throw new Error(`compositeReward: "${parts[j]?.fn.name}" returned ${col.length} scores for ${samples.length} samples`);
      }
    });
    return samples.map((_, i) => {
      const components: Record<string, number | null> = {};
      let num = 0;
      let den = 0;
      parts.forEach((p, j) => {
        const v = (columns[j] as (number | null)[])[i] ?? null;
        components[p.fn.name] = v;
        if (v !== null && p.weight > 0) {
          num += p.weight * v;
          den += p.weight;
        }
      });
      return { total: den > 0 ? num / den : null, components };
    });
  };

  return {
    name: opts.name ?? 'composite',
    parts,
    scoreDetailed,
    async score(samples: readonly RewardSample[]) {
      return (await scoreDetailed(samples)).map((s) => s.total);
    },
  };
}
