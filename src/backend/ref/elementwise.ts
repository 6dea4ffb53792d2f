// src/backend/ref/elementwise.ts — reference element-wise kernels: unary (+ backward), broadcast binary, where,
// the general strided copy/accumulate, fill.

import { BinaryOp, UnaryOp } from '../../contract/kernels.js';

const GELU_C = Math.sqrt(2 / Math.PI);

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function unaryScalar(op: UnaryOp, x: number, p0: number, p1: number): number {
  switch (op) {
    case UnaryOp.neg: return -x;
    case UnaryOp.exp: return Math.exp(x);
    case UnaryOp.log: return Math.log(x);
    case UnaryOp.sqrt: return Math.sqrt(x);
    case UnaryOp.rsqrt: return 1 / Math.sqrt(x);
    case UnaryOp.abs: return Math.abs(x);
    case UnaryOp.pow: return Math.pow(x, p0);
    case UnaryOp.clamp: return Math.min(Math.max(x, p0), p1);
    case UnaryOp.affine: return x * p0 + p1;
    case UnaryOp.silu: return x * sigmoid(x);
    case UnaryOp.gelu: return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
    case UnaryOp.relu: return x > 0 ? x : 0;
    case UnaryOp.tanh: return Math.tanh(x);
    case UnaryOp.sigmoid: return sigmoid(x);
    case UnaryOp.square: return x * x;
    default: throw new RangeError(`unary: unknown op ${String(op)}`);
  }
}

/** d f(x) / dx given x and y = f(x). */
export function unaryDerivative(op: UnaryOp, x: number, y: number, p0: number, p1: number): number {
  switch (op) {
    case UnaryOp.neg: return -1;
    case UnaryOp.exp: return y;
    case UnaryOp.log: return 1 / x;
    case UnaryOp.sqrt: return 0.5 / y;
    case UnaryOp.rsqrt: return -0.5 * y * y * y;
    case UnaryOp.abs: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case UnaryOp.pow: return p0 * Math.pow(x, p0 - 1);
    case UnaryOp.clamp: return x >= p0 && x <= p1 ? 1 : 0;
    case UnaryOp.affine: return p0;
    case UnaryOp.silu: {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    }
    case UnaryOp.gelu: {
      const u = GELU_C * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      const du = GELU_C * (1 + 3 * 0.044715 * x * x);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
    }
    case UnaryOp.relu: return x > 0 ? 1 : 0;
    case UnaryOp.tanh: return 1 - y * y;
    case UnaryOp.sigmoid: return y * (1 - y);
    case UnaryOp.square: return 2 * x;
    default: throw new RangeError(`unaryBackward: unknown op ${String(op)}`);
  }
}

export function unary(op: UnaryOp, x: Float32Array, out: Float32Array, p0: number, p1: number): void {
  for (let i = 0; i < x.length; i++) out[i] = unaryScalar(op, x[i]!, p0, p1);
}

export function unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, p0: number, p1: number): void {
  for (let i = 0; i < x.length; i++) dx[i] = dy[i]! * unaryDerivative(op, x[i]!, y[i]!, p0, p1);
}

export function binaryScalar(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case BinaryOp.add: return a + b;
    case BinaryOp.sub: return a - b;
    case BinaryOp.mul: return a * b;
    case BinaryOp.div: return a / b;
    case BinaryOp.max: return a >= b ? a : b;
    case BinaryOp.min: return a <= b ? a : b;
    default: throw new RangeError(`binary: unknown op ${String(op)}`);
  }
}

/** Calls fn(offsets...) for every index of `shape` in row-major order, with one running offset per stride list. */
function forEachIndex(shape: Int32Array, strides: Int32Array[], fn: (offs: number[]) => void): void {
  const nd = shape.length;
  let total = 1;
  for (let d = 0; d < nd; d++) total *= shape[d]!;
  if (total === 0) return;
  const idx = new Array<number>(nd).fill(0);
  const offs = strides.map(() => 0);
  for (let n = 0; n < total; n++) {
    fn(offs);
    // Increment the multi-index from the last axis, carrying into earlier axes.
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      for (let s = 0; s < strides.length; s++) offs[s]! += strides[s]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let s = 0; s < strides.length; s++) offs[s]! -= strides[s]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export function binary(op: BinaryOp, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array, out: Float32Array, shape: Int32Array): void {
  let o = 0;
  forEachIndex(shape, [aStrides, bStrides], (offs) => {
    out[o++] = binaryScalar(op, a[offs[0]!]!, b[offs[1]!]!);
  });
}

export function where(cond: Float32Array, cStrides: Int32Array, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array, out: Float32Array, shape: Int32Array): void {
  let o = 0;
  forEachIndex(shape, [cStrides, aStrides, bStrides], (offs) => {
    out[o++] = cond[offs[0]!] !== 0 ? a[offs[1]!]! : b[offs[2]!]!;
  });
}

export function strided(src: Float32Array, srcStrides: Int32Array, dst: Float32Array, dstStrides: Int32Array, shape: Int32Array, accumulate: boolean): void {
  forEachIndex(shape, [srcStrides, dstStrides], (offs) => {
    const v = src[offs[0]!]!;
    if (accumulate) dst[offs[1]!]! += v;
    else dst[offs[1]!] = v;
  });
}

export function fill(x: Float32Array, value: number): void {
  x.fill(value);
}
