// src/generate/batch.ts — the one generation path: a stepping batch over one KV cache. Requests (a prompt, n samples
// sharing its prefill, their own sampling, stops and AbortSignal) join with add() at any time and leave when they
// finish or are cancelled; each step() admits waiting sequences into free cache rows (batched prefill, prefix cache),
// runs one decode step over every live row and returns typed events. generate() (generate.ts) is a loop over it;
// runBatch() drives it asynchronously, yielding to the event loop between steps, so a server stays responsive and
// Ctrl-C is seen within a step.
// P = prompt length, V = vocab size, B = live rows.

import { defaultKvDtype, type KvCache, type Transformer } from '../model/index.js';
import type { KvStore } from '../backend/index.js';
import { Rng } from '../util/rng.js';
import { DecoderWeights, DenseDecoder, FUSED_PREFILL_MAX_TOKENS, ModelDecoder, type DecodeStep } from './decode.js';
import { readSpan, writeSpan } from './kv-blocks.js';
import { ReasoningStream, type ReasoningTags } from './reasoning-stream.js';
import { DEFAULT_SAMPLING, Sampler, sampleBatch, validateSampling, type SamplingParams } from './sampler.js';
import { StopMatcher } from './stop.js';
import { textStream } from './text.js';
import { sampleFailure, type BatchOptions, type FinishReason, type GenerateStats, type Generation, type GenerationEvent, type GenerationRequest, type GenerationUsage } from './batch-types.js';

export { NanLogitsError, type BatchOptions, type FinishReason, type GenerateStats, type Generation, type GenerationEvent, type GenerationRequest, type GenerationUsage } from './batch-types.js';

interface Req {
  id: number;
  prompt: readonly number[];
  n: number;
  maxNewTokens: number;
  sampling: SamplingParams;
  samplingKey: string;
  rngs: Rng[];
  stopTokens: Set<number>;
  stop: readonly string[];
  reasoning: ReasoningTags | null;
  signal: AbortSignal | null;
  /** Samples not yet finished or cancelled. */
  open: number;
  cancelled: boolean;
}

interface Seq {
  req: Req;
  sample: number;
  slot: number;
  tokens: number[];
  logprobs: number[];
  text: string;
  stream: ReturnType<typeof textStream> | null;
  matcher: StopMatcher | null;
  split: ReasoningStream | null;
  cached: number;
  finish?: FinishReason;
  stoppedBy?: Generation['stoppedBy'];
}

/** A request's prefill kept until every sample has started: next-token logits and the prompt's KV. */
interface Shared { logits: Float32Array; kv: KvStore | null; left: number }

/** A sample taken from the queue into a row by the admission round under way, not yet decoding or finished. */
interface Admitting { req: Req; j: number; slot: number; cached: number }

export class GenerationBatch {
  readonly model: Transformer;
  readonly slots: number;
  readonly cacheLen: number;
  /** Cumulative over the batch's life. */
  readonly stats: GenerateStats = { prefillTokens: 0, reusedPromptTokens: 0, decodeSteps: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0, path: 'model' };
  readonly #o: BatchOptions;
  readonly #V: number;
  readonly #cache: KvCache;
  readonly #stepper: DecodeStep;
  readonly #forwardPrefill: DecodeStep;
  readonly #useDense: boolean;
  readonly #sampler = new Sampler();
  readonly #free: number[] = [];
  readonly #shared = new Map<number, Shared>();
  /** Samples waiting for a row, in admission order: [request, sample]. */
  #waiting: [Req, number][] = [];
  #active: Seq[] = [];
  /** Samples of the admission round under way (empty between steps unless that round threw). */
  readonly #admitting = new Set<Admitting>();
  readonly #reqs = new Map<number, Req>();
  #nextId = 0;
  #events: GenerationEvent[] = [];
  readonly #ids: Int32Array;
  readonly #rows: Int32Array;
  readonly #draws: Float64Array;
  readonly #picked: Int32Array;
  readonly #pickedLp: Float64Array;

  constructor(model: Transformer, o: BatchOptions) {
    const V = model.config.vocabSize;
    if (!Number.isInteger(o.slots) || o.slots < 1) throw new RangeError(`GenerationBatch: slots must be a positive integer, got ${o.slots}`);
    if (!Number.isInteger(o.cacheLen) || o.cacheLen < 2 || o.cacheLen > model.config.maxSeqLen) {
      throw new RangeError(`GenerationBatch: cacheLen must be an integer in [2, ${model.config.maxSeqLen}], got ${o.cacheLen}`);
    }
    if (o.vocabLimit !== undefined && (!Number.isInteger(o.vocabLimit) || o.vocabLimit < 1 || o.vocabLimit > V)) {
      throw new RangeError(`generate: vocabLimit must be an integer in [1, ${V}], got ${o.vocabLimit}`);
    }
    if (o.weights !== undefined && (!(o.weights instanceof DecoderWeights) || o.weights.model !== model)) {
      throw new Error('generate: weights must be a DecoderWeights prepared for this model');
    }
    this.model = model;
    this.slots = o.slots;
    this.cacheLen = o.cacheLen;
    this.#o = o;
    this.#V = V;
    this.#cache = model.newCache(o.slots, o.cacheLen, o.kvDtype ?? defaultKvDtype(model.config));
    this.#useDense = (o.fastDecode ?? true) && DenseDecoder.supports(model);
    this.#stepper = this.#useDense ? new DenseDecoder(o.weights ?? model, this.#cache, o.slots) : new ModelDecoder(model, this.#cache);
    this.#forwardPrefill = this.#useDense ? new ModelDecoder(model, this.#cache) : this.#stepper;
    this.stats.path = this.#useDense ? 'dense' : 'model';
    for (let s = o.slots - 1; s >= 0; s--) this.#free.push(s);
    this.#ids = new Int32Array(o.slots);
    this.#rows = new Int32Array(o.slots);
    this.#draws = new Float64Array(o.slots);
    this.#picked = new Int32Array(o.slots);
    this.#pickedLp = new Float64Array(o.slots);
  }

  /** Sequences decoding now / waiting for a row. */
  get active(): number {
    return this.#active.length;
  }
  get waiting(): number {
    return this.#waiting.length;
  }
  /** True when nothing is live or waiting (step() would do nothing). */
  get idle(): boolean {
    return this.#active.length === 0 && this.#waiting.length === 0;
  }

  /**
   * Ends the batch: its KV cache goes back to the model's pool for the next batch (KvBufferPool), and step() or
   * admit() afterwards throws. generate() and generateAsync() call it when they finish.
   */
  release(): void {
    this.#cache.release();
  }

  #live(what: string): void {
    if (this.#cache.released) throw new Error(`GenerationBatch.${what}: the batch was released`);
  }

  /** Ids of requests still open (waiting or decoding), in the order they were added. */
  openRequests(): number[] {
    return [...this.#reqs.keys()];
  }

  /** Queues a request; returns its id (events carry it). Throws on an invalid request, naming the field. */
  add(r: GenerationRequest): number {
    this.#live('add');
    const id = this.#nextId++;
    const V = this.#V;
    const where = `generate: request ${id}`;
    if (!Array.isArray(r.prompt)) throw new TypeError(`${where}: prompt is not an array of token ids`);
    const P = r.prompt.length;
    if (P === 0) throw new RangeError(`${where}: prompt is empty`);
    if (P >= this.model.config.maxSeqLen) throw new RangeError(`${where}: prompt has ${P} tokens; maxSeqLen is ${this.model.config.maxSeqLen}`);
    if (P >= this.cacheLen) throw new RangeError(`${where}: prompt has ${P} tokens; the batch's cache rows hold ${this.cacheLen}`);
    for (const t of r.prompt) if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`${where}: prompt holds token id ${t} outside [0, ${V})`);
    if (!Number.isInteger(r.maxNewTokens) || r.maxNewTokens < 1) throw new RangeError(`generate: maxNewTokens must be a positive integer, got ${r.maxNewTokens}`);
    const n = r.n ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`generate: n must be a positive integer, got ${r.n}`);
    if (r.seed !== undefined && !Number.isInteger(r.seed)) throw new RangeError(`generate: seed must be an integer, got ${r.seed}`);
    if (r.rngs !== undefined && r.rngs.length !== n) throw new RangeError(`${where}: ${r.rngs.length} rngs for n = ${n}`);
    for (const t of r.stopTokens ?? []) if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`generate: stop token ${t} outside [0, ${V})`);
    if ((r.stop?.length ?? 0) > 0 && !this.#o.decoder) throw new Error('generate: stop strings need a decoder (pass decoder: a tokenizer)');
    for (const s of r.stop ?? []) if (typeof s !== 'string' || s.length === 0) throw new RangeError('generate: stop strings must be non-empty strings');
    if (r.reasoning && !this.#o.decoder) throw new Error('generate: the reasoning split needs a decoder (pass decoder: a tokenizer)');
    const sampling: SamplingParams = { ...DEFAULT_SAMPLING, ...r.sampling };
    validateSampling(sampling);
    let rngs: Rng[];
    if (r.rngs) rngs = [...r.rngs];
    else {
      const master = new Rng(r.seed ?? 0);
      rngs = Array.from({ length: n }, () => master.fork());
    }
    const req: Req = {
      id, prompt: r.prompt, n, maxNewTokens: r.maxNewTokens, sampling, samplingKey: `${sampling.temperature}|${sampling.topP}|${sampling.topK}`, rngs,
      stopTokens: new Set(r.stopTokens ?? []), stop: r.stop ?? [], reasoning: r.reasoning ?? null, signal: r.signal ?? null, open: n, cancelled: false,
    };
    this.#reqs.set(id, req);
    for (let j = 0; j < n; j++) this.#waiting.push([req, j]);
    return id;
  }

  /** Cancels a request now (between steps): its rows are freed and each unfinished sample gets a 'cancelled' finish. */
  cancel(id: number): void {
    const req = this.#reqs.get(id);
    if (!req || req.cancelled) return;
    req.cancelled = true;
    this.#shared.delete(id);
    const waiting = this.#waiting.filter(([r]) => r === req);
    if (waiting.length > 0) this.#waiting = this.#waiting.filter(([r]) => r !== req);
    for (const [, j] of waiting) this.#end(req, j, { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 });
    const live = this.#active.filter((s) => s.req === req);
    if (live.length > 0) {
      this.#active = this.#active.filter((s) => s.req !== req);
      for (const s of live) {
        this.#free.push(s.slot);
        this.#end(req, s.sample, { promptTokens: req.prompt.length, completionTokens: s.tokens.length, cachedPromptTokens: s.cached });
      }
    }
  }

  /**
   * After step() or admit() threw (a kernel error, NaN logits): ends the requests that step was working on — every
   * request with a sample decoding or being admitted — with a 'cancelled' finish for each unfinished sample (drain()
   * returns them) and frees their rows, so none is left without a finish or holding a row. Requests still waiting
   * stay queued. Returns the ended requests' ids (empty when the failure touched none).
   */
  endFailedStep(): number[] {
    // A decode step that threw part-way through accepting tokens may have finished some rows already.
    this.#active = this.#active.filter((s) => !s.finish);
    const ids = new Set<number>();
    for (const a of this.#admitting) ids.add(a.req.id);
    for (const s of this.#active) ids.add(s.req.id);
    for (const a of this.#admitting) {
      this.#free.push(a.slot);
      this.#end(a.req, a.j, { promptTokens: a.req.prompt.length, completionTokens: 0, cachedPromptTokens: a.cached });
    }
    this.#admitting.clear();
    for (const id of ids) {
      this.#shared.delete(id);
      this.cancel(id);
    }
    return [...ids];
  }

  /** Events emitted by cancel() calls since the last step (step() returns them too). */
  drain(): GenerationEvent[] {
    const ev = this.#events;
    this.#events = [];
    return ev;
  }

  /**
   * One step: cancels aborted requests, admits waiting samples into free rows (prefill), decodes one token for
   * every live row, and returns the events of this step in order.
   */
  step(): GenerationEvent[] {
    this.#live('step');
    for (const req of this.#reqs.values()) if (req.signal?.aborted) this.cancel(req.id);
    this.#admit();
    if (this.#active.length > 0) this.#decode();
    return this.drain();
  }

  /**
   * step()'s first half alone: cancels aborted requests and admits waiting samples (prefill and first token), without
   * the decode step. A server calls it before step() when requests wait, so their first tokens go out without
   * waiting for a decode step of every live row. Tokens are the same as with step() alone (each request samples
   * from its own streams, and rows decode independently).
   */
  admit(): GenerationEvent[] {
    this.#live('admit');
    for (const req of this.#reqs.values()) if (req.signal?.aborted) this.cancel(req.id);
    this.#admit();
    return this.drain();
  }

  #end(req: Req, sample: number, usage: GenerationUsage): void {
    this.#events.push({ type: 'finish', id: req.id, sample, reason: 'cancelled', generation: null, usage });
    if (--req.open === 0) this.#reqs.delete(req.id);
  }

  /** Padding ids past the tokenizer's vocabulary get -Infinity logits (rows of width V). */
  #mask(logits: Float32Array, rowCount: number): void {
    const V = this.#V, limit = this.#o.vocabLimit ?? V;
    if (limit < V) for (let r = 0; r < rowCount; r++) logits.fill(-Infinity, r * V + limit, (r + 1) * V);
  }

  #finishText(s: Seq, reason: FinishReason, by?: Generation['stoppedBy']): string {
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
  }

  /** Records a sampled token and emits its events; returns true when the sequence is finished. */
  #accept(s: Seq, token: number, logprob: number): boolean {
    const req = s.req;
    s.tokens.push(token);
    s.logprobs.push(logprob);
    let delta = '';
    const P = req.prompt.length;
    if (req.stopTokens.has(token)) {
      delta = this.#finishText(s, 'stop', { token });
    } else {
      if (s.stream) {
        const piece = s.stream.push(token);
        if (s.matcher) {
          const r = s.matcher.push(piece);
          delta = r.emit;
          if (r.stopped) delta += this.#finishText(s, 'stop', { string: r.stop! });
        } else {
          delta = piece;
        }
      }
      // Length: the token budget, or the cache row is full (the next step could not append this token).
      if (!s.finish && (s.tokens.length >= req.maxNewTokens || P + s.tokens.length >= this.cacheLen)) delta += this.#finishText(s, 'length');
    }
    s.text += delta;
    const ev = this.#events;
    ev.push({ type: 'token', id: req.id, sample: s.sample, token, logprob, textDelta: delta });
    if (s.split) {
      const parts = s.split.push(delta);
      if (s.finish) {
        const tail = s.split.end();
        parts.reasoning += tail.reasoning;
        parts.content += tail.content;
      }
      if (parts.reasoning) ev.push({ type: 'reasoning-delta', id: req.id, sample: s.sample, delta: parts.reasoning });
      if (parts.content) ev.push({ type: 'text-delta', id: req.id, sample: s.sample, delta: parts.content });
    }
    if (s.finish) {
      const generation: Generation = {
        prompt: req.id, sample: s.sample, tokens: s.tokens, logprobs: s.logprobs,
        text: this.#o.decoder ? s.text : null, finishReason: s.finish, ...(s.stoppedBy ? { stoppedBy: s.stoppedBy } : {}),
        usage: { promptTokens: P, completionTokens: s.tokens.length, cachedPromptTokens: s.cached },
      };
      ev.push({ type: 'finish', id: req.id, sample: s.sample, reason: s.finish, generation });
      this.#free.push(s.slot);
      if (--req.open === 0) this.#reqs.delete(req.id);
      return true;
    }
    return false;
  }

  /** Fills free rows with waiting samples until none is free (a sample may finish on its first token). */
  #admit(): void {
    while (this.#free.length > 0 && this.#waiting.length > 0) this.#admitRound();
  }

  /** Prefills (or restores) waiting samples into free rows, batching the prefills, and samples their first tokens. */
  #admitRound(): void {
    const cache = this.#cache, free = this.#free, shared = this.#shared, pc = this.#o.prefixCache;
    const t0 = performance.now();
    interface Admit { req: Req; j: number; slot: number; cached: number; logits?: Float32Array; rest?: number[]; from?: Admit }
    const batch: Admit[] = [];
    const firstOf = new Map<number, Admit>(); // request → the sample of this round that prefills it
    let taken = 0;
    while (free.length > 0 && taken < this.#waiting.length) {
      const [req, j] = this.#waiting[taken++]!;
      const prompt = req.prompt;
      const P = prompt.length;
      const a: Admit = { req, j, slot: free.pop()!, cached: 0 };
      this.#admitting.add(a);
      const sh = shared.get(req.id);
      const sibling = firstOf.get(req.id);
      if (sh) {
        // A later sample of a prompt prefilled in an earlier round: copy its KV (no model work).
        cache.reset(a.slot, 0);
        writeSpan(cache, a.slot, 0, P, sh.kv!);
        a.logits = sh.logits;
        a.cached = P;
        if (--sh.left === 0) shared.delete(req.id);
      } else if (sibling) {
        a.from = sibling; // copies the sibling's KV once it is prefilled below
        a.cached = P;
      } else {
        a.cached = pc ? pc.restore(cache, a.slot, prompt, P - 1) : (cache.reset(a.slot, 0), 0);
        a.rest = prompt.slice(a.cached);
        firstOf.set(req.id, a);
      }
      batch.push(a);
    }
    this.#waiting = this.#waiting.slice(taken);
    // Batched prefill. The fused path takes every row in one call (no padding); the forward path pads rows to the
    // longest, so rows are sorted by remaining length and cut into groups whose padding stays small and whose padded
    // rows fit their cache rows. Ties keep admission order.
    const order = new Map(batch.map((a, i) => [a, i]));
    const todo = batch.filter((a) => a.rest).sort((x, y) => x.rest!.length - y.rest!.length || order.get(x)! - order.get(y)!);
    const MAX_GROUP_TOKENS = 8192;
    // Rows [0, nFused) go through the fused path (sorted, so the short ones): its attention is per token, which
    // loses to the forward's batched attention on long prompts.
    const nFused = this.#useDense ? todo.filter((a) => a.rest!.length <= FUSED_PREFILL_MAX_TOKENS).length : 0;
    for (let i = 0; i < todo.length;) {
      let k = 1;
      let real = todo[i]!.rest!.length;
      if (i < nFused) k = nFused - i;
      else while (i + k < todo.length) {
        const cand = todo[i + k]!;
        const T = cand.rest!.length; // the longest so far (sorted)
        const rowsIn = todo.slice(i, i + k + 1);
        if ((k + 1) * T > MAX_GROUP_TOKENS || (k + 1) * T > 1.25 * (real + T) + 8 * (k + 1)) break;
        if (rowsIn.some((a) => cache.lengths[a.slot]! + T > this.cacheLen)) break;
        real += T;
        k++;
      }
      const group = todo.slice(i, i + k);
      const logits = (i < nFused ? this.#stepper : this.#forwardPrefill).prefill(group.map((a) => ({ slot: a.slot, rest: a.rest! })));
      group.forEach((a, g) => {
        a.logits = logits[g];
        this.stats.prefillTokens += a.rest!.length;
        const prompt = a.req.prompt;
        pc?.store(cache, a.slot, prompt);
        const n = a.req.n;
        const later = n - a.j - 1 - batch.filter((b) => b.from === a).length; // samples admitted in later rounds
        const kv = n - a.j > 1 ? readSpan(cache, a.slot, 0, prompt.length) : null;
        for (const b of batch) {
          if (b.from !== a) continue;
          cache.reset(b.slot, 0);
          writeSpan(cache, b.slot, 0, prompt.length, kv!);
          b.logits = a.logits;
        }
        if (later > 0) shared.set(a.req.id, { logits: a.logits!, kv, left: later });
      });
      i += k;
    }
    this.stats.prefillMs += performance.now() - t0;
    const V = this.#V, decoder = this.#o.decoder;
    for (const a of batch) {
      this.stats.reusedPromptTokens += a.cached;
      const req = a.req;
      const s: Seq = {
        req, sample: a.j, slot: a.slot, tokens: [], logprobs: [], text: '', cached: a.cached,
        stream: decoder ? textStream(decoder) : null,
        matcher: decoder && req.stop.length > 0 ? new StopMatcher(req.stop) : null,
        split: req.reasoning ? new ReasoningStream(req.reasoning) : null,
      };
      this.#mask(a.logits!, 1);
      const row = a.logits!.subarray(0, V);
      let picked: { token: number; logprob: number };
      try {
        picked = this.#sampler.sample(row, req.sampling, req.rngs[a.j]!);
      } catch (err) {
        sampleFailure(err, row);
      }
      if (!this.#accept(s, picked.token, picked.logprob)) this.#active.push(s);
      this.#admitting.delete(a);
    }
  }

  /** One decode step over every live row; rows are sampled in one backend call per distinct sampling setting. */
  #decode(): void {
    const active = this.#active, V = this.#V;
    const B = active.length;
    const ids = this.#ids, rows = this.#rows;
    for (let b = 0; b < B; b++) {
      const s = active[b]!;
      ids[b] = s.tokens[s.tokens.length - 1]!;
      rows[b] = s.slot;
    }
    const t0 = performance.now();
    const logits = this.#stepper.step(ids, rows, B); // (B, V)
    this.#mask(logits, B);
    this.stats.decodeSteps++;
    this.stats.decodeTokens += B;
    try {
      this.#sampleRows(logits, B);
    } catch (err) {
      sampleFailure(err, logits.subarray(0, B * V));
    }
    let done = 0;
    for (let b = 0; b < B; b++) if (this.#accept(active[b]!, this.#picked[b]!, this.#pickedLp[b]!)) done++;
    this.stats.decodeMs += performance.now() - t0;
    if (done > 0) this.#active = active.filter((s) => !s.finish);
  }

  /** Samples rows (B, V) of the live rows into #picked / #pickedLp, one backend call per distinct sampling setting. */
  #sampleRows(logits: Float32Array, B: number): void {
    const active = this.#active, V = this.#V;
    const key = active[0]!.req.samplingKey;
    if (active.every((s) => s.req.samplingKey === key)) {
      // All rows in one backend call, each from its own stream (the same tokens as Sampler.sample per row).
      sampleBatch(this.model.engine.backend, logits, B, V, active[0]!.req.sampling, active.map((s) => s.req.rngs[s.sample]!), this.#draws, this.#picked, this.#pickedLp);
    } else {
      const groups = new Map<string, number[]>();
      active.forEach((s, b) => {
        const g = groups.get(s.req.samplingKey);
        if (g) g.push(b);
        else groups.set(s.req.samplingKey, [b]);
      });
      for (const rowsOf of groups.values()) {
        const G = rowsOf.length;
        const sub = new Float32Array(G * V);
        rowsOf.forEach((b, g) => sub.set(logits.subarray(b * V, (b + 1) * V), g * V));
        const draws = new Float64Array(G), picked = new Int32Array(G), lp = new Float64Array(G);
        const first = active[rowsOf[0]!]!;
        sampleBatch(this.model.engine.backend, sub, G, V, first.req.sampling, rowsOf.map((b) => active[b]!.req.rngs[active[b]!.sample]!), draws, picked, lp);
        rowsOf.forEach((b, g) => {
          this.#picked[b] = picked[g]!;
          this.#pickedLp[b] = lp[g]!;
        });
      }
    }
  }
}

/**
 * Drives a batch until it is idle, yielding to the event loop (setImmediate) between steps so timers, I/O and
 * signals run; `onEvents` sees each step's events. Requests may be added while it runs. Rejects with
 * `signal.reason` when `signal` aborts (every request is cancelled first, freeing its rows).
 */
export async function runBatch(batch: GenerationBatch, onEvents: (events: GenerationEvent[]) => void, signal?: AbortSignal): Promise<void> {
  for (;;) {
    if (signal?.aborted) {
      for (const id of batch.openRequests()) batch.cancel(id);
      onEvents(batch.drain());
      throw signal.reason;
    }
    if (batch.idle) return;
    const ev = batch.step();
    if (ev.length > 0) onEvents(ev);
    await new Promise<void>((r) => setImmediate(r));
  }
}
