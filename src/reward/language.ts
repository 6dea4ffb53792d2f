// src/reward/language.ts — language-consistency reward, DeepSeek-R1 §2.3.2 / eq. 7:
// Reward_language = Num(Words_target) / Num(Words), computed over the chain of thought. It discourages the
// language mixing R1-Zero showed, at a small cost in accuracy (the paper reports the trade-off).

import type { RewardFn, RewardSample } from './types.js';
import { splitCompletion } from '../tasks/completion.js';

/** Target languages: English words are Latin-script words; Chinese words are Han characters. */
export type TargetLanguage = 'en' | 'zh';

/** Word counts by script, after math, code and numbers are removed. */
export interface WordCounts {
  /** Latin-script words of two or more letters (single letters are usually variables: x, n, a). */
  latin: number;
  /** Han characters: Chinese has no spaces, so each character is counted as one word (a common proxy). */
  han: number;
  /** Everything else: kana and Hangul characters, and words in other scripts (Cyrillic, Greek, Arabic, ...). */
  other: number;
}

/** Remove what is not natural language: code, LaTeX math and commands, tags, URLs, numbers. */
export function stripNonProse(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/\$\$[\s\S]*?\$\$/g, ' ')
    .replace(/\$[^$\n]*\$/g, ' ')
    .replace(/\\\[[\s\S]*?\\\]/g, ' ')
    .replace(/\\\([\s\S]*?\\\)/g, ' ')
    .replace(/\\[a-zA-Z]+/g, ' ')
    .replace(/<\/?[a-zA-Z]+>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\d+/g, ' ');
}

const WORD =
  /[\p{Script=Han}]|[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|\p{Script=Latin}+(?:['’]\p{Script=Latin}+)*|[\p{L}\p{M}]+/gu;
const HAN = /^\p{Script=Han}$/u;
const LATIN = /^\p{Script=Latin}/u;

/** Count words by script in `text` (math, code and numbers ignored). */
export function countWords(text: string): WordCounts {
  const counts: WordCounts = { latin: 0, han: 0, other: 0 };
  for (const w of stripNonProse(text).match(WORD) ?? []) {
    if (HAN.test(w)) counts.han++;
    else if (LATIN.test(w)) {
      if (w.length >= 2) counts.latin++;
    } else counts.other++;
  }
  return counts;
}

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
  const c = countWords(chainOfThought(completion));
  const total = c.latin + c.han + c.other;
  if (total === 0) return null;
  return (target === 'en' ? c.latin : c.han) / total;
}

/**
 * Language-consistency reward in [0, 1]; null when the chain of thought contains no words (pure math or
 * empty), where the ratio is undefined.
 *
 * @example
 * await languageReward({ target: 'en' }).score([
 *   { prompt: 'p', completion: '<think>We add the numbers: $2+3=5$.</think> 5' },   // 1
 *   { prompt: 'p', completion: '<think>We 计算 the sum.</think> 5' },               // 3/5
 * ]);
 */
export function languageReward(opts: { target?: TargetLanguage } = {}): RewardFn {
  const target = opts.target ?? 'en';
  if (target !== 'en' && target !== 'zh') throw new Error(`languageReward: unsupported target language "${String(target)}" (en or zh)`);
  return {
    name: 'language',
    async score(samples: readonly RewardSample[]) {
      return samples.map((s) => languageConsistency(s.completion, target));
    },
  };
}
