// src/tokenizer/samples.ts — seeded random Unicode text and a small built-in corpus (tests, benchmarks, interop checks).

import { Rng } from '../util/rng.js';
import { R1_TOKENS } from './specials.js';

const WHITESPACE = [' ', ' ', '  ', '\t', '\n', '\n\n', '\r\n', '\u00a0', '\u2028', '\u3000', '\u0085', '\ufeff', '\u200b'];

// Astral blocks assigned long ago (Unicode ≤ 6): their properties agree across regex engines, unlike code
// points assigned recently or not at all, whose \p{L} answer depends on each engine's Unicode version.
const STABLE_ASTRAL: readonly [number, number][] = [
  [0x10000, 0x1005d], // Linear B syllabary (Lo)
  [0x1d400, 0x1d6a5], // mathematical alphanumerics (Lu/Ll, with a few holes that are Cn everywhere)
  [0x1f300, 0x1f5ff], // pictographs (So)
  [0x20000, 0x2a6d6], // CJK extension B (Lo)
  [0xf0000, 0xffffd], // private use plane 15 (Co)
];

// BMP blocks whose assignments have not changed for a decade (Latin, Greek, Cyrillic, Hebrew, Arabic,
// Devanagari, Thai, Latin Extended Additional, punctuation, letterlike/arrows/math, kana, Hangul syllables).
const STABLE_BMP: readonly [number, number][] = [
  [0x80, 0x24f], [0x370, 0x4ff], [0x590, 0x6ff], [0x900, 0x97f], [0xe00, 0xe7f],
  [0x1e00, 0x1eff], [0x2000, 0x206f], [0x2100, 0x22ff], [0x3040, 0x30ff], [0xac00, 0xd7a3],
];

export interface RandomUnicodeOptions {
  /**
   * Draw astral characters only from long-assigned blocks (for comparing with another regex engine). Default
   * false: any code point up to U+10FFFF, which is what round-trip tests want.
   */
  stableOnly?: boolean;
}

/**
 * A random well-formed string of about `len` code points mixing ASCII words, whitespace runs, control characters,
 * combining marks, CJK, emoji (with ZWJ and skin tones), arbitrary astral code points and added-token text.
 */
export function randomUnicode(rng: Rng, len: number, opts: RandomUnicodeOptions = {}): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const r = rng.int(0, 11);
    switch (r) {
      case 0:
      case 1:
        s += rng.pick(['the', ' cat', 'Hello', ' world', "'s", "'LL", '123', '4567', '3.14', '!!', '...', 'x^2']);
        break;
      case 2:
        s += rng.pick(WHITESPACE).repeat(rng.int(1, 3));
        break;
      case 3:
        s += String.fromCharCode(rng.pick([rng.int(0, 31), 127]));
        break;
      case 4:
        s += 'e' + String.fromCharCode(rng.int(0x300, 0x36f)) + (rng.next() < 0.5 ? String.fromCharCode(rng.int(0x300, 0x36f)) : '');
        break;
      case 5:
        s += String.fromCharCode(rng.int(0x4e00, 0x9fff));
        break;
      case 6:
        s += rng.pick(['😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '🧪', '∑', '√']);
        break;
      case 7:
        if (opts.stableOnly) {
          const [lo, hi] = rng.pick(STABLE_ASTRAL);
          s += String.fromCodePoint(rng.int(lo, hi));
        } else s += String.fromCodePoint(rng.int(0x10000, 0x10ffff));
        break;
      case 8: {
        let c: number;
        if (opts.stableOnly) {
          const [lo, hi] = rng.pick(STABLE_BMP);
          c = rng.int(lo, hi);
        } else c = rng.int(0x80, 0xfffd);
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        s += String.fromCharCode(c);
        break;
      }
      case 9:
        s += rng.pick([R1_TOKENS.thinkStart, R1_TOKENS.thinkEnd, R1_TOKENS.user, R1_TOKENS.eos, '<think', 'think>', '<｜', '▁']);
        break;
      default:
        s += String.fromCharCode(rng.int(0x20, 0x7e));
    }
  }
  return s;
}

/** A few kilobytes of English, arithmetic and R1-style reasoning, for training small tokenizers in tests. */
export function builtinCorpus(): string[] {
  const base = [
    'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.',
    'How many clips did Natalia sell altogether in April and May?',
    "<think>\nIn May she sold 48 / 2 = 24 clips. Altogether 48 + 24 = 72.\n</think>\n<answer>72</answer>",
    'Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting.',
    "<think>\nShe earns 12 / 60 = $0.2 per minute, so 0.2 * 50 = $10.\n</think>\n<answer>10</answer>",
    'The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags.',
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))  # 5",
    'Les élèves ont résolu le problème. Die Größe ist 3,5 m. 数学很有趣。 😀 ✓',
    "It's the student's answer; they're sure we'll check it, and I'd agree.",
  ];
  const out: string[] = [];
  for (let i = 0; i < 12; i++) for (const b of base) out.push(b.replace(/\d+/g, (d) => String(Number(d) + i)));
  return out;
}
