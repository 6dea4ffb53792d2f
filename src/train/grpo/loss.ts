// src/train/grpo/loss.ts — the GRPO objective per token and its gradient in closed form (DeepSeek-R1 eq. 1–2,
// DeepSeekMath eq. 3), with clip-higher (DAPO §3.1), the k3 KL estimator, three loss aggregations, and GSPO's
// sequence-level importance ratio (Zheng et al. 2025, eq. 5–7).
// N = completion tokens in the minibatch. The trainer multiplies the per-token log-probs of the training forward by
// `grad` (a constant) and back-propagates, which is exact: the loss depends on the parameters only through them.

import type { ImportanceSampling, LossAggregation } from '../config.js';

export interface PolicyLossInput {
  /** log π_θ(o_t | q, o_<t) of each completion token under the current policy (N). */
  logprobs: ArrayLike<number>;
  /** log π_θold of the same tokens (the policy that sampled them) (N). */
  oldLogprobs: ArrayLike<number>;
  /** log π_ref of the same tokens (N); ignored when beta = 0. */
  refLogprobs: ArrayLike<number> | null;
  /** The advantage of the sequence each token belongs to (N). */
  advantages: ArrayLike<number>;
  /** Sequence index of each token (N), 0..S-1. */
  seqOf: ArrayLike<number>;
  /** Tokens per sequence (S): the normalizer |o_i| of the sequence mean. */
  seqLengths: readonly number[];
  /** 0 for tokens that carry no loss (masked truncated samples), else 1 (N); default all 1. */
  mask?: ArrayLike<number>;
  epsLow: number;
  epsHigh: number;
  beta: number;
  aggregation: LossAggregation;
  /** 'token' (default): a ratio per token; 'sequence': GSPO's one ratio per sequence (see policyLoss). */
  importanceSampling?: ImportanceSampling;
  /** The constant normalizer's length (Dr. GRPO: the generation budget); used by 'constant'. */
  maxLength: number;
  /**
   * Aggregation weights computed over a larger set of tokens (a minibatch split into micro-batches); by default they
   * come from this call's tokens.
   */
  weights?: Float64Array;
}

/**
 * Each token's aggregation weight (see policyLoss), from the sequence each belongs to; masked tokens get 0 and
 * sequences with no counted token drop out of every normalizer.
 */
export function aggregationWeights(seqOf: ArrayLike<number>, S: number, aggregation: LossAggregation, maxLength: number, mask?: ArrayLike<number>): Float64Array {
  const N = seqOf.length;
  if (mask && mask.length !== N) throw new RangeError(`aggregationWeights: mask has ${mask.length} entries for ${N} tokens`);
  const counted = new Array<number>(S).fill(0);
  for (let t = 0; t < N; t++) {
    const s = seqOf[t]!;
    if (!(Number.isInteger(s) && s >= 0 && s < S)) throw new RangeError(`aggregationWeights: token ${t} belongs to sequence ${s}, outside [0, ${S})`);
    if (!mask || mask[t]! > 0) counted[s]!++;
  }
  const liveSeqs = counted.filter((c) => c > 0).length;
  const liveTokens = counted.reduce((a, b) => a + b, 0);
  const w = new Float64Array(N);
  for (let t = 0; t < N; t++) {
    if (mask && !(mask[t]! > 0)) continue;
    const s = seqOf[t]!;
    w[t] = aggregation === 'sequence-mean' ? 1 / (liveSeqs * counted[s]!) : aggregation === 'token-mean' ? 1 / liveTokens : 1 / (liveSeqs * maxLength);
  }
  return w;
}

export interface PolicyLossResult {
  /** The minibatch loss (the negated objective, to minimize). */
  loss: number;
  /** d loss / d logprobs[t] (N). */
  grad: Float64Array;
  /** Aggregation weight of each token (N): loss = Σ_t weight_t · loss_t. */
  weights: Float64Array;
  /** Token means over counted tokens: k3 KL, clipped fractions, ratio. */
  kl: number;
  clipLow: number;
  clipHigh: number;
  ratioMean: number;
}

/**
 * Per token t of sequence i, with r = exp(logprob − old) and A = A_i:
 *   objective_t = min(r·A, clip(r, 1 − epsLow, 1 + epsHigh)·A) − β·(exp(ref − logprob) − (ref − logprob) − 1)
 * (the last term is the k3 estimator of KL(π_θ‖π_ref), always >= 0). loss = −Σ_t w_t·objective_t, where
 *   'sequence-mean': w_t = 1 / (S · |o_i|)       (GRPO: mean over tokens, then over sequences)
 *   'token-mean':    w_t = 1 / Σ_i |o_i|         (DAPO: every token counts the same)
 *   'constant':      w_t = 1 / (S · maxLength)   (Dr. GRPO: no length normalization)
 * with masked tokens and their sequences left out of every count. The clipped branch has zero gradient: PPO's
 * pessimistic bound stops pushing a ratio that has already moved far enough in the advantage's direction.
 * With importanceSampling 'sequence' (GSPO) every token of sequence i takes the sequence's ratio
 *   s_i = exp((1 / |o_i|) Σ_t (logprob_t − old_t))  (the geometric mean of its tokens' ratios, over counted tokens)
 * in place of r, clipped once for the whole sequence; d s_i / d logprob_t = s_i / |o_i|, so an unclipped sequence
 * sends each of its tokens the gradient A_i · s_i · W_i / |o_i|, W_i the sum of its tokens' weights. With
 * 'sequence-mean' this is GSPO's objective exactly (W_i = 1 / S); the KL term stays per token.
 */
export function policyLoss(x: PolicyLossInput): PolicyLossResult {
  const N = x.logprobs.length;
  for (const [name, arr] of [['oldLogprobs', x.oldLogprobs], ['advantages', x.advantages], ['seqOf', x.seqOf]] as const) {
    if (arr.length !== N) throw new RangeError(`policyLoss: ${name} has ${arr.length} entries for ${N} tokens`);
  }
  if (x.beta > 0 && (x.refLogprobs === null || x.refLogprobs.length !== N)) throw new RangeError('policyLoss: beta > 0 needs refLogprobs for every token');
  if (x.mask && x.mask.length !== N) throw new RangeError(`policyLoss: mask has ${x.mask.length} entries for ${N} tokens`);
  const weights = x.weights ?? aggregationWeights(x.seqOf, x.seqLengths.length, x.aggregation, x.maxLength, x.mask);
  if (weights.length !== N) throw new RangeError(`policyLoss: ${weights.length} weights for ${N} tokens`);
  let liveTokens = 0;
  for (let t = 0; t < N; t++) if (weights[t]! > 0) liveTokens++;
  const grad = new Float64Array(N);
  let loss = 0, kl = 0, clipLow = 0, clipHigh = 0, ratioSum = 0;
  const lo = 1 - x.epsLow, hi = 1 + x.epsHigh;
  const seq = x.importanceSampling === 'sequence' ? sequenceRatios(x, weights) : null;
  for (let t = 0; t < N; t++) {
    if (weights[t] === 0) continue;
    const lp = x.logprobs[t]!;
    const A = x.advantages[t]!;
    const i = x.seqOf[t]!;
    const r = seq ? seq.ratio[i]! : Math.exp(lp - x.oldLogprobs[t]!);
    const rc = Math.min(Math.max(r, lo), hi);
    // min(r·A, rc·A): the clipped branch wins when it is strictly smaller.
    const clipped = rc * A < r * A;
    const surrogate = clipped ? rc * A : r * A;
    // d surrogate / d lp; GSPO: the sequence's whole weight W_i over its |o_i| tokens (weights[t] divides it out below).
    let dObj = clipped ? 0 : seq ? (A * r * seq.weight[i]!) / (seq.count[i]! * weights[t]!) : A * r;
    let obj = surrogate;
    if (x.beta > 0) {
      const d = x.refLogprobs![t]! - lp; // log(π_ref / π_θ)
      const k3 = Math.exp(d) - d - 1;
      obj -= x.beta * k3;
      dObj -= x.beta * (1 - Math.exp(d)); // d k3 / d lp = −exp(d) + 1
      kl += k3;
    }
    if (A < 0 && r < lo) clipLow++;
    if (A > 0 && r > hi) clipHigh++;
    ratioSum += r;
    loss -= weights[t]! * obj;
    grad[t] = -weights[t]! * dObj;
  }
  const n = Math.max(1, liveTokens);
  return { loss, grad, weights, kl: kl / n, clipLow: clipLow / n, clipHigh: clipHigh / n, ratioMean: ratioSum / n };
}

/** GSPO: each sequence's ratio (geometric mean over its counted tokens), counted tokens and summed weight. */
function sequenceRatios(x: PolicyLossInput, weights: Float64Array): { ratio: Float64Array; count: Float64Array; weight: Float64Array } {
  const S = x.seqLengths.length;
  const logSum = new Float64Array(S), count = new Float64Array(S), weight = new Float64Array(S);
  for (let t = 0; t < x.logprobs.length; t++) {
    if (weights[t] === 0) continue;
    const i = x.seqOf[t]!;
    if (!(Number.isInteger(i) && i >= 0 && i < S)) throw new RangeError(`policyLoss: token ${t} belongs to sequence ${i}, outside [0, ${S})`);
    logSum[i]! += x.logprobs[t]! - x.oldLogprobs[t]!;
    count[i]!++;
    weight[i]! += weights[t]!;
  }
  const ratio = logSum.map((s, i) => (count[i]! > 0 ? Math.exp(s / count[i]!) : 1));
  return { ratio, count, weight };
}
