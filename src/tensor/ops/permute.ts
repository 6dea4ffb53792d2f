// src/tensor/ops/permute.ts — permute and transpose (copies into a contiguous result through the strided kernel;
// prefer matmul's transA/transB and attention's layout to avoid them on hot paths).

import type { Tensor } from '../tensor.js';
import { contiguousStrides, normalizeAxis } from '../shape.js';
import { i32 } from './_util.js';

export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.ndim) throw new RangeError(`permute: ${perm.length} axes given for ${x.describe()}`);
  const p = perm.map((a) => normalizeAxis(a, x.ndim, 'permute axis'));
  if (new Set(p).size !== p.length) throw new RangeError(`permute: [${perm.join(', ')}] is not a permutation`);
  const e = x.engine;
  const inStrides = contiguousStrides(x.shape);
  const shape = p.map((a) => x.shape[a]!);
  const out = e.empty(shape);
  e.backend.strided(x.data, i32(p.map((a) => inStrides[a]!)), out.data, i32(contiguousStrides(shape)), i32(shape), false);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  return e.record('permute', out, [x], (dy) => {
    const dx = e.empty(x.shape);
    const dyStrides = contiguousStrides(shape);
    e.backend.strided(dy.data, i32(inverse.map((a) => dyStrides[a]!)), dx.data, i32(inStrides), i32(x.shape), false);
    return [dx];
  });
}

/** Swaps two axes. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const p = x.shape.map((_, i) => i);
  const i = normalizeAxis(a, x.ndim);
  const j = normalizeAxis(b, x.ndim);
  p[i] = j;
  p[j] = i;
  return permute(x, p);
}
