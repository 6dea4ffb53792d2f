// src/generate/text.ts — incremental detokenization for streaming: text is released only once its characters are
// complete (a byte-level BPE token can end mid-character), so streamed deltas add up to the final text exactly.

/** Streaming token → text conversion (what Tokenizer.streamDecoder() returns). */
export interface TextStream {
  /** Text completed by this token (possibly ''). */
  push(token: number): string;
  /** Whatever is held back (an incomplete character becomes U+FFFD). */
  flush(): string;
}

/** Anything that can open a streaming decoder: a Tokenizer, or fromDecode(fn) for a plain decode function. */
export interface Detokenizer {
  streamDecoder(): { push(ids: number): string; flush(): string };
}

/** Opens a text stream for one sequence. */
export function textStream(d: Detokenizer): TextStream {
  const s = d.streamDecoder();
  return { push: (t) => s.push(t), flush: () => s.flush() };
}

/**
 * A Detokenizer from a plain `decode(ids)` function: decodes the tokens since the last complete character and holds
 * them back while the text ends in U+FFFD (an unfinished UTF-8 sequence), so the work per token stays constant.
 */
export function fromDecode(decode: (ids: readonly number[]) => string): Detokenizer {
  return {
    streamDecoder() {
      let pending: number[] = [];
      return {
        push(id: number): string {
          pending.push(id);
          const text = decode(pending);
          if (text.endsWith('\uFFFD')) return '';
          pending = [];
          return text;
        },
        flush(): string {
          const text = pending.length ? decode(pending) : '';
          pending = [];
          return text;
        },
      };
    },
  };
}

/**
 * A Detokenizer that never throws on an id outside `[0, vocabSize)` (a model whose vocabulary is padded past
 * the tokenizer's), nor, when `d` can say which ids it has (a Tokenizer's idToToken), on an id in a gap of the
 * tokenizer's ids: such an id decodes to U+FFFD instead of aborting the whole generation.
 */
export function lenientDecoder(d: Detokenizer & { idToToken?: (id: number) => string | undefined }, vocabSize: number): Detokenizer {
  const has = (id: number): boolean => Number.isInteger(id) && id >= 0 && id < vocabSize && (d.idToToken === undefined || d.idToToken(id) !== undefined);
  return {
    streamDecoder() {
      const inner = d.streamDecoder();
      return {
        push: (id: number): string => (has(id) ? inner.push(id) : `${inner.flush()}\uFFFD`),
        flush: () => inner.flush(),
      };
    },
  };
}
