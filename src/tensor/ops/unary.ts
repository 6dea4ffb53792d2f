// src/tensor/ops/unary.ts — element-wise unary ops. They share one kernel pair (unary / unaryBackward, whose
// switch holds each op's derivative beside its forward), so each op here is its forward + backward in two lines.

import { UnaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';

function unaryOp(name: string, op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  const e = x.engine;
  const out = e.empty(x.shape);
  e.backend.unary(op, x.data, out.data, p0, p1);
  return e.record(name, out, [x], (dy) => {
    const dx = e.empty(x.shape);
    e.backend.unaryBackward(op, x.data, out.data, dy.data, dx.data, p0, p1);
    return [dx];
  });
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', UnaryOp.neg, x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', UnaryOp.exp, x);
export const log = (x: Tensor): Tensor => unaryOp('log', UnaryOp.log, x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', UnaryOp.sqrt, x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', UnaryOp.rsqrt, x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', UnaryOp.abs, x);
export const square = (x: Tensor): Tensor => unaryOp('square', UnaryOp.square, x);
/** x ** p for a scalar exponent p. */
export const pow = (x: Tensor, p: number): Tensor => unaryOp('pow', UnaryOp.pow, x, p);
/** min(max(x, lo), hi); the gradient passes only inside [lo, hi]. */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clamp: lo ${lo} > hi ${hi}`);
  return unaryOp('clamp', UnaryOp.clamp, x, lo, hi);
}
/** x * a + b for scalars a, b. */
export const affine = (x: Tensor, a: number, b: number): Tensor => unaryOp('affine', UnaryOp.affine, x, a, b);
export const scale = (x: Tensor, a: number): Tensor => unaryOp('scale', UnaryOp.affine, x, a, 0);
/** SiLU / swish: x * sigmoid(x) (Elfwing et al. 2017). */
export const silu = (x: Tensor): Tensor => unaryOp('silu', UnaryOp.silu, x);
/** GELU, tanh approximation as in GPT-2 (Hendrycks & Gimpel 2016). */
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', UnaryOp.gelu, x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', UnaryOp.relu, x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', UnaryOp.tanh, x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', UnaryOp.sigmoid, x);
