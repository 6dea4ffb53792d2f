// src/generate/sampler.ts — turns one row of logits into a token: temperature, top-k, top-p (nucleus), seeded.
//
// V = vocab size. Works on a Float32Array row of logits (V); allocation-free in steady state (scratch buffers are
// owned by the Sampler and grow to the largest V seen).

import { Rng } from '../util/rng.js';

/** How to pick the next token. `temperature: 0` is greedy (argmax). */
export interface SamplingParams {
  /** Softmax temperature; 0 = greedy. DeepSeek-R1's evaluation uses 0.6. */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability mass reaches topP (1 = off). */
  topP: number;
  /** Keep only the topK most likely tokens (0 = off). */
  topK: number;
}

export const DEFAULT_SAMPLING: SamplingParams = { temperature: 1, topP: 1, topK: 0 };

/** A sampled token with the log-probability GRPO needs. */
export interface SampledToken {
  token: number;
  /**
   * log p(token) under softmax(logits / T) over the FULL vocabulary (T = temperature, or 1 when greedy) — the
   * distribution a trainer recomputes from the same logits (TRL and verl divide logits by the sampling
   * temperature). Truncation by top-k/top-p is not reflected here, by design.
   */
  logprob: number;
}

export function validateSampling(p: SamplingParams): void {
  if (!Number.isFinite(p.temperature) || p.temperature < 0) throw new RangeError(`temperature must be a finite number >= 0, got ${p.temperature}`);
  if (!Number.isFinite(p.topP) || p.topP <= 0 || p.topP > 1) throw new RangeError(`topP must be in (0, 1], got ${p.topP}`);
  if (!Number.isInteger(p.topK) || p.topK < 0) throw new RangeError(`topK must be an integer >= 0, got ${p.topK}`);
}

export class Sampler {
  private probs = new Float32Array(0);
  private order = new Int32Array(0);

  /** Sample one token from `logits` (length V). `rng` is the sequence's own stream (seeded by the caller). */
  sample(logits: Float32Array, params: SamplingParams, rng: Rng): SampledToken {
    const V = logits.length;
    if (V === 0) throw new RangeError('Sampler.sample: empty logits');
    let max = -Infinity;
    let argmax = 0;
    for (let i = 0; i < V; i++) {
      const x = logits[i] as number;
      if (Number.isNaN(x)) throw new RangeError(`Sampler.sample: logits contain NaN at index ${i}`);
      if (x > max) { max = x; argmax = i; }
    }
    if (max === -Infinity) throw new RangeError('Sampler.sample: every logit is -Infinity');
    const T = params.temperature > 0 ? params.temperature : 1;
    if (this.probs.length < V) { this.probs = new Float32Array(V); this.order = new Int32Array(V); }
    const probs = this.probs;
    let sum = 0;
    for (let i = 0; i < V; i++) {
      const e = Math.exp(((logits[i] as number) - max) / T);
      probs[i] = e;
      sum += e;
    }
    const logZ = Math.log(sum);
    const logprobOf = (t: number): number => ((logits[t] as number) - max) / T - logZ;
    if (params.temperature === 0) return { token: argmax, logprob: logprobOf(argmax) };

    // Candidate set: everything, or the top-k / nucleus, in descending probability.
    let n = V;
    const needSort = params.topK > 0 || params.topP < 1;
    if (!needSort) {
      let u = rng.next() * sum;
      for (let i = 0; i < V; i++) {
        u -= probs[i] as number;
        if (u < 0) return { token: i, logprob: logprobOf(i) };
      }
      return { token: lastNonZero(probs, V), logprob: logprobOf(lastNonZero(probs, V)) };
    }
    const order = this.order;
    for (let i = 0; i < V; i++) order[i] = i;
    const view = order.subarray(0, V);
    // Stable order on ties (lower id first) so results do not depend on the sort implementation.
    view.sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
    if (params.topK > 0) n = Math.min(n, params.topK);
    if (params.topP < 1) {
      const target = params.topP * sum;
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc += probs[view[i] as number] as number;
        if (acc >= target) { n = i + 1; break; }
      }
    }
    let kept = 0;
    for (let i = 0; i < n; i++) kept += probs[view[i] as number] as number;
    let u = rng.next() * kept;
    for (let i = 0; i < n; i++) {
      const t = view[i] as number;
      u -= probs[t] as number;
      if (u < 0) return { token: t, logprob: logprobOf(t) };
    }
    const t = view[n - 1] as number;
    return { token: t, logprob: logprobOf(t) };
  }
}

function lastNonZero(p: Float32Array, V: number): number {
  for (let i = V - 1; i >= 0; i--) if ((p[i] as number) > 0) return i;
  return 0;
}
