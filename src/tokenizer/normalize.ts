// src/tokenizer/normalize.ts — the Unicode normalizers that byte-level tokenizers use (Qwen2 applies NFC).

/** tokenizer.json `normalizer` values r1ts understands. */
export type NormalizerSpec =
  | { type: 'NFC' | 'NFD' | 'NFKC' | 'NFKD' }
  | { type: 'Sequence'; normalizers: NormalizerSpec[] };

/** A normalizer as a function; identity for null. */
export function buildNormalizer(spec: NormalizerSpec | null): ((s: string) => string) | null {
  if (spec === null) return null;
  if (spec.type === 'Sequence') {
    const parts = spec.normalizers.map(buildNormalizer).filter((f): f is (s: string) => string => f !== null);
    if (parts.length === 0) return null;
    return (s) => parts.reduce((acc, f) => f(acc), s);
  }
  const form = spec.type;
  return (s) => s.normalize(form);
}
