// src/reward/repetition.ts — n-gram repetition penalty ("Demystifying Long Chain-of-Thought Reasoning in
// LLMs", Yeo et al. 2025, §4): penalty = maxPenalty × (1 − distinct n-grams / all n-grams). Long CoT under RL
// drifts into loops; this makes looping cost reward instead of only tokens.

import type { RewardFn, RewardSample } from './types.js';

export interface RepetitionOptions {
  /** n-gram size over words (default 3). */
  ngram?: number;
  /** Penalty for a completion that is all repeats (default −1; must be <= 0). */
  maxPenalty?: number;
}

/** Lower-cased words; each CJK character is its own word (no spaces to split on). Punctuation is dropped. */
export function repetitionTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{M}\p{N}_]+/gu) ?? [];
}

/** The fraction of n-grams that repeat an earlier one: 1 − distinct/all; 0 when there is no full n-gram. */
export function repetitionRate(text: string, ngram: number): number {
  const w = repetitionTokens(text);
  const total = w.length - ngram + 1;
  if (total <= 0) return 0;
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(w.slice(i, i + ngram).join('\u0000'));
  return 1 - seen.size / total;
}

/**
 * Repetition penalty in [maxPenalty, 0]; never null.
 *
 * @example
 * await repetitionReward({ ngram: 2 }).score([
 *   { prompt: 'p', completion: 'a b c d' },     // 0: three distinct bigrams
 *   { prompt: 'p', completion: 'a b a b a b' }, // −0.6: 2 distinct of 5 bigrams
 * ]);
 */
export function repetitionReward(opts: RepetitionOptions = {}): RewardFn {
  const ngram = opts.ngram ?? 3;
  const maxPenalty = opts.maxPenalty ?? -1;
  if (!Number.isInteger(ngram) || ngram < 1) throw new Error(`repetitionReward: ngram must be a positive integer, got ${ngram}`);
  if (!Number.isFinite(maxPenalty) || maxPenalty > 0) throw new Error(`repetitionReward: maxPenalty must be <= 0, got ${maxPenalty}`);
  return {
    name: 'repetition',
    async score(samples: readonly RewardSample[]) {
      // `+ 0` turns −0 (a zero rate times a negative penalty) into 0.
      return samples.map((s) => maxPenalty * repetitionRate(s.completion, ngram) + 0);
    },
  };
}
