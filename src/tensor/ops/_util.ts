// src/tensor/ops/_util.ts — helpers shared by op files: broadcast-reduce of gradients, int32 shape lists, checks.

import { contiguousStrides, broadcastStrides, fmt, sameShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

export function i32(xs: readonly number[]): Int32Array {
  return new Int32Array(xs);
}

/** Sums a broadcast gradient g back down to `shape` (the inverse of broadcasting). Returns g itself when equal. */
export function reduceTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const e = g.engine;
  const out = e.zeros(shape);
  e.backend.strided(g.data, i32(contiguousStrides(g.shape)), out.data, broadcastStrides(shape, g.shape), i32(g.shape), true);
  return out;
}

export function sameEngine(op: string, ...ts: Tensor[]): void {
  const e = ts[0]!.engine;
  for (const t of ts) {
    if (t.engine !== e) throw new Error(`${op}: tensors belong to different engines`);
  }
}

export function expectShape(op: string, what: string, t: Tensor, shape: Shape): void {
  if (!sameShape(t.shape, shape)) throw new RangeError(`${op}: ${what} has shape ${fmt(t.shape)}, expected ${fmt(shape)}`);
}

export function expectNdim(op: string, what: string, t: Tensor, min: number, max = Infinity): void {
  if (t.ndim < min || t.ndim > max) {
    throw new RangeError(`${op}: ${what} must have ${max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min}..${max}`} dimensions, got ${fmt(t.shape)}`);
  }
}
