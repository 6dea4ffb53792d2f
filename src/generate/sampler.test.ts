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

test('top-k with top-p: the nucleus is taken over the top k renormalized, on every backend', () => {
  const backends = [createRefBackend(), ...(nativeAvailable() ? [createNativeBackend()] : [])];
  const V = 5;
  // Sorted: 0.4, 0.3, 0.2, 0.1, 0 (a -Infinity logit).
  const row = Float32Array.from([Math.log(0.2), Math.log(0.4), -Infinity, Math.log(0.3), Math.log(0.1)]);
  // The exact distribution, read off an even grid of draws u (the sampler is a function of u).
  const N = 2000;
  const rows = new Float32Array(N * V);
  for (let i = 0; i < N; i++) rows.set(row, i * V);
  const u = Float64Array.from({ length: N }, (_, i) => (i + 0.5) / N);
  const cases: [number, number, number[]][] = [
    // Top 2 renormalized: 4/7, 3/7; 4/7 alone reaches 0.55 (over the full vocabulary 0.4 would not).
    [2, 0.55, [0, 1, 0, 0, 0]],
    // Top 3 renormalized: 4/9, 3/9, 2/9; 7/9 reaches 0.75, so two tokens, 4/7 and 3/7.
    [3, 0.75, [0, 4 / 7, 0, 3 / 7, 0]],
    // p = 1 or k = V: plain top-k / top-p.
    [2, 1, [0, 4 / 7, 0, 3 / 7, 0]],
    [5, 0.65, [0, 4 / 7, 0, 3 / 7, 0]],
  ];
  for (const be of backends) {
    for (const [k, p, want] of cases) {
      const tokens = new Int32Array(N), lp = new Float64Array(N);
      be.sampleRows(rows, N, V, 1, k, p, u, tokens, lp);
      const got = new Array<number>(V).fill(0);
      for (const t of tokens) got[t]! += 1 / N;
      got.forEach((g, t) => assert.ok(Math.abs(g - want[t]!) <= 1 / N + 1e-12, `${be.info.name} topK=${k} topP=${p}: token ${t} has ${g}, want ${want[t]}`));
    }
  }
});

test("DeepSeek-R1's evaluation sampling (T 0.6, top-p 0.95) is exactly the nucleus distribution, on every backend", () => {
  const backends = [createRefBackend(), ...(nativeAvailable() ? [createNativeBackend()] : [])];
  const gen = new Rng(2026);
  const V = 40;
  const T = 0.6, p = 0.95;
  const row = Float32Array.from({ length: V }, () => gen.normal() * 1.5);
  // The nucleus computed apart: softmax(logits / T) in float64, sorted (ties: lower id), the smallest prefix whose
  // mass reaches p, renormalized.
  const nucleus = (): { w: number[]; order: number[]; keep: number; acc: number } => {
    const max = Math.max(...row);
    const w = Array.from(row, (x) => Math.exp((x - max) / T));
    const Z = w.reduce((a, b) => a + b, 0);
    const order = [...w.keys()].sort((a, b) => w[b]! - w[a]! || a - b);
    let acc = 0, keep = 0;
    while (acc < p * Z) acc += w[order[keep++]!]!;
    return { w, order, keep, acc };
  };
  // A tie at the cutoff: the first token left out gets the logit of the last one kept; only one of them stays.
  const first = nucleus();
  const [last, next] = [first.order[first.keep - 1]!, first.order[first.keep]!];
  row[next] = row[last]!;
  const { w, order, keep, acc } = nucleus();
  const kept = new Set(order.slice(0, keep));
  assert.ok(kept.has(Math.min(last, next)) && !kept.has(Math.max(last, next)), 'the tie straddles the cutoff; the lower id stays');
  const want = new Array<number>(V).fill(0);
  for (const t of kept) want[t] = w[t]! / acc;
  assert.ok(keep > 1 && keep < V, `a real cutoff (${keep} of ${V} kept)`);
  // An even grid of draws reads the sampler's distribution off exactly (it is a function of the draw).
  const N = 4000;
  const rows = new Float32Array(N * V);
  for (let i = 0; i < N; i++) rows.set(row, i * V);
  const u = Float64Array.from({ length: N }, (_, i) => (i + 0.5) / N);
  for (const be of backends) {
    const tokens = new Int32Array(N), lp = new Float64Array(N);
    be.sampleRows(rows, N, V, T, 0, p, u, tokens, lp);
    const got = new Array<number>(V).fill(0);
    for (const t of tokens) got[t]! += 1 / N;
    got.forEach((g, t) => assert.ok(Math.abs(g - want[t]!) <= 1 / N + 1e-9, `${be.info.name}: token ${t} has ${g}, want ${want[t]}`));
  }
  // Seeded draws through Sampler: the same distribution within sampling error (a chi-square at 40 kept-token bins).
  const h = histogram(row, { temperature: T, topP: p, topK: 0 }, 40000, 9);
  let chi = 0;
  for (let t = 0; t < V; t++) {
    if (want[t] === 0) assert.equal(h[t], 0, `token ${t} is outside the nucleus`);
    else chi += (40000 * (h[t]! - want[t]!)) ** 2 / (40000 * want[t]!);
  }
  // keep - 1 degrees of freedom; 3x the mean is far in the tail, and the seed fixes the draws.
  assert.ok(chi < 3 * (keep - 1) + 10, `chi-square ${chi.toFixed(1)} at ${keep - 1} degrees of freedom`);
});
