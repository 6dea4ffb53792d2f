// src/tensor/ops/linear.ts — fused affine layer y = x @ Wᵀ + b with W stored (out, in) as in PyTorch, so the
// forward is one GEMM with transB and the weight gradient dW = dyᵀ x is one GEMM with transA.
// Shapes: x (..., in), W (out, in), b (out) → y (..., out).

import { ReduceOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { expectNdim, sameEngine } from './_util.js';

export function linear(x: Tensor, w: Tensor, b: Tensor | null = null): Tensor {
  sameEngine('linear', x, w, ...(b ? [b] : []));
  expectNdim('linear', 'weight', w, 2, 2);
  expectNdim('linear', 'input', x, 1);
  const [O, I] = w.shape as [number, number];
  const C = x.shape[x.ndim - 1]!;
  if (C !== I) throw new RangeError(`linear: input ${fmt(x.shape)} has ${C} features, weight ${fmt(w.shape)} expects ${I}`);
  if (b && (b.ndim !== 1 || b.shape[0] !== O)) throw new RangeError(`linear: bias ${fmt(b.shape)} should be [${O}]`);
  const e = x.engine;
  const rows = x.size / I;
  const out = e.empty([...x.shape.slice(0, -1), O]); // (..., O)
  if (b) {
    // Broadcast the bias into every row, then accumulate the GEMM on top (beta = 1).
    e.backend.strided(b.data, new Int32Array([0, 1]), out.data, new Int32Array([O, 1]), new Int32Array([rows, O]), false);
  }
  e.backend.gemm(false, true, rows, O, I, 1, x.data, I, 0, w.data, I, 0, b ? 1 : 0, out.data, O, 0, 1);
  const inputs = b ? [x, w, b] : [x, w];
  return e.record('linear', out, inputs, (dy, needs) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = e.empty(x.shape); // dx = dy @ W: (rows, O) @ (O, I)
      e.backend.gemm(false, false, rows, I, O, 1, dy.data, O, 0, w.data, I, 0, 0, dx.data, I, 0, 1);
    }
    if (needs[1]) {
      // dW = dyᵀ @ x: (O, rows) @ (rows, I), accumulated straight into a parameter's flat grad when it has one.
      const direct = e.leafGradBuffer(w);
      if (direct) e.backend.gemm(true, false, O, I, rows, 1, dy.data, O, 0, x.data, I, 0, 1, direct, I, 0, 1);
      else {
        dw = e.empty(w.shape);
        e.backend.gemm(true, false, O, I, rows, 1, dy.data, O, 0, x.data, I, 0, 0, dw.data, I, 0, 1);
      }
    }
    if (b && needs[2]) {
      db = e.empty([O]); // db = column sums of dy
      e.backend.reduce(ReduceOp.sum, dy.data, 1, rows, O, db.data, null);
    }
    return [dx, dw, db];
  });
}
