// src/tokenizer/train.test.ts — BPE training: a hand-worked example, agreement with the naive recount, and
// tokens that training must never produce.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { learnMerges, learnMergesNaive } from './train.js';
import { utf8Bytes } from './bytes.js';

const str = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

test('hand-worked example: hug×10 pug×5 pun×12 bun×4 hugs×5 learns ug, un, hug, then pun', () => {
  // Pair counts: ug 20, pu 17, un 16, hu 15 → merge "ug". Then un 16 (pu drops to 12) → "un". Then h+ug 15 →
  // "hug". Then p+un 12.
  const counts = new Map([['hug', 10], ['pug', 5], ['pun', 12], ['bun', 4], ['hugs', 5]]);
  const { merges, tokens } = learnMerges(counts, { numMerges: 4 });
  assert.deepEqual(merges.map((m) => str(tokens[m.id] as Uint8Array)), ['ug', 'un', 'hug', 'pun']);
  assert.deepEqual(merges.map((m) => m.id), [256, 257, 258, 259]);
  assert.deepEqual(learnMergesNaive(counts, 4), merges);
});

test('minFrequency stops training; overlapping pairs count as merged left to right', () => {
  const counts = new Map([['aaaa', 1], ['ab', 1]]);
  const { merges, tokens } = learnMerges(counts, { numMerges: 10, minFrequency: 2 });
  // "aaaa" has (a,a) 3 times → merge to aa aa; then (aa,aa) occurs once < 2 → stop.
  assert.deepEqual(merges.map((m) => str(tokens[m.id] as Uint8Array)), ['aa']);
});

test('incremental training equals the naive recount on seeded random corpora', () => {
  const rng = new Rng(3);
  for (let t = 0; t < 8; t++) {
    const counts = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const w = Array.from({ length: rng.int(1, 9) }, () => rng.pick(['a', 'b', 'c', 'ab', ' ', 'é', '😀'])).join('');
      counts.set(w, (counts.get(w) ?? 0) + rng.int(1, 20));
    }
    const fast = learnMerges(counts, { numMerges: 40, minFrequency: 2 });
    assert.deepEqual(fast.merges, learnMergesNaive(counts, 40, 2), `corpus ${t}`);
  }
});

test('forbidden byte strings are never produced by a merge', () => {
  const counts = new Map([['<think>', 50], ['think', 3]]);
  const forbidden = [Uint8Array.from(utf8Bytes('<think>'))];
  const { tokens } = learnMerges(counts, { numMerges: 20, forbidden });
  const all = tokens.map(str);
  assert.ok(all.includes('<think'), 'the rest of the piece still merges');
  assert.ok(!all.includes('<think>'));
});

test('bad numMerges is rejected', () => {
  assert.throws(() => learnMerges(new Map(), { numMerges: -1 }), /numMerges must be a non-negative integer/);
});
