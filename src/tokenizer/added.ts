// src/tokenizer/added.ts — added tokens (special and control tokens such as `<think>` or `<｜User｜>`): their
// record as in tokenizer.json, and splitting text so that each allowed one is matched whole, never by BPE.

/** One added token, with the options Hugging Face stores for it. */
export interface AddedToken {
  id: number;
  content: string;
  /** Special tokens are dropped by `decode(…, { skipSpecialTokens: true })`. */
  special: boolean;
  /** Absorb whitespace on the left (back to the previous match) / right of the match (HF `lstrip` / `rstrip`). */
  lstrip: boolean;
  rstrip: boolean;
  /** Match only when not inside a word (HF `single_word`). */
  singleWord: boolean;
  /** Matched on normalized text, after the tokens with `normalized: false` are matched on raw text (as HF does). */
  normalized: boolean;
}

/** Which added tokens `encode` may match atomically: all (as HF does), none, or the listed contents. */
export type AllowedAdded = 'all' | 'none' | readonly string[];

/** Splits text on added tokens: leftmost match wins, and among matches at one position the longest. */
export class AddedVocabulary {
  readonly tokens: readonly AddedToken[];
  private readonly byContent = new Map<string, AddedToken>();
  private readonly byId = new Map<number, AddedToken>();
  private readonly matchers = new Map<string, RegExp | null>();

  constructor(tokens: readonly AddedToken[]) {
    for (const t of tokens) {
      if (t.content.length === 0) throw new Error(`added token ${t.id} has empty content`);
      if (this.byContent.has(t.content)) throw new Error(`added token ${JSON.stringify(t.content)} is listed twice`);
      if (this.byId.has(t.id)) throw new Error(`added token id ${t.id} is used twice`);
      this.byContent.set(t.content, t);
      this.byId.set(t.id, t);
    }
    this.tokens = tokens;
  }

  get(content: string): AddedToken | undefined {
    return this.byContent.get(content);
  }

  getById(id: number): AddedToken | undefined {
    return this.byId.get(id);
  }

  /**
   * Walk `text`, calling `onText` for each stretch of ordinary text and `onToken` for each allowed added
   * token, in order. Unknown names in `allowed` throw.
   */
  split(text: string, allowed: AllowedAdded, onText: (s: string) => void, onToken: (id: number) => void): void {
    const re = this.matcher(allowed);
    if (re === null) {
      if (text.length > 0) onText(text);
      return;
    }
    // As tokenizers does: find the tokens' own text first, then widen lstrip tokens over the whitespace before them
    // (back to the previous token) and rstrip tokens over the whitespace after them (up to the next token). Not
    // with \s* around the tokens in the pattern: a leading one retried the rest of a whitespace run at each of its
    // positions (quadratic time on a long run), a trailing one swallowed the start of a token that begins with
    // whitespace.
    const found: { index: number; end: number; token: AddedToken }[] = [];
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) found.push({ index: m.index, end: m.index + m[0].length, token: this.byContent.get(m[0]) as AddedToken });
    let last = 0;
    found.forEach(({ index, end, token }, i) => {
      let start = index;
      if (token.lstrip) while (start > last && WHITE_SPACE.test(text[start - 1] as string)) start--;
      if (token.rstrip) {
        const limit = found[i + 1]?.index ?? text.length;
        while (end < limit && WHITE_SPACE.test(text[end] as string)) end++;
      }
      if (start > last) onText(text.slice(last, start));
      onToken(token.id);
      last = end;
    });
    if (last < text.length) onText(text.slice(last));
  }

  private matcher(allowed: AllowedAdded): RegExp | null {
    const key = typeof allowed === 'string' ? allowed : '\u0000' + [...allowed].sort().join('\u0000');
    const cached = this.matchers.get(key);
    if (cached !== undefined) return cached;
    let list: AddedToken[];
    if (allowed === 'all') list = [...this.tokens];
    else if (allowed === 'none') list = [];
    else {
      list = allowed.map((c) => {
        const t = this.byContent.get(c);
        if (t === undefined) throw new Error(`unknown added token ${JSON.stringify(c)} in allowed list`);
        return t;
      });
    }
    // Longest first: JS alternation takes the first alternative that matches at the leftmost position.
    list.sort((a, b) => b.content.length - a.content.length || (a.content < b.content ? -1 : 1));
    let re: RegExp | null = null;
    if (list.length > 0) {
      const alts = list.map((t) => {
        const s = escapeRegExp(t.content);
        return t.singleWord ? `(?<![\\p{L}\\p{N}_])${s}(?![\\p{L}\\p{N}_])` : s;
      });
      re = new RegExp(alts.join('|'), 'gu');
    }
    this.matchers.set(key, re);
    return re;
  }
}

/** A character the lstrip / rstrip flags absorb (Rust's char::is_whitespace, as tokenizers uses). */
const WHITE_SPACE = /^\p{White_Space}$/u;

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
