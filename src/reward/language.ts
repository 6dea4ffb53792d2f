// src/reward/language.ts — language-consistency reward, DeepSeek-R1 §2.3.2 / eq. 7:
// Reward_language = Num(Words_target) / Num(Words), computed over the chain of thought. It discourages the
// language mixing R1-Zero showed, at a small cost in accuracy (the paper reports the trade-off).

import type { RewardFn, RewardSample } from './types.js';
import { splitCompletion } from '../tasks/completion.js';
import { languageShare, type TargetLanguage } from '../verify/language.js';

export { countWords, stripNonProse, type TargetLanguage, type WordCounts } from '../verify/language.js';

/**
 * The chain of thought of a completion: the reasoning block when there is a `</think>`, otherwise the whole
 * completion (a truncated completion is all reasoning).
 */
export function chainOfThought(completion: string): string {
  const parts = splitCompletion(completion);
  return parts.reasoning ?? completion.replace(/^\s*<think>/, '');
}

/** Fraction of CoT words in the target language, or null when the CoT has no words at all. */
export function languageConsistency(completion: string, target: TargetLanguage): number | null {
  return languageShare(chainOfThought(completion), target);
}

/**
 * Language-consistency reward in [0, 1] (target 'question': the language the sample's question is asked in); null when the chain of thought contains no words (pure math or
 * empty), where the ratio is undefined.
 *
 * @example
 * await languageReward({ target: 'en' }).score([
 *   { prompt: 'p', completion: '<think>We add the numbers: $2+3=5$.</think> 5' },   // 1
 *   { prompt: 'p', completion: '<think>We 计算 the sum.</think> 5' },               // 3/5
 * ]);
 */
export function languageReward(opts: { target?: TargetLanguage | 'question' } = {}): RewardFn {
  const target = opts.target ?? 'en';
  if (target !== 'en' && target !== 'zh' && target !== 'question') throw new Error(`languageReward: unsupported target language "${String(target)}" (en, zh or question)`);
  return {
    name: 'language',
    async score(samples: readonly RewardSample[]) {
      return samples.map((s) => languageConsistency(s.completion, target === 'question' ? questionLanguage(s.item?.question ?? s.prompt) : target));
    },
  };
}

/**
 * The language a question is asked in, the target of the 'question' setting (multilingual RL prompts, where the
 * paper saw mixing most): Chinese when its words are mostly Chinese, else English.
 */
export function questionLanguage(question: string): TargetLanguage {
  return (languageShare(question, 'zh') ?? 0) > 0.5 ? 'zh' : 'en';
}
