// src/tensor/ops/reduce.ts — sum, mean and max over axes (keepDim optional). They share the axis bookkeeping; sum
// and mean backpropagate by broadcasting dy back, max by routing dy to the (first) arg-max.

import { ReduceOp, UnaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import type { Engine } from '../engine.js';
import { broadcastStrides, contiguousStrides, normalizeAxis, splitAround, type Shape } from '../shape.js';
import { i32 } from './_util.js';

function axesOf(x: Tensor, axes: number | readonly number[] | undefined): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const norm = list.map((a) => normalizeAxis(a, x.ndim, 'reduce axis'));
  if (new Set(norm).size !== norm.length) throw new RangeError(`reduce: repeated axis in [${list.join(', ')}]`);
  return norm.sort((a, b) => a - b);
}

function outShapes(x: Tensor, axes: number[]): { kept: number[]; final: number[] } {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const final = x.shape.filter((_, i) => !axes.includes(i));
  return { kept, final };
}

/** Sums x over axes one at a time with the (outer, n, inner) kernel; returns data shaped `kept`. */
function sumKernel(e: Engine, x: Tensor, axes: number[]): Float32Array {
  let data = x.data;
  let shape = [...x.shape];
  let owned: Float32Array | null = null;
  for (const a of axes) {
    const { outer, n, inner } = splitAround(shape, a);
    const next = e.acquire(outer * inner);
    e.backend.reduce(ReduceOp.sum, data, outer, n, inner, next, null);
    if (owned) e.release(owned);
    owned = next;
    data = next;
    shape[a] = 1;
  }
  if (owned === null) {
    owned = e.acquire(x.size);
    owned.set(x.data);
  }
  return owned;
}

/** Broadcasts g (shape `kept`) back to `shape`, times `factor`. */
function expand(g: Tensor, kept: Shape, shape: Shape, factor: number): Tensor {
  const e = g.engine;
  const out = e.empty(shape);
  e.backend.strided(g.data, broadcastStrides(kept, shape), out.data, i32(contiguousStrides(shape)), i32(shape), false);
  if (factor !== 1) e.backend.unary(UnaryOp.affine, out.data, out.data, factor, 0);
  return out;
}

function sumOrMean(name: string, x: Tensor, axes: number | readonly number[] | undefined, keepDim: boolean, mean: boolean): Tensor {
  const e = x.engine;
  const ax = axesOf(x, axes);
  const { kept, final } = outShapes(x, ax);
  const data = sumKernel(e, x, ax);
  let count = 1;
  for (const a of ax) count *= x.shape[a]!;
  if (mean && count > 0) e.backend.unary(UnaryOp.affine, data, data, 1 / count, 0);
  const storageShape = keepDim ? kept : final;
  const out = e.wrapPooled(data, storageShape);
  return e.record(name, out, [x], (dy) => [expand(dy, kept, x.shape, mean && count > 0 ? 1 / count : 1)]);
}

/** Sum over axes (all when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDim = false): Tensor {
  return sumOrMean('sum', x, axes, keepDim, false);
}

/** Mean over axes (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDim = false): Tensor {
  return sumOrMean('mean', x, axes, keepDim, true);
}

/** Maximum over one axis; the gradient flows to the first arg-max. */
export function max(x: Tensor, axis: number, keepDim = false): Tensor {
  const e = x.engine;
  const a = normalizeAxis(axis, x.ndim, 'max axis');
  const { outer, n, inner } = splitAround(x.shape, a);
  if (n === 0) throw new RangeError(`max: axis ${axis} of ${x.describe()} is empty`);
  const { kept, final } = outShapes(x, [a]);
  const out = e.empty(keepDim ? kept : final);
  const arg = new Int32Array(outer * inner);
  e.backend.reduce(ReduceOp.max, x.data, outer, n, inner, out.data, arg);
  return e.record('max', out, [x], (dy) => {
    const dx = e.zeros(x.shape);
    const d = dx.data;
    const g = dy.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) d[(o * n + arg[o * inner + i]!) * inner + i] = g[o * inner + i]!;
    }
    return [dx];
  });
}
