// src/tensor/ops/reshape.ts — reshape (a view sharing storage: tensors are always contiguous) and flatten.

import type { Tensor } from '../tensor.js';
import { fmt, sizeOf } from '../shape.js';

/** Same data, new shape; one dimension may be -1 (inferred). No copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new RangeError(`reshape: more than one -1 in ${fmt(shape)}`);
  let s = [...shape];
  if (inferred === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) throw new RangeError(`reshape: cannot infer -1 in ${fmt(shape)} for ${x.size} elements`);
    s = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  if (sizeOf(s) !== x.size) throw new RangeError(`reshape: ${x.describe()} (${x.size} elements) cannot become ${fmt(shape)}`);
  const e = x.engine;
  const out = e.view(x, s);
  return e.record('reshape', out, [x], (dy) => [e.view(dy, x.shape)]);
}

/** Merges axes [start, end] into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  const s = start < 0 ? start + x.ndim : start;
  const t = end < 0 ? end + x.ndim : end;
  const merged = x.shape.slice(s, t + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(t + 1)]);
}
