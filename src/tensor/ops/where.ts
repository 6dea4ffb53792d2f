// src/tensor/ops/where.ts — where(cond, a, b) with broadcasting, maskedFill, and the causal mask builder.
// cond is a float tensor read as boolean (≠ 0); it receives no gradient.

import type { Tensor } from '../tensor.js';
import type { Engine } from '../engine.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import { i32, reduceTo, sameEngine } from './_util.js';

export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  sameEngine('where', cond, a, b);
  const e = a.engine;
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape), b.shape);
  const out = e.empty(shape);
  const cs = broadcastStrides(cond.shape, shape);
  e.backend.where(cond.data, cs, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out.data, i32(shape));
  return e.record('where', out, [cond, a, b], (dy, needs) => {
    const zero = e.zeros([1]);
    const z = new Int32Array(shape.length);
    const ds = broadcastStrides(shape, shape);
    const pick = (takeA: boolean, target: Tensor): Tensor => {
      const t = e.empty(shape);
      if (takeA) e.backend.where(cond.data, cs, dy.data, ds, zero.data, z, t.data, i32(shape));
      else e.backend.where(cond.data, cs, zero.data, z, dy.data, ds, t.data, i32(shape));
      const r = reduceTo(t, target.shape);
      if (r !== t) t.dispose();
      return r;
    };
    const res = [null, needs[1] ? pick(true, a) : null, needs[2] ? pick(false, b) : null];
    zero.dispose();
    return res;
  });
}

/** x with `value` wherever mask ≠ 0 (mask broadcasts to x), e.g. -Infinity above the causal diagonal. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const e = x.engine;
  const fillT = e.full([1], value);
  const out = where(mask, fillT, x);
  return out;
}

/**
 * (Tq, Tk) mask with 1 where query i may attend key j, i.e. j <= i + (Tk - Tq) (the last Tq positions of a
 * length-Tk sequence); 0 elsewhere. Use `maskedFill(scores, sub(1, mask)...)` or pass to where().
 */
export function causalMask(engine: Engine, Tq: number, Tk = Tq): Tensor {
  if (Tk < Tq) throw new RangeError(`causalMask: Tk ${Tk} < Tq ${Tq}`);
  const m = engine.empty([Tq, Tk]);
  const d = m.data;
  for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) d[i * Tk + j] = j <= i + (Tk - Tq) ? 1 : 0;
  return m;
}
