// src/train/grpo/rewards.ts — the weighted reward list of a GRPO config as one composite (src/reward), scored over a
// rollout: the total per sample (the advantage's input) and every component, for the metrics.

import { accuracyReward, compositeReward, formatReward, languageReward, overlongReward, repetitionReward, tagCountReward, type CompositeReward, type RewardFn, type RewardSample } from '../../reward/index.js';
import type { RewardSpec } from '../config.js';

/** The RewardFn a spec names (maxNewTokens bounds the overlong penalty's window). */
export function rewardFromSpec(spec: RewardSpec, maxNewTokens: number): RewardFn {
  switch (spec.name) {
    case 'accuracy':
      return accuracyReward(spec.requireFormat ? { requireFormat: spec.requireFormat } : {});
    case 'format':
      return formatReward({ style: spec.style });
    case 'tag-count':
      return tagCountReward();
    case 'language':
      return languageReward({ target: spec.target });
    case 'overlong':
      return overlongReward({ maxTokens: maxNewTokens, cacheTokens: Math.min(maxNewTokens, spec.cacheTokens ?? Math.max(1, Math.floor(maxNewTokens / 4))) });
    case 'repetition':
      return repetitionReward({ ngram: spec.ngram, maxPenalty: spec.maxPenalty });
  }
}

/** The composite of a config's rewards (weights as given; null components are skipped, see composite.ts). */
export function buildReward(specs: readonly RewardSpec[], maxNewTokens: number): CompositeReward {
  return compositeReward(specs.map((s) => ({ fn: rewardFromSpec(s, maxNewTokens), weight: s.weight })));
}

export interface ScoredRollout {
  /** Total reward per sample (null totals — no applicable component — count as 0). */
  totals: number[];
  /** Each component per sample (null = not applicable). */
  components: Record<string, (number | null)[]>;
}

/** Scores samples with the composite: totals for the advantages and every component for the metrics. */
export async function scoreRewards(reward: CompositeReward, samples: readonly RewardSample[]): Promise<ScoredRollout> {
  const scored = await reward.scoreDetailed(samples);
  const components: Record<string, (number | null)[]> = {};
  for (const p of reward.parts) components[p.fn.name] = scored.map((s) => s.components[p.fn.name] ?? null);
  return { totals: scored.map((s) => s.total ?? 0), components };
}

/** Mean and std (population) of the non-null values; null when none applies. */
export function meanStd(xs: readonly (number | null)[]): { mean: number; std: number } | null {
  const v = xs.filter((x): x is number => x !== null);
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
}
