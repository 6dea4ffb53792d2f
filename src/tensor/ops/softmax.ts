// src/tensor/ops/softmax.ts — softmax and log-softmax over the last axis (fused, numerically stable).

import type { Tensor } from '../tensor.js';
import { expectNdim } from './_util.js';

function softmaxOp(name: string, x: Tensor, log: boolean): Tensor {
  expectNdim(name, 'input', x, 1);
  const e = x.engine;
  const n = x.shape[x.ndim - 1]!;
  const rows = n === 0 ? 0 : x.size / n;
  const out = e.empty(x.shape);
  e.backend.softmax(x.data, rows, n, out.data, log);
  return e.record(name, out, [x], (dy) => {
    const dx = e.empty(x.shape);
    e.backend.softmaxBackward(out.data, dy.data, rows, n, dx.data, log);
    return [dx];
  });
}

/** softmax over the last axis. */
export const softmax = (x: Tensor): Tensor => softmaxOp('softmax', x, false);
/** log-softmax over the last axis. */
export const logSoftmax = (x: Tensor): Tensor => softmaxOp('logSoftmax', x, true);
