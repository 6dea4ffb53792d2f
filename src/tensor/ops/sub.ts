// src/tensor/ops/sub.ts — a - b with broadcasting (b may be a number).

import { BinaryOp, UnaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './_binary.js';
import { reduceTo } from './_util.js';
import { affine } from './unary.js';

export function sub(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a, 1, -b);
  const out = broadcastBinary('sub', BinaryOp.sub, a, b);
  const e = a.engine;
  return e.record('sub', out, [a, b], (dy, needs) => {
    let db: Tensor | null = null;
    if (needs[1]) {
      const r = reduceTo(dy, b.shape);
      db = e.empty(b.shape);
      e.backend.unary(UnaryOp.neg, r.data, db.data, 0, 0);
      if (r !== dy) r.dispose();
    }
    return [needs[0] ? reduceTo(dy, a.shape) : null, db];
  });
}
