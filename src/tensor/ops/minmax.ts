// src/tensor/ops/minmax.ts — element-wise maximum / minimum of two tensors with broadcasting (ties send the
// gradient to a).

import { BinaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './_binary.js';
import { broadcastStrides } from '../shape.js';
import { i32, reduceTo } from './_util.js';

function extremum(name: string, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const out = broadcastBinary(name, op, a, b);
  const e = a.engine;
  return e.record(name, out, [a, b], (dy, needs) => {
    // mask = (out == a): a won. The gradient goes to the winner.
    const shape = out.shape;
    const winA = e.empty(shape);
    const d = winA.data;
    const ad = e.empty(shape);
    e.backend.strided(a.data, broadcastStrides(a.shape, shape), ad.data, broadcastStrides(shape, shape), i32(shape), false);
    for (let i = 0; i < d.length; i++) d[i] = ad.data[i] === out.data[i] ? 1 : 0;
    ad.dispose();
    const zero = e.zeros([1]);
    const z = new Int32Array(shape.length);
    const s = broadcastStrides(shape, shape);
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      const t = e.empty(shape);
      e.backend.where(winA.data, s, dy.data, s, zero.data, z, t.data, i32(shape));
      ga = reduceTo(t, a.shape);
      if (ga !== t) t.dispose();
    }
    if (needs[1]) {
      const t = e.empty(shape);
      e.backend.where(winA.data, s, zero.data, z, dy.data, s, t.data, i32(shape));
      gb = reduceTo(t, b.shape);
      if (gb !== t) t.dispose();
    }
    winA.dispose();
    zero.dispose();
    return [ga, gb];
  });
}

export const maximum = (a: Tensor, b: Tensor): Tensor => extremum('maximum', BinaryOp.max, a, b);
export const minimum = (a: Tensor, b: Tensor): Tensor => extremum('minimum', BinaryOp.min, a, b);
