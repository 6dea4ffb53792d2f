// src/generate/prefix-cache.test.ts — tests: block-chained prefix lookup restores exactly the cached KV, a block is
// only reused after the identical prefix, the LRU stays within its byte bound, and misuse is rejected.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRefBackend } from '../backend/index.js';
import { createEngine } from '../tensor/index.js';
import { preset, Transformer } from '../model/index.js';
import { Rng } from '../util/rng.js';
import { readSpan, spanFloats, writeSpan } from './kv-blocks.js';
import { PrefixCache } from './prefix-cache.js';

const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(1));
const fill = (cache: ReturnType<Transformer['newCache']>, row: number, tokens: number[]): void => {
  m.engine.scope(() => m.forward(Int32Array.from(tokens), 1, tokens.length, { cache, rows: Int32Array.of(row) }));
};
const seq = (n: number, seed: number): number[] => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.int(0, 511));
};

test('restore writes back exactly the KV that store read, for the longest cached block prefix', () => {
  const pc = new PrefixCache({ maxBytes: 1 << 22, blockSize: 4 });
  const cache = m.newCache(2, 32);
  const a = seq(11, 1);
  fill(cache, 0, a);
  assert.equal(pc.store(cache, 0, a), 2, 'two whole 4-token blocks of 11 tokens');
  const got = pc.restore(cache, 1, [...a.slice(0, 9), 1, 2], 10);
  assert.equal(got, 8);
  assert.equal(cache.lengths[1], 8);
  assert.deepEqual(readSpan(cache, 1, 0, 8), readSpan(cache, 0, 0, 8));
  assert.equal(pc.restore(cache, 1, a, 7), 4, 'maxTokens caps the reuse');
  // Same second block after a different first block: no reuse (the key chains over the whole prefix).
  const b = [...seq(4, 2), ...a.slice(4, 8), 0];
  assert.equal(pc.restore(cache, 1, b, 8), 0);
  assert.deepEqual(pc.stats(), { blocks: 2, bytes: 2 * spanFloats(cache, 4) * 4, hits: 2, misses: 1, hitTokens: 12, evictions: 0 });
  pc.clear();
  assert.equal(pc.restore(cache, 1, a, 10), 0);
});

test('the LRU keeps the cache under maxBytes and drops the least recently used blocks', () => {
  const cache = m.newCache(1, 32);
  const block = spanFloats(cache, 4) * 4;
  const pc = new PrefixCache({ maxBytes: 3 * block, blockSize: 4 });
  const a = seq(8, 3), b = seq(8, 4);
  fill(cache, 0, a);
  pc.store(cache, 0, a);
  cache.reset(0);
  fill(cache, 0, b);
  pc.store(cache, 0, b);
  const s = pc.stats();
  assert.equal(s.blocks, 3);
  assert.ok(s.bytes <= 3 * block);
  assert.equal(s.evictions, 1);
  assert.equal(pc.restore(cache, 0, a, 8), 0, "a's first block was the oldest and is gone");
  assert.equal(pc.restore(cache, 0, b, 8), 8);
});

test('misuse is rejected with clear errors', () => {
  assert.throws(() => new PrefixCache({ maxBytes: -1 }), /maxBytes/);
  assert.throws(() => new PrefixCache({ maxBytes: 10, blockSize: 0 }), /blockSize/);
  const pc = new PrefixCache({ maxBytes: 1 << 20, blockSize: 4 });
  const cache = m.newCache(1, 16);
  fill(cache, 0, seq(4, 5));
  pc.store(cache, 0, seq(4, 5));
  const other = new Transformer(createEngine(createRefBackend()), preset('tiny-moe-mla'), new Rng(1));
  assert.throws(() => pc.restore(other.newCache(1, 16), 0, seq(8, 5), 8), /different model config/);
  assert.throws(() => readSpan(cache, 0, 2, 4), /holds 4 positions/);
  assert.throws(() => writeSpan(cache, 0, 0, 2, new Float32Array(3)), /span holds 3 floats/);
});
