// src/tokenizer/chat.ts — the DeepSeek-R1 chat template: messages → prompt string, and the same template in
// Jinja for tokenizer_config.json so that transformers' `apply_chat_template` renders the identical string.

import { z } from 'zod';
import { R1_TOKENS } from './specials.js';
import type { Tokenizer } from './tokenizer.js';

export const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** One chat turn. */
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatRole = ChatMessage['role'];

export interface RenderChatOptions {
  /** End with an open assistant turn that starts thinking: `<｜Assistant｜><think>\n`. Default false. */
  addGenerationPrompt?: boolean;
  /** Begin with the BOS token, as R1's template does. Default true. */
  bos?: boolean;
}

/**
 * Render messages the way DeepSeek-R1's template does: BOS, then all system messages joined by a blank line,
 * then `<｜User｜>{user}` and `<｜Assistant｜>{answer}<｜end▁of▁sentence｜>` turns. Earlier assistant turns keep
 * only the text after their last `</think>`: R1 drops reasoning from the history. With a generation prompt
 * the new assistant turn opens with `<think>\n`, which makes R1 always think first.
 */
export function renderChat(messages: readonly ChatMessage[], opts: RenderChatOptions = {}): string {
  return chatSegments(messages, opts).map((s) => s.text).join('');
}

/** One piece of a rendered chat: a template token (BOS, role, EOS, `<think>`) or message text. */
export interface ChatSegment {
  kind: 'token' | 'content';
  text: string;
}

/** The rendered chat as template tokens and message text, in order (renderChat joins them). */
export function chatSegments(messages: readonly ChatMessage[], opts: RenderChatOptions = {}): ChatSegment[] {
  const out: ChatSegment[] = [];
  const token = (text: string): void => {
    out.push({ kind: 'token', text });
  };
  const content = (text: string): void => {
    if (text.length > 0) out.push({ kind: 'content', text });
  };
  if (opts.bos !== false) token(R1_TOKENS.bos);
  content(messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n'));
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
        break;
      case 'user':
        token(R1_TOKENS.user);
        content(m.content);
        break;
      case 'assistant':
        token(R1_TOKENS.assistant);
        content(stripReasoning(m.content));
        token(R1_TOKENS.eos);
        break;
      default:
        throw new Error(`message ${i}: unknown chat role ${JSON.stringify((m as { role: unknown }).role)}`);
    }
  });
  if (opts.addGenerationPrompt) {
    token(R1_TOKENS.assistant);
    token(R1_TOKENS.thinkStart);
    content('\n');
  }
  return out;
}

export interface EncodeChatOptions extends RenderChatOptions {
  /**
   * Encode message text with added tokens as plain text, so a user who types `<｜Assistant｜>` cannot forge a
   * turn. Default false: the whole rendered string is encoded, as transformers' `apply_chat_template` does
   * (identical ids whenever the messages contain no added-token text).
   */
  literalContent?: boolean;
}

/** Token ids of a chat rendered with the R1 template. */
export function encodeChat(tok: Pick<Tokenizer, 'encode' | 'addedTokenId'>, messages: readonly ChatMessage[], opts: EncodeChatOptions = {}): number[] {
  if (!opts.literalContent) return tok.encode(renderChat(messages, opts));
  const ids: number[] = [];
  for (const seg of chatSegments(messages, opts)) {
    if (seg.kind === 'token') ids.push(tok.addedTokenId(seg.text));
    else ids.push(...tok.encode(seg.text, { allowedAdded: 'none' }));
  }
  return ids;
}

/** The text after the last `</think>` (the whole text when there is none), as R1's template keeps it. */
export function stripReasoning(content: string): string {
  const at = content.lastIndexOf(R1_TOKENS.thinkEnd);
  return at < 0 ? content : content.slice(at + R1_TOKENS.thinkEnd.length);
}

/**
 * The same template in Jinja (no tool calls). `bos_token` comes from tokenizer_config.json; pass
 * `add_generation_prompt=True` for the open assistant turn.
 */
export const R1_CHAT_TEMPLATE = [
  "{%- set ns = namespace(system_prompt='', first=true) -%}",
  '{%- for message in messages -%}',
  "{%- if message['role'] == 'system' -%}",
  "{%- if ns.first -%}{%- set ns.system_prompt = message['content'] -%}{%- set ns.first = false -%}",
  "{%- else -%}{%- set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] -%}{%- endif -%}",
  '{%- endif -%}',
  '{%- endfor -%}',
  '{{- bos_token + ns.system_prompt -}}',
  '{%- for message in messages -%}',
  `{%- if message['role'] == 'user' -%}{{- '${R1_TOKENS.user}' + message['content'] -}}`,
  "{%- elif message['role'] == 'assistant' -%}{%- set content = message['content'] -%}",
  "{%- if '</think>' in content -%}{%- set content = content.split('</think>')[-1] -%}{%- endif -%}",
  `{{- '${R1_TOKENS.assistant}' + content + '${R1_TOKENS.eos}' -}}`,
  '{%- endif -%}',
  '{%- endfor -%}',
  `{%- if add_generation_prompt -%}{{- '${R1_TOKENS.assistant}${R1_TOKENS.thinkStart}\\n' -}}{%- endif -%}`,
].join('');
