// src/reward/tag-count.ts — partial credit for the R1-Zero tags (as in Open-R1's tag-count reward): 0.25 per
// tag that occurs once and in order, −0.25 per tag that occurs more than once, so the score lies in [−1, 1].
// A dense signal early in training, when the all-or-nothing format reward is still almost always 0.

import type { RewardFn, RewardSample } from './types.js';
import { promptOpensThink } from './tags.js';

const TAGS = ['<think>', '</think>', '<answer>', '</answer>'] as const;

function occurrences(text: string, tag: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(tag); i >= 0; i = text.indexOf(tag, i + tag.length)) out.push(i);
  return out;
}

/**
 * Tag-count score of one completion. Each of `<think>`, `</think>`, `<answer>`, `</answer>` earns 0.25 when it
 * occurs exactly as often as expected (once; zero times for `<think>` when the prompt already opened it) and
 * after the previously credited tag; it costs 0.25 when it occurs more often than expected (duplicates).
 * `opensThinking`: the prompt opened the block (from the rendered template); when absent, it ends with `<think>`.
 */
export function tagCountScore(prompt: string, completion: string, opensThinking?: boolean): number {
  const openedInPrompt = opensThinking ?? promptOpensThink(prompt);
  let score = 0;
  let lastPos = -1;
  for (const tag of TAGS) {
    const pos = occurrences(completion, tag);
    const expected = tag === '<think>' && openedInPrompt ? 0 : 1;
    if (pos.length > expected) {
      score -= 0.25;
    } else if (pos.length === expected) {
      if (expected === 0) {
        score += 0.25;
      } else if ((pos[0] as number) > lastPos) {
        score += 0.25;
        lastPos = pos[0] as number;
      }
    }
  }
  return score;
}

/**
 * Tag-count reward (R1-Zero tags), never null.
 *
 * @example
 * await tagCountReward().score([
 *   { prompt: 'p', completion: '<think>x</think><answer>1</answer>' },            // 1
 *   { prompt: 'p', completion: '<think>x</think> 1' },                              // 0.5
 *   { prompt: 'p', completion: '<think>x</think><answer>1</answer><answer>2</answer>' }, // 0
 * ]);
 */
export function tagCountReward(): RewardFn {
  return {
    name: 'tag-count',
    async score(samples: readonly RewardSample[]) {
      return samples.map((s) => tagCountScore(s.prompt, s.completion, s.opensThinking));
    },
  };
}
