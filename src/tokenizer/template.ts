// src/tokenizer/template.ts — the chat template a checkpoint is prompted with: its own Jinja template
// (tokenizer_config.json `chat_template` or chat_template.jinja) rendered with @huggingface/jinja the way
// transformers' `apply_chat_template` renders it, or r1ts's built-in DeepSeek-R1 template (chat.ts) for r1ts's own
// models and for checkpoints that carry none. Tokenized as transformers does: the whole rendered string, special
// tokens in it matched as tokens, no post-processor tokens added (add_special_tokens=False, so no double BOS).

import { readFileSync } from 'node:fs';
import { Environment, Template } from '@huggingface/jinja';
import { chatSegments, encodeChat, R1_CHAT_TEMPLATE, type ChatMessage } from './chat.js';
import { pythonInterpreter } from './jinja-python.js';
import { R1_TOKENS } from './specials.js';
import { Tokenizer } from './tokenizer.js';

/** A chat template that does not parse, raises (`raise_exception`) or fails while rendering. */
export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

export interface ChatRenderOptions {
  /** End with the template's opening of a new assistant turn (transformers' `add_generation_prompt`). */
  addGenerationPrompt: boolean;
  /**
   * encode() only: message text is encoded literally, never as control tokens, so a message that spells
   * `<|im_start|>` cannot forge a turn (for a server facing users). The built-in R1 template always does this. A
   * Jinja template does it when asked and a message spells an added token (otherwise the ids are transformers'
   * anyway); when the template rewrites message text so that it cannot be found verbatim, a ChatTemplateError says so.
   */
  literalContent?: boolean;
}

/** A rendered chat. */
export interface RenderedChat {
  text: string;
  /**
   * The text ends inside an open reasoning block (its last tag is `<think>`, as R1's generation prompt
   * `<｜Assistant｜><think>\n` and newer distill templates leave it), so a completion of it starts in reasoning.
   */
  opensThinking: boolean;
}

/** A chat template ready to render messages and turn them into token ids. */
export interface ChatTemplate {
  /** 'r1': the built-in DeepSeek-R1 template; 'jinja': a checkpoint's or a file's own Jinja template. */
  readonly kind: 'r1' | 'jinja';
  /** Where it came from ("built-in DeepSeek-R1 template", "/ckpt (tokenizer_config.json)", "--chat-template x.jinja"). */
  readonly source: string;
  /** The rendered string, as `apply_chat_template(messages, tokenize=False, add_generation_prompt=…)` returns it. */
  render(messages: readonly ChatMessage[], opts: ChatRenderOptions): RenderedChat;
  /**
   * Token ids of the rendered chat. Jinja templates: `apply_chat_template(…, tokenize=True)`'s ids. The built-in R1
   * template encodes message text literally (a user who types `<｜Assistant｜>` cannot forge a turn); the ids are
   * the same whenever no message spells an added token.
   */
  encode(tok: Tokenizer, messages: readonly ChatMessage[], opts: ChatRenderOptions): RenderedChat & { ids: number[] };
}

/** Whether a rendered prompt leaves a reasoning block open: it ends (trailing whitespace aside) with `<think>`. */
export function opensThinking(text: string): boolean {
  const t = text.trimEnd();
  return t.endsWith(R1_TOKENS.thinkStart);
}

export const R1_TEMPLATE_SOURCE = 'built-in DeepSeek-R1 template';

/** r1ts's built-in DeepSeek-R1 template (chat.ts): what `R1_CHAT_TEMPLATE` renders in Jinja, in TypeScript. */
export function r1ChatTemplate(): ChatTemplate {
  return {
    kind: 'r1',
    source: R1_TEMPLATE_SOURCE,
    render(messages, opts) {
      const text = chatSegments(messages, { addGenerationPrompt: opts.addGenerationPrompt }).map((s) => s.text).join('');
      return { text, opensThinking: opensThinking(text) };
    },
    encode(tok, messages, opts) {
      const missing = [R1_TOKENS.bos, R1_TOKENS.user, R1_TOKENS.assistant, R1_TOKENS.eos, R1_TOKENS.thinkStart].filter((t) => tok.added.get(t) === undefined);
      if (missing.length > 0) {
        throw new ChatTemplateError(
          `${tok.source}: the tokenizer has no chat template and lacks the R1 template's tokens (${missing.join(' ')}); give a Jinja template with --chat-template FILE`,
        );
      }
      const r = this.render(messages, opts);
      return { ...r, ids: encodeChat(tok, messages, { addGenerationPrompt: opts.addGenerationPrompt, literalContent: true }) };
    },
  };
}

/** Thrown by the template's `raise_exception(message)`: the template refusing the conversation. */
class TemplateRaised extends Error {}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Python's `datetime.now().strftime(format)` (glibc, C locale): the codes below, `%-d`-style unpadded forms, `%Z`/`%z`
 * empty as for Python's naive local time, and a character glibc does not know kept as written (`%Q` stays `%Q`).
 * The glibc codes not done here (`%c`, `%x`, `%U`, …) throw rather than print something else than transformers.
 */
export function strftime(date: Date, format: string): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const h = date.getHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const dayOfYear = Math.floor((Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) - Date.UTC(date.getFullYear(), 0, 1)) / 86_400_000) + 1;
  const codes: Record<string, string> = {
    Y: String(date.getFullYear()), y: p2(date.getFullYear() % 100), C: p2(Math.floor(date.getFullYear() / 100)), m: p2(date.getMonth() + 1), d: p2(date.getDate()),
    e: String(date.getDate()).padStart(2, ' '), B: MONTHS[date.getMonth()]!, b: MONTHS[date.getMonth()]!.slice(0, 3), h: MONTHS[date.getMonth()]!.slice(0, 3),
    A: WEEKDAYS[date.getDay()]!, a: WEEKDAYS[date.getDay()]!.slice(0, 3), u: String(date.getDay() === 0 ? 7 : date.getDay()), w: String(date.getDay()),
    H: p2(h), I: p2(h12), k: String(h).padStart(2, ' '), l: String(h12).padStart(2, ' '), M: p2(date.getMinutes()), S: p2(date.getSeconds()),
    p: h < 12 ? 'AM' : 'PM', P: h < 12 ? 'am' : 'pm', j: String(dayOfYear).padStart(3, '0'), Z: '', z: '', n: '\n', t: '\t', '%': '%',
  };
  codes['D'] = `${codes['m']}/${codes['d']}/${codes['y']}`;
  codes['F'] = `${codes['Y']}-${codes['m']}-${codes['d']}`;
  codes['T'] = `${codes['H']}:${codes['M']}:${codes['S']}`;
  codes['R'] = `${codes['H']}:${codes['M']}`;
  return format.replace(/%(-?)(.?)/gs, (all, flag: string, c: string) => {
    const v = codes[c];
    if (v === undefined) {
      if (c !== '' && 'cxXgGUVWrs+EO0_^#'.includes(c)) throw new Error(`strftime_now: the format code ${JSON.stringify(all)} is not supported`);
      return all;
    }
    if (flag !== '-') return v;
    if (!'dmyCHIMSjekl'.includes(c)) throw new Error(`strftime_now: the format code ${JSON.stringify(all)} is not supported`);
    return String(Number(v));
  });
}

/** The most items range() builds: Jinja's sandbox limit (MAX_RANGE), so a template cannot exhaust memory. */
const MAX_RANGE = 100_000;

/** Python's range(stop) / range(start, stop[, step]), at most MAX_RANGE items. */
function range(a: number, b?: number, step = 1): number[] {
  const [start, stop] = b === undefined ? [0, a] : [a, b];
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  const n = Math.ceil((stop - start) / step);
  if (n > MAX_RANGE) throw new Error(`range() of ${n} items is too big: a chat template may build at most ${MAX_RANGE} (Jinja's sandbox limit)`);
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/**
 * A Jinja chat template, rendered as transformers renders it: trim_blocks and lstrip_blocks on and one trailing
 * newline of the template dropped (@huggingface/jinja's lexer does both, as transformers' Jinja environment), and
 * the globals and variables transformers passes: `raise_exception`, `strftime_now`, `range`, `namespace`, then the
 * named special tokens (`tokens`: bos_token, eos_token, …), `messages`, `tools` and `documents` (None) and
 * `add_generation_prompt`. `source` names the template in errors.
 */
export function jinjaChatTemplate(template: string, source: string, tokens: Readonly<Record<string, string>> = {}): ChatTemplate {
  let compiled: Template;
  try {
    // jinja2 reads \r\n and \r in a template as \n (so do trim_blocks and the dropped trailing newline); a template
    // saved with Windows line ends would otherwise write \r\n where transformers writes \n.
    compiled = new Template(template.replace(/\r\n?/g, '\n'));
  } catch (e) {
    throw new ChatTemplateError(`${source}: the chat template does not parse: ${(e as Error).message}`);
  }
  const render = (messages: readonly ChatMessage[], opts: ChatRenderOptions): RenderedChat => {
    let text: string;
    try {
      const env = new Environment();
      const vars: Record<string, unknown> = {
        true: true, false: false, none: null, True: true, False: false, None: null,
        range,
        strftime_now: (format: unknown) => strftime(new Date(), String(format)),
        raise_exception: (message: unknown) => {
          throw new TemplateRaised(String(message));
        },
        ...tokens,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        tools: null,
        documents: null,
        add_generation_prompt: opts.addGenerationPrompt,
      };
      for (const [k, v] of Object.entries(vars)) env.set(k, v);
      const out = pythonInterpreter(env).run(compiled.parsed);
      text = String(out.value);
    } catch (e) {
      if (e instanceof TemplateRaised) throw new ChatTemplateError(`${source}: the chat template refused the conversation: ${e.message}`);
      throw new ChatTemplateError(`${source}: the chat template failed to render: ${(e as Error).message}`);
    }
    return { text, opensThinking: opensThinking(text) };
  };
  const t: ChatTemplate = {
    kind: 'jinja',
    source,
    render,
    encode: (tok, messages, opts) => encodeChatWith(t, tokenizerPromptEncoder(tok), messages, opts),
  };
  return t;
}

/**
 * What encoding a rendered chat needs of a tokenizer, so a template can prompt a model whose tokenizer is not r1ts's
 * own (a GGUF served through llama.cpp tokenizes with llama.cpp).
 */
export interface PromptEncoder {
  /** Token ids of `text`; `controls`: text spelling a control (added) token becomes that token, else plain text. */
  encode(text: string, controls: boolean): number[];
  /** Whether `text` spells one of the vocabulary's control (added) tokens. */
  spellsControl(text: string): boolean;
}

/** An r1ts Tokenizer as a PromptEncoder (no BOS/EOS added: the template writes them). */
export function tokenizerPromptEncoder(tok: Tokenizer): PromptEncoder {
  return {
    encode: (text, controls) => tok.encode(text, { allowedAdded: controls ? 'all' : 'none', addSpecialTokens: false }),
    spellsControl: (text) => tok.added.tokens.some((t) => text.includes(t.content)),
  };
}

/**
 * A chat rendered by `template` and encoded by `enc`, as transformers' `apply_chat_template(…, tokenize=True)`:
 * the whole rendered string with control tokens matched. With `literalContent`, when a message spells a control
 * token, message text is encoded as plain text instead: render again with a marker for each message's text, check
 * that putting the texts back gives the same rendering, then encode template text and message text apart. A
 * template that rewrites message text so that it cannot be found verbatim gets a ChatTemplateError.
 */
export function encodeChatWith(template: Pick<ChatTemplate, 'render' | 'source'>, enc: PromptEncoder, messages: readonly ChatMessage[], opts: ChatRenderOptions): RenderedChat & { ids: number[] } {
  const r = template.render(messages, opts);
  if (!opts.literalContent || !messages.some((m) => enc.spellsControl(m.content))) return { ...r, ids: enc.encode(r.text, true) };
  const mark = (i: number): string => `\u2063r1ts-message-${i}\u2063`;
  const marked = template.render(messages.map((m, i) => ({ ...m, content: mark(i) })), opts).text;
  const pieces = marked.split(/\u2063r1ts-message-(\d+)\u2063/);
  const ids: number[] = [];
  const seen = new Set<number>();
  let rebuilt = '';
  pieces.forEach((p, k) => {
    if (k % 2 === 0) {
      rebuilt += p;
      ids.push(...enc.encode(p, true));
    } else {
      const i = Number(p);
      seen.add(i);
      rebuilt += messages[i]!.content;
      ids.push(...enc.encode(messages[i]!.content, false));
    }
  });
  if (rebuilt !== r.text || seen.size !== (pieces.length - 1) / 2) {
    throw new ChatTemplateError(`${template.source}: a message spells a control token and the chat template does not keep message text verbatim, so it cannot be encoded as plain text`);
  }
  return { ...r, ids };
}

/** The named special tokens a tokenizer's chat template sees (tokenizer_config.json's, else BOS/EOS/pad). */
export function templateTokensOf(tok: Tokenizer): Record<string, string> {
  if (tok.spec.templateTokens) return { ...tok.spec.templateTokens };
  const n = tok.spec.specialNames;
  return { ...(n.bos ? { bos_token: n.bos } : {}), ...(n.eos ? { eos_token: n.eos } : {}), ...(n.pad ? { pad_token: n.pad } : {}) };
}

const cache = new WeakMap<Tokenizer, ChatTemplate>();

/**
 * The template a tokenizer's checkpoint is prompted with: its own Jinja template, or the built-in R1 template when
 * it has none or has r1ts's own (`R1_CHAT_TEMPLATE`, which the built-in renders identically). Compiled once per
 * tokenizer; a template that does not parse throws a ChatTemplateError naming where it came from.
 */
export function chatTemplateOf(tok: Tokenizer): ChatTemplate {
  const hit = cache.get(tok);
  if (hit) return hit;
  const text = tok.spec.chatTemplate;
  const t = text === undefined || text === R1_CHAT_TEMPLATE ? r1ChatTemplate() : jinjaChatTemplate(text, tok.spec.chatTemplateSource ?? tok.source, templateTokensOf(tok));
  cache.set(tok, t);
  return t;
}

/**
 * The same tokenizer prompted with another Jinja template (`--chat-template FILE`): it renders every prompt and is
 * saved with the tokenizer (a model trained on a template keeps it). Throws when the template does not parse.
 */
export function withChatTemplate(tok: Tokenizer, template: string, source: string): Tokenizer {
  const out = new Tokenizer({ ...tok.spec, chatTemplate: template, chatTemplateSource: source }, tok.source);
  chatTemplateOf(out);
  return out;
}

/** Read a `--chat-template FILE` and apply it to `tok` (errors name the file). */
export function withChatTemplateFile(tok: Tokenizer, file: string): Tokenizer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ChatTemplateError(`--chat-template ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.trim() === '') throw new ChatTemplateError(`--chat-template ${file}: the file is empty`);
  return withChatTemplate(tok, text, `--chat-template ${file}`);
}
