// src/eval/local-model.ts — a SampleSource backed by a local checkpoint: the checkpoint's own chat template (the R1
// template, whose assistant turn opens with "<think>\n" as DeepSeek-R1 evaluates, for r1ts's models and checkpoints
// without one; --chat-template overrides), batched generation with the native engine (n samples of a prompt share
// one prefill), EOS as the stop token, reasoning split at "</think>" (inside it from the start when the prompt opened it).

import { resolve } from 'node:path';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { DecoderWeights, sampleChatAsync, type ChatSample } from '../generate/index.js';
import { defaultKvDtype, isGgufFile, loadModel, type KvDtype, type LoadedModel, type Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { chatTemplateOf, loadTokenizer, tokenizerFromJson, withChatTemplateFile, type ChatTemplate, type Tokenizer, type TokenizerConfigInfo } from '../tokenizer/index.js';
import { localModelName, weightsFingerprint, type LocalSourceFactory } from './local-source.js';
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
  /** KV-cache storage (generate's kvDtype); default: the model's (f16 for MHA/GQA, f32 for MLA). */
  kvDtype?: KvDtype;
  /**
   * The model's weights packed for the fused decode path, reused by every generate call (see DecoderWeights; a
   * snapshot: refresh() it after the model's weights change). Without it each prompt packs them again.
   */
  weights?: DecoderWeights;
  /** The chat template prompts are rendered with; default: the tokenizer's own (chatTemplateOf). */
  template?: ChatTemplate;
  /** The weights' fingerprint (weightsFingerprint), recorded in run.json. */
  fingerprint?: string;
}

export class LocalModelSource implements SampleSource {
  readonly label: string;
  readonly model: string;
  readonly weights?: string;
  readonly #parts: LocalModelParts;

  constructor(parts: LocalModelParts) {
    if (parts.tokenizer.vocabSize > parts.model.config.vocabSize) {
      throw new Error(
        `${parts.label}: tokenizer has ${parts.tokenizer.vocabSize} tokens but the model only ${parts.model.config.vocabSize}`,
      );
    }
    this.#parts = parts;
    this.label = parts.label;
    this.model = parts.name;
    if (parts.fingerprint !== undefined) this.weights = parts.fingerprint;
  }

  /** Calls of complete() run one after another (one KV cache at a time), as when generation was synchronous. */
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Sample `opts.n` completions per prompt. Each prompt is its own generate call with seed `opts.seed`, so a
   * prompt's samples never depend on which other prompts are evaluated; calls run one after another however many
   * the runner has in flight. Generation yields to the event loop between decode steps, so `opts.signal` (Ctrl-C)
   * stops it within a step; each sample is reported to onCompletion as it finishes, so finished samples are kept.
   * Sample j is drawn with seed + j alone (generate's 'per-sample' seeds, as SampleOptions.seed asks), so the samples
   * a resumed run fills in are the ones an uninterrupted run would have drawn.
   */
  complete(prompts: readonly string[], opts: SampleOptions): Promise<Completion[][]> {
    const run = this.#queue.then(() => this.#complete(prompts, opts));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #complete(prompts: readonly string[], opts: SampleOptions): Promise<Completion[][]> {
    const out: Completion[][] = [];
    for (let p = 0; p < prompts.length; p++) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      let samples: ChatSample[];
      try {
        ({ samples } = await sampleChatAsync(this.#parts, [{ kind: 'chat', messages: [{ role: 'user', content: prompts[p]! }] }], {
          n: opts.n, maxTokens: opts.maxTokens, sampling: { temperature: opts.temperature, topP: opts.topP, topK: 0 }, seed: opts.seed, seedMode: 'per-sample',
          ...(opts.signal ? { signal: opts.signal } : {}),
          onSample: (s) => opts.onCompletion?.(p, s.generation.sample, toCompletion(s)),
        }));
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        throw new Error(`${this.label}: ${(err as Error).message}`);
      }
      out.push(samples.slice().sort((a, b) => a.generation.sample - b.generation.sample).map((s) => toCompletion(s)));
    }
    return out;
  }
}

function toCompletion(s: ChatSample): Completion {
  const g = s.generation;
  return {
    reasoning: s.reasoning,
    content: s.content,
    finishReason: g.finishReason,
    usage: {
      promptTokens: g.usage.promptTokens,
      completionTokens: g.usage.completionTokens,
      reasoningTokens: s.reasoningTokens,
      cacheHitTokens: g.usage.cachedPromptTokens,
      cacheMissTokens: g.usage.promptTokens - g.usage.cachedPromptTokens,
    },
  };
}

/** A GGUF file's tokenizer_config.json equivalent: its BOS/EOS and chat template (the tokens its template sees). */
export function ggufTokenizerConfig(file: string, c: LoadedModel['tokenizerConfig']): TokenizerConfigInfo {
  if (!c) return {};
  const templateTokens: Record<string, string> = { ...(c.bos !== undefined ? { bos_token: c.bos } : {}), ...(c.eos !== undefined ? { eos_token: c.eos } : {}) };
  return {
    ...(c.bos !== undefined ? { bos: c.bos } : {}),
    ...(c.eos !== undefined ? { eos: c.eos } : {}),
    templateTokens,
    ...(c.chatTemplate !== undefined ? { chatTemplate: c.chatTemplate, chatTemplateSource: `${file} (GGUF tokenizer.chat_template)` } : {}),
  };
}

/** The backend local evaluation runs on: the native engine when its addon is built, else the reference one. */
function defaultBackend(): Backend {
  return nativeAvailable() ? createNativeBackend() : createRefBackend();
}

/**
 * Load a Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json) as a SampleSource.
 * The folder must carry its tokenizer: evaluation needs text.
 */
export const localModelSource: LocalSourceFactory = async ({ checkpoint, kvDtype, chatTemplate }) => {
  const dir = resolve(checkpoint);
  const backend = defaultBackend();
  // A checkpoint folder, or a GGUF file carrying its own tokenizer.
  const loaded = loadModel(dir, createEngine(backend));
  let tokenizer: Tokenizer;
  try {
    tokenizer = isGgufFile(dir) ? tokenizerFromJson(loaded.tokenizerJson, dir, ggufTokenizerConfig(dir, loaded.tokenizerConfig)) : loadTokenizer(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot load the checkpoint's tokenizer (${(err as Error).message})`);
  }
  if (chatTemplate !== undefined) tokenizer = withChatTemplateFile(tokenizer, chatTemplate);
  // Compile the template and render one question now: a template that cannot prompt this model fails before any work.
  const template = chatTemplateOf(tokenizer);
  template.render([{ role: 'user', content: 'What is 1 + 1?' }], { addGenerationPrompt: true });
  const templateLabel = chatTemplate !== undefined ? `chat template ${chatTemplate}` : template.kind === 'r1' ? 'R1 chat template' : "the checkpoint's chat template";
  const name = localModelName(dir);
  if (kvDtype === 'f16' && loaded.model.config.attention.kind !== 'mha') throw new Error(`${dir}: --kv-cache f16 needs an MHA/GQA model; this checkpoint uses MLA (its latent cache is float32)`);
  return new LocalModelSource({
    model: loaded.model, tokenizer, template, name, label: `local ${name} (${backend.info.name} backend, ${kvDtype ?? defaultKvDtype(loaded.model.config)} KV cache, ${templateLabel})`,
    ...(kvDtype ? { kvDtype } : {}),
    ...((fp) => (fp !== null ? { fingerprint: fp } : {}))(weightsFingerprint(dir)),
    // A checkpoint loaded for evaluation does not change: pack its weights once for every question.
    ...(DecoderWeights.supports(loaded.model) ? { weights: new DecoderWeights(loaded.model) } : {}),
  });
};
