// src/tensor/ops/slice.ts — slice, concat and split along one axis. All three are strided copies of blocks, so
// they share the `strided` kernel; the backward of each is the other direction of the same copy.

import type { Tensor } from '../tensor.js';
import { contiguousStrides, fmt, normalizeAxis } from '../shape.js';
import { i32, sameEngine } from './_util.js';
import type { Engine } from '../engine.js';

/** Copies src (shape `shape`) into dst (shape dstShape) at offset `start` along axis, or the reverse. */
function copyBlock(e: Engine, src: Float32Array, dst: Float32Array, blockShape: readonly number[], bigShape: readonly number[], axis: number, start: number, intoBig: boolean, accumulate: boolean): void {
  const bigStrides = contiguousStrides(bigShape);
  const offset = start * bigStrides[axis]!;
  const blockStrides = contiguousStrides(blockShape);
  if (intoBig) e.backend.strided(src, i32(blockStrides), dst.subarray(offset), i32(bigStrides), i32(blockShape), accumulate);
  else e.backend.strided(src.subarray(offset), i32(bigStrides), dst, i32(blockStrides), i32(blockShape), accumulate);
}

/** x[..., start:end, ...] along axis (end exclusive; negative values count from the end). */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'slice axis');
  const n = x.shape[a]!;
  const s = start < 0 ? start + n : start;
  const t = end === undefined ? n : end < 0 ? end + n : end;
  if (!Number.isInteger(s) || !Number.isInteger(t) || s < 0 || t > n || s > t) {
    throw new RangeError(`slice: [${start}, ${end ?? n}) out of range for axis ${axis} of ${x.describe()}`);
  }
  const e = x.engine;
  const shape = [...x.shape];
  shape[a] = t - s;
  const out = e.empty(shape);
  copyBlock(e, x.data, out.data, shape, x.shape, a, s, false, false);
  return e.record('slice', out, [x], (dy) => {
    const dx = e.zeros(x.shape);
    copyBlock(e, dy.data, dx.data, shape, x.shape, a, s, true, false);
    return [dx];
  });
}

/** Joins tensors along axis (all other dims equal). */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new RangeError('concat: no tensors');
  sameEngine('concat', ...xs);
  const first = xs[0]!;
  const a = normalizeAxis(axis, first.ndim, 'concat axis');
  let total = 0;
  for (const x of xs) {
    if (x.ndim !== first.ndim || x.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new RangeError(`concat: ${fmt(x.shape)} does not match ${fmt(first.shape)} outside axis ${axis}`);
    }
    total += x.shape[a]!;
  }
  const e = first.engine;
  const shape = [...first.shape];
  shape[a] = total;
  const out = e.empty(shape);
  const starts: number[] = [];
  let at = 0;
  for (const x of xs) {
    starts.push(at);
    copyBlock(e, x.data, out.data, x.shape, shape, a, at, true, false);
    at += x.shape[a]!;
  }
  return e.record('concat', out, xs, (dy, needs) =>
    xs.map((x, i) => {
      if (!needs[i]) return null;
      const dx = e.empty(x.shape);
      copyBlock(e, dy.data, dx.data, x.shape, shape, a, starts[i]!, false, false);
      return dx;
    }),
  );
}

/** Splits along axis into pieces of the given sizes (or into `sizes` equal parts when a number). */
export function split(x: Tensor, axis: number, sizes: number | readonly number[]): Tensor[] {
  const a = normalizeAxis(axis, x.ndim, 'split axis');
  const n = x.shape[a]!;
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0 || n % sizes !== 0) throw new RangeError(`split: axis of ${n} not divisible into ${sizes} parts`);
    parts = new Array<number>(sizes).fill(n / sizes);
  } else parts = [...sizes];
  if (parts.reduce((s, v) => s + v, 0) !== n) throw new RangeError(`split: sizes [${parts.join(', ')}] do not sum to ${n}`);
  const out: Tensor[] = [];
  let at = 0;
  for (const p of parts) {
    out.push(slice(x, a, at, at + p));
    at += p;
  }
  return out;
}
