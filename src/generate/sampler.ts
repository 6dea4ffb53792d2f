// src/generate/sampler.ts — turns one row of logits into a token: temperature, top-k, top-p (nucleus), seeded.
//
// V = vocab size. The per-row arithmetic is sampleRow (src/backend/ref/sample.ts), shared with Backend.sampleRows;
// allocation-free in steady state (scratch owned by the Sampler, grown to the largest V seen).

import type { Backend } from '../backend/index.js';
import { newSampleScratch, sampleRow } from '../backend/ref/sample.js';
import { Rng } from '../util/rng.js';

/** How to pick the next token. `temperature: 0` is greedy (argmax). */
export interface SamplingParams {
  /** Softmax temperature; 0 = greedy. DeepSeek-R1's evaluation uses 0.6. */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability mass reaches topP (1 = off); with topK, the
   *  mass of the topK candidates renormalized (top-k first, as transformers and vLLM apply them). */
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
  private readonly scratch = newSampleScratch();

  /**
   * Sample one token from `logits` (length V). `rng` is the sequence's own stream (seeded by the caller); exactly one
   * draw is taken when temperature > 0 and none when greedy, so a batched caller can draw for each row itself.
   */
  sample(logits: Float32Array, params: SamplingParams, rng: Rng): SampledToken {
    const u = params.temperature > 0 ? rng.next() : 0;
    return sampleRow(logits, params.temperature, params.topK, params.topP, u, this.scratch, 'Sampler.sample');
  }
}

/**
 * Samples every row of logits (B, V) in one backend call (Backend.sampleRows: native rows run in parallel), drawing
 * one uniform per row from rngs[b] when temperature > 0: the same tokens, draw for draw, as Sampler.sample on each
 * row. Results go to tokens[b] and logprobs[b]; u is scratch of at least B entries.
 */
export function sampleBatch(
  backend: Backend, logits: Float32Array, B: number, V: number, params: SamplingParams, rngs: readonly Rng[], u: Float64Array, tokens: Int32Array, logprobs: Float64Array,
): void {
  for (let b = 0; b < B; b++) u[b] = params.temperature > 0 ? rngs[b]!.next() : 0;
  backend.sampleRows(logits, B, V, params.temperature, params.topK, params.topP, u, tokens, logprobs);
}
