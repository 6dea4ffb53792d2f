// src/tensor/ops/mul.ts — a * b with broadcasting (b may be a number).

import { BinaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './_binary.js';
import { reduceTo } from './_util.js';
import { affine } from './unary.js';

export function mul(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a, b, 0);
  const out = broadcastBinary('mul', BinaryOp.mul, a, b);
  return a.engine.record('mul', out, [a, b], (dy, needs) => {
    // d(a*b)/da = b, summed over the axes a was broadcast along.
    const grad = (other: Tensor, shape: readonly number[]): Tensor => {
      const full = broadcastBinary('mul', BinaryOp.mul, dy, other);
      const r = reduceTo(full, shape);
      if (r !== full) full.dispose();
      return r;
    };
    return [needs[0] ? grad(b, a.shape) : null, needs[1] ? grad(a, b.shape) : null];
  });
}
