// src/tensor/ops/div.ts — a / b with broadcasting (b may be a number).

import { BinaryOp, UnaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './_binary.js';
import { reduceTo } from './_util.js';
import { affine } from './unary.js';

export function div(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a, 1 / b, 0);
  const out = broadcastBinary('div', BinaryOp.div, a, b);
  return a.engine.record('div', out, [a, b], (dy, needs) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      // da = dy / b
      const full = broadcastBinary('div', BinaryOp.div, dy, b);
      da = reduceTo(full, a.shape);
      if (da !== full) full.dispose();
    }
    if (needs[1]) {
      // db = -dy * out / b
      const t1 = broadcastBinary('mul', BinaryOp.mul, dy, out);
      const t2 = broadcastBinary('div', BinaryOp.div, t1, b);
      t1.dispose();
      a.engine.backend.unary(UnaryOp.neg, t2.data, t2.data, 0, 0);
      db = reduceTo(t2, b.shape);
      if (db !== t2) t2.dispose();
    }
    return [da, db];
  });
}
