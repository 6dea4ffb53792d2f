// src/model/checkpoint/byte-vocab.ts — a minimal GPT-2-style byte-level BPE vocabulary of any size >= 257, as a
// GGUF tokenizer and as a Hugging Face tokenizer.json. Used when a model has no trained tokenizer (random-init
// interop checks); real checkpoints carry the project's trained tokenizer instead.

import { preTokenizerOfLlamaCpp, READABLE_LLAMA_CPP_PRE_TYPES, type GgufTokenizer } from '../gguf/llama.js';

/** GPT-2's reversible byte -> printable unicode map (printable Latin-1 bytes map to themselves). */
export function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + n++);
  return out;
}

export const BYTE_VOCAB_EOS = '<|endoftext|>';

/**
 * ids 0..255 are the 256 bytes, the last id is `<|endoftext|>` (BOS and EOS), and the ids between are merges of
 * space/letter pairs in a fixed order, so the vocabulary is a valid BPE of exactly `vocabSize` tokens.
 */
export function byteLevelVocab(vocabSize: number): GgufTokenizer {
  if (!Number.isInteger(vocabSize) || vocabSize < 257) throw new Error(`byteLevelVocab: vocabSize must be an integer >= 257, got ${vocabSize}`);
  const b2u = bytesToUnicode();
  const tokens = [...b2u];
  const merges: string[] = [];
  const seen = new Set(tokens);
  const letters = 'etaoinshrdlucmfwypvbgkjqxz'.split('');
  const space = b2u[32]!;
  const firsts = [space, ...letters];
  const nMerges = vocabSize - 257;
  outer: for (const b of letters) {
    for (const a of firsts) {
      if (merges.length >= nMerges) break outer;
      if (!seen.has(a + b)) {
        merges.push(`${a} ${b}`);
        tokens.push(a + b);
        seen.add(a + b);
      }
    }
  }
  // Beyond 26·27 pair merges, extend existing two-char tokens by a letter.
  let i = 256;
  while (merges.length < nMerges) {
    const base = tokens[i++]!;
    for (const b of letters) {
      if (merges.length >= nMerges) break;
      if (!seen.has(base + b)) {
        merges.push(`${base} ${b}`);
        tokens.push(base + b);
        seen.add(base + b);
      }
    }
  }
  tokens.push(BYTE_VOCAB_EOS);
  const tokenTypes = tokens.map((_, id) => (id === vocabSize - 1 ? 3 : 1));
  return { tokens, tokenTypes, merges, bosId: vocabSize - 1, eosId: vocabSize - 1, pre: 'gpt-2' };
}

/**
 * The same vocabulary as a Hugging Face `tokenizers` tokenizer.json object (byte-level BPE), splitting text as
 * llama.cpp does for its tokenizer.ggml.pre type (GPT-2's split when it names none).
 */
export function byteLevelTokenizerJson(tok: GgufTokenizer): Record<string, unknown> {
  const split = preTokenizerOfLlamaCpp(tok.pre);
  if (split === null) throw new Error(`GGUF tokenizer.ggml.pre "${tok.pre}" is not supported (r1ts reads ${READABLE_LLAMA_CPP_PRE_TYPES.join(', ')})`);
  const vocab: Record<string, number> = {};
  tok.tokens.forEach((t, id) => {
    if (tok.tokenTypes[id] === 1) vocab[t] = id;
  });
  const added = tok.tokens
    .map((t, id) => ({ t, id }))
    .filter(({ id }) => tok.tokenTypes[id] !== 1)
    .map(({ t, id }) => ({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  for (const a of added) vocab[a.content] = a.id;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: split.preTokenizer,
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: split.ignoreMerges, vocab, merges: tok.merges,
    },
  };
}
