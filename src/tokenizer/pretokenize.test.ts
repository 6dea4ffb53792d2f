// src/tokenizer/pretokenize.test.ts — Split behaviours, ByteLevel and Sequence, against Hugging Face's results.

import test from 'node:test';
import assert from 'node:assert/strict';
import { buildPreTokenizer, type PreTokenizerSpec, type SplitBehavior } from './pretokenize.js';

const run = (spec: PreTokenizerSpec, text: string): string[] => {
  const out: string[] = [];
  buildPreTokenizer(spec).split(text, (p) => out.push(p));
  return out;
};
const split = (behavior: SplitBehavior, invert: boolean): PreTokenizerSpec => ({ type: 'Split', pattern: { Regex: 'ab' }, behavior, invert });

// Expected pieces are what tokenizers' Split(Regex("ab"), behavior, invert).pre_tokenize_str gives.
test('Split behaviours and invert match Hugging Face', () => {
  const text = 'abxabab yab';
  assert.deepEqual(run(split('Isolated', false), text), ['ab', 'x', 'ab', 'ab', ' y', 'ab']);
  assert.deepEqual(run(split('Isolated', true), text), ['ab', 'x', 'ab', 'ab', ' y', 'ab']);
  assert.deepEqual(run(split('Removed', false), text), ['x', ' y']);
  assert.deepEqual(run(split('Removed', true), text), ['ab', 'ab', 'ab', 'ab']);
  assert.deepEqual(run(split('MergedWithPrevious', false), text), ['ab', 'xab', 'ab', ' yab']);
  assert.deepEqual(run(split('MergedWithPrevious', true), text), ['abx', 'ab', 'ab y', 'ab']);
  assert.deepEqual(run(split('MergedWithNext', false), text), ['abx', 'ab', 'ab y', 'ab']);
  assert.deepEqual(run(split('MergedWithNext', true), text), ['ab', 'xab', 'ab', ' yab']);
  assert.deepEqual(run(split('Contiguous', false), text), ['ab', 'x', 'abab', ' y', 'ab']);
});

test('empty regex matches do not split; a String pattern is literal', () => {
  assert.deepEqual(run({ type: 'Split', pattern: { Regex: 'x*' }, behavior: 'Isolated', invert: false }, 'abxxc'), ['a', 'b', 'xx', 'c']);
  assert.deepEqual(run({ type: 'Split', pattern: { String: '.+' }, behavior: 'Removed', invert: false }, 'a.+b.c'), ['a', 'b.c']);
});

test('ByteLevel: prefix space per piece, GPT-2 regex when use_regex', () => {
  const bl: PreTokenizerSpec = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  assert.deepEqual(run(bl, 'hi  there'), [' hi', ' ', ' there']);
  assert.deepEqual(run(bl, ' hi'), [' hi']);
  const seq: PreTokenizerSpec = {
    type: 'Sequence',
    pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }],
  };
  assert.deepEqual(run(seq, 'a12 b'), ['a', '1', '2', ' b']);
});

test('empty matches count as matches for every behaviour (HF results for \\s+|\\p{N}|x* on "ab 12  cxxd")', () => {
  const spec = (behavior: SplitBehavior, invert: boolean): PreTokenizerSpec => ({ type: 'Split', pattern: { Regex: '\\s+|\\p{N}|x*' }, behavior, invert });
  const text = 'ab 12  cxxd';
  assert.deepEqual(run(spec('Removed', true), text), [' ', '1', '2', '  ', 'xx']);
  assert.deepEqual(run(spec('Contiguous', false), text), ['a', 'b', ' 12  ', 'c', 'xx', 'd']);
  assert.deepEqual(run(spec('Contiguous', true), text), ['a', 'b', ' 12  ', 'c', 'xx', 'd']);
  assert.deepEqual(run(spec('MergedWithPrevious', true), text), ['a', 'b', ' ', '1', '2', '  c', 'xxd']);
  assert.deepEqual(run(spec('MergedWithNext', true), text), ['a', 'b ', '1', '2', '  ', 'cxx', 'd']);
});
