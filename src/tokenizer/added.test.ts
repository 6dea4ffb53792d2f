// src/tokenizer/added.test.ts — added tokens with tokenizers' lstrip / rstrip / single_word / normalized flags: the ids
// Hugging Face tokenizers 0.23.2 gives for the same tokenizer.json (stored below, so no Python is needed), and linear
// time on long whitespace runs.

import test from 'node:test';
import assert from 'node:assert/strict';
import { toTokenizerJson } from './hf-json.js';
import { tokenizerFromJson } from './io.js';
import { builtinCorpus } from './samples.js';
import { trainTokenizer } from './train-tokenizer.js';

/** The flags each added token gets in tokenizer.json (' <' begins with whitespace, as lstrip/rstrip neighbours do). */
const FLAGS: Record<string, Record<string, boolean>> = { '<mask>': { lstrip: true }, '[R]': { rstrip: true }, '<both>': { lstrip: true, rstrip: true }, word: { single_word: true }, ' <': {} };

function flaggedTokenizer(): ReturnType<typeof tokenizerFromJson> {
  const tok = trainTokenizer(builtinCorpus(), { vocabSize: 300, addedTokens: Object.keys(FLAGS).map((content) => ({ content, special: true })) });
  const j = toTokenizerJson(tok.spec) as { added_tokens: Record<string, unknown>[] };
  for (const a of j.added_tokens) Object.assign(a, FLAGS[a['content'] as string] ?? {});
  return tokenizerFromJson(j, 'flags/tokenizer.json');
}

// Tokenizer.from_str(that tokenizer.json).encode(text, add_special_tokens=False).ids, tokenizers 0.23.2.
const EXPECTED: [string, number[]][] = [
  ['a  <mask> b', [97, 32, 299, 109, 97, 115, 107, 62, 278]],
  ['x\u3000\n<mask>y', [120, 295, 121]],
  ['[R]   \n z', [296, 122]],
  ['a [R]\u00a0q', [97, 32, 296, 113]],
  ['one word, words, sword _word word_ 1word word1 word', [111, 110, 101, 32, 298, 44, 32, 119, 111, 114, 100, 115, 44, 260, 119, 111, 114, 100, 32, 95, 119, 111, 114, 100, 32, 119, 111, 114, 100, 95, 32, 49, 119, 111, 114, 100, 32, 119, 111, 114, 100, 49, 32, 298]],
  ['<mask><mask>  [R][R]  ', [295, 295, 32, 32, 296, 296]],
  ['a  <mask>', [97, 32, 299, 109, 97, 115, 107, 62]],
  ['[R]  <mask>', [296, 299, 109, 97, 115, 107, 62]],
  [' \t<both>\n\n<both> end', [297, 297, 273, 100]],
  ['a\u2028\u0085<mask>\u200b<mask>', [97, 295, 226, 128, 139, 295]],
];

test('lstrip / rstrip / single_word: the ids Hugging Face tokenizers gives', () => {
  const tok = flaggedTokenizer();
  assert.deepEqual([...tok.added.tokens].map((t) => [t.content, t.id]), [['<mask>', 295], ['[R]', 296], ['<both>', 297], ['word', 298], [' <', 299]]);
  for (const [text, ids] of EXPECTED) assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
});

// A hang guard, not a speed bound: the whitespace runs took time quadratic in their length (minutes at this size).
test('long whitespace runs next to lstrip / rstrip tokens encode in linear time', { timeout: 120_000 }, () => {
  const tok = flaggedTokenizer();
  const run = ' \n\t'.repeat(150_000);
  const text = `a${run}b${run}[R]${run}x<mask>${run}`;
  const ids = tok.encode(text);
  assert.equal(tok.decode(ids), text.replace(`[R]${run}`, '[R]'));
  assert.equal(ids.filter((id) => id === 296 || id === 295).length, 2);
});

test('normalized added tokens are matched on normalized text, after the others on raw text, as tokenizers does', () => {
  const NORMALIZED: Record<string, boolean> = { 'e\u0301x': true, 'x<a': true, '<a>': false, '\ufb01ne': true };
  const base = trainTokenizer(builtinCorpus(), { vocabSize: 300, addedTokens: Object.keys(NORMALIZED).map((content) => ({ content, special: false })) });
  const j = toTokenizerJson(base.spec) as { added_tokens: Record<string, unknown>[]; normalizer: unknown };
  for (const a of j.added_tokens) if ((a['content'] as string) in NORMALIZED) a['normalized'] = NORMALIZED[a['content'] as string];
  j.normalizer = { type: 'NFKC' };
  const tok = tokenizerFromJson(j, 'normalized/tokenizer.json');
  assert.deepEqual([...tok.added.tokens].map((t) => [t.id, t.normalized]), [[296, true], [297, true], [298, false], [299, true]]);
  // Tokenizer.from_str(that tokenizer.json).encode(text, add_special_tokens=False).ids, tokenizers 0.23.2: the composed
  // and decomposed é both find 'e\u0301x' (NFKC composes both), 'ﬁne' is found in 'fine', and '<a>' (raw) wins over
  // 'x<a' (normalized) though 'x<a' starts first.
  const expected: [string, number[]][] = [
    ['\u00e9x e\u0301x', [296, 32, 296]],
    ['x<a>', [120, 298]],
    ['fine \ufb01ne', [299, 32, 299]],
    ['\uff38\uff1ca\uff1e', [88, 60, 97, 62]],
    ['<think>x<a> y', [60, 271, 62, 120, 298, 32, 121]],
  ];
  for (const [text, ids] of expected) assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
  assert.deepEqual(tok.encode('x<a>', { allowedAdded: ['x<a'] }), tok.encode('x<a', { allowedAdded: ['x<a'] }).concat(tok.encode('>', { allowedAdded: 'none' })));
  assert.throws(() => tok.encode('x', { allowedAdded: ['<nope>'] }), /unknown added token "<nope>"/);
});
