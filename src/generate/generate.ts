// src/generate/generate.ts — batched generation over one KV cache: many prompts of different lengths, n samples
// per prompt (GRPO's G: the prompt is prefilled once and its KV copied to the n rows), seeded sampling with one
// random stream per sequence, stop tokens and stop strings, max new tokens, per-token log-probs and streaming.
// Continuous batching: finished sequences leave the decode batch at once and waiting ones take their cache rows, so
// no step computes a dead row and at most maxBatch rows are live.
// P = prompt length, V = vocab size.

import { defaultKvDtype, type KvDtype, type Transformer } from '../model/index.js';
import type { KvStore } from '../backend/index.js';
import { Rng } from '../util/rng.js';
import { DecoderWeights, DenseDecoder, FUSED_PREFILL_MAX_TOKENS, ModelDecoder, type DecodeStep } from './decode.js';
import { readSpan, writeSpan } from './kv-blocks.js';
import type { PrefixCache } from './prefix-cache.js';
import { DEFAULT_SAMPLING, Sampler, sampleBatch, validateSampling, type SamplingParams } from './sampler.js';
import { StopMatcher } from './stop.js';
import { textStream, type Detokenizer } from './text.js';

export interface GenerateOptions {
  /** Upper bound on generated tokens per sequence (stop tokens included). */
  maxNewTokens: number;
  /** Temperature (0 = greedy), topP, topK; defaults: 1, 1, 0. */
  sampling?: Partial<SamplingParams>;
  /** Base seed: sequence i (prompt-major: prompt p, sample j → i = p·n + j) samples from the i-th fork of Rng(seed). */
  seed?: number;
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
  /** Most sequences decoded at once (cache rows); default 64. */
  maxBatch?: number;
  /** Reuse (and fill) cached KV of shared prompt prefixes. */
  prefixCache?: PrefixCache;
  /** Use the fused dense decode path when the model supports it (default true); false forces Transformer.forward. */
  fastDecode?: boolean;
  /**
   * KV-cache storage. Default: 'f16' for MHA/GQA models (half the cache's memory and of the bytes each decode step
   * reads, which bound decode attention at large batches; about 3 significant digits per cached value), 'f32' for
   * MLA. 'f32' keeps log-probs within 1e-6 of the full forward (GRPO rollouts ask for it; f16: about 1e-4 - 1e-3).
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

export type FinishReason = 'stop' | 'length';

export interface GenerationUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens whose KV was reused rather than computed (prefix cache, or the prompt's first sample). */
  cachedPromptTokens: number;
}

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

export interface GenerateResult {
  /** One per (prompt, sample), prompt-major: index p·n + j. */
  sequences: Generation[];
  stats: GenerateStats;
}

interface Seq {
  index: number;
  prompt: number;
  sample: number;
  slot: number;
  rng: Rng;
  tokens: number[];
  logprobs: number[];
  text: string;
  stream: ReturnType<typeof textStream> | null;
  matcher: StopMatcher | null;
  cached: number;
  finish?: FinishReason;
  stoppedBy?: Generation['stoppedBy'];
}

function checkOptions(model: Transformer, prompts: readonly (readonly number[])[], o: GenerateOptions): void {
  if (!Array.isArray(prompts)) throw new TypeError('generate: prompts must be an array of token-id arrays');
  const V = model.config.vocabSize;
  prompts.forEach((p, i) => {
    if (!Array.isArray(p)) throw new TypeError(`generate: prompt ${i} is not an array of token ids`);
    if (p.length === 0) throw new RangeError(`generate: prompt ${i} is empty`);
    if (p.length >= model.config.maxSeqLen) throw new RangeError(`generate: prompt ${i} has ${p.length} tokens; maxSeqLen is ${model.config.maxSeqLen}`);
    for (const t of p) if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`generate: prompt ${i} holds token id ${t} outside [0, ${V})`);
  });
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 1) throw new RangeError(`generate: maxNewTokens must be a positive integer, got ${o.maxNewTokens}`);
  if (o.n !== undefined && (!Number.isInteger(o.n) || o.n < 1)) throw new RangeError(`generate: n must be a positive integer, got ${o.n}`);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new RangeError(`generate: seed must be an integer, got ${o.seed}`);
  if (o.maxBatch !== undefined && (!Number.isInteger(o.maxBatch) || o.maxBatch < 1)) throw new RangeError(`generate: maxBatch must be a positive integer, got ${o.maxBatch}`);
  for (const t of o.stopTokens ?? []) if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`generate: stop token ${t} outside [0, ${V})`);
  if (o.vocabLimit !== undefined && (!Number.isInteger(o.vocabLimit) || o.vocabLimit < 1 || o.vocabLimit > V)) {
    throw new RangeError(`generate: vocabLimit must be an integer in [1, ${V}], got ${o.vocabLimit}`);
  }
  if (o.weights !== undefined && (!(o.weights instanceof DecoderWeights) || o.weights.model !== model)) {
    throw new Error('generate: weights must be a DecoderWeights prepared for this model');
  }
  if ((o.stop?.length ?? 0) > 0 && !o.decoder) throw new Error('generate: stop strings need a decoder (pass decoder: a tokenizer)');
  for (const s of o.stop ?? []) if (typeof s !== 'string' || s.length === 0) throw new RangeError('generate: stop strings must be non-empty strings');
}

/**
 * Generates `n` continuations of each prompt (token ids). Deterministic for a given seed, and each sequence's
 * tokens do not depend on which other sequences share its batch.
 */
export function generate(model: Transformer, prompts: readonly (readonly number[])[], opts: GenerateOptions): GenerateResult {
  checkOptions(model, prompts, opts);
  const sampling: SamplingParams = { ...DEFAULT_SAMPLING, ...opts.sampling };
  validateSampling(sampling);
  const n = opts.n ?? 1;
  const total = prompts.length * n;
  const V = model.config.vocabSize;
  const stopTokens = new Set(opts.stopTokens ?? []);
  const limit = opts.vocabLimit ?? V;
  /** Padding ids past the tokenizer's vocabulary get -Infinity logits (rows of width V). */
  const mask = (logits: Float32Array, rowCount: number): void => {
    if (limit < V) for (let r = 0; r < rowCount; r++) logits.fill(-Infinity, r * V + limit, (r + 1) * V);
  };
  const stats: GenerateStats = { prefillTokens: 0, reusedPromptTokens: 0, decodeSteps: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0, path: 'model' };
  const results: Generation[] = new Array(total);
  if (total === 0) return { sequences: [], stats };

  // Per-sequence random streams, forked in sequence order: independent of batch composition and maxBatch.
  const master = new Rng(opts.seed ?? 0);
  const rngs = Array.from({ length: total }, () => master.fork());

  const maxPrompt = prompts.reduce((m, p) => Math.max(m, p.length), 0);
  const cacheLen = Math.min(model.config.maxSeqLen, maxPrompt + opts.maxNewTokens);
  const slots = Math.min(opts.maxBatch ?? 64, total);
  const cache = model.newCache(slots, cacheLen, opts.kvDtype ?? defaultKvDtype(model.config));
  const useDense = (opts.fastDecode ?? true) && DenseDecoder.supports(model);
  const stepper: DecodeStep = useDense ? new DenseDecoder(opts.weights ?? model, cache, slots) : new ModelDecoder(model, cache);
  const forwardPrefill: DecodeStep = useDense ? new ModelDecoder(model, cache) : stepper;
  stats.path = useDense ? 'dense' : 'model';
  const sampler = new Sampler();
  const free: number[] = [];
  for (let s = slots - 1; s >= 0; s--) free.push(s);
  // A prompt prefilled for its first sample: its next-token logits and KV, kept until every sample has started.
  const shared = new Map<number, { logits: Float32Array; kv: KvStore | null; left: number }>();
  let next = 0;
  let active: Seq[] = [];

  const finish = (s: Seq, reason: FinishReason, by?: Generation['stoppedBy']): string => {
    s.finish = reason;
    s.stoppedBy = by;
    // Release text held back as a possible stop string or a partial character: it is final now.
    let tail = '';
    if (s.stream && !(by && 'string' in by)) {
      tail = s.stream.flush();
      if (s.matcher) {
        const r = s.matcher.push(tail);
        tail = r.emit + (r.stopped ? '' : s.matcher.flush());
        if (r.stopped) s.stoppedBy = { string: r.stop! };
      }
    }
    return tail;
  };

  /** Records a sampled token; returns true when the sequence is finished. */
  const accept = (s: Seq, token: number, logprob: number): boolean => {
    s.tokens.push(token);
    s.logprobs.push(logprob);
    let delta = '';
    const P = prompts[s.prompt]!.length;
    if (stopTokens.has(token)) {
      delta = finish(s, 'stop', { token });
    } else {
      if (s.stream) {
        const piece = s.stream.push(token);
        if (s.matcher) {
          const r = s.matcher.push(piece);
          delta = r.emit;
          if (r.stopped) delta += finish(s, 'stop', { string: r.stop! });
        } else {
          delta = piece;
        }
      }
      // Length: the token budget, or the cache row is full (the next step could not append this token).
      if (!s.finish && (s.tokens.length >= opts.maxNewTokens || P + s.tokens.length >= cacheLen)) delta += finish(s, 'length');
    }
    s.text += delta;
    opts.onToken?.({ seq: s.index, prompt: s.prompt, sample: s.sample, token, logprob, textDelta: delta, ...(s.finish ? { finishReason: s.finish } : {}) });
    if (s.finish) {
      results[s.index] = {
        prompt: s.prompt, sample: s.sample, tokens: s.tokens, logprobs: s.logprobs,
        text: opts.decoder ? s.text : null, finishReason: s.finish, ...(s.stoppedBy ? { stoppedBy: s.stoppedBy } : {}),
        usage: { promptTokens: P, completionTokens: s.tokens.length, cachedPromptTokens: s.cached },
      };
      free.push(s.slot);
      return true;
    }
    return false;
  };

  /** Fills free rows with waiting sequences until none is free (a sequence may finish on its first token). */
  const admit = (): void => {
    while (free.length > 0 && next < total) admitRound();
  };

  /** Prefills (or restores) waiting sequences into free rows, batching the prefills, and samples their first tokens. */
  const admitRound = (): void => {
    const t0 = performance.now();
    interface Admit { index: number; p: number; j: number; slot: number; cached: number; logits?: Float32Array; rest?: number[]; from?: Admit }
    const batch: Admit[] = [];
    const firstOf = new Map<number, Admit>(); // prompt → the sequence of this round that prefills it
    while (free.length > 0 && next < total) {
      const index = next++;
      const p = Math.floor(index / n), j = index % n;
      const prompt = prompts[p]!;
      const P = prompt.length;
      const a: Admit = { index, p, j, slot: free.pop()!, cached: 0 };
      const sh = shared.get(p);
      const sibling = firstOf.get(p);
      if (sh) {
        // A later sample of a prompt prefilled in an earlier round: copy its KV (no model work).
        cache.reset(a.slot, 0);
        writeSpan(cache, a.slot, 0, P, sh.kv!);
        a.logits = sh.logits;
        a.cached = P;
        if (--sh.left === 0) shared.delete(p);
      } else if (sibling) {
        a.from = sibling; // copies the sibling's KV once it is prefilled below
        a.cached = P;
      } else {
        a.cached = opts.prefixCache ? opts.prefixCache.restore(cache, a.slot, prompt, P - 1) : (cache.reset(a.slot, 0), 0);
        a.rest = prompt.slice(a.cached);
        firstOf.set(p, a);
      }
      batch.push(a);
    }
    // Batched prefill. The fused path takes every row in one call (no padding); the forward path pads rows to the
    // longest, so rows are sorted by remaining length and cut into groups whose padding stays small and whose padded
    // rows fit their cache rows.
    const todo = batch.filter((a) => a.rest).sort((x, y) => x.rest!.length - y.rest!.length || x.index - y.index);
    const MAX_GROUP_TOKENS = 8192;
    // Rows [0, nFused) go through the fused path (sorted, so the short ones): its attention is per token, which
    // loses to the forward's batched attention on long prompts.
    const nFused = useDense ? todo.filter((a) => a.rest!.length <= FUSED_PREFILL_MAX_TOKENS).length : 0;
    for (let i = 0; i < todo.length;) {
      let k = 1;
      let real = todo[i]!.rest!.length;
      if (i < nFused) k = nFused - i;
      else while (i + k < todo.length) {
        const cand = todo[i + k]!;
        const T = cand.rest!.length; // the longest so far (sorted)
        const rowsIn = todo.slice(i, i + k + 1);
        if ((k + 1) * T > MAX_GROUP_TOKENS || (k + 1) * T > 1.25 * (real + T) + 8 * (k + 1)) break;
        if (rowsIn.some((a) => cache.lengths[a.slot]! + T > cacheLen)) break;
        real += T;
        k++;
      }
      const group = todo.slice(i, i + k);
      const logits = (i < nFused ? stepper : forwardPrefill).prefill(group.map((a) => ({ slot: a.slot, rest: a.rest! })));
      group.forEach((a, g) => {
        a.logits = logits[g];
        stats.prefillTokens += a.rest!.length;
        const prompt = prompts[a.p]!;
        opts.prefixCache?.store(cache, a.slot, prompt);
        const later = n - a.j - 1 - batch.filter((b) => b.from === a).length; // samples admitted in later rounds
        const kv = n - a.j > 1 ? readSpan(cache, a.slot, 0, prompt.length) : null;
        for (const b of batch) {
          if (b.from !== a) continue;
          cache.reset(b.slot, 0);
          writeSpan(cache, b.slot, 0, prompt.length, kv!);
          b.logits = a.logits;
        }
        if (later > 0) shared.set(a.p, { logits: a.logits!, kv, left: later });
      });
      i += k;
    }
    stats.prefillMs += performance.now() - t0;
    for (const a of batch) {
      stats.reusedPromptTokens += a.cached;
      const s: Seq = {
        index: a.index, prompt: a.p, sample: a.j, slot: a.slot, rng: rngs[a.index]!, tokens: [], logprobs: [], text: '', cached: a.cached,
        stream: opts.decoder ? textStream(opts.decoder) : null,
        matcher: opts.decoder && (opts.stop?.length ?? 0) > 0 ? new StopMatcher(opts.stop!) : null,
      };
      mask(a.logits!, 1);
      const { token, logprob } = sampler.sample(a.logits!.subarray(0, V), sampling, s.rng);
      if (!accept(s, token, logprob)) active.push(s);
    }
  };

  const ids = new Int32Array(slots);
  const rows = new Int32Array(slots);
  const draws = new Float64Array(slots), picked = new Int32Array(slots), pickedLp = new Float64Array(slots);
  const rowRngs: Rng[] = [];
  admit();
  while (active.length > 0) {
    const B = active.length;
    rowRngs.length = B;
    for (let b = 0; b < B; b++) {
      const s = active[b]!;
      ids[b] = s.tokens[s.tokens.length - 1]!;
      rows[b] = s.slot;
      rowRngs[b] = s.rng;
    }
    const t0 = performance.now();
    const logits = stepper.step(ids, rows, B); // (B, V)
    mask(logits, B);
    stats.decodeSteps++;
    stats.decodeTokens += B;
    // All rows sampled in one backend call, each from its own stream (the same tokens as Sampler.sample per row).
    sampleBatch(model.engine.backend, logits, B, V, sampling, rowRngs, draws, picked, pickedLp);
    let done = 0;
    for (let b = 0; b < B; b++) if (accept(active[b]!, picked[b]!, pickedLp[b]!)) done++;
    stats.decodeMs += performance.now() - t0;
    if (done > 0) active = active.filter((s) => !s.finish);
    admit();
  }
  return { sequences: results, stats };
}
