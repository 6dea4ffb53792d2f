// src/tokenizer/regex.test.ts — Oniguruma → JS pattern translation and the stock pre-tokenizer patterns.

import test from 'node:test';
import assert from 'node:assert/strict';
import { compileOnig, GPT2_PATTERN, LLAMA3_PATTERN, nestedRepetition, onigToJs } from './regex.js';

const pieces = (pattern: string, s: string): string[] => [...s.matchAll(compileOnig(pattern))].map((m) => m[0]);

test('(?i:…) groups become explicit case classes (Node 20 has no inline modifiers)', () => {
  assert.equal(onigToJs("(?i:'s|'t)x"), "(?:'[sS]|'[tT])x");
  assert.deepEqual(pieces("(?i:'s|'ll)", "IT'S we'LL 'x"), ["'S", "'LL"]);
});

test('\\s means Oniguruma White_Space: U+0085 is space, U+FEFF is not (JS \\s differs on both)', () => {
  const re = compileOnig('\\s+');
  assert.deepEqual('a\u0085b\ufeffc\u3000d'.match(re), ['\u0085', '\u3000']);
  assert.equal(onigToJs('[^\\s\\p{L}]'), '[^\\p{White_Space}\\p{L}]');
  assert.deepEqual(pieces('\\w+', 'ab_²Ⅰ-x'), ['ab_²Ⅰ', 'x']);
});

test('escapes legal in Oniguruma but not in JS u-mode are rewritten; \\x{…} becomes \\u{…}', () => {
  assert.equal(onigToJs('[\\"\\-\\#]\\x{1F600}'), '["\\-#]\\u{1F600}');
  assert.deepEqual(pieces('[\\"\\#]+', 'a"#b'), ['"#']);
});

test('constructs JS cannot express are rejected with the pattern named', () => {
  assert.throws(() => onigToJs('[a[b]]'), /nested character class.*\[a\[b\]\]/);
  assert.throws(() => onigToJs('(?>ab)'), /atomic group/);
  assert.throws(() => onigToJs('a++'), /possessive/);
  assert.throws(() => compileOnig('(ab'), /does not compile/);
});

test('Llama-3 pattern: contractions, letter runs, digit triples, punctuation and whitespace rules', () => {
  assert.deepEqual(pieces(LLAMA3_PATTERN, "I'M here:  12345 apples!!\n\n  x"), [
    'I', "'M", ' here', ':', ' ', ' ', '123', '45', ' apples', '!!\n\n', ' ', ' x',
  ]);
});

test('GPT-2 pattern: a space sticks to the next word or number, not to a run of spaces', () => {
  assert.deepEqual(pieces(GPT2_PATTERN, "Hello   world's 2024"), ['Hello', '  ', ' world', "'s", ' 2024']);
});

test('nestedRepetition finds repeated groups whose body repeats (ReDoS), and only those', () => {
  const QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  for (const safe of [GPT2_PATTERN, LLAMA3_PATTERN, QWEN2, '(a|b)+', '[(]+', '\\(a+\\)+', '(\\p{L}+\\s)?x', '(a+){1}', '(?:ab)*']) {
    assert.equal(nestedRepetition(safe), null, safe);
  }
  const risky: [string, string][] = [['(a+)+$', '(a+)+'], ['(\\w+\\s?)+$', '(\\w+\\s?)+'], ['(?:a*)*', '(?:a*)*'], ['x((ab)+c){2,}', '((ab)+c){2,}'], ['(a{2,5}){3}', '(a{2,5}){3}'], ['((a)+)*?', '((a)+)*?']];
  for (const [p, shape] of risky) assert.equal(nestedRepetition(p), shape, p);
  assert.throws(() => compileOnig('(a+)+$'), /\(a\+\)\+.*ReDoS/);
});
