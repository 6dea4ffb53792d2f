// src/tokenizer/bpe.test.ts — applying merges: rank order on hand-made examples, and heap == rescanning loop.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { BpeModel, type Merge } from './bpe.js';

const identityBytes = (): Int32Array => Int32Array.from({ length: 256 }, (_, i) => i);
const A = 97; // 'a'
const B = 98;
const C = 99;

test('merges apply in rank order, not left to right: "abc" with (b,c) ranked before (a,b) gives a|bc', () => {
  const merges: Merge[] = [
    { a: B, b: C, id: 256 },
    { a: A, b: B, id: 257 },
  ];
  const m = new BpeModel({ byteToId: identityBytes(), merges });
  assert.deepEqual(m.encodePieceUncached('abc'), [A, 256]);
  assert.deepEqual(m.encodePieceUncached('abab'), [257, 257]);
  // Swapping the ranks changes the answer.
  const m2 = new BpeModel({ byteToId: identityBytes(), merges: [merges[1] as Merge, merges[0] as Merge] });
  assert.deepEqual(m2.encodePieceUncached('abc'), [257, C]);
});

test('equal-rank overlaps resolve leftmost first: "aaa" with (a,a) gives aa|a', () => {
  const m = new BpeModel({ byteToId: identityBytes(), merges: [{ a: A, b: A, id: 256 }, { a: 256, b: 256, id: 257 }] });
  assert.deepEqual(m.encodePieceUncached('aaa'), [256, A]);
  assert.deepEqual(m.encodePieceUncached('aaaa'), [257]);
  assert.deepEqual(m.encodePieceUncached('aaaaa'), [257, A]);
});

test('heap merging equals the rescanning loop on random words and random merge tables', () => {
  const rng = new Rng(11);
  for (let t = 0; t < 20; t++) {
    // Random merge table over a 4-letter alphabet, each merge built from existing symbols.
    const syms = [A, B, C, 100];
    const merges: Merge[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const a = rng.pick(syms);
      const b = rng.pick(syms);
      if (seen.has(`${a},${b}`)) continue;
      seen.add(`${a},${b}`);
      const id = 256 + merges.length;
      merges.push({ a, b, id });
      syms.push(id);
    }
    const m = new BpeModel({ byteToId: identityBytes(), merges });
    for (let w = 0; w < 30; w++) {
      const word = Array.from({ length: rng.int(1, 120) }, () => rng.pick([A, B, C, 100]));
      assert.deepEqual(m.mergeHeap([...word]), m.mergeNaive([...word]), `table ${t}, word ${w}`);
    }
  }
});

test('ignoreMerges takes a whole-vocab piece directly (Llama-3); encodePiece caches results', () => {
  const vocab = new Map<string, number>([['abc', 300]]);
  const m = new BpeModel({ byteToId: identityBytes(), merges: [{ a: A, b: B, id: 256 }], ignoreMerges: true, vocab });
  assert.deepEqual(m.encodePieceUncached('abc'), [300]);
  assert.deepEqual(m.encodePieceUncached('abcc'), [256, C, C]);
  const out: number[] = [];
  m.encodePiece('abcc', out);
  m.encodePiece('abcc', out);
  assert.deepEqual(out, [256, C, C, 256, C, C]);
});

test('a byte missing from the vocabulary is a clear error', () => {
  const byteToId = identityBytes();
  byteToId[0xc3] = -1; // 'ÿ' is C3 BF in UTF-8
  const m = new BpeModel({ byteToId, merges: [] });
  assert.deepEqual(m.encodePieceUncached('a'), [A]);
  assert.throws(() => m.encodePieceUncached('ÿ'), /no token for byte 0xc3/);
});
