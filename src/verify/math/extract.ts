// src/verify/math/extract.ts — find the final answer in a completion: last \boxed{} / \fbox{}, <answer> tags,
// "Answer:" / "final answer is" lines, GSM8K "#### N", then the last number as a fallback.

import { EXTRACT_METHODS, type ExtractMethod, type ExtractOptions } from './types.js';

export interface Extracted {
  answer: string;
  method: ExtractMethod;
}

/** Longest answer we keep; longer candidates are cut (a verifier must stay cheap on every GRPO sample). */
const MAX_ANSWER_CHARS = 2000;
const MAX_BOX_TRIES = 3;

/**
 * The final answer of `text`, trying each method of `opts.priority` in order (default: boxed, answer-tag,
 * answer-line, gsm8k, last-number). Returns null when no method finds a non-empty answer.
 *
 * @example extractAnswer('so $x = \\boxed{\\frac{1}{2}}$.') // { answer: '\\frac{1}{2}', method: 'boxed' }
 */
export function extractAnswer(text: string, opts: ExtractOptions = {}): Extracted | null {
  if (typeof text !== 'string') throw new TypeError(`extractAnswer: text must be a string, got ${typeof text}`);
  const priority = opts.priority ?? [...EXTRACT_METHODS];
  for (const method of priority) {
    if (!EXTRACT_METHODS.includes(method)) throw new RangeError(`extractAnswer: unknown method "${String(method)}"`);
    const raw = EXTRACTORS[method](text);
    if (raw === null) continue;
    const answer = tidy(raw);
    if (answer !== '') return { answer, method };
  }
  return null;
}

const EXTRACTORS: Record<ExtractMethod, (text: string) => string | null> = {
  boxed: lastBoxed,
  'answer-tag': answerTag,
  'answer-line': answerLine,
  gsm8k: gsm8kAnswer,
  'last-number': lastNumber,
};

/** Content of the last \boxed{...} or \fbox{...} (nested braces), or `\boxed 5` (one token). */
export function lastBoxed(text: string): string | null {
  const re = /\\(?:boxed|fbox)(?![A-Za-z])/g;
  const starts: number[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) starts.push(m.index + m[0].length);
  // Walk backwards: an unbalanced last box (a truncated completion) falls back to the one before it. Only a
  // few are tried, so that thousands of unclosed boxes cannot make this quadratic.
  for (let k = starts.length - 1; k >= Math.max(0, starts.length - MAX_BOX_TRIES); k--) {
    let i = starts[k] as number;
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text[i] === '{') {
      const end = matchBrace(text, i);
      if (end < 0) continue;
      const inner = text.slice(i + 1, end).trim();
      if (inner !== '') return inner;
    } else {
      // `\boxed 5`: a single token, ending at whitespace, `$` or end of text.
      const m = /^[^\s$]+/.exec(text.slice(i));
      if (m !== null && i > (starts[k] as number)) return m[0];
    }
  }
  return null;
}

/** Index of the `}` closing the `{` at `open`, skipping escaped braces; -1 when unbalanced. Iterative. */
export function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Content of the last closed <answer>...</answer> pair; "the answer is X" inside it is reduced to X. */
function answerTag(text: string): string | null {
  // lastIndexOf, not a lazy regex: many unclosed tags would make a regex scan quadratic.
  const lower = text.toLowerCase();
  const close = lower.lastIndexOf('</answer>');
  if (close < 0) return null;
  const open = lower.lastIndexOf('<answer>', close);
  if (open < 0) return null;
  const inner = text.slice(open + '<answer>'.length, close);
  return answerLine(inner) ?? inner;
}

/** The rest of the last "Answer:" / "answer is" / "final answer is" line, up to the end of its sentence. */
function answerLine(text: string): string | null {
  const re = /(?:final\s+answer|answer)\s*(?:\*\*\s*)?(?:is\s*:?|:|=)\s*(?:\*\*)?/gi;
  let lastEnd = -1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) lastEnd = m.index + m[0].length;
  if (lastEnd < 0) return null;
  let rest = text.slice(lastEnd);
  // "Answer:\n\n42" — the answer may start on the next non-empty line.
  const lines = rest.split('\n');
  let line = (lines[0] as string).trim();
  if (line === '') line = (lines.find((l) => l.trim() !== '') ?? '').trim();
  rest = line;
  if (rest.startsWith('$')) {
    // Inline math: take the whole $...$ (or $$...$$) span.
    const dollars = rest.startsWith('$$') ? '$$' : '$';
    const close = rest.indexOf(dollars, dollars.length);
    if (close > 0) return rest.slice(dollars.length, close);
  }
  // Cut at the end of the sentence: a period followed by a space or end ("3.5" keeps its point).
  const stop = /\.(?:\s|$)/.exec(rest);
  if (stop !== null) rest = rest.slice(0, stop.index);
  return rest;
}

/** The text after the last GSM8K marker `#### `. */
function gsm8kAnswer(text: string): string | null {
  const re = /####\s*([^\n]*)/g;
  let last: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m[1] as string;
  return last;
}

/** The last number in the text (thousands separators, decimals, a simple a/b fraction and a sign allowed). */
function lastNumber(text: string): string | null {
  const re = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?|-?\.\d+/g;
  let last: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m[0];
  return last;
}

/** Trim, drop surrounding $...$ / \(...\) / \[...\], markdown bold and a trailing period; cap the length. */
function tidy(raw: string): string {
  let s = raw.trim();
  if (s.length > MAX_ANSWER_CHARS) s = s.slice(0, MAX_ANSWER_CHARS);
  for (let changed = true; changed; ) {
    const before = s;
    s = s.replace(/^\*\*(.*)\*\*$/s, '$1').trim();
    s = s.replace(/^\$\$(.*)\$\$$/s, '$1').trim();
    s = s.replace(/^\$(.*)\$$/s, '$1').trim();
    s = s.replace(/^\\\((.*)\\\)$/s, '$1').trim();
    s = s.replace(/^\\\[(.*)\\\]$/s, '$1').trim();
    s = s.replace(/[.\s]+$/, '').trim();
    changed = s !== before;
  }
  return s;
}
