// src/eval/local-model.ts — a SampleSource backed by a local checkpoint: the R1 chat template (the assistant turn
// opens with "<think>\n", as DeepSeek-R1 evaluates), batched generation with the native engine (n samples of a
// prompt share one prefill), EOS as the stop token, reasoning split at "</think>".

import { basename, resolve } from 'node:path';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { DecoderWeights, generate, type Generation } from '../generate/index.js';
import { loadHfCheckpoint, type KvDtype, type Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { encodeChat, loadTokenizer, R1_TOKENS, type Tokenizer } from '../tokenizer/index.js';
import type { LocalSourceFactory } from './local-source.js';
import { splitThinkTags } from './reasoning-split.js';
import type { Completion, SampleOptions, SampleSource } from './types.js';

export interface LocalModelParts {
  model: Transformer;
  tokenizer: Tokenizer;
  /** Stable model name for results and run.json (e.g. the checkpoint folder's name). */
  name: string;
  /** Shown in summaries. */
  label: string;
  /** Most sequences decoded at once (generate's maxBatch); default 64. */
  maxBatch?: number;
  /** KV-cache storage (generate's kvDtype); default 'f32'. */
  kvDtype?: KvDtype;
  /**
   * The model's weights packed for the fused decode path, reused by every generate call (see DecoderWeights; a
   * snapshot: refresh() it after the model's weights change). Without it each prompt packs them again.
   */
  weights?: DecoderWeights;
}

/** The id of an added token, or null when the tokenizer does not have it. */
function addedId(tok: Tokenizer, content: string): number | null {
  try {
    return tok.addedTokenId(content);
  } catch {
    return null;
  }
}

export class LocalModelSource implements SampleSource {
  readonly label: string;
  readonly model: string;
  readonly #parts: LocalModelParts;
  readonly #eos: number | null;
  readonly #thinkEnd: number | null;

  constructor(parts: LocalModelParts) {
    if (parts.tokenizer.vocabSize > parts.model.config.vocabSize) {
      throw new Error(
        `${parts.label}: tokenizer has ${parts.tokenizer.vocabSize} tokens but the model only ${parts.model.config.vocabSize}`,
      );
    }
    this.#parts = parts;
    this.label = parts.label;
    this.model = parts.name;
    this.#eos = addedId(parts.tokenizer, R1_TOKENS.eos);
    this.#thinkEnd = addedId(parts.tokenizer, R1_TOKENS.thinkEnd);
  }

  /**
   * Sample `opts.n` completions per prompt. Each prompt is its own generate call with seed `opts.seed`, so a
   * prompt's samples never depend on which other prompts are evaluated (generation is synchronous: calls run
   * one after another however many the runner has in flight). generate draws sample j from the j-th fork of
   * Rng(seed) rather than from seed + j, so samples that a resumed run fills in are seeded and repeatable but
   * not the ones an uninterrupted run would have drawn.
   */
  async complete(prompts: readonly string[], opts: SampleOptions): Promise<Completion[][]> {
    const { model, tokenizer } = this.#parts;
    const out: Completion[][] = [];
    const weights = this.#parts.weights;
    for (let p = 0; p < prompts.length; p++) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      // literalContent: a question that happens to spell a chat token cannot forge a turn.
      const ids = encodeChat(tokenizer, [{ role: 'user', content: prompts[p]! }], { addGenerationPrompt: true, literalContent: true });
      const room = model.config.maxSeqLen - ids.length;
      if (room < 1) throw new Error(`${this.label}: prompt ${p} has ${ids.length} tokens; the model's context is ${model.config.maxSeqLen}`);
      const res = generate(model, [ids], {
        maxNewTokens: Math.min(opts.maxTokens, room),
        sampling: { temperature: opts.temperature, topP: opts.topP, topK: 0 },
        seed: opts.seed,
        n: opts.n,
        ...(this.#eos !== null ? { stopTokens: [this.#eos] } : {}),
        decoder: tokenizer,
        ...(this.#parts.maxBatch !== undefined ? { maxBatch: this.#parts.maxBatch } : {}),
        ...(this.#parts.kvDtype !== undefined ? { kvDtype: this.#parts.kvDtype } : {}),
        ...(weights ? { weights } : {}),
      });
      const completions = res.sequences
        .slice()
        .sort((a, b) => a.sample - b.sample)
        .map((g) => this.#toCompletion(g));
      completions.forEach((c, j) => opts.onCompletion?.(p, j, c));
      out.push(completions);
      // Let progress callbacks and timers run between prompts.
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  #toCompletion(g: Generation): Completion {
    // The prompt ended with "<think>\n", so the text is "reasoning</think>answer" (splitThinkTags handles that).
    const split = splitThinkTags(g.text ?? '');
    const completionTokens = g.usage.completionTokens;
    const end = this.#thinkEnd === null ? -1 : g.tokens.indexOf(this.#thinkEnd);
    // Exact reasoning length from the token ids: everything up to and including </think>; all of it when unclosed.
    const reasoningTokens = this.#thinkEnd === null ? null : end === -1 ? completionTokens : end + 1;
    return {
      reasoning: split.reasoning,
      content: split.content,
      finishReason: g.finishReason,
      usage: {
        promptTokens: g.usage.promptTokens,
        completionTokens,
        reasoningTokens,
        cacheHitTokens: g.usage.cachedPromptTokens,
        cacheMissTokens: g.usage.promptTokens - g.usage.cachedPromptTokens,
      },
    };
  }
}

/** The backend local evaluation runs on: the native engine when its addon is built, else the reference one. */
function defaultBackend(): Backend {
  return nativeAvailable() ? createNativeBackend() : createRefBackend();
}

/**
 * Load a Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json) as a SampleSource.
 * The folder must carry its tokenizer: evaluation needs text.
 */
export const localModelSource: LocalSourceFactory = async ({ checkpoint, kvDtype }) => {
  const dir = resolve(checkpoint);
  const backend = defaultBackend();
  const loaded = loadHfCheckpoint(dir, createEngine(backend));
  let tokenizer: Tokenizer;
  try {
    tokenizer = loadTokenizer(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot load the checkpoint's tokenizer (${(err as Error).message})`);
  }
  const name = basename(dir) || 'local-model';
  if (kvDtype === 'f16' && loaded.model.config.attention.kind !== 'mha') throw new Error(`${dir}: --kv-cache f16 needs an MHA/GQA model; this checkpoint uses MLA (its latent cache is float32)`);
  return new LocalModelSource({
    model: loaded.model, tokenizer, name, label: `local ${name} (${backend.info.name} backend${kvDtype === 'f16' ? ', f16 KV cache' : ''})`,
    ...(kvDtype ? { kvDtype } : {}),
    // A checkpoint loaded for evaluation does not change: pack its weights once for every question.
    ...(DecoderWeights.supports(loaded.model) ? { weights: new DecoderWeights(loaded.model) } : {}),
  });
};
