// src/generate/batch-types.ts — what the generation batch takes and reports: requests, its options, the events a
// step returns and the finished sequences, and the error a step throws when the model's logits hold NaN. Types and
// one error class only; the batch itself is batch.ts.

import type { Rng } from '../util/rng.js';
import type { DecoderWeights } from './decode.js';
import type { KvDtype } from '../model/index.js';
import type { PrefixCache } from './prefix-cache.js';
import type { ReasoningTags } from './reasoning-stream.js';
import type { SamplingParams } from './sampler.js';
import type { Detokenizer } from './text.js';

export type FinishReason = 'stop' | 'length';

export interface GenerationUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens whose KV was reused rather than computed (prefix cache, or the prompt's first sample). */
  cachedPromptTokens: number;
}

/** One finished sequence. */
export interface Generation {
  prompt: number;
  sample: number;
  /** Generated token ids (a stop token, when one ended the sequence, is the last). */
  tokens: number[];
  /** log p(token) under softmax(logits / T) over the full vocabulary, per token (see sampler.ts). */
  logprobs: number[];
  /** Decoded text without any stop string or stop token; null without a decoder. */
  text: string | null;
  finishReason: FinishReason;
  /** What ended it: a stop token id, a stop string, or undefined for 'length'. */
  stoppedBy?: { token: number } | { string: string };
  usage: GenerationUsage;
}

export interface GenerateStats {
  /** Prompt tokens run through the model / restored from the prefix cache or a sibling sample. */
  prefillTokens: number;
  reusedPromptTokens: number;
  /** Decode steps and the tokens they produced (sum of batch sizes). */
  decodeSteps: number;
  decodeTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** 'dense' (fused path) or 'model' (Transformer.forward). */
  path: 'dense' | 'model';
}

/** Settings of the batch itself: the model, its cache rows and what every request shares. */
export interface BatchOptions {
  /** Cache rows = most sequences decoded at once. */
  slots: number;
  /** Tokens per cache row (prompt + generated); at most the model's maxSeqLen. */
  cacheLen: number;
  /** KV-cache storage (default 'f32'; 'f16' for MHA/GQA models only). */
  kvDtype?: KvDtype;
  /** Use the fused dense decode path when the model supports it (default true). */
  fastDecode?: boolean;
  /** Packed weights for the fused path, prepared earlier and reused (refresh() them after a weight change). */
  weights?: DecoderWeights;
  /** Reuse (and fill) cached KV of shared prompt prefixes. */
  prefixCache?: PrefixCache;
  /** Turns tokens into text (needed for stop strings, text deltas and the reasoning split). */
  decoder?: Detokenizer;
  /** Sample only ids below this (a tokenizer smaller than the model's padded vocabulary). */
  vocabLimit?: number;
}

/** One prompt to continue `n` times. */
export interface GenerationRequest {
  prompt: readonly number[];
  /** Upper bound on generated tokens per sample (stop tokens included). */
  maxNewTokens: number;
  /** Samples sharing the prompt's prefill (default 1). */
  n?: number;
  /** Temperature (0 = greedy), topP, topK; defaults: 1, 1, 0. */
  sampling?: Partial<SamplingParams>;
  /** Sample j draws from rngs[j] (n of them), else from the j-th fork of Rng(seed ?? 0). */
  rngs?: readonly Rng[];
  seed?: number;
  /** Token ids that end a sample (kept in tokens, no text). */
  stopTokens?: readonly number[];
  /** Strings that end a sample; the text is cut before them (needs the batch's decoder). */
  stop?: readonly string[];
  /** Emit reasoning-delta / text-delta events split at these tags (needs the batch's decoder). */
  reasoning?: ReasoningTags;
  /** Cancels the request at the next step; its slots are freed and a 'cancelled' finish is emitted per sample. */
  signal?: AbortSignal;
}

/** What a step reports, per sample of a request, in order. */
export type GenerationEvent =
  | { type: 'token'; id: number; sample: number; token: number; logprob: number; /** Text this token completed. */ textDelta: string }
  | { type: 'reasoning-delta'; id: number; sample: number; delta: string }
  | { type: 'text-delta'; id: number; sample: number; delta: string }
  | {
    type: 'finish'; id: number; sample: number; reason: FinishReason | 'cancelled';
    /** null when cancelled. */ generation: Generation | null;
    /** When cancelled: what the sample used before the cancel (all zeros if it never left the queue). */ usage?: GenerationUsage;
  };

/**
 * Sampling met NaN logits: the model's weights (or activations) hold NaN or Infinity, as after a diverged training
 * run. Thrown by step(), admit() and generate() in place of the sampler's error (kept as `cause`).
 */
export class NanLogitsError extends Error {
  constructor(cause: unknown) {
    super('the model produced NaN logits (its weights likely hold NaN or Infinity, e.g. after a diverged training run)', { cause });
    this.name = 'NanLogitsError';
  }
}

/** Rethrows a sampling failure, as NanLogitsError when the logits it sampled from hold a NaN. */
export function sampleFailure(err: unknown, logits: Float32Array): never {
  for (let i = 0; i < logits.length; i++) if (Number.isNaN(logits[i]!)) throw new NanLogitsError(err);
  throw err;
}
