// src/tokenizer/train-tokenizer.ts — train a complete byte-level BPE Tokenizer on texts: count pieces once,
// learn merges, reserve the added tokens, and describe the result the way tokenizer.json does.

import { AddedVocabulary, type AddedToken } from './added.js';
import { bytesToByteLevel, utf8Bytes } from './bytes.js';
import { buildPreTokenizer, type PreTokenizerSpec } from './pretokenize.js';
import { LLAMA3_PATTERN } from './regex.js';
import { R1_ADDED_TOKENS, R1_TOKENS, type AddedTokenDef } from './specials.js';
import { R1_CHAT_TEMPLATE } from './chat.js';
import { learnMerges, type TrainProgress } from './train.js';
import { Tokenizer, type TokenizerSpec } from './tokenizer.js';

export interface TrainTokenizerOptions {
  /** Total vocabulary: 256 byte tokens + merges + added tokens. */
  vocabSize: number;
  /** A pair must occur this often to be merged. Default 2. */
  minFrequency?: number;
  /** Added tokens, given ids after the BPE vocabulary in this order. Default R1_ADDED_TOKENS. */
  addedTokens?: readonly AddedTokenDef[];
  /** Pre-tokenizer regex (Oniguruma syntax, as stored in tokenizer.json). Default LLAMA3_PATTERN. */
  pattern?: string;
  onProgress?: (p: TrainProgress | { phase: 'count'; done: number; total: number }) => void;
}

/** The pre-tokenizer r1ts trains with: a regex Split, then ByteLevel without its own regex (as Llama-3). */
export function splitThenByteLevel(pattern: string): PreTokenizerSpec {
  return {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  };
}

/** Count how often each pre-tokenized piece occurs; added tokens in the text are boundaries, not pieces. */
export function countPieces(
  texts: Iterable<string>,
  preTokenizer: PreTokenizerSpec,
  added: readonly string[],
  onText?: (done: number) => void,
): Map<string, number> {
  const pre = buildPreTokenizer(preTokenizer);
  const vocab = new AddedVocabulary(added.map((content, id) => ({ id, content, special: true, lstrip: false, rstrip: false, singleWord: false, normalized: false })));
  const counts = new Map<string, number>();
  const add = (p: string): void => {
    counts.set(p, (counts.get(p) ?? 0) + 1);
  };
  let n = 0;
  for (const text of texts) {
    vocab.split(text, 'all', (seg) => pre.split(seg, add), () => {});
    onText?.(++n);
  }
  return counts;
}

/** Train a byte-level BPE tokenizer (ids 0–255 are the bytes, then merges, then added tokens). */
export function trainTokenizer(texts: Iterable<string>, opts: TrainTokenizerOptions): Tokenizer {
  if (texts === null || typeof texts !== 'object' || typeof (texts as Partial<Iterable<string>>)[Symbol.iterator] !== 'function') {
    throw new TypeError('trainTokenizer: texts must be an iterable of strings (an array of texts)');
  }
  if (opts === null || typeof opts !== 'object') throw new TypeError('trainTokenizer: options are required ({ vocabSize })');
  const addedDefs = opts.addedTokens ?? R1_ADDED_TOKENS;
  const numMerges = opts.vocabSize - 256 - addedDefs.length;
  if (!Number.isInteger(opts.vocabSize) || numMerges < 0) {
    throw new Error(`vocabSize ${opts.vocabSize} is too small: it must cover 256 byte tokens and ${addedDefs.length} added tokens`);
  }
  const preTokenizer = splitThenByteLevel(opts.pattern ?? LLAMA3_PATTERN);
  const counts = countPieces(texts, preTokenizer, addedDefs.map((d) => d.content), (done) => opts.onProgress?.({ phase: 'count', done, total: NaN }));
  const learned = learnMerges(counts, {
    numMerges,
    minFrequency: opts.minFrequency ?? 2,
    forbidden: addedDefs.map((d) => Uint8Array.from(utf8Bytes(d.content))),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const vocab = new Map<string, number>();
  learned.tokens.forEach((bytes, id) => vocab.set(bytesToByteLevel(bytes), id));
  const merges = learned.merges.map((m) => [bytesToByteLevel(learned.tokens[m.a] as Uint8Array), bytesToByteLevel(learned.tokens[m.b] as Uint8Array)] as const);
  const addedTokens: AddedToken[] = addedDefs.map((d, i) => ({
    id: learned.tokens.length + i,
    content: d.content,
    special: d.special,
    lstrip: false,
    rstrip: false,
    singleWord: false,
    normalized: false,
  }));
  const has = (c: string): string | undefined => (addedDefs.some((d) => d.content === c) ? c : undefined);
  const specialNames: TokenizerSpec['specialNames'] = {};
  const bos = has(R1_TOKENS.bos);
  const eos = has(R1_TOKENS.eos);
  const pad = has(R1_TOKENS.pad);
  if (bos) specialNames.bos = bos;
  if (eos) specialNames.eos = eos;
  if (pad) specialNames.pad = pad;
  const spec: TokenizerSpec = {
    vocab,
    merges,
    addedTokens,
    normalizer: null,
    preTokenizer,
    postProcessor: null,
    ignoreMerges: false,
    specialNames,
    ...(bos && eos && has(R1_TOKENS.user) && has(R1_TOKENS.assistant) && has(R1_TOKENS.thinkStart) ? { chatTemplate: R1_CHAT_TEMPLATE } : {}),
  };
  return new Tokenizer(spec);
}
