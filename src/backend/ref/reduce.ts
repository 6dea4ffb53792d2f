// src/backend/ref/reduce.ts — reference reductions: sum/max over an axis, softmax, fused cross-entropy, sum of squares.

import { ReduceOp } from '../../contract/kernels.js';

export function reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number, out: Float32Array, argmax: Int32Array | null): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      if (op === ReduceOp.sum) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += x[base + j * inner]!;
        out[o * inner + i] = acc;
      } else {
        let best = -Infinity;
        let arg = 0;
        for (let j = 0; j < n; j++) {
          const v = x[base + j * inner]!;
          if (v > best || (j === 0 && Number.isNaN(v))) {
            best = v;
            arg = j;
          }
        }
        out[o * inner + i] = best;
        if (argmax) argmax[o * inner + i] = arg;
      }
    }
  }
}

export function softmax(x: Float32Array, rows: number, n: number, out: Float32Array, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) mx = Math.max(mx, x[o + j]!);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[o + j]! - mx);
    const lse = mx + Math.log(s);
    for (let j = 0; j < n; j++) out[o + j] = log ? x[o + j]! - lse : Math.exp(x[o + j]! - lse);
  }
}

export function softmaxBackward(y: Float32Array, dy: Float32Array, rows: number, n: number, dx: Float32Array, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    if (log) {
      // y = x - lse: dx = dy - softmax * sum(dy)
      let s = 0;
      for (let j = 0; j < n; j++) s += dy[o + j]!;
      for (let j = 0; j < n; j++) dx[o + j] = dy[o + j]! - Math.exp(y[o + j]!) * s;
    } else {
      // dx = y * (dy - sum(dy * y))
      let s = 0;
      for (let j = 0; j < n; j++) s += dy[o + j]! * y[o + j]!;
      for (let j = 0; j < n; j++) dx[o + j] = y[o + j]! * (dy[o + j]! - s);
    }
  }
}

function checkTarget(t: number, V: number, ignoreIndex: number): void {
  if (t !== ignoreIndex && (t < 0 || t >= V)) throw new RangeError(`crossEntropy: target ${t} outside [0, ${V})`);
}

export function crossEntropy(logits: Float32Array, rows: number, V: number, targets: Int32Array, ignoreIndex: number, loss: Float32Array, lse: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    checkTarget(t, V, ignoreIndex);
    const o = r * V;
    let mx = -Infinity;
    for (let j = 0; j < V; j++) mx = Math.max(mx, logits[o + j]!);
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[o + j]! - mx);
    const l = mx + Math.log(s);
    lse[r] = l;
    loss[r] = t === ignoreIndex ? 0 : l - logits[o + t]!;
  }
}

export function crossEntropyBackward(logits: Float32Array, lse: Float32Array, rows: number, V: number, targets: Int32Array, ignoreIndex: number, dloss: Float32Array, dlogits: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    checkTarget(t, V, ignoreIndex);
    const o = r * V;
    if (t === ignoreIndex) {
      dlogits.fill(0, o, o + V);
      continue;
    }
    const g = dloss[r]!;
    const l = lse[r]!;
    for (let j = 0; j < V; j++) dlogits[o + j] = g * (Math.exp(logits[o + j]! - l) - (j === t ? 1 : 0));
  }
}

export function sumSquares(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}
