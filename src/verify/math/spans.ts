// src/verify/math/spans.ts — where math sits in prose: LaTeX math spans ($…$, $$…$$, \(…\), \[…\], align-like
// environments), the committed region of a completion (cut at chat-template junk and at a new problem after the
// first answer), and the final-answer phrases ("the answer is", "答案是", Minerva's "I hope it is correct").

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

/** One math span: its content and where it sits in the text. */
export interface Span {
  content: string;
  start: number;
  end: number;
}

/** Most spans looked at per text (a hostile completion of a million `$` must stay linear). */
const MAX_SPANS = 400;

/** Display environments whose last line is taken as the span's content. */
const ENVIRONMENTS = /\\begin\{(align\*?|aligned|equation\*?|gather\*?|eqnarray\*?|multline\*?|displaymath|math)\}/y;

/**
 * The math spans of `text` in order: `$$…$$`, `\[…\]` and environments may span lines; `$…$` and `\(…\)` stay on
 * one line. An escaped `\$` is a dollar sign, not a delimiter; a `$` right after a digit ("costs 5$") opens nothing.
 */
export function mathSpans(text: string): Span[] {
  const spans: Span[] = [];
  const find = nextFinder(text);
  let i = 0;
  while (i < text.length && spans.length < MAX_SPANS) {
    const c = text[i] as string;
    if (c === '\\' && (text[i + 1] === '[' || text[i + 1] === '(')) {
      const display = text[i + 1] === '[';
      const end = find(display ? '\\]' : '\\)', i + 2);
      const lineEnd = find('\n', i);
      if (end >= 0 && (display || lineEnd < 0 || end < lineEnd)) {
        spans.push({ content: text.slice(i + 2, end), start: i, end: end + 2 });
        i = end + 2;
        continue;
      }
      i += 2;
      continue;
    }
    if (c === '\\' && text.startsWith('\\begin{', i)) {
      ENVIRONMENTS.lastIndex = i;
      const m = ENVIRONMENTS.exec(text);
      if (m !== null) {
        const endTag = `\\end{${m[1] as string}}`;
        const end = find(endTag, i + m[0].length);
        if (end >= 0) {
          spans.push({ content: lastDisplayLine(text.slice(i + m[0].length, end)), start: i, end: end + endTag.length });
          i = end + endTag.length;
          continue;
        }
      }
      i += 7;
      continue;
    }
    if (c === '\\') {
      i += 2; // an escaped character (\$ among them)
      continue;
    }
    if (c === '$') {
      if (text[i + 1] === '$') {
        const end = find('$$', i + 2);
        if (end < 0) break;
        spans.push({ content: text.slice(i + 2, end), start: i, end: end + 2 });
        i = end + 2;
        continue;
      }
      const end = /\d/.test(text[i - 1] ?? '') ? -1 : closingDollar(text, i + 1);
      if (end >= 0) {
        spans.push({ content: text.slice(i + 1, end), start: i, end: end + 1 });
        i = end + 1;
        continue;
      }
    }
    i++;
  }
  return spans;
}

/**
 * indexOf with memory: the next occurrence of a needle after `from` is reused while `from` has not passed it, so
 * that many unclosed openers cost one scan in all, not one scan each.
 */
function nextFinder(text: string): (needle: string, from: number) => number {
  const memo = new Map<string, { from: number; at: number }>();
  return (needle, from) => {
    const m = memo.get(needle);
    if (m !== undefined && m.from <= from && (m.at < 0 || m.at >= from)) return m.at;
    const at = text.indexOf(needle, from);
    memo.set(needle, { from, at });
    return at;
  };
}

/** Index of the `$` closing an inline span opened before `from` (same line, not escaped), or -1. */
function closingDollar(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === '\n') return -1;
    if (c === '\\') j++;
    else if (c === '$') return j > from ? j : -1;
  }
  return -1;
}

/** The last non-empty line of an align-like body, without alignment marks and \label / \tag / \nonumber. */
function lastDisplayLine(body: string): string {
  const lines = body
    .split(/\\\\(?:\[[^\]]*\])?/)
    .map((l) => l.replace(/\\(?:label|tag)\{[^}]*\}|\\nonumber|\\notag/g, '').replace(/&/g, '').trim())
    .filter((l) => l !== '');
  // "&= 5" continues the line before it: the value is its right side.
  return (lines[lines.length - 1] ?? '').replace(/^=\s*/, '');
}

/** Tokens of chat templates: whatever follows one was not written as this answer. */
const TEMPLATE_TOKENS = /<\|im_start\|>|<\|im_end\|>|<\|endoftext\|>|<\|eot_id\|>|<\|end_of_text\|>|<\|end\|>|<\|user\|>|<\|assistant\|>|<｜end▁of▁sentence｜>|<｜User｜>|<｜Assistant｜>|<\/s>/;
/** A new turn or a new problem started by a model that kept generating after answering. */
const NEW_PROBLEM = /\n[ \t]*(?:#{1,4}[ \t]*)?(?:\*\*)?(?:Problem|Question|Human|User|Exercise|Q)(?:[ \t]*\d+)?(?:[ \t]*\*\*)?[ \t]*[:：.]/;

/**
 * Final-answer phrases, each followed by the answer. Minerva's "The final answer is X. I hope it is correct." is
 * matched on its own (see {@link minervaAnswer}).
 */
const ANSWER_PHRASE = /(?<![A-Za-z])(?:correct\s+)?(?:option|choice)\s+is(?:\s*:)?(?:\s*(?:\*\*|__))?|(?<![A-Za-z])(?:final\s+answer|answer)(?:\s+to\s+(?:the|this)\s+(?:problem|question))?\s*(?:(?:\*\*|__)\s*)?(?:is(?:\s*:)?|:|=|：)(?:\s*(?:\*\*|__))?|答案(?:是|为|：|:)|答[:：]/gi;
const MINERVA = /final\s+answer\s+is(?:\s*:)?\s*([^\s][\s\S]{0,800}?)\.?\s*I\s+hope\s+it\s+is\s+correct/i;

/**
 * The part of a completion that holds its committed answer: the text up to the first chat-template token, and
 * up to a new "Problem:" / "Question:" / "User:" header that comes after the first answer (base models keep
 * writing new exercises after answering).
 */
export function committedRegion(text: string): string {
  // Cheap tests first: most completions hold no template token and no new problem.
  const tok = text.includes('<|') || text.includes('<｜') || text.includes('</s>') ? TEMPLATE_TOKENS.exec(text) : null;
  let region = tok === null ? text : text.slice(0, tok.index);
  if (!NEW_PROBLEM.test(region)) return region;
  const first = firstCommitment(region);
  if (first >= 0) {
    const m = NEW_PROBLEM.exec(region.slice(first));
    if (m !== null) region = region.slice(0, first + m.index);
  }
  return region;
}

/** Where the first answer commitment (a box, an answer phrase, a "####" line) starts; -1 when none. */
function firstCommitment(text: string): number {
  const boxed = text.search(/\\(?:boxed|fbox)(?![A-Za-z])/);
  ANSWER_PHRASE.lastIndex = 0;
  const phrase = ANSWER_PHRASE.exec(text);
  const hashes = text.indexOf('####');
  const found = [boxed, phrase === null ? -1 : phrase.index, hashes].filter((k) => k >= 0);
  return found.length === 0 ? -1 : Math.min(...found);
}

/** The answer of the first Minerva-style commitment "final answer is X. I hope it is correct.", or null. */
export function minervaAnswer(text: string): string | null {
  if (!text.includes('hope') && !text.includes('Hope')) return null;
  const m = MINERVA.exec(text);
  return m === null ? null : (m[1] as string);
}

/**
 * The answer after the last final-answer phrase: the first math span on its line (or the next non-empty line,
 * for "**Final Answer**:\n\[ … \]"), else the rest of that line up to the end of its sentence.
 */
export function answerAfterPhrase(text: string): string | null {
  let lastEnd = -1;
  ANSWER_PHRASE.lastIndex = 0;
  for (let m = ANSWER_PHRASE.exec(text); m !== null; m = ANSWER_PHRASE.exec(text)) lastEnd = m.index + m[0].length;
  if (lastEnd < 0) return null;
  return answerAt(text.slice(lastEnd, lastEnd + 4000));
}

/** The answer at the start of `rest` (the text right after a final-answer phrase). */
function answerAt(rest: string): string | null {
  // "Answer:\n\n42": the answer may start on a following line.
  const body = rest.replace(/^\s+/, '');
  const lineEnd = body.indexOf('\n');
  const line = lineEnd < 0 ? body : body.slice(0, lineEnd);
  // A span that starts on the answer's line (a display span may run over several lines).
  const first = mathSpans(body).find((s) => s.content.trim() !== '');
  const before = first === undefined ? '' : line.slice(0, first.start);
  // A choice letter before the span ("(D) $\\sqrt{5}$") is the answer; so is a number before it.
  if (first !== undefined && first.start < line.length && !/\d/.test(before) && !/^\s*(?:\*\*)?\(?[A-E]\)/.test(before)) return first.content;
  let out = line;
  // Cut at the end of the sentence: a period followed by a space or the end ("3.5" keeps its point).
  const stop = /\.(?:\s|$)|。/.exec(out);
  if (stop !== null) out = out.slice(0, stop.index);
  // "5, not 6" and "5 (not 6)": the answer is what comes before the correction.
  out = out.replace(/\s*(?:,\s*not\s.*|\(\s*not\s[^)]*\).*)$/s, '');
  return out.trim() === '' ? null : out;
}
