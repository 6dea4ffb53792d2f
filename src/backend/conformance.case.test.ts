// src/backend/conformance.case.test.ts — the one conformance suite every backend must pass (hono's runTest style): each
// backend's test file is three lines calling runConformance. Every op runs on the candidate and on the reference
// backend; outputs and analytic gradients must match the reference, and gradients must match central finite
// differences of L = Σ out·r (r fixed random; L accumulated in float64).

import test from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../contract/kernels.js';
import { createRefBackend } from './ref/index.js';
import { Engine, type Tensor } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { opCases, type InputSpec, type OpCase } from './conformance-ops.case.test.js';
import { checkDecodeAttention, checkDecodeLayer, checkDecodeLayers, checkF16Storage } from './conformance-decode.case.test.js';
import { checkSampleRows } from './conformance-sample.case.test.js';

function makeInput(rng: Rng, spec: InputSpec, index: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const kind = spec.kind ?? 'normal';
  if (kind === 'distinct') {
    // Well-separated values so max/top-k/abs stay away from ties and kinks under finite differences.
    const perm = new Rng(rng.nextU32()).shuffle(Array.from({ length: n }, (_, i) => i));
    // Each input gets its own offset so two 'distinct' inputs never tie with each other either.
    for (let i = 0; i < n; i++) out[i] = (perm[i]! - n / 2) * 0.25 + 0.03 + 0.07 * index;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const u = rng.normal();
    out[i] = kind === 'positive' ? 0.5 + Math.abs(u) : u;
  }
  return out;
}

interface RunResult {
  out: Float32Array;
  grads: (Float32Array | null)[];
}

function runCase(backend: Backend, c: OpCase, inputs: Float32Array[], r: Float32Array | null): RunResult {
  const e = new Engine(backend);
  return e.scope(() => {
    const xs = c.inputs.map((s, i) => e.tensor(inputs[i]!, s.shape, { requiresGrad: s.grad !== false && r !== null }));
    const out = c.run(xs, e);
    const res: RunResult = { out: Float32Array.from(out.data), grads: [] };
    if (r && out.requiresGrad) {
      out.backward(e.tensor(r, out.shape));
      res.grads = xs.map((x) => (x.grad ? Float32Array.from(x.grad.data) : null));
    }
    return res;
  });
}

function lossOf(backend: Backend, c: OpCase, inputs: Float32Array[], r: Float32Array): number {
  const e = new Engine(backend);
  return e.noGrad(() =>
    e.scope(() => {
      const xs = c.inputs.map((s, i) => e.tensor(inputs[i]!, s.shape));
      const out = c.run(xs, e);
      let l = 0;
      for (let i = 0; i < out.size; i++) l += out.data[i]! * r[i]!;
      return l;
    }),
  );
}

function assertClose(name: string, got: Float32Array, want: Float32Array, rtol: number, atol: number): void {
  assert.equal(got.length, want.length, `${name}: length ${got.length} != ${want.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(g) !== Number.isNaN(w)) assert.fail(`${name}[${i}]: ${g} vs ${w}`);
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      assert.equal(g, w, `${name}[${i}]`);
      continue;
    }
    const err = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  assert.ok(at < 0, `${name}[${at}]: got ${got[at]}, want ${want[at]} (rtol ${rtol}, atol ${atol})`);
}

/** Registers the conformance tests for a backend (its own test file calls this once). */
export function runConformance(name: string, makeBackend: () => Backend): void {
  const ref = createRefBackend();
  const candidate = makeBackend();
  test(`${name} conformance: decodeAttention (ragged KV-cache decode)`, () => checkDecodeAttention(candidate, ref));
  test(`${name} conformance: decodeLayer and decodeLogits (fused dense decode step)`, () => checkDecodeLayer(candidate, ref));
  test(`${name} conformance: decodeLayers (a whole stack per call, row groups)`, () => checkDecodeLayers(candidate, ref));
  test(`${name} conformance: sampleRows (batched next-token sampling)`, () => checkSampleRows(candidate, ref));
  test(`${name} conformance: half-precision storage (toF16, fromF16, f16 KV caches)`, () => checkF16Storage(candidate, ref));
  for (const c of opCases) {
    test(`${name} conformance: ${c.name}`, () => {
      const rng = new Rng(0xc0ffee ^ c.name.length * 7919);
      const inputs = c.inputs.map((s, i) => makeInput(rng, s, i));
      const want = runCase(ref, c, inputs, null).out;
      const rlen = want.length;
      const r = new Float32Array(rlen);
      for (let i = 0; i < rlen; i++) r[i] = rng.normal();
      const got = runCase(candidate, c, inputs, r);
      assertClose(`${c.name} forward`, got.out, want, c.rtol ?? 1e-4, c.atol ?? 1e-5);
      if (c.noGrad) return;
      const refGrads = runCase(ref, c, inputs, r).grads;
      c.inputs.forEach((spec, i) => {
        if (spec.grad === false) return;
        const g = got.grads[i];
        const gr = refGrads[i];
        assert.ok(g && gr, `${c.name}: input ${i} got no gradient`);
        assertClose(`${c.name} grad[${i}] vs ref`, g, gr, c.rtol ?? 1e-4, c.atol ?? 1e-5);
        // Finite differences on the candidate itself.
        const eps = c.fdEps ?? 1e-2;
        const fd = new Float32Array(g.length);
        const probe = inputs.map((x) => Float32Array.from(x));
        for (let j = 0; j < g.length; j++) {
          const x0 = probe[i]![j]!;
          probe[i]![j] = x0 + eps;
          const lp = lossOf(candidate, c, probe, r);
          probe[i]![j] = x0 - eps;
          const lm = lossOf(candidate, c, probe, r);
          probe[i]![j] = x0;
          fd[j] = (lp - lm) / (2 * eps);
        }
        let scale = 1;
        for (const v of g) scale = Math.max(scale, Math.abs(v));
        assertClose(`${c.name} grad[${i}] vs finite differences`, g, fd, c.fdRtol ?? 2e-2, (c.fdAtol ?? 2e-2) * scale);
      });
    });
  }
}

export type { Tensor };
