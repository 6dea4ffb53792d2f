// src/tensor/engine.test.ts — engine semantics: scopes and the buffer pool, dispose errors, no-grad, gradient
// accumulation through shared subexpressions, views, and validation messages.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRefBackend } from '../backend/index.js';
import { Engine, add, mul, sum, reshape, exp, matmul, linear, crossEntropy, attention } from './index.js';

const engine = (): Engine => new Engine(createRefBackend());

test('scope disposes what it created except the result; the pool makes repeated steps allocation-free', () => {
  const e = engine();
  const x = e.tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
  const step = (): number =>
    e.scope(() => {
      const y = sum(mul(exp(x), x));
      y.backward();
      return y.item();
    });
  step();
  const after1 = e.stats().allocations;
  for (let i = 0; i < 5; i++) step();
  assert.equal(e.stats().allocations, after1, 'no new buffers after the first step');
  assert.equal(e.stats().scopedTensors, 0);
  const kept = e.scope(() => add(x, 1));
  assert.deepEqual(kept.toArray(), [2, 3, 4, 5]);
  kept.dispose();
  assert.throws(() => kept.data, /used after dispose/);
});

test('gradients accumulate across uses and across backward calls', () => {
  const e = engine();
  const x = e.tensor([0.5, -1], [2], { requiresGrad: true });
  e.scope(() => {
    const y = mul(x, x); // shared use: dy/dx = 2x
    sum(add(y, x)).backward(); // + 1
  });
  assert.deepEqual(x.grad!.toArray(), [2, -1]);
  e.scope(() => sum(x).backward());
  assert.deepEqual(x.grad!.toArray(), [3, 0]);
});

test('reshape views share storage and survive the disposal of their source', () => {
  const e = engine();
  const x = e.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const v = reshape(x, [3, 2]);
  x.dispose();
  assert.deepEqual(v.toArray(), [1, 2, 3, 4, 5, 6]);
});

test('noGrad records no tape', () => {
  const e = engine();
  const x = e.tensor([1, 2], [2], { requiresGrad: true });
  const y = e.noGrad(() => mul(x, 3));
  assert.equal(y.requiresGrad, false);
  assert.throws(() => sum(y).backward(), /does not require grad/);
});

test('bad shapes and indices throw errors naming the problem', () => {
  const e = engine();
  const a = e.zeros([2, 3]);
  assert.throws(() => add(a, e.zeros([4])), /cannot broadcast shapes \[2, 3\] and \[4\]/);
  assert.throws(() => matmul(a, e.zeros([2, 3])), /inner dimensions differ/);
  assert.throws(() => linear(a, e.zeros([4, 5])), /3 features/);
  assert.throws(() => crossEntropy(a, Int32Array.from([0, 7])), /target 7 outside \[0, 3\)/);
  assert.throws(() => crossEntropy(a, Int32Array.from([0])), /1 targets/);
  assert.throws(() => reshape(a, [4, 2]), /cannot become/);
  const q = e.zeros([1, 3, 2, 4]);
  assert.throws(() => attention(q, e.zeros([1, 2, 2, 4]), e.zeros([1, 2, 2, 4])), /incompatible/);
  assert.throws(() => e.tensor([1, 2, 3], [2, 2]), /do not fill/);
});

test('the buffer pool reuses a capacity class across nearby sizes, and hands out exact-length views', async () => {
  const { poolCapacity } = await import('./engine.js');
  assert.equal(poolCapacity(100), 100);
  assert.equal(poolCapacity(4096), 4096);
  assert.equal(poolCapacity(4097), 4608); // 4096 + 4096 / 8
  assert.equal(poolCapacity(8192), 8192);
  assert.equal(poolCapacity(8193), 9216);
  for (const n of [4097, 5000, 70_001, 1_000_000]) assert.ok(poolCapacity(n) >= n && poolCapacity(n) <= n * 1.125, `${n}`);
  const e = engine();
  const a = e.empty([5000]);
  assert.equal(a.data.length, 5000);
  const underlying = a.data.buffer;
  a.data.fill(3);
  a.dispose();
  const before = e.stats().allocations;
  // 5100 falls in the same class (5120): the released buffer comes back as a 5100-element view, no new allocation.
  const b = e.empty([5100]);
  assert.equal(b.data.length, 5100);
  assert.equal(b.data.buffer, underlying);
  assert.equal(e.stats().allocations, before);
  b.dispose();
  // The whole class returns to the pool: a request for the class's full size reuses it too.
  const c = e.empty([5120]);
  assert.equal(c.data.length, 5120);
  assert.equal(c.data.buffer, underlying);
  assert.equal(e.stats().allocations, before);
  c.dispose();
  // Another class allocates.
  const d = e.empty([9000]);
  assert.equal(e.stats().allocations, before + 1);
  d.dispose();
});

test('an Engine over something that is not a Backend (a JavaScript caller) throws naming the problem', () => {
  for (const bad of [null, undefined, 42, 'native', {}]) {
    assert.throws(() => new Engine(bad as never), (e: unknown) => e instanceof TypeError && e.message.startsWith('Engine: backend must be a Backend (createNativeBackend() or createRefBackend())'), String(bad));
  }
});
