// src/generate/chat.ts — the one glue from a prompt to parsed completions for a local model: a chat (rendered with the
// checkpoint's chat template — its own Jinja, or R1's, whose assistant turn opens with "<think>\n") or a raw text
// prompt (R1-Zero's Table 1 template) → token ids → generate() → each sample split into reasoning and answer at
// "</think>", starting inside the reasoning block when the rendered prompt opened it. Evaluation, the GRPO rollout,
// SFT data, rejection sampling and the server share it, so all of them prompt a model the same way.

import type { KvDtype, Transformer } from '../model/index.js';
import { chatTemplateOf, opensThinking, r1ChatTemplate, R1_TOKENS, type ChatMessage, type ChatTemplate, type Tokenizer } from '../tokenizer/index.js';
import type { DecoderWeights } from './decode.js';
import { generate, generateAsync, type GenerateOptions, type GenerateResult, type Generation } from './generate.js';
import type { SamplingParams } from './sampler.js';
import { lenientDecoder } from './text.js';

/** A local model ready to prompt: weights, tokenizer and decoding settings. */
export interface ChatModel {
  model: Transformer;
  tokenizer: Tokenizer;
  /** Packed decode weights reused across calls (refresh() them after the weights change). */
  weights?: DecoderWeights;
  /** Most sequences decoded at once (generate's maxBatch). */
  maxBatch?: number;
  /** KV-cache storage (generate's kvDtype). */
  kvDtype?: KvDtype;
  /** The chat template prompts are rendered with; default: the tokenizer's own (chatTemplateOf). */
  template?: ChatTemplate;
}

/**
 * What the model is prompted with. 'chat': messages rendered with the checkpoint's chat template and its generation
 * prompt (the completion starts inside <think> when that prompt opens it, as R1's does). 'text': a plain prompt after
 * the tokenizer's BOS, as R1-Zero is trained (DeepSeek-R1 Table 1: "… User: {prompt}. Assistant:"); the completion
 * starts before any tag.
 */
export type PromptInput = { kind: 'chat'; messages: readonly ChatMessage[] } | { kind: 'text'; text: string };

/** A prompt ready to generate from. */
export interface EncodedPrompt {
  ids: number[];
  /** The prompt as text (a chat: the rendered template, what rewards read). */
  text: string;
  /** The prompt ends inside an open reasoning block (e.g. "<｜Assistant｜><think>\n"): the completion starts in it. */
  opensThinking: boolean;
}

/** The id of an added token, or null when the tokenizer does not have it. */
export function addedTokenOrNull(tok: Pick<Tokenizer, 'addedTokenId'>, content: string): number | null {
  try {
    return tok.addedTokenId(content);
  } catch {
    return null;
  }
}

/**
 * A prompt as ids, text and whether it opens the reasoning block. A chat is rendered with `template` (default: the
 * tokenizer's own, see chatTemplateOf) and tokenized as transformers' apply_chat_template does; the built-in R1
 * template and text prompts encode message/prompt text literally, so a question that spells a chat token
 * (`<｜User｜>`) cannot forge a turn; `literalContent` asks the same of a Jinja template (for text from users, as a
 * server takes it). A template that raises throws a ChatTemplateError naming the checkpoint.
 */
export function encodePrompt(tok: Tokenizer, prompt: PromptInput, template: ChatTemplate = chatTemplateOf(tok), opts: { literalContent?: boolean } = {}): EncodedPrompt {
  if (prompt.kind === 'chat') return template.encode(tok, prompt.messages, { addGenerationPrompt: true, ...(opts.literalContent ? { literalContent: true } : {}) });
  const bos = tok.bosId ?? addedTokenOrNull(tok, R1_TOKENS.bos);
  const ids = [...(bos === null || bos === undefined ? [] : [bos]), ...tok.encode(prompt.text, { allowedAdded: 'none' })];
  return { ids, text: prompt.text, opensThinking: opensThinking(prompt.text) };
}

/** Token ids of a prompt (encodePrompt's ids). */
export function promptIds(tok: Tokenizer, prompt: PromptInput, template?: ChatTemplate): number[] {
  return encodePrompt(tok, prompt, template).ids;
}

/**
 * Whether the completion of this prompt starts inside the reasoning block: a chat whose rendered generation prompt
 * opens <think> (with `template`; default R1's, which always does), or a text prompt ending in <think>.
 */
export function startsInReasoning(prompt: PromptInput, template: ChatTemplate = r1ChatTemplate()): boolean {
  if (prompt.kind === 'text') return opensThinking(prompt.text);
  return template.render(prompt.messages, { addGenerationPrompt: true }).opensThinking;
}

/** The end-of-sequence ids that stop generation: the tokenizer's EOS (tokenizer_config.json) and R1's, when present. */
export function stopTokenIds(tok: Tokenizer): number[] {
  const out: number[] = [];
  for (const id of [tok.eosId, addedTokenOrNull(tok, R1_TOKENS.eos)]) if (id !== undefined && id !== null && !out.includes(id)) out.push(id);
  return out;
}

/** One sample as text, with the reasoning apart from the answer. */
export interface ChatSample {
  generation: Generation;
  /** The whole completion text (what rewards score). */
  text: string;
  /** Text before the last </think> ('' when the block never opened). */
  reasoning: string;
  /** Text after the last </think>; '' when a block opened and never closed. */
  content: string;
  /**
   * Tokens up to and including </think> (all of them when a block is open and unclosed, 0 when there is no block), or
   * null when the tokenizer has no </think>.
   */
  reasoningTokens: number | null;
}

/**
 * Split a completion at the last "</think>", as the verifier's completion parser and R1's chat template do (the
 * answer is what follows the reasoning's end). `inReasoning`: the prompt opened the block, so text before the close
 * tag is reasoning even without an opening tag in the completion.
 */
export function splitReasoning(text: string, inReasoning: boolean): { reasoning: string; content: string; closed: boolean } {
  const close = text.lastIndexOf(R1_TOKENS.thinkEnd);
  const open = text.indexOf(R1_TOKENS.thinkStart);
  if (close === -1) {
    if (inReasoning) return { reasoning: text.trim(), content: '', closed: false };
    if (open === -1) return { reasoning: '', content: text.trim(), closed: true };
    return { reasoning: text.slice(open + R1_TOKENS.thinkStart.length).trim(), content: text.slice(0, open).trim(), closed: false };
  }
  const opened = open !== -1 && open < close;
  return {
    reasoning: text.slice(opened ? open + R1_TOKENS.thinkStart.length : 0, close).trim(),
    content: ((opened ? text.slice(0, open) : '') + text.slice(close + R1_TOKENS.thinkEnd.length)).trim(),
    closed: true,
  };
}

export interface SampleChatOptions {
  /** Samples per prompt. */
  n: number;
  maxTokens: number;
  sampling: Partial<SamplingParams>;
  seed: number;
  /** How each sample's random stream derives from `seed` (generate's seedMode; default 'forks'). */
  seedMode?: 'forks' | 'per-sample';
  /** sampleChatAsync only: stop at the next decode step. */
  signal?: AbortSignal;
  /** Called as each sample finishes (its prompt and sample numbers are in sample.generation). */
  onSample?: (sample: ChatSample) => void;
}

/** Encoded prompts and generate options for sampleChat / sampleChatAsync. */
function chatGeneration(cm: ChatModel, prompts: readonly PromptInput[], opts: SampleChatOptions): { encoded: EncodedPrompt[]; gen: GenerateOptions } {
  const { model, tokenizer } = cm;
  const template = cm.template ?? chatTemplateOf(tokenizer);
  const encoded = prompts.map((p) => encodePrompt(tokenizer, p, template));
  let longest = 0;
  encoded.forEach(({ ids: x }, i) => {
    if (x.length >= model.config.maxSeqLen) throw new Error(`prompt ${i} has ${x.length} tokens; the model's context is ${model.config.maxSeqLen}`);
    longest = Math.max(longest, x.length);
  });
  const gen: GenerateOptions = {
    maxNewTokens: Math.max(1, Math.min(opts.maxTokens, model.config.maxSeqLen - longest)),
    sampling: opts.sampling,
    seed: opts.seed,
    ...(opts.seedMode !== undefined ? { seedMode: opts.seedMode } : {}),
    n: opts.n,
    stopTokens: stopTokenIds(tokenizer),
    // A model vocabulary padded past the tokenizer's (Qwen2 pads to a multiple of 128): never sample the
    // padding ids, and never fail to decode one.
    decoder: lenientDecoder(tokenizer, tokenizer.vocabSize),
    ...(tokenizer.vocabSize < model.config.vocabSize ? { vocabLimit: tokenizer.vocabSize } : {}),
    ...(cm.maxBatch !== undefined ? { maxBatch: cm.maxBatch } : {}),
    ...(cm.kvDtype !== undefined ? { kvDtype: cm.kvDtype } : {}),
    ...(cm.weights ? { weights: cm.weights } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onSample ? { onFinish: (g: Generation) => opts.onSample!(chatSample(tokenizer, encoded, g)) } : {}),
  };
  return { encoded, gen };
}

function chatSample(tokenizer: Tokenizer, encoded: readonly EncodedPrompt[], g: Generation): ChatSample {
  const thinkEnd = addedTokenOrNull(tokenizer, R1_TOKENS.thinkEnd);
  const text = g.text ?? '';
  const split = splitReasoning(text, encoded[g.prompt]!.opensThinking);
  const end = thinkEnd === null ? -1 : g.tokens.lastIndexOf(thinkEnd);
  // Without a </think>: all of it when a block is open (from the prompt or the completion), none when there is no block.
  const reasoningTokens = thinkEnd === null ? null : end !== -1 ? end + 1 : split.closed ? 0 : g.tokens.length;
  return { generation: g, text, reasoning: split.reasoning, content: split.content, reasoningTokens };
}

export interface ChatResult {
  samples: ChatSample[];
  stats: GenerateResult['stats'];
  /** `prompts[i].ids`. */
  promptIds: number[][];
  prompts: EncodedPrompt[];
}

function chatResult(tokenizer: Tokenizer, encoded: EncodedPrompt[], res: GenerateResult): ChatResult {
  return { samples: res.sequences.map((g) => chatSample(tokenizer, encoded, g)), stats: res.stats, promptIds: encoded.map((e) => e.ids), prompts: encoded };
}

/**
 * Sample `n` completions for each prompt in one generate call (one prefill per prompt, continuous batching), bounded
 * by the model's context. Returns the samples prompt-major (prompt p, sample j at p·n + j), generate's stats and the
 * encoded prompts (`promptIds` is `prompts[i].ids`).
 */
export function sampleChat(cm: ChatModel, prompts: readonly PromptInput[], opts: SampleChatOptions): ChatResult {
  const { encoded, gen } = chatGeneration(cm, prompts, opts);
  return chatResult(cm.tokenizer, encoded, generate(cm.model, encoded.map((e) => e.ids), gen));
}

/**
 * sampleChat that yields to the event loop between decode steps and stops at the next step when `opts.signal`
 * aborts (rejecting with its reason). The same samples as sampleChat for the same options.
 */
export async function sampleChatAsync(cm: ChatModel, prompts: readonly PromptInput[], opts: SampleChatOptions): Promise<ChatResult> {
  const { encoded, gen } = chatGeneration(cm, prompts, opts);
  return chatResult(cm.tokenizer, encoded, await generateAsync(cm.model, encoded.map((e) => e.ids), gen));
}
