// src/tokenizer/testutil.ts — seeded random Unicode text and a small built-in corpus, shared by the tokenizer tests.

import { Rng } from '../util/rng.js';
import { R1_TOKENS } from './specials.js';

const WHITESPACE = [' ', ' ', '  ', '\t', '\n', '\n\n', '\r\n', '\u00a0', '\u2028', '\u3000', '\u0085', '\ufeff', '\u200b'];

/**
 * A random well-formed string of about `len` code points mixing ASCII words, whitespace runs, control characters,
 * combining marks, CJK, emoji (with ZWJ and skin tones), arbitrary astral code points and added-token text.
 */
export function randomUnicode(rng: Rng, len: number): string {
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
        s += String.fromCodePoint(rng.int(0x10000, 0x10ffff));
        break;
      case 8: {
        let c = rng.int(0x80, 0xfffd);
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
