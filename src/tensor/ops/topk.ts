// src/tensor/ops/topk.ts — top-k over the last axis (MoE routing, DeepSeek-V3 §2.1.2): values (..., k) sorted
// descending with int32 indices. Values are differentiable (the gradient scatters back to the chosen positions).

import type { Tensor } from '../tensor.js';
import { expectNdim } from './_util.js';

export function topk(x: Tensor, k: number): { values: Tensor; indices: Int32Array } {
  expectNdim('topk', 'input', x, 1);
  const n = x.shape[x.ndim - 1]!;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`topk: k=${k} must be in [1, ${n}] for ${x.describe()}`);
  const e = x.engine;
  const rows = x.size / n;
  const values = e.empty([...x.shape.slice(0, -1), k]);
  const indices = new Int32Array(rows * k);
  e.backend.topk(x.data, rows, n, k, values.data, indices);
  e.record('topk', values, [x], (dy) => {
    const dx = e.zeros(x.shape);
    const d = dx.data;
    const g = dy.data;
    for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) d[r * n + indices[r * k + j]!]! += g[r * k + j]!;
    return [dx];
  });
  return { values, indices };
}
