// src/backend/native/gemm-packed.test.ts — the packed-tile GEMM (addon.packedGemm, measured against OpenBLAS by
// bench:gemm) against the reference GEMM: every transpose, sizes around the 8-row tile, the 48-column block and the
// 128-deep K slice, padded leading dimensions, beta 0 / 1 / other, the threaded row and column-block splits; and its
// argument checks.

import test from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeAddon } from './index.js';
import { gemm as refGemm } from '../ref/gemm.js';
import { Rng } from '../../util/rng.js';

const addon = loadNativeAddon();
const rng = new Rng(1801);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

function check(tA: boolean, tB: boolean, M: number, N: number, K: number, beta: number, pad = 0): void {
  // Leading dimensions are at least 1 (the BLAS rule gemm also applies), even for empty matrices.
  const lda = Math.max(1, tA ? M : K) + pad, ldb = Math.max(1, tB ? K : N) + pad, ldc = Math.max(1, N) + pad;
  const A = randn(Math.max(0, (tA ? K : M) * lda)), B = randn(Math.max(0, (tB ? N : K) * ldb));
  // beta = 0 must not read C: start it at NaN (padding columns too, which nothing may touch).
  const C0 = beta === 0 ? new Float32Array(M * ldc).fill(NaN) : randn(M * ldc);
  const got = C0.slice(), want = C0.slice();
  addon.packedGemm(tA, tB, M, N, K, A, lda, B, ldb, beta, got, ldc);
  refGemm(tA, tB, M, N, K, 1, A, lda, 0, B, ldb, 0, beta, want, ldc, 0, 1);
  const name = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}×${N}×${K} beta ${beta} pad ${pad}`;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < ldc; j++) {
      const g = got[i * ldc + j]!, w = want[i * ldc + j]!;
      if (j >= N) {
        assert.ok(Object.is(g, C0[i * ldc + j]!), `${name}: padding C[${i}, ${j}] was written`);
        continue;
      }
      assert.ok(Math.abs(g - w) <= 1e-5 * Math.sqrt(K + 1) + 1e-4 * Math.abs(w), `${name}: C[${i}, ${j}] = ${g}, want ${w}`);
    }
  }
}

test('packedGemm matches the reference GEMM for every transpose at tile, block and K-slice edges', () => {
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      for (const [M, N, K] of [[1, 1, 1], [7, 47, 3], [8, 48, 128], [9, 49, 129], [17, 97, 127], [5, 130, 257], [33, 16, 64]] as const) {
        check(tA, tB, M, N, K, 0);
        check(tA, tB, M, N, K, 1, 3);
      }
    }
  }
});

test('packedGemm scales C by any other beta, and handles empty products', () => {
  check(false, true, 13, 50, 20, 0.5);
  check(true, false, 13, 50, 20, -2, 1);
  check(false, false, 4, 5, 0, 0); // K = 0: C = 0
  check(false, false, 4, 5, 0, 1); // K = 0, beta 1: C unchanged
  check(true, true, 0, 5, 3, 0);
  check(true, true, 4, 0, 3, 1);
});

test('packedGemm splits large products over the pool threads by rows and by column blocks alike', () => {
  check(false, true, 270, 100, 160, 1); // row tiles split across threads, panels of 128 rows
  check(true, false, 200, 144, 300, 0, 2);
  check(false, false, 3, 1100, 700, 0); // one row tile: the threads split the column blocks
  check(true, true, 6, 700, 600, 1, 1);
});

test('packedGemm validates buffer lengths and leading dimensions', () => {
  const f = (n: number): Float32Array => new Float32Array(n);
  assert.throws(() => addon.packedGemm(false, false, 4, 4, 4, f(15), 4, f(16), 4, 0, f(16), 4), /A holds 15 floats, needs 16/);
  assert.throws(() => addon.packedGemm(false, true, 4, 4, 4, f(16), 4, f(16), 3, 0, f(16), 4), /leading dimension 3 < 4/);
  assert.throws(() => addon.packedGemm(true, false, 4, 3, 2, f(8), 4, f(6), 3, 0, f(11), 3), /C holds 11 floats, needs 12/);
  assert.throws(() => addon.packedGemm(false, false, -1, 2, 2, f(8), 2, f(8), 2, 0, f(8), 2), /non-negative integer/);
  // @ts-expect-error wrong argument type on purpose
  assert.throws(() => addon.packedGemm(false, false, 2, 2, 2, new Float64Array(4), 2, f(4), 2, 0, f(4), 2), TypeError);
  // @ts-expect-error too few arguments on purpose
  assert.throws(() => addon.packedGemm(false, false, 2), /expected 12 arguments/);
});
