// src/reward/format.ts — format rewards (DeepSeek-R1 §2.2.2 "format rewards"): 1 when the completion has
// exactly the required structure, else 0. No partial credit here (see tag-count.ts for that).

import type { RewardFn, RewardSample } from './types.js';
import { ANY_TAG, bodyAfterThinkOpen } from './tags.js';

/**
 * 'r1-zero': `<think> reasoning </think> <answer> answer </answer>` and nothing else outside the tags
 * (DeepSeek-R1 Table 1). 'r1-chat': `<think> reasoning </think>` then a non-empty summary (DeepSeek-R1 §2.3,
 * the readable format of R1).
 */
export type FormatStyle = 'r1-zero' | 'r1-chat';

/**
 * Whether one completion has the format. Exactly one reasoning block and (R1-Zero) one answer block: any
 * further think/answer tag anywhere (nested, duplicated, mis-cased, spaced) fails, as does an empty block.
 * When the prompt opened the block (`opensThinking`; when absent, the prompt ends with `<think>`, as R1's chat
 * template leaves it), the completion must not open it again.
 */
export function hasFormat(style: FormatStyle, prompt: string, completion: string, opensThinking?: boolean): boolean {
  const body = bodyAfterThinkOpen(prompt, completion, opensThinking);
  if (body === null) return false;
  const close = body.indexOf('</think>');
  if (close < 0) return false;
  const reasoning = body.slice(0, close);
  const rest = body.slice(close + '</think>'.length);
  if (reasoning.trim() === '' || ANY_TAG.test(reasoning)) return false;
  if (style === 'r1-chat') return rest.trim() !== '' && !ANY_TAG.test(rest);
  const m = /^\s*<answer>([\s\S]*)<\/answer>\s*$/.exec(rest);
  if (!m) return false;
  const answer = m[1] as string;
  return answer.trim() !== '' && !ANY_TAG.test(answer);
}

/**
 * Format reward: 1 if the completion has the style's structure, else 0; never null.
 *
 * @example
 * const fmt = formatReward({ style: 'r1-zero' });
 * await fmt.score([
 *   { prompt: 'User: 2+3?. Assistant:', completion: '<think> 2+3=5 </think> <answer> 5 </answer>' },
 *   { prompt: 'User: 2+3?. Assistant:', completion: '<think> a <think> b </think></think> <answer>5</answer>' },
 * ]); // [1, 0]
 */
export function formatReward(opts: { style?: FormatStyle } = {}): RewardFn {
  const style = opts.style ?? 'r1-zero';
  if (style !== 'r1-zero' && style !== 'r1-chat') throw new Error(`formatReward: unknown style "${String(style)}"`);
  return {
    name: style === 'r1-zero' ? 'format' : 'format-chat',
    async score(samples: readonly RewardSample[]) {
      return samples.map((s) => (hasFormat(style, s.prompt, s.completion, s.opensThinking) ? 1 : 0));
    },
  };
}
