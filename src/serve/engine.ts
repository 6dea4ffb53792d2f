// src/serve/engine.ts — what the HTTP layer drives: a ChatEngine takes chat messages and streams reasoning and
// answer deltas, then a finish with usage. LocalEngine runs a local model on one GenerationBatch (continuous
// batching: requests join and leave between decode steps, which yield to the event loop), prompts rendered by
// chat.ts's promptIds, KV of repeated prefixes reused through the prefix cache, a bounded wait queue.

import {
  GenerationBatch, NanLogitsError, PrefixCache, lenientDecoder, encodePrompt, stopTokenIds, addedTokenOrNull,
  DecoderWeights, type GenerationEvent, type PromptInput,
} from '../generate/index.js';
import type { Transformer } from '../model/index.js';
import { ChatTemplateError, chatTemplateOf, R1_TOKENS, type ChatMessage, type ChatTemplate, type Tokenizer } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';
import { contextLengthExceeded, invalidFormat, overloaded } from './errors.js';

export interface EngineRequest {
  messages: readonly ChatMessage[];
  /** Generated-token bound (reasoning + answer); undefined = the context left after the prompt. */
  maxTokens?: number;
  temperature: number;
  topP: number;
  stop: readonly string[];
  /** Sampling seed; undefined = the next draw from the engine's own seeded stream. */
  seed?: number;
  signal: AbortSignal;
}

export interface EngineUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens whose KV came from the prefix cache. */
  cachedPromptTokens: number;
  /** Generated tokens up to and including the end of the reasoning (all of them when it never closed). */
  reasoningTokens: number;
}

/** Why a generation failed: `message` may be shown to the client; `detail` (the underlying error) is for the log. */
export interface EngineFailure {
  message: string;
  detail: string;
}

export type EngineEvent =
  | { type: 'reasoning-delta'; delta: string }
  | { type: 'text-delta'; delta: string }
  | { type: 'finish'; reason: 'stop' | 'length' | 'cancelled'; usage: EngineUsage }
  | { type: 'finish'; reason: 'error'; usage: EngineUsage; error: EngineFailure };

export interface EngineLoad {
  /** Requests decoding now / waiting for a row. */
  active: number;
  waiting: number;
  slots: number;
  maxQueue: number;
}

export interface ChatEngine {
  /** The served model's id (the checkpoint's name). */
  readonly modelId: string;
  /** One line for the banner and /health. */
  readonly description: string;
  /** Tokens of context (prompt + generated). */
  readonly context: number;
  /**
   * Starts a request: `sink` gets its deltas and exactly one finish (also when cancelled through `signal`, and a
   * finish with reason 'error' when the model fails on it).
   * Throws ApiError synchronously when the request cannot start (a template refusal: 400; prompt too long: 400
   * context_length_exceeded; queue full: 503). A cancelled request's finish carries the usage of what it generated
   * before the cancel (all zeros when it never started), so the server can answer a time limit with that part.
   */
  start(req: EngineRequest, sink: (e: EngineEvent) => void): void;
  load(): EngineLoad;
  /** Cancels everything in flight (each request gets its 'cancelled' finish) and frees the model. */
  close(): Promise<void>;
}

export interface LocalEngineOptions {
  model: Transformer;
  tokenizer: Tokenizer;
  /** Model id served (the checkpoint folder's name). */
  name: string;
  /** Rows decoded at once (default 64). */
  slots?: number;
  /** Requests that may wait for a row beyond the slots before new ones get 503 (default 256). */
  maxQueue?: number;
  /** Tokens per cache row (default: the model's maxSeqLen). */
  context?: number;
  /** Bytes of KV kept for repeated prompt prefixes (default 256 MiB; 0 = off). */
  prefixCacheBytes?: number;
  /** Seed of the stream that seeds requests sent without one. */
  seed?: number;
  description?: string;
}

/** LocalEngineOptions.context is more than the model was built for (its maxSeqLen). */
export class ContextTooLongError extends RangeError {
  constructor(readonly context: number, readonly modelContext: number) {
    super(`context ${context} is more than the model's ${modelContext}-token context`);
    this.name = 'ContextTooLongError';
  }
}

interface Live {
  sink: (e: EngineEvent) => void;
  /** Tokens generated so far (a cancelled request's reasoning tokens are counted from them). */
  tokens: number[];
}

export class LocalEngine implements ChatEngine {
  readonly modelId: string;
  readonly description: string;
  readonly context: number;
  readonly #tok: Tokenizer;
  readonly #batch: GenerationBatch;
  readonly #maxQueue: number;
  readonly #live = new Map<number, Live>();
  readonly #stopIds: number[];
  readonly #thinkEnd: number | null;
  readonly #seeds: Rng;
  /** The chat template prompts are rendered with. */
  readonly template: ChatTemplate;
  #running = false;
  #closed = false;
  /** Cumulative prefix-cache stats and decode work (for /health and the bench). */
  readonly prefixCache: PrefixCache | null;

  constructor(o: LocalEngineOptions) {
    const { model, tokenizer } = o;
    if (tokenizer.vocabSize > model.config.vocabSize) throw new Error(`${o.name}: tokenizer has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocabSize}`);
    this.modelId = o.name;
    this.context = o.context ?? model.config.maxSeqLen;
    if (this.context > model.config.maxSeqLen) throw new ContextTooLongError(this.context, model.config.maxSeqLen);
    this.description = o.description ?? `local ${o.name} (${model.engine.backend.info.name} backend)`;
    this.#tok = tokenizer;
    this.#maxQueue = o.maxQueue ?? 256;
    const bytes = o.prefixCacheBytes ?? 256 * 2 ** 20;
    this.prefixCache = bytes > 0 ? new PrefixCache({ maxBytes: bytes }) : null;
    this.#batch = new GenerationBatch(model, {
      slots: o.slots ?? 64,
      cacheLen: this.context,
      decoder: lenientDecoder(tokenizer, tokenizer.vocabSize),
      ...(DecoderWeights.supports(model) ? { weights: new DecoderWeights(model) } : {}),
      ...(this.prefixCache ? { prefixCache: this.prefixCache } : {}),
      ...(tokenizer.vocabSize < model.config.vocabSize ? { vocabLimit: tokenizer.vocabSize } : {}),
    });
    this.#stopIds = stopTokenIds(tokenizer);
    this.#thinkEnd = addedTokenOrNull(tokenizer, R1_TOKENS.thinkEnd);
    this.#seeds = new Rng(o.seed ?? 0);
    this.template = chatTemplateOf(tokenizer);
  }

  load(): EngineLoad {
    return { active: this.#batch.active, waiting: this.#batch.waiting, slots: this.#batch.slots, maxQueue: this.#maxQueue };
  }

  /** Decode work so far (the batch's cumulative stats). */
  get stats(): GenerationBatch['stats'] {
    return this.#batch.stats;
  }

  start(req: EngineRequest, sink: (e: EngineEvent) => void): void {
    if (this.#closed) throw overloaded('the server is shutting down');
    const b = this.#batch;
    if (b.active + b.waiting >= b.slots + this.#maxQueue) throw overloaded(`${b.active} requests decode and ${b.waiting} wait (${b.slots} slots, queue of ${this.#maxQueue})`);
    const input: PromptInput = { kind: 'chat', messages: req.messages };
    // The checkpoint's own chat template; message text from clients is encoded literally (no forged turns).
    let ids: number[], opensThinking: boolean;
    try {
      ({ ids, opensThinking } = encodePrompt(this.#tok, input, this.template, { literalContent: true }));
    } catch (err) {
      // The template refused the conversation (raise_exception) or cannot encode it literally: the request's fault.
      if (err instanceof ChatTemplateError) throw invalidFormat(err.message, 'messages');
      throw err;
    }
    const room = this.context - ids.length;
    if (room < 1) throw contextLengthExceeded(ids.length, this.context);
    const maxNewTokens = Math.min(req.maxTokens ?? room, room);
    const seed = req.seed ?? Math.floor(this.#seeds.next() * 2 ** 32);
    const id = this.#batch.add({
      prompt: ids, maxNewTokens, seed,
      sampling: { temperature: req.temperature, topP: req.topP, topK: 0 },
      stopTokens: this.#stopIds,
      ...(req.stop.length > 0 ? { stop: req.stop } : {}),
      reasoning: { open: R1_TOKENS.thinkStart, close: R1_TOKENS.thinkEnd, startInside: opensThinking },
      signal: req.signal,
    });
    this.#live.set(id, { sink, tokens: [] });
    // An abort between steps is seen at the next step; wake the loop if it is idle so the slot frees at once.
    req.signal.addEventListener('abort', () => this.#kick(), { once: true });
    this.#kick();
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    setImmediate(() => void this.#loop());
  }

  /**
   * The decode loop: one batch step, dispatch its events, yield to the event loop; stops when idle. Requests that
   * arrived are admitted first, on their own: their prefill and first token go out before the next decode step of
   * every live row (step() alone would send them only after that step, a whole batch's decode later). A step that
   * throws fails the requests it was working on and the loop goes on with the rest.
   */
  async #loop(): Promise<void> {
    const b = this.#batch;
    const yieldNow = (): Promise<void> => new Promise<void>((r) => setImmediate(r));
    try {
      while (!b.idle) {
        if (b.waiting > 0 && b.active < b.slots) {
          this.#stepSafely(() => b.admit());
          await yieldNow();
        }
        this.#stepSafely(() => b.step());
        await yieldNow();
      }
    } finally {
      this.#running = false;
      // Every request gets its finish: one the batch no longer holds (which only a failure could cause) fails now
      // rather than wait forever, as its client and its time limit would.
      this.#failOrphans(new Error('the request was lost by the decode loop'));
    }
  }

  /** The last decode failure, if any. */
  lastError: Error | null = null;

  /**
   * Runs one batch step and dispatches its events. When it throws (NaN logits, out of memory, a kernel error), the
   * requests the step was working on end with an 'error' finish; waiting ones stay queued. A failure that touched no
   * request (the batch itself is broken) ends them all, so the loop cannot spin on it.
   */
  #stepSafely(step: () => GenerationEvent[]): void {
    let events: GenerationEvent[];
    try {
      events = step();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.lastError = error;
      const b = this.#batch;
      let failed = b.endFailedStep();
      if (failed.length === 0) {
        failed = b.openRequests();
        for (const id of failed) b.cancel(id);
      }
      this.#dispatch(b.drain(), { ids: new Set(failed), failure: this.#failure(error) });
      this.#failOrphans(error);
      return;
    }
    this.#dispatch(events);
  }

  /** What a client is told of a failed generation: the model's own fault by name, anything else without internals. */
  #failure(err: Error): EngineFailure {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    const detail = `${err.message}${cause}`;
    if (err instanceof NanLogitsError) return { message: err.message, detail };
    return { message: 'the generation failed on the server', detail };
  }

  /** Fails every live request the batch no longer holds (none, unless a step broke the batch's bookkeeping). */
  #failOrphans(err: Error): void {
    const open = new Set(this.#batch.openRequests());
    for (const [id, live] of this.#live) {
      if (open.has(id)) continue;
      this.#live.delete(id);
      const usage: EngineUsage = { promptTokens: 0, completionTokens: live.tokens.length, cachedPromptTokens: 0, reasoningTokens: this.#reasoningTokens(live.tokens) };
      live.sink({ type: 'finish', reason: 'error', usage, error: this.#failure(err) });
    }
  }

  /** Sends events to their requests' sinks; the 'cancelled' finishes of `failed.ids` become 'error' finishes. */
  #dispatch(events: GenerationEvent[], failed?: { ids: Set<number>; failure: EngineFailure }): void {
    for (const e of events) {
      const live = this.#live.get(e.id);
      if (!live) continue;
      if (e.type === 'token') live.tokens.push(e.token);
      else if (e.type === 'reasoning-delta' || e.type === 'text-delta') live.sink({ type: e.type, delta: e.delta });
      else if (e.type === 'finish') {
        this.#live.delete(e.id);
        // Cancelled (no generation): the batch reports what the request used before the cancel.
        const used = e.generation?.usage ?? e.usage ?? { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
        const usage: EngineUsage = { ...used, reasoningTokens: this.#reasoningTokens(e.generation?.tokens ?? live.tokens) };
        if (e.reason === 'cancelled' && failed?.ids.has(e.id)) live.sink({ type: 'finish', reason: 'error', usage, error: failed.failure });
        else live.sink({ type: 'finish', reason: e.reason, usage });
      }
    }
  }

  #reasoningTokens(tokens: readonly number[]): number {
    if (this.#thinkEnd === null) return 0;
    const end = tokens.lastIndexOf(this.#thinkEnd);
    return end === -1 ? tokens.length : end + 1;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const id of this.#batch.openRequests()) this.#batch.cancel(id);
    this.#dispatch(this.#batch.drain());
  }
}
