// src/verify/math/extract.ts — find the final answer in a completion. Priority (first match wins): Minerva's
// "final answer is X. I hope it is correct." (first one), the last \boxed{} (with boxes listed next to it), the
// last <answer> block, the last final-answer phrase, GSM8K "#### N", the last math span, the last bare number.
// All of it runs on the committed region: the text before chat-template junk and before a new problem.

import { EXTRACT_METHODS, type ExtractMethod, type ExtractOptions } from './types.js';
import { answerAfterPhrase, committedRegion, mathSpans, matchBrace, minervaAnswer, type Span } from './spans.js';
import { normalizeAnswer } from './normalize.js';
import { parseValue, splitTop, type Value } from './structure.js';
import { LatexError, latexToMathjs } from './latex.js';

export { matchBrace } from './spans.js';

export interface Extracted {
  answer: string;
  method: ExtractMethod;
}

/** Longest answer we keep; longer candidates are cut (a verifier must stay cheap on every GRPO sample). */
const MAX_ANSWER_CHARS = 2000;
const MAX_BOX_TRIES = 3;
/** Boxes listed side by side ("\boxed{1}, \boxed{2} and \boxed{3}") are one answer of several values. */
const MAX_LISTED_BOXES = 8;

/**
 * The final answer of `text`, trying each method of `opts.priority` in order (default: boxed, answer-tag,
 * answer-line, gsm8k, latex-span, last-number). Returns null when no method finds a non-empty answer.
 *
 * @example extractAnswer('so $x = \\boxed{\\frac{1}{2}}$.') // { answer: '\\frac{1}{2}', method: 'boxed' }
 * @example extractAnswer('Final Answer: The final answer is $7$. I hope it is correct.\n\nProblem: …') // '7'
 */
export function extractAnswer(text: string, opts: ExtractOptions = {}): Extracted | null {
  if (typeof text !== 'string') throw new TypeError(`extractAnswer: text must be a string, got ${typeof text}`);
  const priority = opts.priority ?? [...EXTRACT_METHODS];
  for (const method of priority) {
    if (!EXTRACT_METHODS.includes(method)) throw new RangeError(`extractAnswer: unknown method "${String(method)}"`);
  }
  const region = committedRegion(text);
  if (priority.includes('answer-line')) {
    // Minerva's closing sentence is the strongest commitment there is: the first one wins over anything else.
    const minerva = minervaAnswer(region);
    if (minerva !== null) {
      const answer = tidy(lastBoxed(minerva) ?? minerva);
      if (answer !== '') return { answer, method: 'answer-line' };
    }
  }
  for (const method of priority) {
    const raw = EXTRACTORS[method](region);
    if (raw === null) continue;
    const answer = tidy(raw);
    if (answer !== '') return { answer, method };
  }
  return null;
}

const EXTRACTORS: Record<ExtractMethod, (text: string) => string | null> = {
  boxed: boxedAnswer,
  'answer-tag': answerTag,
  'answer-line': answerLine,
  gsm8k: gsm8kAnswer,
  'latex-span': lastSpan,
  'last-number': lastNumber,
};

/** A complete box: its content and where it sits. */
interface Box {
  content: string;
  start: number;
  end: number;
}

/** The complete boxes near the end of `text`, last first (at most a few unclosed ones are skipped). */
function boxesFromEnd(text: string, limit: number): Box[] {
  const re = /\\(?:boxed|fbox)(?![A-Za-z])/g;
  const starts: number[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) starts.push(m.index);
  const out: Box[] = [];
  let failures = 0;
  for (let k = starts.length - 1; k >= 0 && out.length < limit && failures < MAX_BOX_TRIES; k--) {
    const start = starts[k] as number;
    const cmdEnd = start + (text.startsWith('\\boxed', start) ? 6 : 5);
    let i = cmdEnd;
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text[i] === '{') {
      const end = matchBrace(text, i);
      if (end < 0 || text.slice(i + 1, end).trim() === '') {
        failures++;
        continue;
      }
      out.push({ content: text.slice(i + 1, end).trim(), start, end: end + 1 });
    } else {
      // `\boxed 5`: a single token, ending at whitespace, `$` or end of text; `\boxed5`: the number right after it.
      const m = i === cmdEnd ? /^\d+(?:\.\d+)?/.exec(text.slice(i, i + MAX_ANSWER_CHARS)) : /^[^\s$]+/.exec(text.slice(i, i + MAX_ANSWER_CHARS));
      if (m === null) {
        failures++;
        continue;
      }
      out.push({ content: m[0], start, end: i + m[0].length });
    }
  }
  return out;
}

/** Content of the last \boxed{...} or \fbox{...} (nested braces), or `\boxed 5` (one token). */
export function lastBoxed(text: string): string | null {
  return boxesFromEnd(text, 1)[0]?.content ?? null;
}

/** What may stand between boxes that list one answer's values: commas, "and" / "or", spacing, dollars. */
const LIST_GAP = /^[\s$,;]*(?:(?:and|or|\\text\{\s*(?:and|or|,)\s*\}|\\quad|\\qquad|\\[,;])[\s$,;]*)?$/;

/** The last box, joined with the boxes listed right before it ("\boxed{2} and \boxed{3}" is "2, 3"). */
function boxedAnswer(text: string): string | null {
  const boxes = boxesFromEnd(text, MAX_LISTED_BOXES);
  if (boxes.length === 0) return null;
  const listed: Box[] = [boxes[0] as Box];
  for (let k = 1; k < boxes.length; k++) {
    const next = listed[listed.length - 1] as Box;
    const prev = boxes[k] as Box;
    if (prev.end > next.start || !LIST_GAP.test(text.slice(prev.end, next.start))) break;
    listed.push(prev);
  }
  return listed
    .reverse()
    .map((b) => b.content)
    .join(', ');
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
  return lastBoxed(inner) ?? answerLine(inner) ?? inner;
}

/** The answer after the last final-answer phrase ("Answer:", "the answer is", "答案是"), a box in it unwrapped. */
function answerLine(text: string): string | null {
  const raw = answerAfterPhrase(text);
  if (raw === null) return null;
  return lastBoxed(raw) ?? raw;
}

/** The text after the last GSM8K marker `#### `. */
function gsm8kAnswer(text: string): string | null {
  const re = /####\s*([^\n]*)/g;
  let last: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m[1] as string;
  return last;
}

/**
 * The last math span that reads as an answer, when no bare number stands after it: `$\frac{2}{5}$` is 2/5, not 5,
 * and "Since $x = 5$, the perimeter is 20 cm" is 20 (found by last-number). Spans that are a lone variable
 * (`$x$`) or that do not parse are skipped.
 */
function lastSpan(text: string): string | null {
  const spans = mathSpans(text);
  if (spans.length === 0) return null;
  const bare = lastBareNumber(text, spans);
  for (let k = spans.length - 1; k >= 0; k--) {
    const span = spans[k] as Span;
    if (bare !== null && bare.index >= span.end) return null;
    if (!answerLike(span.content)) continue;
    // Spans listed together ("$x = 1$ and $x = -1$", "$2$, $3$ or $5$") are one answer of several values.
    // Only values of one kind are listed: all bare, or all for the same name ("$x^2 = 1$ and $x < 0$, $x = -1$" is -1).
    const listed = [span.content];
    const key = leftSide(span.content);
    for (let j = k - 1; j >= 0 && listed.length < MAX_LISTED_BOXES; j--) {
      const prev = spans[j] as Span;
      if (!SPAN_LIST_GAP.test(text.slice(prev.end, (spans[j + 1] as Span).start)) || !sameKind(leftSide(prev.content), key) || !answerLike(prev.content)) break;
      listed.unshift(prev.content);
    }
    return listed.join(', ');
  }
  return null;
}

/** What stands before the first relation or "=" of a span ('' when it has none), spaces dropped. */
function leftSide(content: string): string {
  const m = /^([^=<>]*?)(=|<|>|\\[lg]eq?(?![A-Za-z])|\\[lg]t(?![A-Za-z])|\\neq?(?![A-Za-z]))/.exec(content);
  return m === null ? '' : `${(m[1] as string).replace(/\s+/g, '')}${m[2] === '=' ? '=' : '<>'}`;
}

/** Two left sides list together: equal, or both a plain variable with "=" ("$a = 2$ and $b = 3$"). */
function sameKind(x: string, y: string): boolean {
  return x === y || (/^[A-Za-z](?:_\{?\w+\}?)?=$/.test(x) && /^[A-Za-z](?:_\{?\w+\}?)?=$/.test(y));
}

/** What may stand between math spans that list one answer's values. */
const SPAN_LIST_GAP = /^\s*(?:,\s*(?:and|or)?|and|or)\s*$/;

const LONE_SYMBOL = /^(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?'?$/;

/** Can `content` be an answer? Not a lone variable, not empty, and every value in it parses as math. */
export function answerLike(content: string): boolean {
  const s = content.trim().replace(/^=\s*/, '');
  if (s === '' || s.length > MAX_ANSWER_CHARS) return false;
  if (LONE_SYMBOL.test(s) && !/^\\(?:pi|infty|emptyset|varnothing)$/.test(s)) return false;
  if (/(?:[=+\-*/^]|\\(?:cdot|times|le|ge|leq|geq|lt|gt))\s*$/.test(s)) return false; // an unfinished formula
  const norm = normalizeAnswer(s);
  if (norm === '') return false;
  return leavesParse(parseValue(norm));
}

function leavesParse(v: Value): boolean {
  switch (v.kind) {
    case 'scalar': {
      // The value side must parse; the sides before it may be names (\\angle ABC = 30, P(\\text{red}) = 0.3).
      const sides = splitTop(v.text, ['=', '\\leq', '\\geq', '\\ne', '<', '>', '\\approx']);
      if (sides.slice(0, -1).some((side) => side === '')) return false;
      const last = sides[sides.length - 1] as string;
      if (sides.length > 1) {
        const shape = parseValue(last);
        if (shape.kind !== 'scalar') return leavesParse(shape);
      }
      return [last].every((side) => {
        if (side === '') return false;
        if (/^[A-Za-z][A-Za-z ]*$/.test(side)) return true; // words ("east", "Monday")
        if (/^(?:\\mathbb\s*\{?[A-Z]\}?|\\emptyset|\\varnothing|⦃\s*⦄)$/.test(side)) return true; // named sets
        try {
          latexToMathjs(side.replace(/%$/, ''));
          return true;
        } catch (e) {
          if (e instanceof LatexError || e instanceof RangeError) return false;
          throw e;
        }
      });
    }
    case 'matrix':
      return v.rows.every((r) => r.every(leavesParse));
    default:
      return v.items.every(leavesParse);
  }
}

/** A bare number: thousands groups (commas or spaces), decimals (point, or a comma before 1-2 digits), percent. */
const NUMBER = /[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|[-−]?\d{1,3}(?: \d{3})+(?![\d,.])|[-−]?\d+,\d{1,2}(?![\d,])|[-−]?\d+(?:\.\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?|[-−]?\.\d+/g;
const PERCENT_AFTER = /^\s*(?:%|\\%|percent\b|per cent\b|pct\b)/i;

/**
 * The last number outside math spans that is a value, not part of a name or formula: the 7 of "QX7B" and the 3 of
 * "x^2 + 3" are skipped.
 */
function lastBareNumber(text: string, spans: Span[]): { value: string; index: number } | null {
  // Mask the spans: a formula that did not parse must not supply a number from inside it.
  let masked = text;
  if (spans.length > 0) {
    const parts: string[] = [];
    let at = 0;
    for (const s of spans) {
      parts.push(text.slice(at, s.start), ' '.repeat(s.end - s.start));
      at = s.end;
    }
    parts.push(text.slice(at));
    masked = parts.join('');
  }
  const found: { value: string; index: number }[] = [];
  NUMBER.lastIndex = 0;
  for (let m = NUMBER.exec(masked); m !== null; m = NUMBER.exec(masked)) found.push({ value: m[0], index: m.index });
  for (let k = found.length - 1; k >= 0; k--) {
    const { value, index } = found[k] as { value: string; index: number };
    const before = masked.slice(Math.max(0, index - 12), index);
    const after = masked.slice(index + value.length, index + value.length + 12);
    if (/[A-Za-z_\\]$/.test(before) || /^[A-Z]/.test(after)) continue; // QX7B, x2, \alpha2
    if (/^(?:st|nd|rd|th)\b/.test(after)) continue; // an ordinal: the 2nd basket
    if (/[A-Za-z)\]}][\w^{}]*\s*[+\-*/^×·]\s*$/.test(before) || /^\s*[+*/^]\s*[A-Za-z(]/.test(after)) continue; // x^2 + 3
    const pct = PERCENT_AFTER.exec(after);
    return { value: pct === null ? value : `${value}%`, index };
  }
  return null;
}

/** The last bare number (see {@link lastBareNumber}), with a simple a/b fraction and a sign allowed. */
function lastNumber(text: string): string | null {
  return lastBareNumber(text, mathSpans(text))?.value ?? null;
}

/** Trim, drop surrounding $...$ / \(...\) / \[...\], markdown bold and a trailing period; cap the length. */
function tidy(raw: string): string {
  let s = raw.trim();
  if (s.length > MAX_ANSWER_CHARS) s = s.slice(0, MAX_ANSWER_CHARS);
  for (let changed = true; changed; ) {
    const before = s;
    s = s.replace(/^\*\*(.*)\*\*$/s, '$1').trim();
    s = s.replace(/^\*\*\s*/, '').replace(/\s*\*\*$/, '').trim();
    s = s.replace(/^\$\$(.*)\$\$$/s, '$1').trim();
    s = s.replace(/^\$(.*)\$$/s, '$1').trim();
    s = s.replace(/^\\\((.*)\\\)$/s, '$1').trim();
    s = s.replace(/^\\\[(.*)\\\]$/s, '$1').trim();
    s = s.replace(/[.\s]+$/, '').trim();
    s = s.replace(/^=\s*/, ''); // "Area $= 3\sqrt{3}$": the span continues a sentence
    changed = s !== before;
  }
  return s;
}
