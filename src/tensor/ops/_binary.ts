// src/tensor/ops/_binary.ts — the broadcasting forward shared by add/sub/mul/div/maximum/minimum.

import type { BinaryOp } from '../../contract/kernels.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { i32, sameEngine } from './_util.js';

export function broadcastBinary(name: string, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  sameEngine(name, a, b);
  const e = a.engine;
  const shape = broadcastShapes(a.shape, b.shape);
  const out = e.empty(shape);
  e.backend.binary(op, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out.data, i32(shape));
  return out;
}

/** Element-wise a op b over a's shape when b has the same shape (used inside backward passes). */
export function sameShapeBinary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const e = a.engine;
  const out = e.empty(a.shape);
  const s = new Int32Array([1]);
  e.backend.binary(op, a.data, s, b.data, s, out.data, new Int32Array([a.size]));
  return out;
}
