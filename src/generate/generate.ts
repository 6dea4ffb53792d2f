// src/generate/generate.ts — batched generation of many prompts at once: n samples per prompt (GRPO's G: the prompt
// is prefilled once and its KV copied to the n rows), seeded sampling with one random stream per sequence, stop tokens
// and stop strings, max new tokens, per-token log-probs and streaming. A thin synchronous loop over GenerationBatch
// (batch.ts), the one generation path; generateAsync is the same loop yielding to the event loop between steps.
// P = prompt length, V = vocab size.

import type { KvDtype, Transformer } from '../model/index.js';
import type { DecoderWeights } from './decode.js';
import type { PrefixCache } from './prefix-cache.js';
import type { SamplingParams } from './sampler.js';
import type { Detokenizer } from './text.js';
import { Rng } from '../util/rng.js';
import { GenerationBatch, runBatch, type FinishReason, type GenerateStats, type Generation, type GenerationEvent } from './batch.js';

export type { FinishReason, GenerateStats, Generation, GenerationUsage } from './batch.js';

export interface GenerateOptions {
  /** Stops generateAsync between steps (it then rejects with the signal's reason); generate() ignores it. */
  signal?: AbortSignal;
  /** Upper bound on generated tokens per sequence (stop tokens included). */
  maxNewTokens: number;
  /** Temperature (0 = greedy), topP, topK; defaults: 1, 1, 0. */
  sampling?: Partial<SamplingParams>;
  /** Base seed: sequence i (prompt-major: prompt p, sample j → i = p·n + j) samples from the i-th fork of Rng(seed). */
  seed?: number;
  /**
   * 'per-sample': sample j of every prompt draws from the first fork of Rng(seed + j) instead (the stream a one-sample
   * call seeded seed + j gives its sample), so any run of samples j..j+m-1 can be drawn again by a call with seed + j
   * and n = m: an evaluation that resumes after its first samples draws the samples an uninterrupted run would have.
   */
  seedMode?: 'forks' | 'per-sample';
  /** Samples per prompt (default 1). */
  n?: number;
  /** Token ids that end a sequence (EOS); the stop token is kept in tokens/logprobs but adds no text. */
  stopTokens?: readonly number[];
  /** Strings that end a sequence; the text is cut before the stop string (needs `decoder`). */
  stop?: readonly string[];
  /** Turns tokens into text (a Tokenizer works; see text.ts for a plain decode function). */
  decoder?: Detokenizer;
  /** Called for every generated token, in order per sequence; the textDeltas of a sequence add up to its text. */
  onToken?: (event: TokenEvent) => void;
  /** Called as each sequence finishes, before generate returns (callers can save samples one by one). */
  onFinish?: (g: Generation) => void;
  /** Most sequences decoded at once (cache rows); default 64. */
  maxBatch?: number;
  /** Reuse (and fill) cached KV of shared prompt prefixes. */
  prefixCache?: PrefixCache;
  /** Use the fused dense decode path when the model supports it (default true); false forces Transformer.forward. */
  fastDecode?: boolean;
  /**
   * KV-cache storage (default 'f32'). 'f16' halves the cache's memory and the bytes each decode step reads (decode
   * attention is bound by them at large batches) at about 3 significant digits per cached value; MHA/GQA models only.
   */
  kvDtype?: KvDtype;
  /**
   * The fused path's packed weights for this model, prepared earlier (`new DecoderWeights(model)`) and reused instead
   * of packing them again in this call; refresh() them after the model's weights change.
   */
  weights?: DecoderWeights;
  /**
   * Sample only ids below this: the tokenizer's vocabulary when the model's is padded larger (Qwen2 pads to a
   * multiple of 128). Higher ids get probability 0, so a sequence never holds an id the tokenizer cannot decode.
   */
  vocabLimit?: number;
}

export interface TokenEvent {
  /** Sequence index (prompt-major) and its prompt / sample numbers. */
  seq: number;
  prompt: number;
  sample: number;
  token: number;
  logprob: number;
  /** Text this token completed ('' while a character or a possible stop string is held back). */
  textDelta: string;
  /** Set on the sequence's last token. */
  finishReason?: FinishReason;
}

export interface GenerateResult {
  /** One per (prompt, sample), prompt-major: index p·n + j. */
  sequences: Generation[];
  stats: GenerateStats;
}

/** Checks what the batch cannot: the model and options objects (JavaScript callers), the prompt list itself and maxBatch. */
function checkOptions(model: Transformer, prompts: readonly (readonly number[])[], o: GenerateOptions): void {
  const m = model as Partial<Transformer> | null | undefined;
  if (m === null || typeof m !== 'object' || typeof m.forward !== 'function' || typeof m.config?.maxSeqLen !== 'number') {
    throw new TypeError('generate: model must be a Transformer');
  }
  if (o === null || typeof o !== 'object') throw new TypeError('generate: options are required ({ maxNewTokens, ... })');
  if (!Array.isArray(prompts)) throw new TypeError('generate: prompts must be an array of token-id arrays');
  prompts.forEach((p, i) => {
    if (!Array.isArray(p)) throw new TypeError(`generate: prompt ${i} is not an array of token ids`);
  });
  if (o.maxBatch !== undefined && (!Number.isInteger(o.maxBatch) || o.maxBatch < 1)) throw new RangeError(`generate: maxBatch must be a positive integer, got ${o.maxBatch}`);
}

/** A batch holding every prompt of one generate call as a request (request id p = prompt p), and the result slots. */
function prepare(model: Transformer, prompts: readonly (readonly number[])[], opts: GenerateOptions): { batch: GenerationBatch | null; results: Generation[]; onEvents: (ev: GenerationEvent[]) => void } {
  checkOptions(model, prompts, opts);
  const n = opts.n ?? 1;
  if (opts.n !== undefined && (!Number.isInteger(opts.n) || opts.n < 1)) throw new RangeError(`generate: n must be a positive integer, got ${opts.n}`);
  const total = prompts.length * n;
  const results: Generation[] = new Array(total);
  const noop = (): void => {};
  if (total === 0) return { batch: null, results, onEvents: noop };
  const maxPrompt = prompts.reduce((m, p) => Math.max(m, p.length), 0);
  const M = model.config.maxSeqLen, V = model.config.vocabSize;
  const checkPrompt = (p: readonly number[], i: number): void => {
    if (p.length === 0) throw new RangeError(`generate: prompt ${i} is empty`);
    if (p.length >= M) throw new RangeError(`generate: prompt ${i} has ${p.length} tokens; maxSeqLen is ${M}`);
    for (const t of p) if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`generate: prompt ${i} holds token id ${t} outside [0, ${V})`);
  };
  prompts.forEach(checkPrompt);
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 1) throw new RangeError(`generate: maxNewTokens must be a positive integer, got ${opts.maxNewTokens}`);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new RangeError(`generate: seed must be an integer, got ${opts.seed}`);
  const batch = new GenerationBatch(model, {
    slots: Math.min(opts.maxBatch ?? 64, total),
    cacheLen: Math.min(M, maxPrompt + opts.maxNewTokens),
    ...(opts.kvDtype !== undefined ? { kvDtype: opts.kvDtype } : {}),
    ...(opts.fastDecode !== undefined ? { fastDecode: opts.fastDecode } : {}),
    ...(opts.weights !== undefined ? { weights: opts.weights } : {}),
    ...(opts.prefixCache !== undefined ? { prefixCache: opts.prefixCache } : {}),
    ...(opts.decoder !== undefined ? { decoder: opts.decoder } : {}),
    ...(opts.vocabLimit !== undefined ? { vocabLimit: opts.vocabLimit } : {}),
  });
  // Per-sequence random streams, forked in sequence order: independent of batch composition and maxBatch.
  const seed = opts.seed ?? 0;
  let rngs: Rng[];
  if (opts.seedMode === 'per-sample') {
    rngs = Array.from({ length: total }, (_, i) => new Rng((seed + (i % n)) >>> 0).fork());
  } else {
    const master = new Rng(seed);
    rngs = Array.from({ length: total }, () => master.fork());
  }
  prompts.forEach((prompt, p) => {
    batch.add({
      prompt, n, maxNewTokens: opts.maxNewTokens, rngs: rngs.slice(p * n, (p + 1) * n),
      ...(opts.sampling !== undefined ? { sampling: opts.sampling } : {}),
      ...(opts.stopTokens !== undefined ? { stopTokens: opts.stopTokens } : {}),
      ...(opts.stop !== undefined ? { stop: opts.stop } : {}),
    });
  });
  const onToken = opts.onToken;
  // A token's finish reason is known when the next event of its sample is its finish: hold each token event until then.
  const onEvents = (events: GenerationEvent[]): void => {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.type === 'finish') {
        if (e.generation) {
          results[e.id * n + e.sample] = e.generation;
          opts.onFinish?.(e.generation);
        }
      } else if (e.type === 'token' && onToken) {
        let fin: FinishReason | undefined;
        for (let k = i + 1; k < events.length; k++) {
          const f = events[k]!;
          // A sample's events are contiguous: token, its text deltas, then its finish.
          if (f.id !== e.id || f.sample !== e.sample || f.type === 'token') break;
          if (f.type === 'finish') {
            if (f.reason !== 'cancelled') fin = f.reason;
            break;
          }
        }
        onToken({ seq: e.id * n + e.sample, prompt: e.id, sample: e.sample, token: e.token, logprob: e.logprob, textDelta: e.textDelta, ...(fin ? { finishReason: fin } : {}) });
      }
    }
  };
  return { batch, results, onEvents };
}

const EMPTY_STATS = (): GenerateStats => ({ prefillTokens: 0, reusedPromptTokens: 0, decodeSteps: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0, path: 'model' });

/**
 * Generates `n` continuations of each prompt (token ids). Deterministic for a given seed, and each sequence's
 * tokens do not depend on which other sequences share its batch.
 */
export function generate(model: Transformer, prompts: readonly (readonly number[])[], opts: GenerateOptions): GenerateResult {
  const { batch, results, onEvents } = prepare(model, prompts, opts);
  if (!batch) return { sequences: [], stats: EMPTY_STATS() };
  try {
    while (!batch.idle) onEvents(batch.step());
  } finally {
    batch.release();
  }
  return { sequences: results, stats: batch.stats };
}

/**
 * generate() that yields to the event loop between steps (timers, I/O and signals keep running) and stops when
 * `opts.signal` aborts, rejecting with its reason. The same sequences as generate() for the same options.
 */
export async function generateAsync(model: Transformer, prompts: readonly (readonly number[])[], opts: GenerateOptions): Promise<GenerateResult> {
  const { batch, results, onEvents } = prepare(model, prompts, opts);
  if (!batch) return { sequences: [], stats: EMPTY_STATS() };
  try {
    await runBatch(batch, onEvents, opts.signal);
  } finally {
    batch.release();
  }
  return { sequences: results, stats: batch.stats };
}
