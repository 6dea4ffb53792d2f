// src/verify/completion.ts — the one completion parser: completion -> reasoning, answer text, extracted final
// answer. Rewards, tasks and the eval runner read completions through it, so that "where is the answer" has one
// definition: after the reasoning block (an answer inside the chain of thought never counts), in the last
// <answer> block when there is one, else found by the math extractor's priority (see verify/math/extract.ts).

import { extractAnswer, type Extracted } from './math/extract.js';
import type { ExtractMethod } from './math/types.js';

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';

/** Any think/answer tag, opening or closing, in any case and with stray spaces: <think>, </ answer >, ... */
export const ANY_TAG = /<\s*\/?\s*(?:think|answer)\s*>/i;

export interface ParseOptions {
  /**
   * The prompt already opened the reasoning block (DeepSeek-R1's chat template ends the prompt with "<think>\n"), so
   * the completion starts inside it: without a `</think>`, all of it is reasoning. Default false. For a local model,
   * pass the rendered prompt's `opensThinking` (generate's encodePrompt; it depends on the checkpoint's template).
   */
  startsInReasoning?: boolean;
  /** Extraction methods for the final answer outside an <answer> block (default: every method, in priority order). */
  priority?: ExtractMethod[];
}

/** A completion cut into its parts. */
export interface ParsedCompletion {
  /** Text of the reasoning block (opening `<think>` removed), or null when the completion has none. */
  reasoning: string | null;
  /** Text before the `<think>` that opened the block ('' when none). */
  preamble: string;
  /** Text after the last `</think>`; the whole completion when it has no reasoning block; '' when the block never closed. */
  answerText: string;
  /** false when a reasoning block was opened (or started in the prompt) and never closed (usually max_tokens). */
  closed: boolean;
  /** Content of the last complete `<answer>…</answer>` block in `answerText`, or null. */
  answerBlock: string | null;
  /** The extracted final answer (from the answer block when there is one), or null when none was found. */
  final: Extracted | null;
}

/**
 * True when the prompt already opens the reasoning block (DeepSeek-R1's chat template ends the prompt with
 * "<think>\n"), so the completion must not open it again.
 */
export function promptOpensThink(prompt: string): boolean {
  return prompt.trimEnd().endsWith(THINK_OPEN);
}

/**
 * Parse a completion (R1-Zero `<think>…</think> <answer>…</answer>`, R1 chat `…</think> summary`, or plain text).
 * The reasoning ends at the last `</think>`; everything after it is the answer text.
 *
 * @example parseCompletion('<think>2+2</think> The answer is $4$.').final // { answer: '4', method: 'answer-line' }
 * @example parseCompletion('still thinking \\boxed{4}', { startsInReasoning: true }).final // null (never closed)
 */
export function parseCompletion(text: string, opts: ParseOptions = {}): ParsedCompletion {
  if (typeof text !== 'string') throw new TypeError(`parseCompletion: completion must be a string, got ${typeof text}`);
  const close = text.lastIndexOf(THINK_CLOSE);
  const open = text.indexOf(THINK_OPEN);
  let reasoning: string | null = null;
  let preamble = '';
  let answerText = text;
  let closed = true;
  if (close >= 0) {
    const start = open >= 0 && open < close ? open + THINK_OPEN.length : 0;
    preamble = open >= 0 && open < close ? text.slice(0, open) : '';
    reasoning = text.slice(start, close);
    answerText = text.slice(close + THINK_CLOSE.length);
  } else if (open >= 0) {
    preamble = text.slice(0, open);
    reasoning = text.slice(open + THINK_OPEN.length);
    answerText = '';
    closed = false;
  } else if (opts.startsInReasoning === true) {
    reasoning = text;
    answerText = '';
    closed = false;
  }
  const answerBlock = lastAnswerBlock(answerText);
  return { reasoning, preamble, answerText, closed, answerBlock, final: finalOf(answerText, answerBlock, opts.priority) };
}

/** Content of the last complete `<answer>…</answer>` block, or null. */
export function lastAnswerBlock(text: string): string | null {
  const end = text.lastIndexOf('</answer>');
  if (end < 0) return null;
  const start = text.lastIndexOf('<answer>', end);
  if (start < 0) return null;
  return text.slice(start + '<answer>'.length, end);
}

/** The final answer: the answer block (a box or answer phrase in it unwrapped, else all of it), else extraction. */
function finalOf(answerText: string, answerBlock: string | null, priority?: ExtractMethod[]): Extracted | null {
  if (answerBlock !== null) {
    const inner = extractAnswer(answerBlock, { priority: ['boxed', 'answer-line'] });
    const answer = (inner?.answer ?? answerBlock).trim();
    return answer === '' ? null : { answer, method: 'answer-tag' };
  }
  return extractAnswer(answerText, priority === undefined ? {} : { priority });
}
