import test from 'node:test';
import assert from 'node:assert/strict';
import { Sampler, sampleBatch, validateSampling } from './sampler.js';
import { createNativeBackend, createRefBackend, nativeAvailable } from '../backend/index.js';
import { Rng } from '../util/rng.js';

const logitsOf = (p: number[]): Float32Array => Float32Array.from(p.map((x) => Math.log(x)));

function histogram(logits: Float32Array, params: { temperature: number; topP: number; topK: number }, n: number, seed = 1): number[] {
  const s = new Sampler();
  const rng = new Rng(seed);
  const h = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) h[s.sample(logits, params, rng).token]! += 1;
  return h.map((c) => c / n);
}

test('greedy picks the argmax and reports its log-prob', () => {
  const s = new Sampler();
  const r = s.sample(logitsOf([0.1, 0.6, 0.3]), { temperature: 0, topP: 1, topK: 0 }, new Rng(0));
  assert.equal(r.token, 1);
  assert.ok(Math.abs(r.logprob - Math.log(0.6)) < 1e-6);
});

test('plain sampling follows the distribution', () => {
  const h = histogram(logitsOf([0.5, 0.3, 0.2]), { temperature: 1, topP: 1, topK: 0 }, 20000);
  assert.ok(Math.abs(h[0]! - 0.5) < 0.015 && Math.abs(h[1]! - 0.3) < 0.015 && Math.abs(h[2]! - 0.2) < 0.015);
});

test('top-k keeps only the k most likely tokens, renormalized', () => {
  const h = histogram(logitsOf([0.1, 0.4, 0.3, 0.2]), { temperature: 1, topP: 1, topK: 2 }, 20000);
  assert.equal(h[0], 0);
  assert.equal(h[3], 0);
  assert.ok(Math.abs(h[1]! - 4 / 7) < 0.015 && Math.abs(h[2]! - 3 / 7) < 0.015);
});

test('top-p keeps the smallest nucleus reaching p', () => {
  // Sorted: 0.5, 0.25, 0.15, 0.1. p = 0.7 needs {0.5, 0.25} (mass 0.75).
  const h = histogram(logitsOf([0.15, 0.5, 0.1, 0.25]), { temperature: 1, topP: 0.7, topK: 0 }, 20000);
  assert.equal(h[0], 0);
  assert.equal(h[2], 0);
  assert.ok(Math.abs(h[1]! - 2 / 3) < 0.015 && Math.abs(h[3]! - 1 / 3) < 0.015);
  // p exactly at a boundary keeps that token and no more.
  const h2 = histogram(logitsOf([0.5, 0.25, 0.25]), { temperature: 1, topP: 0.5, topK: 0 }, 2000);
  assert.deepEqual(h2, [1, 0, 0]);
});

test('temperature sharpens the distribution and log-probs use logits / T', () => {
  const logits = logitsOf([0.6, 0.4]);
  const h = histogram(logits, { temperature: 0.5, topP: 1, topK: 0 }, 20000);
  // softmax(log p / 0.5) = p^2 / sum p^2 = 0.36/0.52, 0.16/0.52
  assert.ok(Math.abs(h[0]! - 0.36 / 0.52) < 0.015);
  const s = new Sampler();
  const r = s.sample(logits, { temperature: 0.5, topP: 1, topK: 0 }, new Rng(3));
  const expected = r.token === 0 ? Math.log(0.36 / 0.52) : Math.log(0.16 / 0.52);
  assert.ok(Math.abs(r.logprob - expected) < 1e-5);
});

test('same seed, same tokens; different seed, different tokens', () => {
  const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
  const run = (seed: number): number[] => {
    const s = new Sampler(); const rng = new Rng(seed);
    return Array.from({ length: 40 }, () => s.sample(logits, { temperature: 1, topP: 0.95, topK: 20 }, rng).token);
  };
  assert.deepEqual(run(11), run(11));
  assert.notDeepEqual(run(11), run(12));
});

test('bad parameters and bad logits are rejected with a clear message', () => {
  assert.throws(() => validateSampling({ temperature: -1, topP: 1, topK: 0 }), /temperature/);
  assert.throws(() => validateSampling({ temperature: 1, topP: 0, topK: 0 }), /topP/);
  assert.throws(() => validateSampling({ temperature: 1, topP: 1, topK: 1.5 }), /topK/);
  const s = new Sampler();
  assert.throws(() => s.sample(new Float32Array([1, NaN]), { temperature: 1, topP: 1, topK: 0 }, new Rng(0)), /NaN at index 1/);
  assert.throws(() => s.sample(new Float32Array([-Infinity]), { temperature: 1, topP: 1, topK: 0 }, new Rng(0)), /-Infinity/);
});

test('sampleBatch gives the tokens of per-row Sampler.sample from the same streams, on every backend', () => {
  const backends = [createRefBackend(), ...(nativeAvailable() ? [createNativeBackend()] : [])];
  const B = 16, V = 300;
  const gen = new Rng(77);
  const logits = Float32Array.from({ length: B * V }, () => gen.normal() * 2);
  for (const params of [{ temperature: 0, topP: 1, topK: 0 }, { temperature: 0.6, topP: 0.95, topK: 0 }, { temperature: 1, topP: 1, topK: 20 }, { temperature: 0.9, topP: 1, topK: 0 }]) {
    const sampler = new Sampler();
    const rowsA = Array.from({ length: B }, (_, b) => new Rng(1000 + b));
    const want = rowsA.map((r, b) => sampler.sample(logits.subarray(b * V, (b + 1) * V), params, r));
    const nextA = rowsA.map((r) => r.next());
    for (const be of backends) {
      const rowsB = Array.from({ length: B }, (_, b) => new Rng(1000 + b));
      const tokens = new Int32Array(B), lp = new Float64Array(B);
      sampleBatch(be, logits, B, V, params, rowsB, new Float64Array(B), tokens, lp);
      assert.deepEqual(Array.from(tokens), want.map((w) => w.token), `${be.info.name} ${JSON.stringify(params)}`);
      want.forEach((w, b) => assert.ok(Math.abs(w.logprob - lp[b]!) < 1e-5, `${be.info.name} row ${b} logprob`));
      // Each stream advanced exactly as Sampler.sample advanced it.
      assert.deepEqual(rowsB.map((r) => r.next()), nextA);
    }
  }
});
