// src/model/moe.test.ts — tests: DeepSeekMoE routing (top-k, groups, bias) and aux-loss-free load balancing.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRefBackend } from '../backend/index.js';
import { createEngine } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { parseModelConfig } from './config.js';
import { DeepSeekMoe, routeTopK } from './moe.js';

test('routeTopK picks the k best biased affinities, only inside the best groups', () => {
  const m = { nRoutedExperts: 4, expertsPerToken: 2, nGroup: 1, topkGroup: 1 };
  const scores = Float32Array.of(0.1, 0.9, 0.5, 0.3, /* token 2 */ 0.2, 0.2, 0.2, 0.2);
  assert.deepEqual([...routeTopK(scores, new Float32Array(4), 2, m)], [1, 2, 0, 1]); // ties -> lower id
  // A bias changes the choice but not the affinities themselves.
  assert.deepEqual([...routeTopK(scores, Float32Array.of(0, 0, 0, 0.7), 1, m)], [3, 1]);
  // Groups {0,1} and {2,3}; group score = sum of its two best. Only 1 group allowed -> both picks from group 0.
  const g = { nRoutedExperts: 4, expertsPerToken: 2, nGroup: 2, topkGroup: 1 };
  const s2 = Float32Array.of(0.6, 0.5, 0.9, 0.1); // group 0: 1.1, group 1: 1.0
  assert.deepEqual([...routeTopK(s2, new Float32Array(4), 1, g)], [0, 1]);
});

function toyMoe(seed: number, speed: number): { moe: DeepSeekMoe; engine: ReturnType<typeof createEngine> } {
  const engine = createEngine(createRefBackend());
  const c = parseModelConfig({
    vocabSize: 16, hidden: 16, nLayers: 1, nHeads: 2, intermediate: 16, initStd: 0.5,
    mlp: { kind: 'moe', nSharedExperts: 1, nRoutedExperts: 8, expertsPerToken: 2, moeIntermediate: 8, biasUpdateSpeed: speed },
  });
  return { moe: new DeepSeekMoe(engine, new Rng(seed), c), engine };
}

test('every token is routed to exactly k distinct experts', () => {
  const { moe, engine } = toyMoe(1, 0);
  const x = engine.randn([3, 10, 16], new Rng(2));
  const { y, chosen } = engine.noGrad(() => moe.forward(x, 3, 10));
  assert.deepEqual(y.shape, [3, 10, 16]);
  assert.equal(chosen.length, 30 * 2);
  for (let n = 0; n < 30; n++) {
    const a = chosen[2 * n]!, b = chosen[2 * n + 1]!;
    assert.ok(a !== b && a >= 0 && a < 8 && b >= 0 && b < 8);
  }
});

test('aux-loss-free bias updates even out a skewed expert load', () => {
  const { moe, engine } = toyMoe(3, 0.01);
  // Skew the router: expert 0 and 1 get a large constant affinity on inputs with a positive first feature.
  for (let c = 0; c < 16; c++) {
    moe.gate.weight.data[0 * 16 + c] = c === 0 ? 3 : 0;
    moe.gate.weight.data[1 * 16 + c] = c === 0 ? 2.5 : 0;
  }
  const rng = new Rng(4);
  const batch = (B: number): void => {
    const xs = engine.randn([B, 32, 16], rng);
    for (let i = 0; i < xs.size; i += 16) xs.data[i] = Math.abs(xs.data[i]!) + 1; // first feature > 1
    engine.scope(() => moe.forward(xs, B, 32, true));
  };
  // Load imbalance (max/mean) measured on a large batch with the bias frozen.
  const measure = (): number => {
    batch(32);
    const mean = moe.load.reduce((x, y) => x + y, 0) / moe.load.length;
    const ratio = Math.max(...moe.load) / mean;
    moe.load.fill(0);
    return ratio;
  };
  const before = measure();
  for (let step = 0; step < 300; step++) {
    batch(4);
    moe.updateBias();
  }
  const after = measure();
  assert.ok(before > 3, `initial load is skewed (max/mean ${before})`);
  assert.ok(after < 1.3, `load evens out (max/mean ${before} -> ${after})`);
  assert.ok(moe.gate.bias[0]! < 0 && moe.gate.bias[1]! < 0, 'overloaded experts get a negative bias');
});

test('inference forwards do not count toward the load', () => {
  const { moe, engine } = toyMoe(5, 0.01);
  engine.noGrad(() => moe.forward(engine.randn([1, 4, 16], new Rng(1)), 1, 4));
  assert.equal(moe.load.reduce((a, b) => a + b, 0), 0);
});
