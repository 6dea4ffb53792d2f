// src/tokenizer/gguf.ts — a tokenizer's fields as a GGUF file stores them for llama.cpp (`gpt2`-style byte-level BPE:
// the vocabulary in GPT-2 byte-to-unicode form, token types, merges, BOS/EOS, the pre-tokenizer and chat template).

import type { GgufTokenizer } from '../model/index.js';
import type { Tokenizer } from './tokenizer.js';

/** llama.cpp token types (llama_token_type): normal, control, user-defined, unused. */
const NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

/**
 * The GGUF tokenizer fields of `tok` for a model of `vocabSize` rows (at least the tokenizer's: the rows past it, a
 * model vocabulary padded to a round size as Qwen2's is, become unused `[PAD<id>]` tokens, as llama.cpp's converter
 * writes them). Added tokens are control tokens when special, user-defined otherwise.
 */
export function ggufTokenizerOf(tok: Tokenizer, vocabSize = tok.vocabSize): GgufTokenizer {
  if (!Number.isInteger(vocabSize) || vocabSize < tok.vocabSize) throw new RangeError(`ggufTokenizerOf: the model's vocabulary (${vocabSize}) is smaller than the tokenizer's (${tok.vocabSize})`);
  const tokens = new Array<string>(vocabSize);
  const types = new Array<number>(vocabSize).fill(NORMAL);
  for (const [s, id] of tok.spec.vocab) tokens[id] = s;
  for (const a of tok.spec.addedTokens) {
    tokens[a.id] = a.content;
    types[a.id] = a.special ? CONTROL : USER_DEFINED;
  }
  for (let i = 0; i < vocabSize; i++) {
    if (tokens[i] === undefined) {
      tokens[i] = `[PAD${i}]`;
      types[i] = UNUSED;
    }
  }
  const eos = tok.eosId ?? vocabSize - 1;
  return {
    tokens, tokenTypes: types, merges: tok.spec.merges.map(([a, b]) => `${a} ${b}`), bosId: tok.bosId ?? eos, eosId: eos, preTokenizer: tok.spec.preTokenizer,
    ...(tok.spec.chatTemplate !== undefined ? { chatTemplate: tok.spec.chatTemplate } : {}),
  };
}
