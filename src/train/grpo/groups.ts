// src/train/grpo/groups.ts — one step's groups: draw prompts, sample G completions each, score them with the rule
// rewards; with dynamic sampling (DAPO §3.2) groups whose rewards are all equal are dropped and replaced by fresh
// prompts, at most maxRefills extra rounds.

import type { ChatModel } from '../../generate/index.js';
import type { CompositeReward } from '../../reward/index.js';
import type { GrpoConfig } from '../config.js';
import type { PromptStream } from './prompts.js';
import { rewardSamples, rolloutAsync, type RolloutSample } from './rollout.js';
import { scoreRewards } from './rewards.js';

/** G samples of one prompt with their total rewards and every reward component. */
export interface Group {
  samples: RolloutSample[];
  totals: number[];
  components: Record<string, (number | null)[]>;
}

export interface StepGroups {
  /** The groups to learn from (at most promptsPerStep). */
  groups: Group[];
  /** Groups whose rewards were all equal, and all groups sampled (refills included). */
  zeroVarGroups: number;
  groupsSeen: number;
  rolloutTokens: number;
  rolloutSeconds: number;
  rewardSeconds: number;
  /** Sampling rounds (1 + refills). */
  rounds: number;
}

/** Samples and scores a step's groups; `seedOf(round)` seeds each sampling round. */
export async function sampleGroups(cm: ChatModel, stream: PromptStream, reward: CompositeReward, cfg: GrpoConfig, seedOf: (round: number) => number): Promise<StepGroups> {
  const G = cfg.groupSize;
  const kept: Group[] = [], all: Group[] = [];
  const out = { zeroVarGroups: 0, groupsSeen: 0, rolloutTokens: 0, rolloutSeconds: 0, rewardSeconds: 0, rounds: 0 };
  const refill = (): boolean => out.rounds === 0 || (cfg.dynamicSampling.enabled && out.rounds <= cfg.dynamicSampling.maxRefills);
  while (kept.length < cfg.promptsPerStep && refill()) {
    const draws = stream.next(cfg.promptsPerStep - kept.length);
    const ro = await rolloutAsync(cm, draws, { groupSize: G, maxNewTokens: cfg.maxNewTokens, temperature: cfg.temperature, topP: cfg.topP, style: cfg.promptStyle, seed: seedOf(out.rounds) });
    out.rolloutTokens += ro.tokens;
    out.rolloutSeconds += ro.seconds;
    const t0 = performance.now();
    const scored = await scoreRewards(reward, rewardSamples(ro.samples));
    out.rewardSeconds += (performance.now() - t0) / 1000;
    for (let g = 0; g < draws.length; g++) {
      const pick = <T>(xs: readonly T[]): T[] => xs.slice(g * G, (g + 1) * G);
      const group: Group = {
        samples: pick(ro.samples), totals: pick(scored.totals),
        components: Object.fromEntries(Object.entries(scored.components).map(([k, v]) => [k, pick(v)])),
      };
      all.push(group);
      out.groupsSeen++;
      const flat = group.totals.every((r) => r === group.totals[0]);
      if (flat) out.zeroVarGroups++;
      if (!(cfg.dynamicSampling.enabled && flat)) kept.push(group);
    }
    out.rounds++;
  }
  // With dynamic sampling and no group left, nothing can be learned this step; keep the last round's groups so the
  // KL term and the metrics still apply.
  return { groups: kept.length > 0 ? kept.slice(0, cfg.promptsPerStep) : all.slice(-cfg.promptsPerStep), ...out };
}
