// src/generate/chat.ts — the one glue from a prompt to parsed completions for a local model: a chat (the R1 template,
// whose assistant turn opens with "<think>\n") or a raw text prompt (R1-Zero's Table 1 template) → token ids →
// generate() → each sample split into reasoning and answer at "</think>". Evaluation, the GRPO rollout, rejection
// sampling and the server share it, so all of them prompt a model the same way.

import type { KvDtype, Transformer } from '../model/index.js';
import { encodeChat, R1_TOKENS, type ChatMessage, type Tokenizer } from '../tokenizer/index.js';
import type { DecoderWeights } from './decode.js';
import { generate, type GenerateResult, type Generation } from './generate.js';
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
}

/**
 * What the model is prompted with. 'chat': messages rendered with the R1 chat template and an open assistant turn
 * (the completion starts inside <think>). 'text': a plain prompt after BOS, as R1-Zero is trained (DeepSeek-R1
 * Table 1: "… User: {prompt}. Assistant:"); the completion starts before any tag.
 */
export type PromptInput = { kind: 'chat'; messages: readonly ChatMessage[] } | { kind: 'text'; text: string };

/** The id of an added token, or null when the tokenizer does not have it. */
export function addedTokenOrNull(tok: Pick<Tokenizer, 'addedTokenId'>, content: string): number | null {
  try {
    return tok.addedTokenId(content);
  } catch {
    return null;
  }
}

/**
 * Token ids of a prompt. Message and prompt text is encoded literally, so a question that spells a chat token
 * (`<｜User｜>`) cannot forge a turn.
 */
export function promptIds(tok: Tokenizer, prompt: PromptInput): number[] {
  if (prompt.kind === 'chat') return encodeChat(tok, prompt.messages, { addGenerationPrompt: true, literalContent: true });
  const bos = addedTokenOrNull(tok, R1_TOKENS.bos);
  return [...(bos === null ? [] : [bos]), ...tok.encode(prompt.text, { allowedAdded: 'none' })];
}

/** Whether the completion of this prompt starts inside the reasoning block (the prompt opened <think>). */
export function startsInReasoning(prompt: PromptInput): boolean {
  return prompt.kind === 'chat';
}

/** The end-of-sequence id that stops generation (none when the tokenizer lacks R1's EOS). */
export function stopTokenIds(tok: Tokenizer): number[] {
  const eos = addedTokenOrNull(tok, R1_TOKENS.eos);
  return eos === null ? [] : [eos];
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
  /** Tokens up to and including </think> (all of them when unclosed), or null when the tokenizer has no </think>. */
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
}

/**
 * Sample `n` completions for each prompt in one generate call (one prefill per prompt, continuous batching), bounded
 * by the model's context. Returns the samples prompt-major (prompt p, sample j at p·n + j) and generate's stats.
 */
export function sampleChat(cm: ChatModel, prompts: readonly PromptInput[], opts: SampleChatOptions): { samples: ChatSample[]; stats: GenerateResult['stats']; promptIds: number[][] } {
  const { model, tokenizer } = cm;
  const ids = prompts.map((p) => promptIds(tokenizer, p));
  let longest = 0;
  ids.forEach((x, i) => {
    if (x.length >= model.config.maxSeqLen) throw new Error(`prompt ${i} has ${x.length} tokens; the model's context is ${model.config.maxSeqLen}`);
    longest = Math.max(longest, x.length);
  });
  const res = generate(model, ids, {
    maxNewTokens: Math.max(1, Math.min(opts.maxTokens, model.config.maxSeqLen - longest)),
    sampling: opts.sampling,
    seed: opts.seed,
    n: opts.n,
    stopTokens: stopTokenIds(tokenizer),
    // A model vocabulary padded past the tokenizer's (Qwen2 pads to a multiple of 128): never sample the
    // padding ids, and never fail to decode one.
    decoder: lenientDecoder(tokenizer, tokenizer.vocabSize),
    ...(tokenizer.vocabSize < model.config.vocabSize ? { vocabLimit: tokenizer.vocabSize } : {}),
    ...(cm.maxBatch !== undefined ? { maxBatch: cm.maxBatch } : {}),
    ...(cm.kvDtype !== undefined ? { kvDtype: cm.kvDtype } : {}),
    ...(cm.weights ? { weights: cm.weights } : {}),
  });
  const thinkEnd = addedTokenOrNull(tokenizer, R1_TOKENS.thinkEnd);
  const samples = res.sequences.map((g): ChatSample => {
    const text = g.text ?? '';
    const split = splitReasoning(text, startsInReasoning(prompts[g.prompt]!));
    const end = thinkEnd === null ? -1 : g.tokens.lastIndexOf(thinkEnd);
    const reasoningTokens = thinkEnd === null ? null : end === -1 ? g.tokens.length : end + 1;
    return { generation: g, text, reasoning: split.reasoning, content: split.content, reasoningTokens };
  });
  return { samples, stats: res.stats, promptIds: ids };
}
