// src/tensor/ops/crossEntropy.ts — fused cross-entropy over the last axis of logits (..., V) with int targets (...),
// an ignore index and per-token output. GRPO (DeepSeekMath / DeepSeek-R1 eq. 1) needs per-token log-probs of the
// sampled tokens: tokenLogProbs = -crossEntropy(..., { reduction: 'none' }). One pass; no softmax materialized.

import { UnaryOp } from '../../contract/kernels.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { expectNdim } from './_util.js';

export interface CrossEntropyOptions {
  /** Targets equal to this contribute 0 loss and 0 gradient (default -100, as in PyTorch). */
  ignoreIndex?: number;
  /** 'none': per-token loss shaped like targets; 'mean': mean over non-ignored tokens; 'sum'. Default 'mean'. */
  reduction?: 'none' | 'mean' | 'sum';
}

export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  expectNdim('crossEntropy', 'logits', logits, 1);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  const e = logits.engine;
  const V = logits.shape[logits.ndim - 1]!;
  const rows = logits.size / V;
  if (targets.length !== rows) {
    throw new RangeError(`crossEntropy: ${targets.length} targets for logits ${fmt(logits.shape)} (${rows} rows)`);
  }
  const perToken = e.empty(logits.shape.slice(0, -1)); // (...)
  const lse = e.acquire(rows);
  e.backend.crossEntropy(logits.data, rows, V, targets, ignoreIndex, perToken.data, lse);
  let counted = 0;
  for (let r = 0; r < rows; r++) if (targets[r] !== ignoreIndex) counted++;
  // The reduction is folded into the per-row upstream gradient so the backward stays one fused pass.
  let out: Tensor;
  let rowScale: number;
  if (reduction === 'none') {
    out = perToken;
    rowScale = 1;
  } else {
    let s = 0;
    const d = perToken.data;
    for (let r = 0; r < rows; r++) s += d[r]!;
    rowScale = reduction === 'mean' ? (counted > 0 ? 1 / counted : 0) : 1;
    out = e.tensor([s * rowScale], []);
    perToken.dispose();
  }
  if (!e.needsGrad(logits)) {
    e.release(lse);
    return out;
  }
  // lse lives until the output tensor is disposed (released with it through a tiny holder tensor).
  const lseHolder = e.wrapPooled(lse, [rows]);
  return e.record('crossEntropy', out, [logits], (dy) => {
    const dl = e.empty(logits.shape);
    let dloss: Float32Array;
    if (reduction === 'none') dloss = dy.data;
    else {
      dloss = e.acquire(rows);
      dloss.fill(dy.data[0]! * rowScale);
    }
    e.backend.crossEntropyBackward(logits.data, lseHolder.data, rows, V, targets, ignoreIndex, dloss, dl.data);
    if (reduction !== 'none') e.release(dloss);
    return [dl];
  });
}

/** log p(target) per token (…): the negated per-token cross-entropy; ignored positions give 0. */
export function tokenLogProbs(logits: Tensor, targets: Int32Array, ignoreIndex = -100): Tensor {
  const ce = crossEntropy(logits, targets, { ignoreIndex, reduction: 'none' });
  const e = logits.engine;
  const out = e.empty(ce.shape);
  e.backend.unary(UnaryOp.neg, ce.data, out.data, 0, 0);
  return e.record('neg', out, [ce], (dy) => {
    const dx = e.empty(ce.shape);
    e.backend.unary(UnaryOp.neg, dy.data, dx.data, 0, 0);
    return [dx];
  });
}
