// src/nn/charCorpus.ts — a small built-in text and a char-level tokenizer for the engine's demo, loss test and bench.

export const CHAR_TEXT = [
  'the engine reads the tape backwards and every gradient finds its way home.',
  'a small model learns the shape of a sentence before it learns its meaning.',
  'reward the right answer, check the format, and let the policy find the path.',
  'two cores, one buffer, no copies: the matrix multiply runs hot and the loss falls.',
  'the student reads the teacher and the teacher reads the proof.',
].join('\n');

export interface CharCodec {
  readonly vocab: readonly string[];
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/** A codec over the distinct characters of `text` (sorted, so ids are stable). */
export function charCodec(text: string): CharCodec {
  const vocab = [...new Set(text)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  return {
    vocab,
    encode(s: string): Int32Array {
      return Int32Array.from(s, (c) => {
        const i = index.get(c);
        if (i === undefined) throw new RangeError(`charCodec: character ${JSON.stringify(c)} not in vocabulary`);
        return i;
      });
    },
    decode(ids: ArrayLike<number>): string {
      return Array.from(ids, (i) => vocab[i] ?? '?').join('');
    },
  };
}
