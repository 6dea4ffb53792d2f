// src/serve/gguf-engine.ts — a ChatEngine over llama.cpp (node-llama-cpp) for any GGUF model llama.cpp runs (R1
// distills, quantized files). Prompts are rendered with the GGUF's own Jinja chat template (or --chat-template's)
// through r1ts's template code and tokenized by llama.cpp, so the reasoning split and an opened <think> behave as for
// local checkpoints. Each request decodes on one of the context's sequences (llama.cpp batches the sequences that
// are generating into one decode); a sequence keeps its tokens' KV after a request, and a new request takes the free
// sequence sharing the longest prefix with its prompt: that prefix is not evaluated again (prompt_cache_hit_tokens).

import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { ReasoningStream, StopMatcher } from '../generate/index.js';
import { ChatTemplateError, encodeChatWith, jinjaChatTemplate, R1_TOKENS, type ChatTemplate, type PromptEncoder } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';
import type { ChatEngine, EngineEvent, EngineLoad, EngineRequest, EngineUsage } from './engine.js';
import { contextLengthExceeded, invalidFormat, overloaded } from './errors.js';

export interface GgufEngineOptions {
  /** The .gguf file. */
  file: string;
  /** Requests decoded at once: llama.cpp context sequences, each with its own KV of `context` tokens (default 8). */
  slots?: number;
  /** Requests that may wait for a sequence before new ones get 503 (default 256). */
  maxQueue?: number;
  /** Tokens per sequence, prompt and reply (default: the model's training context, at most 4096). */
  context?: number;
  /** A Jinja chat template file to prompt with instead of the GGUF's tokenizer.chat_template. */
  chatTemplateFile?: string;
  /** Seed of the stream that seeds requests sent without one. */
  seed?: number;
  /** llama.cpp threads (default: node-llama-cpp's, the machine's math cores). */
  threads?: number;
  /** Offload to a GPU when llama.cpp finds one ('auto', the default) or run on the CPU only (false). */
  gpu?: 'auto' | false;
  /** llama.cpp's warnings and errors; default: dropped. */
  log?: (line: string) => void;
}

/** Cumulative work, for /health and tests. */
export interface GgufEngineStats {
  requests: number;
  cancelled: number;
  promptTokens: number;
  cachedPromptTokens: number;
  completionTokens: number;
  /** Tokens llama.cpp evaluated (prompt tokens not reused, and generated tokens fed back), from its token meters. */
  evaluatedTokens: number;
}

interface Job {
  ids: number[];
  opensThinking: boolean;
  maxNewTokens: number;
  req: EngineRequest;
  seed: number;
  sink: (e: EngineEvent) => void;
  /** Aborted by the request's own signal or by close(). */
  signal: AbortSignal;
  stop: AbortController;
}

/** The metadata value of `tokenizer.chat_template`, or undefined. */
function ggufChatTemplate(model: LlamaModel): string | undefined {
  const t = (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer?.chat_template;
  return typeof t === 'string' && t.trim() !== '' ? t : undefined;
}

/** Incremental detokenization: text is released once its characters are complete (a token can end mid-character). */
class LlamaTextStream {
  #pending: Token[] = [];
  #before: Token[] = [];

  constructor(private readonly model: LlamaModel) {}

  push(token: Token): string {
    this.#pending.push(token);
    // Control tokens are rendered (special = true): R1 distills' <think> and </think> must reach the reasoning split.
    const text = this.model.detokenize(this.#pending, true, this.#before);
    if (text.endsWith('\uFFFD')) return '';
    this.#before = [...this.#before, ...this.#pending].slice(-8);
    this.#pending = [];
    return text;
  }

  flush(): string {
    const text = this.#pending.length > 0 ? this.model.detokenize(this.#pending, true, this.#before) : '';
    this.#pending = [];
    return text;
  }
}

export class GgufEngine implements ChatEngine {
  readonly modelId: string;
  readonly description: string;
  readonly context: number;
  readonly template: ChatTemplate;
  readonly stats: GgufEngineStats = { requests: 0, cancelled: 0, promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0, evaluatedTokens: 0 };
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #ctx: LlamaContext;
  readonly #free: LlamaContextSequence[];
  readonly #slots: number;
  readonly #maxQueue: number;
  readonly #queue: Job[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #live = new Set<Job>();
  readonly #encoder: PromptEncoder;
  readonly #seeds: Rng;
  #closed = false;
  /** The last decode failure, if any. */
  lastError: Error | null = null;

  private constructor(file: string, llama: Llama, model: LlamaModel, ctx: LlamaContext, template: ChatTemplate, o: GgufEngineOptions) {
    this.modelId = basename(file);
    this.#llama = llama;
    this.#model = model;
    this.#ctx = ctx;
    this.context = ctx.contextSize;
    this.template = template;
    this.#slots = ctx.totalSequences;
    this.#maxQueue = o.maxQueue ?? 256;
    this.#free = Array.from({ length: this.#slots }, () => ctx.getSequence());
    this.#seeds = new Rng(o.seed ?? 0);
    this.#encoder = {
      encode: (text, controls) => model.tokenize(text, controls),
      spellsControl: (text) => {
        const a = model.tokenize(text, true), b = model.tokenize(text, false);
        return a.length !== b.length || a.some((t, i) => t !== b[i]);
      },
    };
    this.description = `GGUF ${this.modelId} through llama.cpp (node-llama-cpp, ${llama.gpu === false ? 'CPU' : llama.gpu}); ${this.#slots} sequences of ${this.context} tokens; ${template.source}`;
  }

  /** Loads the file into llama.cpp; errors name the file and what is missing. */
  static async open(o: GgufEngineOptions): Promise<GgufEngine> {
    const file = resolve(o.file);
    if (!existsSync(file)) throw new Error(`${file}: no such file`);
    let mod: typeof import('node-llama-cpp');
    try {
      mod = await import('node-llama-cpp');
    } catch (err) {
      throw new Error(`--gguf needs the node-llama-cpp package, which is not installed (${(err as Error).message}); install it with \`npm install node-llama-cpp\``);
    }
    const log = o.log;
    const llama = await mod.getLlama({
      gpu: o.gpu ?? 'auto', build: 'never', progressLogs: false, logLevel: mod.LlamaLogLevel.warn,
      logger: (level, message) => {
        if (log && (level === mod.LlamaLogLevel.error || level === mod.LlamaLogLevel.fatal)) log(`llama.cpp: ${message.trimEnd()}`);
      },
    });
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: file });
      let text: string, source: string;
      if (o.chatTemplateFile !== undefined) {
        try {
          text = readFileSync(o.chatTemplateFile, 'utf8');
        } catch (e) {
          throw new ChatTemplateError(`--chat-template ${o.chatTemplateFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        source = `--chat-template ${o.chatTemplateFile}`;
      } else {
        const own = ggufChatTemplate(model);
        if (own === undefined) throw new ChatTemplateError(`${file}: the GGUF has no tokenizer.chat_template; give a Jinja chat template with --chat-template FILE`);
        text = own;
        source = `${file} (GGUF tokenizer.chat_template)`;
      }
      const tokens: Record<string, string> = {
        ...(model.tokens.bosString !== null ? { bos_token: model.tokens.bosString } : {}),
        ...(model.tokens.eosString !== null ? { eos_token: model.tokens.eosString } : {}),
      };
      const template = jinjaChatTemplate(text, source, tokens);
      // A template that cannot prompt this model fails now, before the server listens.
      template.render([{ role: 'user', content: 'What is 1 + 1?' }], { addGenerationPrompt: true });
      const context = o.context ?? Math.min(model.trainContextSize, 4096);
      const ctx = await model.createContext({
        sequences: o.slots ?? 8, contextSize: context, ...(o.threads !== undefined ? { threads: o.threads } : {}),
      });
      return new GgufEngine(file, llama, model, ctx, template, o);
    } catch (err) {
      await model?.dispose();
      await llama.dispose();
      // llama.cpp quotes the file's first bytes in some messages: control bytes are shown escaped, never printed raw.
      const msg = (err as Error).message.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g, (c) => `\\x${c.charCodeAt(0) > 0xff ? 'fffd' : c.charCodeAt(0).toString(16).padStart(2, '0')}`);
      throw err instanceof ChatTemplateError || msg.includes(file) ? err : new Error(`${file}: llama.cpp cannot load it: ${msg}`);
    }
  }

  load(): EngineLoad {
    return { active: this.#live.size, waiting: this.#queue.length, slots: this.#slots, maxQueue: this.#maxQueue };
  }

  start(req: EngineRequest, sink: (e: EngineEvent) => void): void {
    if (this.#closed) throw overloaded('the server is shutting down');
    const busy = this.#live.size, waiting = this.#queue.length;
    if (busy + waiting >= this.#slots + this.#maxQueue) throw overloaded(`${busy} requests decode and ${waiting} wait (${this.#slots} sequences, queue of ${this.#maxQueue})`);
    let ids: number[], opens: boolean;
    try {
      // Message text from clients is encoded literally (no forged turns), as for local checkpoints.
      ({ ids, opensThinking: opens } = encodeChatWith(this.template, this.#encoder, req.messages, { addGenerationPrompt: true, literalContent: true }));
    } catch (err) {
      if (err instanceof ChatTemplateError) throw invalidFormat(err.message, 'messages');
      throw err;
    }
    const room = this.context - ids.length;
    if (room < 1) throw contextLengthExceeded(ids.length, this.context);
    const stop = new AbortController();
    const job: Job = {
      ids, opensThinking: opens, req, sink, stop,
      maxNewTokens: Math.min(req.maxTokens ?? room, room),
      seed: req.seed ?? Math.floor(this.#seeds.next() * 2 ** 32),
      signal: AbortSignal.any([req.signal, stop.signal]),
    };
    this.#queue.push(job);
    // A request still waiting for a sequence is finished at once when cancelled.
    job.signal.addEventListener('abort', () => {
      const at = this.#queue.indexOf(job);
      if (at === -1) return;
      this.#queue.splice(at, 1);
      this.stats.cancelled++;
      job.sink({ type: 'finish', reason: 'cancelled', usage: { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0, reasoningTokens: 0 } });
    }, { once: true });
    this.#pump();
  }

  /** Starts queued requests while sequences are free. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#free.length > 0) {
      const job = this.#queue.shift()!;
      // The free sequence whose kept tokens share the longest prefix with this prompt.
      let best = 0, bestLen = -1;
      this.#free.forEach((s, i) => {
        const n = s.compareContextTokens(job.ids as Token[]).firstDifferentIndex;
        if (n > bestLen) [best, bestLen] = [i, n];
      });
      const seq = this.#free.splice(best, 1)[0]!;
      this.#live.add(job);
      const p = this.#run(job, seq).then((finish) => {
        // The sequence is free (with its KV kept) before the client hears of the finish, so a follow-up request
        // sent at once finds its prefix.
        this.#live.delete(job);
        this.#running.delete(p);
        this.#free.push(seq);
        try {
          job.sink(finish);
        } catch (err) {
          this.lastError = err instanceof Error ? err : new Error(String(err));
        }
        if (!this.#closed) this.#pump();
      });
      this.#running.add(p);
    }
  }

  /** Generates one request on `seq`, sending its deltas; resolves with its finish (never rejects). */
  async #run(job: Job, seq: LlamaContextSequence): Promise<Extract<EngineEvent, { type: 'finish' }>> {
    const { req, sink, ids } = job;
    const tokens: number[] = [];
    let cached = 0, reasoningTokens = 0, eog = 0;
    let reason: 'stop' | 'length' | 'cancelled' | null = null;
    // Every token llama.cpp decodes is metered as input, or as output when its logits were read.
    const evaluated = (): number => seq.tokenMeter.usedInputTokens + seq.tokenMeter.usedOutputTokens;
    const meter = evaluated();
    const text = new LlamaTextStream(this.#model);
    const matcher = req.stop.length > 0 ? new StopMatcher(req.stop) : null;
    const split = new ReasoningStream({ open: R1_TOKENS.thinkStart, close: R1_TOKENS.thinkEnd, startInside: job.opensThinking });
    // Text held back as a partial character or a possible stop string, released when the generation ends.
    const finalText = (): string => {
      const tail = text.flush();
      if (!matcher) return tail;
      const r = matcher.push(tail);
      return r.stopped ? r.emit : r.emit + matcher.flush();
    };
    const emit = (delta: string, last: boolean): void => {
      const before = split.mode;
      const parts = split.push(delta);
      if (last) {
        const tail = split.end();
        parts.reasoning += tail.reasoning;
        parts.content += tail.content;
      }
      // A token is reasoning when it was generated inside the block or opened it (the one closing it included).
      const after: string = split.mode;
      if (before === 'reasoning' || after === 'reasoning') reasoningTokens = tokens.length;
      if (parts.reasoning) sink({ type: 'reasoning-delta', delta: parts.reasoning });
      if (parts.content) sink({ type: 'text-delta', delta: parts.content });
    };
    try {
      if (job.signal.aborted) reason = 'cancelled';
      else {
        // Keep the sequence's KV for the shared prefix (at least the last prompt token is evaluated, for its logits).
        cached = Math.min(seq.compareContextTokens(ids as Token[]).firstDifferentIndex, ids.length - 1);
        if (cached < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: cached, end: seq.nextTokenIndex }]);
        const gen = seq.evaluate(ids.slice(cached) as Token[], { temperature: req.temperature, topP: req.topP, seed: job.seed });
        for await (const token of gen) {
          if (job.signal.aborted) {
            reason = 'cancelled';
            break;
          }
          tokens.push(token);
          let delta = text.push(token);
          if (matcher) {
            const r = matcher.push(delta);
            delta = r.emit; // a stop string and what follows it are never sent
            if (r.stopped) reason = 'stop';
          }
          if (reason === null && tokens.length >= job.maxNewTokens) {
            reason = 'length';
            delta += finalText();
          }
          emit(delta, reason !== null);
          if (reason !== null) break;
        }
        if (reason === null) {
          // The generator ended by itself: llama.cpp sampled an end-of-generation token (not yielded).
          reason = job.signal.aborted ? 'cancelled' : 'stop';
          if (reason === 'stop') {
            eog = 1; // counted as generated, as the local engine counts its EOS
            emit(finalText(), true);
          }
        }
      }
    } catch (err) {
      // A failed evaluation ends this request; the sequence's state is unknown, so it starts empty next time.
      this.lastError = err instanceof Error ? err : new Error(String(err));
      reason = 'cancelled';
      await seq.clearHistory().catch(() => undefined);
    }
    const usage: EngineUsage = { promptTokens: ids.length, completionTokens: tokens.length + eog, cachedPromptTokens: cached, reasoningTokens };
    this.stats.requests++;
    this.stats.promptTokens += ids.length;
    this.stats.cachedPromptTokens += cached;
    this.stats.completionTokens += usage.completionTokens;
    this.stats.evaluatedTokens += evaluated() - meter;
    if (reason === 'cancelled') this.stats.cancelled++;
    return { type: 'finish', reason, usage };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of [...this.#queue]) job.stop.abort(new Error('server shutting down'));
    for (const job of this.#live) job.stop.abort(new Error('server shutting down'));
    await Promise.allSettled([...this.#running]);
    await this.#ctx.dispose();
    await this.#model.dispose();
    await this.#llama.dispose();
  }
}
