// src/tensor/fused.test.ts — every fused op against the same computation composed from primitive ops: outputs and
// input gradients must agree (reference backend, float32 tolerances).

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRefBackend } from '../backend/index.js';
import { Rng } from '../util/rng.js';
import * as T from './index.js';
import type { Engine, Tensor } from './index.js';

function close(a: Float32Array, b: Float32Array, what: string, tol = 2e-5): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

/** Runs f and g on the same inputs with the same upstream gradient; compares outputs and gradients. */
function same(shapes: number[][], f: (e: Engine, xs: Tensor[]) => Tensor, g: (e: Engine, xs: Tensor[]) => Tensor, seed = 1): void {
  const rng = new Rng(seed);
  const data = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()));
  const run = (h: typeof f): { out: Float32Array; grads: Float32Array[] } => {
    const e = T.createEngine(createRefBackend());
    return e.scope(() => {
      const xs = shapes.map((s, i) => e.tensor(data[i]!, s, { requiresGrad: true }));
      const out = h(e, xs);
      const r = new Rng(99);
      out.backward(e.tensor(Array.from({ length: out.size }, () => r.normal()), out.shape));
      return { out: Float32Array.from(out.data), grads: xs.map((x) => Float32Array.from(x.grad!.data)) };
    });
  };
  const a = run(f);
  const b = run(g);
  close(a.out, b.out, 'output');
  a.grads.forEach((gr, i) => close(gr, b.grads[i]!, `grad ${i}`));
}

test('attention equals softmax(QKᵀ·s + causal mask)·V composed from primitives', () => {
  same([[2, 2, 5, 3], [2, 2, 5, 3], [2, 2, 5, 4]], (_, [q, k, v]) => T.attention(q!, k!, v!), (e, [q, k, v]) => {
    const s = T.scale(T.matmul(q!, k!, { transB: true }), 1 / Math.sqrt(3));
    const masked = T.maskedFill(s, T.sub(T.causalMask(e, 5), 1), -Infinity);
    return T.matmul(T.softmax(masked), v!);
  });
});

test('packedAttention equals attention on permuted slices of the packed projection', () => {
  const B = 2, Tn = 4, H = 2, D = 3;
  same([[B, Tn, 3 * H * D]], (_, [qkv]) => T.packedAttention(qkv!, { nHead: H }), (_, [qkv]) => {
    const heads = T.permute(T.reshape(qkv!, [B, Tn, 3, H, D]), [2, 0, 3, 1, 4]); // (3, B, H, T, D)
    const part = (i: number): Tensor => T.reshape(T.slice(heads, 0, i, i + 1), [B, H, Tn, D]);
    const y = T.attention(part(0), part(1), part(2)); // (B, H, T, D)
    return T.reshape(T.permute(y, [0, 2, 1, 3]), [B, Tn, H * D]);
  });
});

test('rmsnorm, layernorm, swiglu, linear and crossEntropy equal their composites', () => {
  same([[3, 6], [6]], (_, [x, w]) => T.rmsnorm(x!, w!, 1e-6), (_, [x, w]) => T.mul(T.mul(x!, T.rsqrt(T.add(T.mean(T.square(x!), -1, true), 1e-6))), w!));
  same([[3, 6], [6], [6]], (_, [x, w, b]) => T.layernorm(x!, w!, b!, 1e-5), (_, [x, w, b]) => {
    const c = T.sub(x!, T.mean(x!, -1, true));
    return T.add(T.mul(T.mul(c, T.rsqrt(T.add(T.mean(T.square(c), -1, true), 1e-5))), w!), b!);
  });
  same([[4, 5], [4, 5]], (_, [a, b]) => T.swiglu(a!, b!), (_, [a, b]) => T.mul(T.silu(a!), b!));
  same([[2, 3, 4], [5, 4], [5]], (_, [x, w, b]) => T.linear(x!, w!, b!), (_, [x, w, b]) => T.add(T.matmul(x!, w!, { transB: true }), b!));
  const targets = Int32Array.from([2, -100, 0, 4]);
  same([[4, 5]], (_, [x]) => T.crossEntropy(x!, targets), (e, [x]) => {
    const onehot = e.zeros([4, 5]);
    targets.forEach((t, r) => t >= 0 && (onehot.data[r * 5 + t] = 1));
    return T.scale(T.sum(T.mul(T.logSoftmax(x!), onehot)), -1 / 3);
  });
});
