// src/train/logprobs.ts — the training forward over (prompt, completion) rows: right-padded batches, per-token
// log-probs of the completion tokens under softmax(logits / temperature) — the same quantity the sampler reports,
// so GRPO's ratio starts at 1 — and the policy entropy at those positions.
// B = rows, T = padded row length, V = vocab (below vocabLimit when the model pads its vocabulary).

import type { Transformer } from '../model/index.js';
import { add, mul, reshape, scale, slice, sum, tokenLogProbs, type Tensor } from '../tensor/index.js';

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
  /** Log-probs; carries gradient when recorded. Completion token k (row by row, in order) sits at lp[at[k]]. */
  lp: Tensor;
  /** Index into lp of each completion token, row by row in order. */
  at: Int32Array;
  /** Sum of the MoE balance losses, when the model has them and the forward trains. */
  aux: Tensor | null;
  /** The right-padded batch of the plain forward (lp is then (B·T), 0 where the target is ignored); null when shared. */
  packed: PackedRows | null;
  /** Entropy (nats) of softmax(logits / T) at each completion token's position, in `at` order; when asked. */
  entropy: Float64Array | null;
}

/**
 * Consecutive rows with equal prompts, as (distinct prompts, prompt index per row); null when no two neighbours
 * share a prompt (nothing to save).
 */
export function sharedPrompts(rows: readonly TokenRow[]): { prompts: (readonly number[])[]; of: number[] } | null {
  const prompts: (readonly number[])[] = [];
  const of: number[] = [];
  let shared = false;
  for (const r of rows) {
    const last = prompts.at(-1);
    const same = last !== undefined && (last === r.prompt || (last.length === r.prompt.length && last.every((x, i) => x === r.prompt[i])));
    if (same) shared = true;
    else prompts.push(r.prompt);
    of.push(prompts.length - 1);
  }
  return shared ? { prompts, of } : null;
}

/**
 * Log-probs of the completion tokens. `train`: the recorded training forward (gradients flow, MoE layers count their
 * expert load); otherwise an inference forward (call it under engine.noGrad). Consecutive rows with the same prompt
 * (GRPO's groups) share one forward of it when the model allows (Transformer.sharesPrompts; `sharePrompts: false`
 * turns it off), and then only completion positions reach the head; the values are the same either way.
 * `vocabLimit`: the softmax runs over ids below it only, as the sampler's does with generate's vocabLimit (a
 * tokenizer smaller than the model's padded vocabulary), so that the log-probs and entropies are the sampler's.
 */
export function rowLogProbs(
  model: Transformer,
  rows: readonly TokenRow[],
  temperature: number,
  opts: { train: boolean; entropy?: boolean; padId?: number; sharePrompts?: boolean; vocabLimit?: number },
): RowLogProbs {
  const V0 = model.config.vocabSize;
  const V = opts.vocabLimit ?? V0;
  if (!Number.isInteger(V) || V < 1 || V > V0) throw new RangeError(`rowLogProbs: vocabLimit must be an integer in [1, ${V0}], got ${opts.vocabLimit}`);
  rows.forEach((r, i) => {
    const bad = r.completion.find((t) => t >= V);
    if (bad !== undefined) throw new RangeError(`rowLogProbs: row ${i} has completion token ${bad}, outside the vocabulary limit ${V}`);
  });
  const groups = opts.sharePrompts !== false && model.sharesPrompts() ? sharedPrompts(rows) : null;
  let logits: Tensor; // (N, V0), then (N, V)
  let targets: Int32Array;
  let at: Int32Array;
  let aux: Tensor | null = null;
  let packed: PackedRows | null = null;
  if (groups) {
    rows.forEach((r, i) => {
      if (r.completion.length === 0) throw new RangeError(`rowLogProbs: row ${i} has an empty completion`);
    });
    logits = model.forwardSharedPrompts(groups.prompts, rows.map((r, i) => ({ prompt: groups.of[i]!, completion: r.completion })), opts.train);
    targets = Int32Array.from(rows.flatMap((r) => r.completion));
    at = Int32Array.from({ length: targets.length }, (_, k) => k);
  } else {
    packed = packRows(rows, opts.padId ?? 0);
    const { ids, B, T } = packed;
    ({ targets, at } = packed);
    if (opts.train) {
      const out = model.forwardTrain(ids, B, T);
      logits = out.logits; // (B, T, V0)
      aux = out.aux;
    } else logits = model.forward(ids, B, T); // (B, T, V0)
    logits = reshape(logits, [B * T, V0]);
  }
  if (V < V0) logits = slice(logits, 1, 0, V); // (N, V): the padding ids get no probability
  const scaled = temperature === 1 ? logits : scale(logits, 1 / temperature);
  const lp = tokenLogProbs(scaled, targets); // (N)
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
  return { lp, at, aux, packed, entropy };
}

/** Σ_t coef_t · lp_t (+ aux): a scalar whose gradient w.r.t. lp is coef (the closed-form policy-loss gradient). */
export function surrogate(lp: Tensor, coef: Float32Array, aux: Tensor | null): Tensor {
  const c = lp.engine.tensor(coef, [coef.length]);
  const s = sum(mul(lp, c));
  return aux ? add(s, aux) : s;
}
