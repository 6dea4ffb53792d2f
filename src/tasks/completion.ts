// src/tasks/completion.ts — where the final answer sits in a completion, for the tasks' checkers. Thin wrappers
// over the one completion parser (verify/completion.ts): the answer after the reasoning, in the last <answer>
// block, else the last \boxed{}, else an "Answer:" line — an answer written inside the chain of thought never
// counts (a cheap reward hack otherwise).

import { lastAnswerBlock, parseCompletion } from '../verify/completion.js';
import { answerAfterPhrase } from '../verify/math/spans.js';

export { lastAnswerBlock } from '../verify/completion.js';
export { lastBoxed } from '../verify/math/extract.js';

/** A completion cut into its reasoning and its final part. */
export interface CompletionParts {
  /** Text of the reasoning block (opening `<think>` removed), or null when the completion has none. */
  reasoning: string | null;
  /** Text after the last `</think>`; the whole completion when it has no reasoning block; '' when it never closed. */
  final: string;
  /** Content of the last `<answer>…</answer>` block in `final`, or null. */
  answerBlock: string | null;
}

/** Split a completion (R1-Zero or R1 chat style, or plain text) into reasoning, final part and answer block. */
export function splitCompletion(text: string): CompletionParts {
  const p = parseCompletion(text, { priority: [] });
  return { reasoning: p.reasoning, final: p.answerText, answerBlock: p.answerBlock ?? lastAnswerBlock(p.answerText) };
}

/** The text after the last "Answer:" / "final answer is" in `text`, up to the end of its sentence. */
export function lastAnswerLine(text: string): string | null {
  const a = answerAfterPhrase(text);
  return a === null ? null : a.trim();
}

/** Where a final answer was found. */
export type AnswerSource = 'answer-tag' | 'boxed' | 'answer-line';

/**
 * The final answer of a completion: the last `<answer>` block after the reasoning (a `\boxed{}` inside it is
 * unwrapped), else the last `\boxed{}` after the reasoning, else the last "Answer:" line after the reasoning.
 * Returns null when none is present.
 */
export function finalAnswer(text: string): { answer: string; source: AnswerSource } | null {
  const found = parseCompletion(text, { priority: ['boxed', 'answer-line'] }).final;
  if (found === null) return null;
  return { answer: found.answer, source: found.method as AnswerSource };
}
