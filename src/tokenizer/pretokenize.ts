// src/tokenizer/pretokenize.ts — pre-tokenizers: split text into pieces that BPE merges never cross
// (Hugging Face `Split`, `ByteLevel`, `Digits`, `Sequence`), streamed through a callback to avoid arrays.

import { compileOnig, GPT2_PATTERN } from './regex.js';

/** How a Split pre-tokenizer treats the matched pieces (Hugging Face `SplitDelimiterBehavior`). */
export type SplitBehavior = 'Isolated' | 'Removed' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/** Serializable description of a pre-tokenizer, mirroring tokenizer.json's `pre_tokenizer` field. */
export type PreTokenizerSpec =
  | { type: 'Split'; pattern: { Regex: string } | { String: string }; behavior: SplitBehavior; invert: boolean }
  | { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean }
  | { type: 'Digits'; individual_digits: boolean }
  | { type: 'Sequence'; pretokenizers: PreTokenizerSpec[] };

/** A compiled pre-tokenizer: calls `emit` once per piece, in order; pieces concatenate to the input (less removed parts). */
export interface PreTokenizer {
  split(text: string, emit: (piece: string) => void): void;
}

/** Compile a spec; errors name the unsupported part. */
export function buildPreTokenizer(spec: PreTokenizerSpec | null): PreTokenizer {
  if (spec === null) return { split: (text, emit) => { if (text.length > 0) emit(text); } };
  switch (spec.type) {
    case 'Split': {
      const re = 'Regex' in spec.pattern ? compileOnig(spec.pattern.Regex) : new RegExp(escapeRegExp(spec.pattern.String), 'gu');
      return new RegexSplit(re, spec.behavior, spec.invert);
    }
    case 'ByteLevel':
      return new ByteLevelSplit(spec.add_prefix_space, spec.use_regex);
    case 'Digits':
      return new RegexSplit(new RegExp(spec.individual_digits ? '\\p{N}' : '\\p{N}+', 'gu'), 'Isolated', false);
    case 'Sequence': {
      const parts = spec.pretokenizers.map(buildPreTokenizer);
      return { split: (text, emit) => chain(parts, 0, text, emit) };
    }
  }
}

function chain(parts: PreTokenizer[], i: number, text: string, emit: (piece: string) => void): void {
  const p = parts[i];
  if (p === undefined) emit(text);
  else p.split(text, (piece) => chain(parts, i + 1, piece, emit));
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Hugging Face `Split`: regex matches and the gaps between them, combined according to `behavior`. */
export class RegexSplit implements PreTokenizer {
  constructor(
    private readonly re: RegExp,
    private readonly behavior: SplitBehavior,
    private readonly invert: boolean,
  ) {
    if (!re.global || !re.unicode) throw new Error('RegexSplit needs a global unicode RegExp (flags "gu")');
  }

  split(text: string, emit: (piece: string) => void): void {
    if (this.behavior === 'Isolated') return this.isolated(text, emit);
    // General path: list (piece, isMatch) segments, then combine them.
    const segs: { s: string; m: boolean }[] = [];
    this.segments(text, (s, m) => segs.push({ s, m: m !== this.invert }));
    if (this.behavior === 'Removed') {
      for (const g of segs) if (!g.m && g.s.length > 0) emit(g.s);
      return;
    }
    // Hugging Face folds MergedWith* over the segments: a match joins its neighbour only when that neighbour
    // is not itself a match (MergedWithNext is the same fold run from the right).
    const out: { s: string; m: boolean }[] = [];
    if (this.behavior === 'Contiguous') {
      // HF joins consecutive segments with the same flag, matches or not (after invert, and counting empty
      // matches), starting from "previous was not a match".
      let prevMatch = false;
      for (const g of segs) {
        const last = out[out.length - 1];
        if (g.m === prevMatch && last !== undefined) last.s += g.s;
        else out.push({ ...g });
        prevMatch = g.m;
      }
    } else {
      const fromRight = this.behavior === 'MergedWithNext';
      const order = fromRight ? [...segs].reverse() : segs;
      let prevMatch = false;
      for (const g of order) {
        const last = out[out.length - 1];
        if (g.m && !prevMatch) {
          if (last !== undefined) last.s = fromRight ? g.s + last.s : last.s + g.s;
          else out.push({ ...g });
        } else out.push({ s: g.s, m: false });
        prevMatch = g.m;
      }
      if (fromRight) out.reverse();
    }
    for (const g of out) if (g.s.length > 0) emit(g.s);
  }

  /** Fast path: every match and every gap is its own piece (invert does not change the pieces). */
  private isolated(text: string, emit: (piece: string) => void): void {
    this.segments(text, (s) => {
      if (s.length > 0) emit(s);
    });
  }

  /**
   * Matches and gaps in order. Like HF, an empty match is a (zero-width) match segment, so it splits the text;
   * as in Oniguruma's find_iter, an empty match right where the previous match ended is skipped.
   */
  private segments(text: string, cb: (s: string, isMatch: boolean) => void): void {
    const re = this.re;
    re.lastIndex = 0;
    let last = 0;
    let lastMatchEnd = -1;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      if (end === start) {
        const c = text.charCodeAt(start);
        re.lastIndex = start + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
        if (start === lastMatchEnd) continue;
        if (start > text.length) break;
      }
      if (start > last) cb(text.slice(last, start), false);
      cb(m[0], true);
      last = end;
      lastMatchEnd = end;
    }
    if (last < text.length) cb(text.slice(last), false);
  }
}

/** Hugging Face `ByteLevel` pre-tokenizer: optional prefix space, optional GPT-2 regex split. */
export class ByteLevelSplit implements PreTokenizer {
  private readonly gpt2: RegexSplit | undefined;
  constructor(private readonly addPrefixSpace: boolean, useRegex: boolean) {
    this.gpt2 = useRegex ? new RegexSplit(compileOnig(GPT2_PATTERN), 'Isolated', false) : undefined;
  }

  split(text: string, emit: (piece: string) => void): void {
    // HF prepends the space to every piece that reaches this stage and does not start with one.
    const t = this.addPrefixSpace && !text.startsWith(' ') ? ' ' + text : text;
    if (this.gpt2) this.gpt2.split(t, emit);
    else if (t.length > 0) emit(t);
  }
}
