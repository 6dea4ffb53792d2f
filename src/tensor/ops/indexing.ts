// src/tensor/ops/indexing.ts — gather-style ops sharing the indexSelect / indexAdd kernel pair:
// embedding lookup, indexSelect along any axis, and scatterAdd (its adjoint).

import type { Tensor } from '../tensor.js';
import { fmt, normalizeAxis, splitAround } from '../shape.js';
import { expectNdim } from './_util.js';

/** Rows of weight (V, C) picked by ids, shaped (...idsShape, C). The gradient scatter-adds into the rows. */
export function embedding(weight: Tensor, ids: Int32Array, idsShape: readonly number[] = [ids.length]): Tensor {
  expectNdim('embedding', 'weight', weight, 2, 2);
  let n = 1;
  for (const d of idsShape) n *= d;
  if (n !== ids.length) throw new RangeError(`embedding: ids shape ${fmt(idsShape)} does not hold ${ids.length} ids`);
  const sel = indexSelect(weight, 0, ids);
  if (idsShape.length === 1) return sel;
  return reshapeSel(sel, [...idsShape, weight.shape[1]!]);
}

// A local reshape to keep this file free of a dependency cycle with reshape.ts.
function reshapeSel(x: Tensor, shape: number[]): Tensor {
  const e = x.engine;
  const out = e.view(x, shape);
  return e.record('reshape', out, [x], (dy) => [e.view(dy, x.shape)]);
}

/** out = x.take(idx, axis): out[..., j, ...] = x[..., idx[j], ...]. */
export function indexSelect(x: Tensor, axis: number, idx: Int32Array): Tensor {
  const e = x.engine;
  const a = normalizeAxis(axis, x.ndim, 'indexSelect axis');
  const { outer, n, inner } = splitAround(x.shape, a);
  const shape = [...x.shape];
  shape[a] = idx.length;
  const out = e.empty(shape);
  e.backend.indexSelect(x.data, outer, n, inner, idx, out.data);
  return e.record('indexSelect', out, [x], (dy) => {
    // Scatter-add straight into a parameter's flat grad (an embedding table) when it has one.
    const direct = e.leafGradBuffer(x);
    if (direct) {
      e.backend.indexAdd(dy.data, outer, n, inner, idx, direct);
      return [null];
    }
    const dx = e.zeros(x.shape);
    e.backend.indexAdd(dy.data, outer, n, inner, idx, dx.data);
    return [dx];
  });
}

/** out = x with src added at positions idx along axis: out[..., idx[j], ...] += src[..., j, ...]. */
export function scatterAdd(x: Tensor, axis: number, idx: Int32Array, src: Tensor): Tensor {
  const e = x.engine;
  const a = normalizeAxis(axis, x.ndim, 'scatterAdd axis');
  const { outer, n, inner } = splitAround(x.shape, a);
  const expect = [...x.shape];
  expect[a] = idx.length;
  if (src.ndim !== expect.length || src.shape.some((d, i) => d !== expect[i])) {
    throw new RangeError(`scatterAdd: src ${fmt(src.shape)} should be ${fmt(expect)}`);
  }
  const out = e.empty(x.shape);
  out.data.set(x.data);
  e.backend.indexAdd(src.data, outer, n, inner, idx, out.data);
  return e.record('scatterAdd', out, [x, src], (dy, needs) => {
    let dsrc: Tensor | null = null;
    if (needs[1]) {
      dsrc = e.empty(src.shape);
      e.backend.indexSelect(dy.data, outer, n, inner, idx, dsrc.data);
    }
    // dx = dy; returning a fresh copy keeps ownership simple.
    let dx: Tensor | null = null;
    if (needs[0]) {
      dx = e.empty(x.shape);
      dx.data.set(dy.data);
    }
    return [dx, dsrc];
  });
}
