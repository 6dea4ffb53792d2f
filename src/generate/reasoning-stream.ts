// src/generate/reasoning-stream.ts — splits streamed completion text into reasoning and answer deltas at the
// <think>…</think> tags, holding back any text that could still become a tag, so a tag split across tokens never
// leaks into either field. The deltas of each field add up to what splitReasoning (chat.ts) returns for the whole
// text when it holds at most one tag pair: both fields are trimmed (leading whitespace skipped, trailing whitespace
// held back until more text follows).

export interface ReasoningTags {
  /** Opening and closing tags, e.g. '<think>' and '</think>'. */
  open: string;
  close: string;
  /** The prompt opened the block (R1's template ends with "<think>\n"): text before the close tag is reasoning. */
  startInside: boolean;
}

export interface ReasoningParts {
  reasoning: string;
  content: string;
}

/** Trims a field that arrives in pieces: leading whitespace dropped, trailing whitespace held until text follows. */
class TrimmedField {
  #started = false;
  #ws = '';

  push(s: string): string {
    if (!this.#started) {
      s = s.replace(/^\s+/, '');
      if (s === '') return '';
      this.#started = true;
    }
    const text = this.#ws + s;
    const m = /\s+$/.exec(text);
    this.#ws = m ? m[0] : '';
    return m ? text.slice(0, m.index) : text;
  }

  get started(): boolean {
    return this.#started;
  }
}

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
function partialTagSuffix(s: string, tag: string): number {
  for (let k = Math.min(tag.length - 1, s.length); k > 0; k--) if (tag.startsWith(s.slice(s.length - k))) return k;
  return 0;
}

/**
 * Streaming splitter: push(textDelta) → the reasoning and content text now certain; end() → what was held back.
 * Modes: 'before' (no tag seen, prompt did not open the block: text is answer until an opening tag), 'reasoning'
 * (until the closing tag), 'content' (everything after it, tags included literally).
 */
export class ReasoningStream {
  readonly #tags: ReasoningTags;
  #mode: 'before' | 'reasoning' | 'content';
  #buf = '';
  readonly #reasoning = new TrimmedField();
  readonly #content = new TrimmedField();

  constructor(tags: ReasoningTags) {
    if (!tags.open || !tags.close) throw new RangeError('ReasoningStream: tags must be non-empty strings');
    this.#tags = tags;
    this.#mode = tags.startInside ? 'reasoning' : 'before';
  }

  /** Which field text goes to now. */
  get mode(): 'before' | 'reasoning' | 'content' {
    return this.#mode;
  }

  push(delta: string): ReasoningParts {
    const out: ReasoningParts = { reasoning: '', content: '' };
    this.#buf += delta;
    for (;;) {
      const buf = this.#buf;
      if (this.#mode === 'content') {
        out.content += this.#content.push(buf);
        this.#buf = '';
        return out;
      }
      if (this.#mode === 'reasoning' && !this.#reasoning.started) {
        // The model may repeat the opening tag at the start of its reasoning: drop it.
        const lead = buf.replace(/^\s+/, '');
        const { open } = this.#tags;
        if (lead.startsWith(open)) {
          this.#buf = lead.slice(open.length);
          continue;
        }
        if (lead.length > 0 && open.startsWith(lead)) {
          this.#buf = lead; // could still become the opening tag
          return out;
        }
      }
      const tag = this.#mode === 'before' ? this.#tags.open : this.#tags.close;
      const at = buf.indexOf(tag);
      if (at !== -1) {
        this.#emit(out, buf.slice(0, at));
        this.#mode = this.#mode === 'before' ? 'reasoning' : 'content';
        this.#buf = buf.slice(at + tag.length);
        continue;
      }
      const hold = partialTagSuffix(buf, tag);
      this.#emit(out, buf.slice(0, buf.length - hold));
      this.#buf = buf.slice(buf.length - hold);
      return out;
    }
  }

  /** The end of the text: held-back partial tags belong to the current field; trailing whitespace is dropped. */
  end(): ReasoningParts {
    const out: ReasoningParts = { reasoning: '', content: '' };
    this.#emit(out, this.#buf);
    this.#buf = '';
    return out;
  }

  #emit(out: ReasoningParts, text: string): void {
    if (text === '') return;
    if (this.#mode === 'reasoning') out.reasoning += this.#reasoning.push(text);
    else out.content += this.#content.push(text);
  }
}
