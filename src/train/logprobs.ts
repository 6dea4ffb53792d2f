// src/train/logprobs.ts — the training forward over (prompt, completion) rows: right-padded batches, per-token
// log-probs of the completion tokens under softmax(logits / temperature) — the same quantity the sampler reports,
// so GRPO's ratio starts at 1 — and the policy entropy at those positions.
// B = rows, T = padded row length, V = vocab.

import type { Transformer } from '../model/index.js';
import { add, mul, reshape, scale, sum, tokenLogProbs, type Tensor } from '../tensor/index.js';

export interface TokenRow {
  prompt: readonly number[];
  completion: readonly number[];
}

export interface PackedRows {
  /** (B·T) input ids, right-padded. */
  ids: Int32Array;
  /** (B·T) next-token targets: completion tokens at the positions that predict them, -100 elsewhere. */
  targets: Int32Array;
  B: number;
  T: number;
  /** Flat position (b·T + t) of each completion token, row by row in order. */
  at: Int32Array;
}

/**
 * Row b holds prompt ++ completion without its last token (nothing is predicted after it); completion token k is
 * predicted at position P + k − 1. Causal attention keeps every real position blind to the padding after it.
 */
export function packRows(rows: readonly TokenRow[], padId = 0): PackedRows {
  if (rows.length === 0) throw new RangeError('packRows: no rows');
  let T = 1;
  let total = 0;
  rows.forEach((r, i) => {
    if (r.prompt.length === 0) throw new RangeError(`packRows: row ${i} has an empty prompt`);
    if (r.completion.length === 0) throw new RangeError(`packRows: row ${i} has an empty completion`);
    T = Math.max(T, r.prompt.length + r.completion.length - 1);
    total += r.completion.length;
  });
  const B = rows.length;
  const ids = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(-100);
  const at = new Int32Array(total);
  let k = 0;
  rows.forEach((r, b) => {
    const P = r.prompt.length;
    for (let t = 0; t < P; t++) ids[b * T + t] = r.prompt[t]!;
    for (let j = 0; j < r.completion.length; j++) {
      if (P + j < T && j < r.completion.length - 1) ids[b * T + P + j] = r.completion[j]!;
      const pos = b * T + P + j - 1;
      targets[pos] = r.completion[j]!;
      at[k++] = pos;
    }
  });
  return { ids, targets, B, T, at };
}

export interface RowLogProbs {
  /** (B·T) log-probs at every position (0 where the target is ignored); carries gradient when recorded. */
  lp: Tensor;
  /** Sum of the MoE balance losses, when the model has them and the forward trains. */
  aux: Tensor | null;
  packed: PackedRows;
  /** Entropy (nats) of softmax(logits / T) at each completion token's position, in `at` order; when asked. */
  entropy: Float64Array | null;
}

/**
 * Log-probs of the completion tokens. `train`: the recorded training forward (gradients flow, MoE layers count their
 * expert load); otherwise an inference forward (call it under engine.noGrad).
 */
export function rowLogProbs(model: Transformer, rows: readonly TokenRow[], temperature: number, opts: { train: boolean; entropy?: boolean; padId?: number }): RowLogProbs {
  const packed = packRows(rows, opts.padId ?? 0);
  const { ids, targets, B, T, at } = packed;
  const V = model.config.vocabSize;
  let logits: Tensor;
  let aux: Tensor | null = null;
  if (opts.train) {
    const out = model.forwardTrain(ids, B, T);
    logits = out.logits; // (B, T, V)
    aux = out.aux;
  } else logits = model.forward(ids, B, T); // (B, T, V)
  const scaled = temperature === 1 ? logits : scale(logits, 1 / temperature);
  const lp = tokenLogProbs(reshape(scaled, [B * T, V]), targets); // (B·T)
  let entropy: Float64Array | null = null;
  if (opts.entropy) {
    entropy = new Float64Array(at.length);
    const d = scaled.data;
    for (let k = 0; k < at.length; k++) {
      const o = at[k]! * V;
      let mx = -Infinity;
      for (let v = 0; v < V; v++) mx = Math.max(mx, d[o + v]!);
      let z = 0, s = 0;
      for (let v = 0; v < V; v++) {
        const e = Math.exp(d[o + v]! - mx);
        z += e;
        s += e * (d[o + v]! - mx);
      }
      entropy[k] = Math.log(z) - s / z; // H = log Z − E[x − max]
    }
  }
  return { lp, aux, packed, entropy };
}

/** Σ_t coef_t · lp_t (+ aux): a scalar whose gradient w.r.t. lp is coef (the closed-form policy-loss gradient). */
export function surrogate(lp: Tensor, coef: Float32Array, aux: Tensor | null): Tensor {
  const c = lp.engine.tensor(coef, [coef.length]);
  const s = sum(mul(lp, c));
  return aux ? add(s, aux) : s;
}
