// src/tensor/ops/add.ts — a + b with broadcasting (b may be a number).

import { BinaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './_binary.js';
import { reduceTo } from './_util.js';
import { affine } from './unary.js';

export function add(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a, 1, b);
  const out = broadcastBinary('add', BinaryOp.add, a, b);
  return a.engine.record('add', out, [a, b], (dy, needs) => [
    needs[0] ? reduceTo(dy, a.shape) : null,
    needs[1] ? reduceTo(dy, b.shape) : null,
  ]);
}
