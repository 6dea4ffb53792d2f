// src/serve/wire.ts — the chat API's wire types, apart from any logic: the request body as a zod schema (the
// OpenAI / DeepSeek `POST /chat/completions` shape), the response, the streamed chunk and the error body.
// DeepSeek's reasoner contract: `reasoning_content` in the output (and never in input messages), `logprobs` refused,
// usage with prompt_cache_hit_tokens / prompt_cache_miss_tokens and completion_tokens_details.reasoning_tokens.

import { z } from 'zod';
import type { ApiErrorBody, ApiErrorType } from './http-common.js';

/** Text parts of a message's content (the array form clients may send); only type "text" is served. */
const textPart = z.object({ type: z.literal('text'), text: z.string() });

export const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart), z.null()]),
  name: z.string().optional(),
  /** Refused with 400 (DeepSeek: reasoning_content must not be sent back in input messages). */
  reasoning_content: z.unknown().optional(),
});

/**
 * The request body. Unknown top-level fields are ignored, as OpenAI-compatible servers do. Honoured: model,
 * messages, max_tokens (or max_completion_tokens), temperature, top_p, stop, seed, stream, stream_options.
 * Accepted and ignored: frequency_penalty, presence_penalty, user, n = 1, tools (with tool_choice "auto" or "none":
 * the model never calls a tool, which both allow), response_format "text". Refused (400): logprobs / top_logprobs,
 * tool_choice "required" or a named function (a call is demanded), response_format "json_object" / "json_schema"
 * (the reply is free text; JSON cannot be guaranteed).
 */
export const chatRequestSchema = z.object({
  model: z.string().min(1).max(256),
  messages: z.array(messageSchema).min(1).max(4096),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  /** Upper bound on generated tokens, reasoning and answer together (DeepSeek counts both); default: the context left. */
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16)]).nullish(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).nullish(),
  n: z.literal(1).nullish(),
  user: z.string().max(512).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })]).nullish(),
  response_format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']) }).nullish(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type WireMessage = z.infer<typeof messageSchema>;

export type WireFinishReason = 'stop' | 'length';

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_cache_hit_tokens: number;
  prompt_cache_miss_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: [{ index: 0; message: { role: 'assistant'; content: string; reasoning_content: string }; logprobs: null; finish_reason: WireFinishReason }];
  usage: WireUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: { index: 0; delta: { role?: 'assistant'; content?: string | null; reasoning_content?: string | null }; logprobs: null; finish_reason: WireFinishReason | null }[];
  usage?: WireUsage | null;
}

export interface WireModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** Error types and the JSON error body: http-common's, one shape for every r1ts server. */
export type ErrorType = ApiErrorType;
export type WireError = ApiErrorBody;
