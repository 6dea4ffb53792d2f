// src/tasks/types.ts — what a task is: items (generated or loaded), a prompt builder, and how answers are checked.
// Shared by rewards (training), evaluation and the CLI. No tensor code here (see ARCHITECTURE.md layers).

/** One problem. `gold` is the reference answer as text (a number, a LaTeX expression, a Countdown target...). */
export interface TaskItem {
  /** Stable identifier, unique within its task and split (used for resume and per-sample results). */
  id: string;
  /** The problem statement shown to the model (without any instruction wrapper). */
  question: string;
  /** Reference answer in the form the task's checker understands. */
  gold: string;
  /** Task-specific data the checker needs (Countdown numbers, code tests, difficulty...). */
  meta?: Record<string, unknown>;
}

/** Which split of a synthetic task: training never sees `heldout`. Benchmarks only have `test`. */
export type Split = 'train' | 'heldout' | 'test';

/** How a prompt is rendered: R1-Zero's template (think/answer tags) or the paper's evaluation instruction. */
export type PromptStyle = 'r1-zero' | 'boxed';

/** The outcome of checking one completion against one item. */
export interface CheckResult {
  /** true when the extracted answer is equivalent to the gold answer. */
  correct: boolean;
  /** Fraction of credit in [0, 1] (code: fraction of tests passed); equals Number(correct) for exact tasks. */
  score: number;
  /** The answer as extracted from the completion, or null when none was found. */
  extracted: string | null;
  /** A short human-readable reason for the verdict (e.g. "no answer found", "timeout"). */
  reason?: string;
  /**
   * The checker ran out of time before it could tell (a verifier deadline, which a loaded machine can miss): the
   * answer is scored wrong but its verdict is unknown. Absent when the checker decided.
   */
  timedOut?: boolean;
}

export interface Task {
  /** Registry name, e.g. "countdown", "gsm8k", "math500". */
  name: string;
  /** Human-readable one-liner. */
  description: string;
  /**
   * The items of a split. Synthetic tasks generate `n` items deterministically from `seed`;
   * benchmark loaders return the file's rows (the first `n` when given).
   */
  items(opts: { split: Split; n?: number; seed?: number }): Promise<TaskItem[]>;
  /** Render the user prompt for an item. */
  prompt(item: TaskItem, style: PromptStyle): string;
  /** Check a full completion (reasoning + answer) against an item. Bounded in time. */
  check(item: TaskItem, completion: string): Promise<CheckResult>;
  /**
   * Key for majority voting (cons@k): answers with equal keys are one vote. Tasks whose answers can be equal
   * in different forms (math) should also provide `equivalent` so the evaluator can merge groups.
   */
  answerKey?(extracted: string): string;
  equivalent?(a: string, b: string): Promise<boolean>;
  /**
   * Synthetic tasks: an unlimited, seeded stream of a split's items (training pulls as many as it needs).
   * `items({ split, n, seed })` is the first n items of `stream({ split, seed })`.
   */
  stream?(opts: { split: Split; seed?: number }): Iterable<TaskItem>;
  /** Release what the task holds (e.g. verifier worker threads). Safe to call more than once. */
  close?(): Promise<void>;
}
