// src/tensor/ops/matmul.ts — (batched) matrix product with transpose flags, so callers never materialize a
// transpose: C = op(A) @ op(B). Shapes: A (..., M, K) [or (..., K, M) with transA], B (..., K, N) [or (..., N, K)
// with transB]. Batch dims must match, or one side is 2-D and shared across the other's batch.

import type { Tensor } from '../tensor.js';
import type { Engine } from '../engine.js';
import { fmt, sameShape, sizeOf } from '../shape.js';
import { expectNdim, sameEngine } from './_util.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

interface Geometry {
  M: number;
  N: number;
  K: number;
  batch: number;
  /** batch shape of the output */
  batchShape: readonly number[];
  aShared: boolean;
  bShared: boolean;
}

function geometry(a: Tensor, b: Tensor, tA: boolean, tB: boolean): Geometry {
  expectNdim('matmul', 'A', a, 2);
  expectNdim('matmul', 'B', b, 2);
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const M = tA ? ac : ar;
  const K = tA ? ar : ac;
  const Kb = tB ? bc : br;
  const N = tB ? br : bc;
  if (K !== Kb) throw new RangeError(`matmul: inner dimensions differ: A ${fmt(a.shape)}${tA ? 'ᵀ' : ''} @ B ${fmt(b.shape)}${tB ? 'ᵀ' : ''}`);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const aShared = aBatch.length === 0 && bBatch.length > 0;
  const bShared = bBatch.length === 0 && aBatch.length > 0;
  if (!aShared && !bShared && !sameShape(aBatch, bBatch)) {
    throw new RangeError(`matmul: batch dimensions differ: A ${fmt(a.shape)} vs B ${fmt(b.shape)}`);
  }
  const batchShape = aBatch.length >= bBatch.length ? aBatch : bBatch;
  return { M, N, K, batch: sizeOf(batchShape), batchShape, aShared, bShared };
}

/**
 * C (+)= op(A) @ op(B) over the batch. When one operand is shared and accumulates into a shared result,
 * the batch is run as a loop with beta = 1 (no batched write races).
 */
function gemmInto(
  e: Engine, tA: boolean, tB: boolean, M: number, N: number, K: number,
  A: Float32Array, strideA: number, B: Float32Array, strideB: number,
  C: Float32Array, strideC: number, batch: number, beta: number,
): void {
  const lda = tA ? M : K;
  const ldb = tB ? K : N;
  if (strideC === 0 && batch > 1) {
    for (let i = 0; i < batch; i++) {
      e.backend.gemm(tA, tB, M, N, K, 1, A.subarray(i * strideA), lda, 0, B.subarray(i * strideB), ldb, 0, i === 0 ? beta : 1, C, N, 0, 1);
    }
    return;
  }
  e.backend.gemm(tA, tB, M, N, K, 1, A, lda, strideA, B, ldb, strideB, beta, C, N, strideC, batch);
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  sameEngine('matmul', a, b);
  const tA = opts.transA ?? false;
  const tB = opts.transB ?? false;
  const g = geometry(a, b, tA, tB);
  const e = a.engine;
  const out = e.empty([...g.batchShape, g.M, g.N]); // (..., M, N)
  const { M, N, K } = g;
  // A batched over a shared B without transA is one tall GEMM: (batch*M, K) @ (K, N).
  const fold = g.bShared && !tA;
  if (fold) gemmInto(e, false, tB, g.batch * M, N, K, a.data, 0, b.data, 0, out.data, 0, 1, 0);
  else gemmInto(e, tA, tB, M, N, K, a.data, g.aShared ? 0 : M * K, b.data, g.bShared ? 0 : K * N, out.data, M * N, g.batch, 0);

  return e.record('matmul', out, [a, b], (dy, needs) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      da = e.empty(a.shape);
      const sC = g.aShared ? 0 : M * K;
      if (fold) {
        // dA = dC @ op(B)ᵀ as one tall GEMM.
        gemmInto(e, false, !tB, g.batch * M, K, N, dy.data, 0, b.data, 0, da.data, 0, 1, 0);
      } else if (!tA) {
        gemmInto(e, false, !tB, M, K, N, dy.data, M * N, b.data, g.bShared ? 0 : K * N, da.data, sC, g.batch, 0);
      } else {
        // A stored (K, M): dA = op(B) @ dCᵀ, shape (K, M).
        gemmInto(e, tB, true, K, M, N, b.data, g.bShared ? 0 : K * N, dy.data, M * N, da.data, sC, g.batch, 0);
      }
    }
    if (needs[1]) {
      db = e.empty(b.shape);
      const sC = g.bShared ? 0 : K * N;
      if (fold) {
        if (!tB) gemmInto(e, true, false, K, N, g.batch * M, a.data, 0, dy.data, 0, db.data, 0, 1, 0);
        else gemmInto(e, true, false, N, K, g.batch * M, dy.data, 0, a.data, 0, db.data, 0, 1, 0);
      } else if (!tB) {
        // dB = op(A)ᵀ @ dC, shape (K, N).
        gemmInto(e, !tA, false, K, N, M, a.data, g.aShared ? 0 : M * K, dy.data, M * N, db.data, sC, g.batch, 0);
      } else {
        // B stored (N, K): dB = dCᵀ @ op(A), shape (N, K).
        gemmInto(e, true, tA, N, K, M, dy.data, M * N, a.data, g.aShared ? 0 : M * K, db.data, sC, g.batch, 0);
      }
    }
    return [da, db];
  });
}
