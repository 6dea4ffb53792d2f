// src/eval/wire.ts — OpenAI Chat Completions wire types (request body, response, error body) and their mapping to
// Completion. Kept apart from the client logic (as the Vercel AI SDK separates deepseek-chat-api-types.ts).
// DeepSeek extensions read here: message.reasoning_content, usage.prompt_cache_hit_tokens / _miss_tokens.

import { z } from 'zod';
import { splitThinkTags } from './reasoning-split.js';
import type { Completion, FinishReason, Usage } from './types.js';

/** The request body r1ts sends (one user turn; DeepSeek recommends no system prompt for R1). */
export interface ChatRequestBody {
  model: string;
  messages: { role: 'user'; content: string }[];
  temperature: number;
  top_p: number;
  max_tokens: number;
  n?: number;
  seed?: number;
}

const nullableCount = z.number().nonnegative().nullish();

/** The usage block, with the optional DeepSeek and OpenAI detail fields. */
export const WireUsageSchema = z.object({
  prompt_tokens: z.number().nonnegative(),
  completion_tokens: z.number().nonnegative(),
  total_tokens: z.number().nonnegative().nullish(),
  prompt_cache_hit_tokens: nullableCount,
  prompt_cache_miss_tokens: nullableCount,
  prompt_tokens_details: z.object({ cached_tokens: nullableCount }).nullish(),
  completion_tokens_details: z.object({ reasoning_tokens: nullableCount }).nullish(),
});

export const WireChoiceSchema = z.object({
  index: z.number().int().nonnegative().optional(),
  message: z.object({
    content: z.string().nullish(),
    /** DeepSeek's field for the chain of thought. */
    reasoning_content: z.string().nullish(),
    /** The field name vLLM, OpenRouter and others use for the same thing. */
    reasoning: z.string().nullish(),
  }),
  finish_reason: z.string().nullish(),
});

export const WireResponseSchema = z.object({
  choices: z.array(WireChoiceSchema).min(1),
  /** Read leniently by readUsage: a malformed usage block costs the token counts, not the sample. */
  usage: z.unknown().optional(),
});
export type WireResponse = z.infer<typeof WireResponseSchema>;

/** An error body as OpenAI-compatible servers send it: { error: { message } } (some send a bare string). */
export const WireErrorSchema = z.object({
  error: z.union([z.object({ message: z.string().optional(), type: z.string().nullish(), code: z.unknown().optional() }), z.string()]),
});

/**
 * Remove credentials from text a server sent back (some echo the request's headers in their errors): the
 * `secrets` given, Authorization-style schemes, `sk-…` keys and key/token/secret fields.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out
    .replace(/\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi, '$1$2[redacted]')
    .replace(/\bsk-[A-Za-z0-9_-]{6,}/g, 'sk-[redacted]')
    .replace(/("?(?:api[_-]?key|authorization|x-api-key|access[_-]?token|secret)"?\s*[:=]\s*"?)(?!\[redacted\]|(?:Bearer|Basic|Token)\s)[^"\s,}]{4,}/gi, '$1[redacted]');
}

/** Pull a human-readable message out of an error response body, bounded in length, credentials redacted. */
export function errorMessage(body: string, secrets: readonly string[] = []): string {
  try {
    const parsed = WireErrorSchema.safeParse(JSON.parse(body));
    if (parsed.success) {
      const e = parsed.data.error;
      const msg = typeof e === 'string' ? e : (e.message ?? '');
      if (msg) return clip(redactSecrets(msg, secrets));
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return clip(redactSecrets(body.trim(), secrets)) || '(empty body)';
}

function clip(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function mapFinishReason(r: string | null | undefined): FinishReason {
  switch (r) {
    case 'stop':
    case 'length':
    case 'content_filter':
    case 'tool_calls':
      return r;
    default:
      return 'other';
  }
}

/**
 * The usage block of a response. Usage is informational: a field of the wrong type (a server sending
 * `"prompt_tokens": "10"`) drops the detail fields that are wrong, or all of usage when a required count is,
 * and is reported as a warning rather than failing the sample.
 */
export function readUsage(raw: unknown): { usage: z.infer<typeof WireUsageSchema> | null; warning: string | null } {
  if (raw === undefined || raw === null) return { usage: null, warning: null };
  const full = WireUsageSchema.safeParse(raw);
  if (full.success) return { usage: full.data, warning: null };
  const bad = [...new Set(full.error.issues.map((i) => i.path.join('.') || '(usage)'))].join(', ');
  // Keep the required counts when they are fine; drop every optional field that is not.
  if (typeof raw === 'object') {
    const rec = raw as Record<string, unknown>;
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) {
      const field = WireUsageSchema.shape[k as keyof typeof WireUsageSchema.shape];
      if (field !== undefined && field.safeParse(v).success) kept[k] = v;
    }
    const partial = WireUsageSchema.safeParse(kept);
    if (partial.success) return { usage: partial.data, warning: `ignored malformed usage field(s) ${bad}` };
  }
  return { usage: null, warning: `usage is malformed (${bad}); token counts and cost for this sample are missing` };
}

/** Token usage of the whole response, or null when the server sent none. */
export function mapUsage(u: z.infer<typeof WireUsageSchema> | null | undefined): Usage | null {
  if (!u) return null;
  const hit = u.prompt_cache_hit_tokens ?? u.prompt_tokens_details?.cached_tokens ?? null;
  return {
    promptTokens: u.prompt_tokens,
    completionTokens: u.completion_tokens,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? null,
    cacheHitTokens: hit,
    cacheMissTokens: u.prompt_cache_miss_tokens ?? null,
  };
}

/** Divide a request's usage evenly among its `parts` choices (n > 1 responses report one total). */
export function shareUsage(u: Usage | null, parts: number): Usage | null {
  if (!u || parts === 1) return u;
  const d = (x: number | null): number | null => (x === null ? null : x / parts);
  return {
    promptTokens: u.promptTokens / parts,
    completionTokens: u.completionTokens / parts,
    reasoningTokens: d(u.reasoningTokens),
    cacheHitTokens: d(u.cacheHitTokens),
    cacheMissTokens: d(u.cacheMissTokens),
  };
}

/**
 * Map a validated response to completions, in choice order. Reasoning comes from reasoning_content, else
 * `reasoning` (either when not empty), else <think> tags inside content.
 */
export function toCompletions(res: WireResponse, onWarning?: (message: string) => void): Completion[] {
  const choices = [...res.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const read = readUsage(res.usage);
  if (read.warning !== null) onWarning?.(read.warning);
  const usage = shareUsage(mapUsage(read.usage), choices.length);
  return choices.map((c) => {
    const raw = c.message.content ?? '';
    // An empty reasoning field says nothing: servers without a reasoning parser send "" and leave <think> in content.
    const field = [c.message.reasoning_content, c.message.reasoning].find((f) => typeof f === 'string' && f.trim() !== '');
    const split = typeof field === 'string' ? { reasoning: field.trim(), content: raw.trim() } : splitThinkTags(raw);
    return { reasoning: split.reasoning, content: split.content, usage, finishReason: mapFinishReason(c.finish_reason) };
  });
}
