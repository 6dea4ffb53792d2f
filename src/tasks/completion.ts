// src/tasks/completion.ts — where the final answer sits in a completion: after the reasoning, in the last
// <answer> block, else the last \boxed{}, else an "Answer:" line. Shared by every task's checker so that
// an answer written inside the chain of thought never counts (a cheap reward hack otherwise).

/** A completion cut into its reasoning and its final part. */
export interface CompletionParts {
  /** Text before the last `</think>` (opening `<think>` removed), or null when the completion has no `</think>`. */
  reasoning: string | null;
  /** Text after the last `</think>`; the whole completion when there is none. */
  final: string;
  /** Content of the last `<answer>…</answer>` block in `final`, or null. */
  answerBlock: string | null;
}

const THINK_CLOSE = '</think>';

/** Split a completion (R1-Zero or R1 chat style, or plain text) into reasoning, final part and answer block. */
export function splitCompletion(text: string): CompletionParts {
  const close = text.lastIndexOf(THINK_CLOSE);
  let reasoning: string | null = null;
  let final = text;
  if (close >= 0) {
    reasoning = text.slice(0, close);
    const open = reasoning.indexOf('<think>');
    if (open >= 0) reasoning = reasoning.slice(open + '<think>'.length);
    final = text.slice(close + THINK_CLOSE.length);
  }
  return { reasoning, final, answerBlock: lastAnswerBlock(final) };
}

/** Content of the last complete `<answer>…</answer>` block, or null. */
export function lastAnswerBlock(text: string): string | null {
  const end = text.lastIndexOf('</answer>');
  if (end < 0) return null;
  const start = text.lastIndexOf('<answer>', end);
  if (start < 0) return null;
  return text.slice(start + '<answer>'.length, end);
}

/**
 * Content of the last `\boxed{…}` / `\fbox{…}` (nested braces respected), or the token after `\boxed ` (as in
 * `\boxed 5`); null when there is none or its braces never close.
 */
export function lastBoxed(text: string): string | null {
  const re = /\\(?:boxed|fbox)\b/g;
  let last = -1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) last = m.index + m[0].length;
  if (last < 0) return null;
  let i = last;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (text[i] !== '{') {
    const tok = /^[^\s$]+/.exec(text.slice(i));
    return tok && i > last ? tok[0] : null;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return text.slice(i + 1, j);
    }
  }
  return null;
}

/** The text after the last "Answer:" / "final answer is" in `text`, up to the end of that line. */
export function lastAnswerLine(text: string): string | null {
  const re = /(?:\banswer\s*(?:is|:)|final answer\s*(?:is|:)?)\s*:?\s*([^\n]*)/gi;
  let found: string | null = null;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const v = (m[1] ?? '').trim();
    if (v !== '') found = v;
  }
  return found;
}

/** Where a final answer was found. */
export type AnswerSource = 'answer-tag' | 'boxed' | 'answer-line';

/**
 * The final answer of a completion: the last `<answer>` block after the reasoning (a `\boxed{}` inside it is
 * unwrapped), else the last `\boxed{}` after the reasoning, else the last "Answer:" line after the reasoning.
 * Returns null when none is present.
 */
export function finalAnswer(text: string): { answer: string; source: AnswerSource } | null {
  const parts = splitCompletion(text);
  if (parts.answerBlock !== null) {
    const inner = lastBoxed(parts.answerBlock);
    return { answer: (inner ?? parts.answerBlock).trim(), source: 'answer-tag' };
  }
  const boxed = lastBoxed(parts.final);
  if (boxed !== null) return { answer: boxed.trim(), source: 'boxed' };
  const line = lastAnswerLine(parts.final);
  if (line !== null) return { answer: line, source: 'answer-line' };
  return null;
}
