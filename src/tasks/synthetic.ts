// src/tasks/synthetic.ts — builds a Task from a seeded generator and an answer checker: the parts every
// synthetic family shares (split by content hash, unlimited stream, prompt, answer extraction, size guard).

import type { CheckResult, PromptStyle, Split, Task, TaskItem } from './types.js';
import type { Rng } from '../util/rng.js';
import { splitStream, takeItems, type GeneratedItem } from './split.js';
import { renderPrompt } from './prompt.js';
import { finalAnswer } from './completion.js';

/** Completions longer than this are still checked, but only their last part is searched for the answer. */
const MAX_SCAN_CHARS = 200_000;
/** Extracted answers longer than this are rejected outright (keeps every checker linear and bounded). */
export const MAX_ANSWER_CHARS = 2_000;

export interface SyntheticSpec {
  name: string;
  description: string;
  /** Draw one problem. Must be deterministic given `rng`. */
  generate: (rng: Rng) => GeneratedItem;
  /** Check an extracted answer (already trimmed, at most MAX_ANSWER_CHARS long) against an item. */
  checkAnswer: (item: TaskItem, answer: string) => { correct: boolean; reason: string };
  /** Canonical form for majority voting; defaults to the trimmed answer. */
  answerKey?: (answer: string) => string;
}

/** A synthetic Task with an unlimited stream; `items` takes the first n (default 100) of the stream. */
export function syntheticTask(spec: SyntheticSpec): Task & { stream(opts: { split: Split; seed?: number }): Iterable<TaskItem> } {
  const stream = (opts: { split: Split; seed?: number }): Iterable<TaskItem> => splitStream(spec.name, spec.generate, opts);
  return {
    name: spec.name,
    description: spec.description,
    stream,
    async items(opts) {
      return takeItems(stream(opts), opts.n);
    },
    prompt(item: TaskItem, style: PromptStyle): string {
      return renderPrompt(item.question, style);
    },
    async check(item: TaskItem, completion: string): Promise<CheckResult> {
      const text = completion.length > MAX_SCAN_CHARS ? completion.slice(-MAX_SCAN_CHARS) : completion;
      const found = finalAnswer(text);
      if (found === null) return { correct: false, score: 0, extracted: null, reason: 'no answer found' };
      if (found.answer.length > MAX_ANSWER_CHARS) {
        return { correct: false, score: 0, extracted: null, reason: `answer longer than ${MAX_ANSWER_CHARS} characters` };
      }
      const v = spec.checkAnswer(item, found.answer);
      return { correct: v.correct, score: v.correct ? 1 : 0, extracted: found.answer, reason: `${found.source}: ${v.reason}` };
    },
    answerKey: spec.answerKey ?? ((a: string) => a.trim()),
  };
}
