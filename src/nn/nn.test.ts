// src/nn/nn.test.ts — Module/flat parameters, AdamW against a scalar re-derivation, clipping, the schedule, and a
// char-level model whose loss falls when trained through the engine (reference backend).

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRefBackend } from '../backend/index.js';
import { Engine, sum, mul } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { AdamW, Linear, LayerNorm, Module, clipGradNorm, cosineWithWarmup, packParameters, trainCharModel } from './index.js';

class Two extends Module {
  readonly a: Linear;
  readonly n: LayerNorm;
  constructor(e: Engine, rng: Rng) {
    super(e);
    this.a = this.child('a', new Linear(e, rng, 3, 2));
    this.n = this.child('n', new LayerNorm(e, 2));
  }
}

test('packParameters keeps values, orders decayed tensors first and routes grads into the flat buffer', () => {
  const backend = createRefBackend();
  const e = new Engine(backend);
  const m = new Two(e, new Rng(3));
  const before = m.namedParameters().map(([n, p]) => [n, p.toArray()] as const);
  const flat = packParameters(m);
  assert.deepEqual(flat.views.map((v) => v.name), ['a.weight', 'a.bias', 'n.weight', 'n.bias']);
  assert.equal(flat.decayEnd, 6);
  for (const [n, vals] of before) {
    const v = flat.views.find((x) => x.name === n)!;
    assert.deepEqual(Array.from(flat.params.subarray(v.offset, v.offset + v.size)), vals);
  }
  e.scope(() => sum(mul(m.a.forward(e.tensor([1, 2, 3], [1, 3])), 2)).backward());
  // d/dW of 2 * sum(W x + b) = 2 x for each output row; d/db = 2.
  assert.deepEqual(Array.from(flat.grads.subarray(0, 8)), [2, 4, 6, 2, 4, 6, 2, 2]);
});

test('AdamW matches a scalar re-derivation with decoupled decay on the decayed prefix only', () => {
  const backend = createRefBackend();
  const e = new Engine(backend);
  const m = new Two(e, new Rng(4));
  const flat = packParameters(m);
  const p0 = Float32Array.from(flat.params);
  for (let i = 0; i < flat.grads.length; i++) flat.grads[i] = (i % 3) - 1 + 0.5;
  const opt = new AdamW(backend, flat, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5 });
  opt.step(0.1, 0.5);
  opt.step(0.1, 0.5);
  for (let i = 0; i < p0.length; i++) {
    const g = flat.grads[i]! * 0.5;
    let p = p0[i]!;
    let mm = 0;
    let vv = 0;
    const wd = i < flat.decayEnd ? 0.5 : 0;
    for (let t = 1; t <= 2; t++) {
      mm = 0.9 * mm + 0.1 * g;
      vv = 0.99 * vv + 0.01 * g * g;
      p -= 0.1 * (mm / (1 - 0.9 ** t) / (Math.sqrt(vv / (1 - 0.99 ** t)) + 1e-8) + wd * p);
    }
    assert.ok(Math.abs(flat.params[i]! - p) < 1e-5, `param ${i}: ${flat.params[i]} vs ${p}`);
  }
  assert.throws(() => new AdamW(backend, flat, { lr: -1 }), /lr/);
});

test('clipGradNorm returns the global norm and the scale that caps it; a NaN or infinite gradient is flagged not finite', () => {
  const backend = createRefBackend();
  const g = Float32Array.from([3, 4]);
  assert.deepEqual(clipGradNorm(backend, g, 10), { norm: 5, scale: 1, finite: true });
  const c = clipGradNorm(backend, g, 1);
  assert.ok(Math.abs(c.scale - 0.2) < 1e-6 && c.finite);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const r = clipGradNorm(backend, Float32Array.from([3, bad]), 1);
    assert.equal(r.finite, false, String(bad));
    assert.ok(!Number.isFinite(r.norm));
  }
  assert.throws(() => clipGradNorm(backend, g, 0), /maxNorm/);
});

test('warmup + cosine schedule: linear warmup, peak, floor', () => {
  const lr = cosineWithWarmup({ maxLr: 1, minLr: 0.1, warmupSteps: 10, totalSteps: 110 });
  assert.ok(Math.abs(lr(0) - 0.1) < 1e-12);
  assert.ok(Math.abs(lr(9) - 1) < 1e-12);
  assert.ok(Math.abs(lr(10) - 1) < 1e-12);
  assert.ok(Math.abs(lr(60) - 0.55) < 1e-12);
  assert.equal(lr(110), 0.1);
  assert.equal(lr(1000), 0.1);
  assert.throws(() => cosineWithWarmup({ maxLr: 1, minLr: 2, warmupSteps: 0, totalSteps: 5 }), /minLr/);
});

test('a char-level model trained through the engine (ref backend) lowers its loss', () => {
  const { losses } = trainCharModel(createRefBackend(), { steps: 30 });
  const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
  const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(last < first * 0.8, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
});
