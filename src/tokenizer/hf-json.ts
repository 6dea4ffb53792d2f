// src/tokenizer/hf-json.ts — Hugging Face tokenizer.json and tokenizer_config.json ⇄ TokenizerSpec, for
// byte-level BPE tokenizers (GPT-2, Llama-3, Qwen2, DeepSeek-V3 style). Errors name the source and the field.

import { z } from 'zod';
import type { AddedToken } from './added.js';
import type { NormalizerSpec } from './normalize.js';
import type { PreTokenizerSpec } from './pretokenize.js';
import { R1_TOKENS } from './specials.js';
import type { PostProcessorSpec, TokenizerSpec } from './tokenizer.js';

/** The largest token id: ids are u32 in Hugging Face tokenizers, which refuses a file with a larger one. */
export const MAX_TOKEN_ID = 2 ** 32 - 1;
/** How deep Sequence pre-tokenizers and normalizers may nest (tokenizers' JSON reader stops at 128 levels of JSON). */
const MAX_NESTING = 32;

const addedTokenJson = z.object({
  id: z.number().int().nonnegative().max(MAX_TOKEN_ID),
  content: z.string().min(1),
  single_word: z.boolean().default(false),
  lstrip: z.boolean().default(false),
  rstrip: z.boolean().default(false),
  normalized: z.boolean().default(true),
  special: z.boolean().default(false),
});

const bpeModelJson = z.object({
  type: z.string().optional(),
  dropout: z.number().nullable().optional(),
  unk_token: z.string().nullable().optional(),
  continuing_subword_prefix: z.string().nullable().optional(),
  end_of_word_suffix: z.string().nullable().optional(),
  fuse_unk: z.boolean().optional(),
  byte_fallback: z.boolean().optional(),
  ignore_merges: z.boolean().optional(),
  vocab: z.looseObject({}), // checked by hand: a zod record would assign a `__proto__` token through the setter
  merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
});

const tokenizerJson = z.object({
  version: z.string().optional(),
  added_tokens: z.array(addedTokenJson).default([]),
  normalizer: z.unknown().optional(),
  pre_tokenizer: z.unknown().optional(),
  post_processor: z.unknown().optional(),
  decoder: z.unknown().optional(),
  model: bpeModelJson,
});

const splitJson = z.object({
  type: z.literal('Split'),
  pattern: z.union([z.object({ Regex: z.string() }), z.object({ String: z.string() })]),
  behavior: z.enum(['Isolated', 'Removed', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']),
  invert: z.boolean().default(false),
});
const byteLevelJson = z.object({
  type: z.literal('ByteLevel'),
  add_prefix_space: z.boolean().default(true),
  trim_offsets: z.boolean().default(true),
  use_regex: z.boolean().default(true),
});
const digitsJson = z.object({ type: z.literal('Digits'), individual_digits: z.boolean().default(false) });

/** A problem in a tokenizer file: the message names the file and the field. */
export class TokenizerFileError extends Error {
  constructor(source: string, where: string, problem: string) {
    super(`${source}: ${where ? where + ': ' : ''}${problem}`);
    this.name = 'TokenizerFileError';
  }
}

function zodProblem(err: z.ZodError, prefix: string): [string, string] {
  const issue = err.issues[0];
  if (issue === undefined) return [prefix, 'invalid'];
  const path = [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.');
  return [path, issue.message];
}

function parseWith<T>(schema: z.ZodType<T>, v: unknown, source: string, where: string): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new TokenizerFileError(source, ...zodProblem(r.error, where));
  return r.data;
}

function typeOf(v: unknown, source: string, where: string): string {
  if (typeof v !== 'object' || v === null || typeof (v as { type?: unknown }).type !== 'string') {
    throw new TokenizerFileError(source, where, 'expected an object with a string "type"');
  }
  return (v as { type: string }).type;
}

function parsePreTokenizer(v: unknown, source: string, where: string, depth = 0): PreTokenizerSpec | null {
  if (v === null || v === undefined) return null;
  if (depth > MAX_NESTING) throw new TokenizerFileError(source, where, `Sequence nested more than ${MAX_NESTING} deep`);
  const type = typeOf(v, source, where);
  switch (type) {
    case 'Sequence': {
      const list = parseWith(z.object({ pretokenizers: z.array(z.unknown()) }), v, source, where);
      return { type: 'Sequence', pretokenizers: list.pretokenizers.map((p, i) => parsePreTokenizer(p, source, `${where}.pretokenizers.${i}`, depth + 1) ?? { type: 'Sequence', pretokenizers: [] }) };
    }
    case 'Split':
      return parseWith(splitJson, v, source, where);
    case 'ByteLevel':
      return parseWith(byteLevelJson, v, source, where);
    case 'Digits':
      return parseWith(digitsJson, v, source, where);
    default:
      throw new TokenizerFileError(source, `${where}.type`, `unsupported pre-tokenizer "${type}" (r1ts reads Split, ByteLevel, Digits and Sequence)`);
  }
}

function hasByteLevel(p: PreTokenizerSpec | null): boolean {
  if (p === null) return false;
  if (p.type === 'ByteLevel') return true;
  return p.type === 'Sequence' && p.pretokenizers.some(hasByteLevel);
}

function parseNormalizer(v: unknown, source: string, where: string, depth = 0): NormalizerSpec | null {
  if (v === null || v === undefined) return null;
  if (depth > MAX_NESTING) throw new TokenizerFileError(source, where, `Sequence nested more than ${MAX_NESTING} deep`);
  const type = typeOf(v, source, where);
  if (type === 'NFC' || type === 'NFD' || type === 'NFKC' || type === 'NFKD') return { type };
  if (type === 'Sequence') {
    const list = parseWith(z.object({ normalizers: z.array(z.unknown()) }), v, source, where);
    return { type: 'Sequence', normalizers: list.normalizers.map((n, i) => parseNormalizer(n, source, `${where}.normalizers.${i}`, depth + 1) ?? { type: 'Sequence', normalizers: [] }) };
  }
  throw new TokenizerFileError(source, `${where}.type`, `unsupported normalizer "${type}" (r1ts reads NFC, NFD, NFKC, NFKD and Sequence)`);
}

function checkDecoder(v: unknown, source: string): void {
  if (v === null || v === undefined) return;
  const type = typeOf(v, source, 'decoder');
  if (type === 'ByteLevel') return;
  throw new TokenizerFileError(source, 'decoder.type', `unsupported decoder "${type}" (a byte-level BPE tokenizer uses ByteLevel)`);
}

function parsePostProcessor(v: unknown, source: string): PostProcessorSpec | null {
  if (v === null || v === undefined) return null;
  typeOf(v, source, 'post_processor');
  return v as PostProcessorSpec;
}

/** Names of BOS/EOS/pad and the chat template, as found in tokenizer_config.json (all optional). */
export interface TokenizerConfigInfo {
  bos?: string;
  eos?: string;
  pad?: string;
  chatTemplate?: string;
  /** Where the chat template came from, for error messages ("/ckpt (tokenizer_config.json)"). */
  chatTemplateSource?: string;
  /**
   * The named special tokens the chat template sees (`bos_token`, `eos_token`, `unk_token`, …), as transformers'
   * `special_tokens_map` passes them to `apply_chat_template`: only those set, an AddedToken as its content.
   */
  templateTokens?: Record<string, string>;
}

/** The named special tokens of transformers' tokenizers (SPECIAL_TOKENS_ATTRIBUTES). */
export const SPECIAL_TOKEN_NAMES = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

const tokenName = z.union([z.string(), z.object({ content: z.string() }).transform((o) => o.content), z.null()]).optional();
const tokenizerConfigJson = z.looseObject({
  bos_token: tokenName,
  eos_token: tokenName,
  unk_token: tokenName,
  sep_token: tokenName,
  pad_token: tokenName,
  cls_token: tokenName,
  mask_token: tokenName,
  // transformers 5: a dict of model-specific named tokens ({"image_token": "<image>"}) joins the named ones.
  extra_special_tokens: z.union([z.record(z.string(), tokenName), z.array(z.unknown()), z.null()]).optional(),
  chat_template: z.union([z.string(), z.array(z.object({ name: z.string(), template: z.string() })), z.null()]).optional(),
});

/** Read the fields r1ts uses from a parsed tokenizer_config.json. */
export function parseTokenizerConfig(json: unknown, source: string): TokenizerConfigInfo {
  const c = parseWith(tokenizerConfigJson, json, source, '');
  const info: TokenizerConfigInfo = {};
  if (typeof c.bos_token === 'string') info.bos = c.bos_token;
  if (typeof c.eos_token === 'string') info.eos = c.eos_token;
  if (typeof c.pad_token === 'string') info.pad = c.pad_token;
  if (typeof c.chat_template === 'string') info.chatTemplate = c.chat_template;
  else if (Array.isArray(c.chat_template)) {
    const def = c.chat_template.find((t) => t.name === 'default') ?? c.chat_template[0];
    if (def) info.chatTemplate = def.template;
  }
  const named: Record<string, string> = {};
  for (const k of SPECIAL_TOKEN_NAMES) {
    const v = c[k];
    if (typeof v === 'string') named[k] = v;
  }
  const extra = c.extra_special_tokens;
  if (extra && !Array.isArray(extra)) for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') named[k] = v;
  info.templateTokens = named;
  return info;
}

/** Parse a tokenizer.json object (already JSON.parse'd) into a spec; `source` names the file in errors. */
export function parseTokenizerJson(json: unknown, source: string, config: TokenizerConfigInfo = {}): TokenizerSpec {
  const t = parseWith(tokenizerJson, json, source, '');
  const m = t.model;
  if (m.type !== undefined && m.type !== 'BPE') throw new TokenizerFileError(source, 'model.type', `unsupported model "${m.type}" (r1ts reads byte-level BPE)`);
  if (m.byte_fallback) throw new TokenizerFileError(source, 'model.byte_fallback', 'byte_fallback BPE (SentencePiece style) is not byte-level BPE');
  if (m.continuing_subword_prefix) throw new TokenizerFileError(source, 'model.continuing_subword_prefix', 'subword prefixes are not supported');
  if (m.end_of_word_suffix) throw new TokenizerFileError(source, 'model.end_of_word_suffix', 'end-of-word suffixes are not supported');
  if (m.dropout) throw new TokenizerFileError(source, 'model.dropout', 'BPE dropout makes encoding random; r1ts encodes deterministically');

  const vocab = new Map<string, number>();
  // Read the vocab from the raw object: JSON.parse keeps a `__proto__` key as an own property.
  const rawVocab = (json as { model: { vocab: Record<string, unknown> } }).model.vocab;
  for (const [tok, id] of Object.entries(rawVocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
      throw new TokenizerFileError(source, `model.vocab[${JSON.stringify(tok)}]`, `expected a non-negative integer id of at most ${MAX_TOKEN_ID}, got ${JSON.stringify(id)}`);
    }
    vocab.set(tok, id);
  }
  const merges = m.merges.map((x, i): readonly [string, string] => {
    if (typeof x !== 'string') return x;
    const parts = x.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerFileError(source, `model.merges.${i}`, `expected "left right", got ${JSON.stringify(x)}`);
    }
    return [parts[0] as string, parts[1] as string];
  });
  const preTokenizer = parsePreTokenizer(t.pre_tokenizer, source, 'pre_tokenizer');
  if (!hasByteLevel(preTokenizer)) throw new TokenizerFileError(source, 'pre_tokenizer', 'not a byte-level tokenizer: no ByteLevel step');
  checkDecoder(t.decoder, source);
  const addedTokens: AddedToken[] = t.added_tokens.map((a) => ({
    id: a.id,
    content: a.content,
    special: a.special,
    lstrip: a.lstrip,
    rstrip: a.rstrip,
    singleWord: a.single_word,
    normalized: a.normalized,
  }));
  const known = (name: string | undefined): string | undefined =>
    name !== undefined && (vocab.has(name) || addedTokens.some((a) => a.content === name)) ? name : undefined;
  const specialNames: TokenizerSpec['specialNames'] = {};
  const bos = known(config.bos) ?? known(R1_TOKENS.bos);
  const eos = known(config.eos) ?? known(R1_TOKENS.eos);
  const pad = known(config.pad) ?? known(R1_TOKENS.pad);
  if (bos) specialNames.bos = bos;
  if (eos) specialNames.eos = eos;
  if (pad) specialNames.pad = pad;
  return {
    vocab,
    merges,
    addedTokens,
    normalizer: parseNormalizer(t.normalizer, source, 'normalizer'),
    preTokenizer,
    postProcessor: parsePostProcessor(t.post_processor, source),
    ignoreMerges: m.ignore_merges ?? false,
    specialNames,
    ...(config.chatTemplate !== undefined ? { chatTemplate: config.chatTemplate } : {}),
    ...(config.chatTemplateSource !== undefined ? { chatTemplateSource: config.chatTemplateSource } : {}),
    ...(config.templateTokens !== undefined ? { templateTokens: config.templateTokens } : {}),
  };
}

/** The tokenizer.json object for a spec (merges written as "left right", readable by every tokenizers version). */
export function toTokenizerJson(spec: TokenizerSpec): Record<string, unknown> {
  const vocab: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [tok, id] of [...spec.vocab].sort((a, b) => a[1] - b[1])) {
    Object.defineProperty(vocab, tok, { value: id, enumerable: true, writable: true, configurable: true });
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: spec.addedTokens.map((a) => ({
      id: a.id,
      content: a.content,
      single_word: a.singleWord,
      lstrip: a.lstrip,
      rstrip: a.rstrip,
      normalized: a.normalized,
      special: a.special,
    })),
    normalizer: spec.normalizer,
    pre_tokenizer: spec.preTokenizer,
    post_processor: spec.postProcessor,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: spec.ignoreMerges,
      vocab,
      merges: spec.merges.map(([l, r]) => `${l} ${r}`),
    },
  };
}

/**
 * tokenizer_config.json for transformers' PreTrainedTokenizerFast: special token names, the chat template,
 * no automatic BOS (the template adds it) and no space clean-up (decode must be exact).
 */
export function toTokenizerConfigJson(spec: TokenizerSpec): Record<string, unknown> {
  const decoderMap: Record<string, unknown> = {};
  for (const a of spec.addedTokens) {
    decoderMap[String(a.id)] = { content: a.content, lstrip: a.lstrip, normalized: a.normalized, rstrip: a.rstrip, single_word: a.singleWord, special: a.special };
  }
  return {
    add_bos_token: false,
    add_eos_token: false,
    added_tokens_decoder: decoderMap,
    ...Object.fromEntries(SPECIAL_TOKEN_NAMES.flatMap((k) => (spec.templateTokens?.[k] !== undefined ? [[k, spec.templateTokens[k]]] : []))),
    bos_token: spec.specialNames.bos ?? spec.templateTokens?.['bos_token'] ?? null,
    eos_token: spec.specialNames.eos ?? spec.templateTokens?.['eos_token'] ?? null,
    pad_token: spec.specialNames.pad ?? spec.templateTokens?.['pad_token'] ?? null,
    clean_up_tokenization_spaces: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
    ...(spec.chatTemplate !== undefined ? { chat_template: spec.chatTemplate } : {}),
  };
}
