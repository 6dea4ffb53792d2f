// src/reward/accuracy.ts — accuracy reward (DeepSeek-R1 §2.2.2 "accuracy rewards"): the task's own checker
// decides (math equivalence for math, tests for code, exact rules for synthetic tasks). Every task reads the
// answer after the reasoning — from the <answer> block of an R1-Zero completion — so an answer planted in the
// chain of thought earns nothing.

import { hasFormat, type FormatStyle } from './format.js';
import { promptOpensThink } from './tags.js';
import type { RewardFn, RewardSample } from './types.js';

/**
 * Accuracy reward: `task.check(item, completion).score` (1/0 for exact tasks, the fraction of tests passed
 * for code when configured so); null for samples without an item or task. When the prompt opened the reasoning
 * block (`opensThinking`, else the prompt ends with `<think>`) and the completion never closes it, all of it is
 * reasoning and there is no answer: 0. With `requireFormat`, a completion without that format scores 0 whatever it
 * answers (DeepSeek-R1 §2.2.2: "the model is required to provide the final answer in a specified format") — R1-Zero's
 * answer counts only from its `<answer>` block, so a prose answer earns nothing.
 *
 * @example
 * const task = getTask('arithmetic');
 * const [item] = await task.items({ split: 'train', n: 1 });
 * await accuracyReward().score([
 *   { prompt: task.prompt(item, 'r1-zero'), completion: `<think>…</think> <answer>${item.gold}</answer>`, item, task }, // 1
 *   { prompt: 'open question', completion: 'anything' },                                                          // null
 * ]);
 */
export function accuracyReward(opts: { requireFormat?: FormatStyle } = {}): RewardFn {
  return {
    name: 'accuracy',
    async score(samples: readonly RewardSample[]) {
      return Promise.all(
        samples.map(async (s) => {
          if (s.item === undefined || s.task === undefined) return null;
          if ((s.opensThinking ?? promptOpensThink(s.prompt)) && !s.completion.includes('</think>')) return 0;
          if (opts.requireFormat && !hasFormat(opts.requireFormat, s.prompt, s.completion, s.opensThinking)) return 0;
          const r = await s.task.check(s.item, s.completion);
          return r.score;
        }),
      );
    },
  };
}
