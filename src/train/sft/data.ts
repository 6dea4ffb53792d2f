// src/train/sft/data.ts — supervised data: JSONL files in the shapes TRL's datasets use — `messages` (a chat),
// `prompt`/`completion` (strings or message lists), or `text` (plain text for pretraining) — turned into token ids
// with a loss mask. Every malformed line is reported with its file and line number.

import { readFileSync } from 'node:fs';
import { addedTokenOrNull, encodePrompt, promptIds, type EncodedPrompt } from '../../generate/index.js';
import { chatMessageSchema, chatTemplateOf, ChatTemplateError, R1_TOKENS, type ChatMessage, type ChatTemplate, type Tokenizer } from '../../tokenizer/index.js';

/** One training example: ids and which of them carry loss (mask[i] = 1: predict ids[i] from ids[<i]). */
export interface SftExample {
  ids: number[];
  mask: Uint8Array;
  /** file:line it came from. */
  source: string;
}

export type SftRecord =
  | { kind: 'chat'; messages: ChatMessage[] }
  | { kind: 'prompt-completion'; prompt: ChatMessage[] | string; completion: ChatMessage[] | string }
  | { kind: 'text'; text: string };

function messages(value: unknown, where: string, field: string): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${where}: "${field}" must be a non-empty list of {role, content} messages`);
  return value.map((m, i) => {
    const r = chatMessageSchema.safeParse(m);
    if (!r.success) throw new Error(`${where}: ${field}[${i}] is not a {role: system|user|assistant, content: string} message`);
    return r.data;
  });
}

/** Parses one JSON line into a record; throws naming `where` (file:line). */
export function parseSftLine(line: string, where: string): SftRecord {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: each line must be a JSON object`);
  const o = v as Record<string, unknown>;
  if ('messages' in o) {
    const ms = messages(o.messages, where, 'messages');
    if (ms[ms.length - 1]!.role !== 'assistant') throw new Error(`${where}: the last message must be the assistant's (it is what the model learns)`);
    return { kind: 'chat', messages: ms };
  }
  if ('prompt' in o || 'completion' in o) {
    const side = (k: 'prompt' | 'completion'): ChatMessage[] | string => {
      const x = o[k];
      if (typeof x === 'string') {
        if (k === 'completion' && x.length === 0) throw new Error(`${where}: "completion" is empty`);
        return x;
      }
      if (x === undefined) throw new Error(`${where}: has "${k === 'prompt' ? 'completion' : 'prompt'}" but no "${k}"`);
      return messages(x, where, k);
    };
    return { kind: 'prompt-completion', prompt: side('prompt'), completion: side('completion') };
  }
  if ('text' in o) {
    if (typeof o.text !== 'string' || o.text.length === 0) throw new Error(`${where}: "text" must be a non-empty string`);
    return { kind: 'text', text: o.text };
  }
  throw new Error(`${where}: expected "messages", "prompt"/"completion" or "text"; found ${Object.keys(o).map((k) => JSON.stringify(k)).join(', ') || 'no fields'}`);
}

/** Reads a JSONL file (blank lines skipped). */
export function readSftFile(file: string): { record: SftRecord; where: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the data (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const out: { record: SftRecord; where: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    out.push({ record: parseSftLine(line, where), where });
  });
  if (out.length === 0) throw new Error(`${file}: no examples`);
  return out;
}

/**
 * The assistant's reply as the completion of a prompt that ends in an open reasoning block (R1's `<think>\n`): a
 * leading `<think>` is dropped, and a reply without reasoning gets an empty block ("</think>\n\n…").
 */
function replyAfterOpenThink(content: string): string {
  const c = content.replace(/^\s*<think>\n?/, '');
  return c.includes(R1_TOKENS.thinkEnd) ? c : `${R1_TOKENS.thinkEnd}\n\n${c}`;
}

/** Stands for the reply while the template renders the finished turn (no template spells it). */
const REPLY_MARK = '\u2063r1ts-reply\u2063';

/**
 * The completion text after a chat prompt rendered by a Jinja template: the reply as the template frames a finished
 * assistant turn (whatever it puts between its generation prompt and the reply, then the reply, then its turn end,
 * e.g. "<|im_end|>\n"), found by rendering the turn with a marker for the reply. The reply is kept verbatim, reasoning
 * included, even where the template drops reasoning from history.
 */
function jinjaCompletion(template: ChatTemplate, history: readonly ChatMessage[], reply: string, prompt: EncodedPrompt, where: string): string {
  const full = template.render([...history, { role: 'assistant', content: REPLY_MARK }], { addGenerationPrompt: false }).text;
  const at = full.indexOf(REPLY_MARK);
  if (at < 0 || full.indexOf(REPLY_MARK, at + 1) >= 0) throw new ChatTemplateError(`${where}: the chat template of ${template.source} does not render the assistant's reply as given, so r1ts cannot tell which tokens to train on`);
  const head = full.slice(0, at);
  const lead = head.startsWith(prompt.text) ? head.slice(prompt.text.length) : '';
  return lead + (prompt.opensThinking ? replyAfterOpenThink(reply) : reply) + full.slice(at + REPLY_MARK.length);
}

/**
 * Token ids and loss mask of a record. 'chat' format: the checkpoint's chat template (`template`, default the
 * tokenizer's own), loss on the final assistant turn and its end (the R1 template: the reply and EOS; a Jinja
 * template: the reply and the turn end it renders); earlier turns are context. 'text' format: prompt text then
 * completion text. Plain text trains on every token. `trainOnPrompt` puts the loss on the prompt too.
 */
export function encodeSftRecord(tok: Tokenizer, rec: SftRecord, format: 'chat' | 'text', trainOnPrompt: boolean, where: string, template: ChatTemplate = chatTemplateOf(tok)): SftExample {
  const eos = tok.eosId ?? addedTokenOrNull(tok, R1_TOKENS.eos);
  const bos = tok.bosId ?? addedTokenOrNull(tok, R1_TOKENS.bos);
  const tail = eos === null ? [] : [eos];
  if (rec.kind === 'text') {
    const ids = [...(bos === null ? [] : [bos]), ...tok.encode(rec.text, { allowedAdded: 'all' }), ...tail];
    return { ids, mask: Uint8Array.from(ids, (_, i) => (i === 0 && bos !== null ? 0 : 1)), source: where };
  }
  let prompt: number[];
  let completion: number[];
  if (format === 'chat') {
    let history: ChatMessage[];
    let reply: string;
    if (rec.kind === 'chat') {
      history = rec.messages.slice(0, -1);
      reply = rec.messages[rec.messages.length - 1]!.content;
    } else {
      history = typeof rec.prompt === 'string' ? [{ role: 'user', content: rec.prompt }] : rec.prompt;
      const c = rec.completion;
      if (typeof c !== 'string' && c.some((m) => m.role !== 'assistant')) throw new Error(`${where}: "completion" messages must all be the assistant's`);
      reply = typeof c === 'string' ? c : c.map((m) => m.content).join('');
    }
    let p: EncodedPrompt;
    try {
      p = encodePrompt(tok, { kind: 'chat', messages: history }, template);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    prompt = p.ids;
    completion = template.kind === 'r1'
      ? [...tok.encode(replyAfterOpenThink(reply), { allowedAdded: 'all' }), ...tail]
      : tok.encode(jinjaCompletion(template, history, reply, p, where), { allowedAdded: 'all' });
  } else {
    if (rec.kind === 'chat') throw new Error(`${where}: "messages" data needs format "chat"`);
    const asText = (x: ChatMessage[] | string): string => (typeof x === 'string' ? x : x.map((m) => m.content).join('\n'));
    prompt = promptIds(tok, { kind: 'text', text: asText(rec.prompt) });
    completion = [...tok.encode(asText(rec.completion), { allowedAdded: 'all' }), ...tail];
  }
  const ids = [...prompt, ...completion];
  const mask = new Uint8Array(ids.length);
  for (let i = trainOnPrompt ? 1 : prompt.length; i < ids.length; i++) mask[i] = 1;
  return { ids, mask, source: where };
}

/**
 * Every record of a file encoded; examples over `maxLen` tokens are cut to it (reported in `truncated`), or with
 * `long: 'drop'` left out (reported in `dropped`).
 */
export function loadSftExamples(file: string, tok: Tokenizer, opts: { format: 'chat' | 'text'; trainOnPrompt: boolean; maxLen: number; template?: ChatTemplate; long?: 'cut' | 'drop' }): { examples: SftExample[]; truncated: number; dropped: number } {
  let truncated = 0, dropped = 0;
  const vocab = tok.vocabSize;
  const examples = readSftFile(file).map(({ record, where }) => {
    const ex = encodeSftRecord(tok, record, opts.format, opts.trainOnPrompt, where, opts.template);
    for (const id of ex.ids) if (id >= vocab) throw new Error(`${where}: token id ${id} outside the tokenizer's ${vocab}`);
    if (ex.ids.length > opts.maxLen && opts.long === 'drop') {
      dropped++;
      return null;
    }
    if (ex.ids.length > opts.maxLen) {
      truncated++;
      return { ids: ex.ids.slice(0, opts.maxLen), mask: ex.mask.slice(0, opts.maxLen), source: ex.source };
    }
    return ex;
  });
  return { examples: examples.filter((e): e is SftExample => e !== null && e.mask.some((m) => m > 0) && e.ids.length >= 2), truncated, dropped };
}
