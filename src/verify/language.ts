// src/verify/language.ts — which language a text is written in, by counting words per script: Latin-script words,
// and Han characters (Chinese has no spaces, so each character counts as one word, a common proxy). Shared by the
// language-consistency reward (reward/language.ts) and the instruction-following task (tasks/instructions), which
// sit below this layer.

/** Languages r1ts tells apart: English words are Latin-script words; Chinese words are Han characters. */
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

/** Fraction of the words of `text` that are in `target`, or null when it has no words at all. */
export function languageShare(text: string, target: TargetLanguage): number | null {
  const c = countWords(text);
  const total = c.latin + c.han + c.other;
  if (total === 0) return null;
  return (target === 'en' ? c.latin : c.han) / total;
}
