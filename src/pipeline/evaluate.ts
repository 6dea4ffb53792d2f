// src/pipeline/evaluate.ts — scoring a checkpoint on held-out problems the way the paper reports it: k samples per
// problem at temperature 0.6 / top-p 0.95, pass@1 averaged over the k samples and cons@k by majority vote
// (DeepSeek-R1 §3), strict (the R1-Zero format required) beside lenient (the final answer found anywhere, format
// ignored), plus response length, the language-mixing rate of the reasoning, and reflective-word frequency.

import type { ChatModel } from '../generate/index.js';
import { consAtK, mean, type VoteSample } from '../eval/metrics.js';
import { hasFormat, languageConsistency, questionLanguage } from '../reward/index.js';
import type { CheckResult, Task, TaskItem } from '../tasks/types.js';
import { rollout, type RolloutPromptStyle } from '../train/index.js';

/** Words whose frequency the paper's updated version plots for R1-Zero (reflection, verification). */
export const REFLECTIVE_WORDS = ['wait', 'check', 'mistake', 'verify', 'however', 'again', 'recheck', '等等', '检查', '验证'];

/** Reflective words per 1,000 completion words (CJK characters count as words). */
export function reflectiveRate(texts: readonly string[]): number {
  let words = 0, hits = 0;
  for (const t of texts) {
    const lower = t.toLowerCase();
    words += (lower.match(/[\p{Script=Han}]|[\p{L}\p{N}_]+/gu) ?? []).length;
    for (const w of REFLECTIVE_WORDS) hits += lower.split(w).length - 1;
  }
  return words > 0 ? (1000 * hits) / words : 0;
}

/**
 * Whether a completion's reasoning strays from the question's language: it mixes languages, or reasons in another one
 * (the share of its words in the question's language — DeepSeek-R1 eq. 7 — is below 1). Reasoning with no words
 * (pure arithmetic) does not count.
 */
export function mixesLanguages(completion: string, question: string): boolean {
  const share = languageConsistency(completion, questionLanguage(question));
  return share !== null && share < 1;
}

export interface EvalResult {
  task: string;
  items: number;
  k: number;
  /** pass@1 averaged over k samples, format required (strict) and not (lenient). */
  pass1Strict: number;
  pass1Lenient: number;
  /** Majority vote over the k samples (lenient answers). */
  consK: number;
  formatRate: number;
  lengthMean: number;
  /** Share of completions whose reasoning is not all in the question's language (mixed, or another language). */
  mixRate: number;
  reflectivePer1k: number;
  /** A few completions with their verdicts. */
  examples: { question: string; gold: string; completion: string; correct: boolean }[];
}

/** Evaluates one model on `items` of `task` with k samples each. */
export async function evaluateModel(cm: ChatModel, task: Task, items: readonly TaskItem[], opts: { k: number; style: RolloutPromptStyle; maxNewTokens: number; seed: number; examples?: number }): Promise<EvalResult> {
  const ro = rollout(cm, items.map((item) => ({ task, item })), { groupSize: opts.k, maxNewTokens: opts.maxNewTokens, temperature: 0.6, topP: 0.95, style: opts.style, seed: opts.seed });
  const strict: boolean[] = [], lenient: boolean[] = [], format: boolean[] = [], mixed: boolean[] = [];
  const votes: VoteSample[][] = items.map(() => []);
  const examples: EvalResult['examples'] = [];
  // Checks run a few at a time (a code task's check is a sandboxed process), results in sample order.
  const verdicts: CheckResult[] = new Array(ro.samples.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < ro.samples.length; i = next++) verdicts[i] = await task.check(ro.samples[i]!.draw.item, ro.samples[i]!.text);
  };
  await Promise.all(Array.from({ length: Math.min(4, ro.samples.length) }, worker));
  for (const [i, s] of ro.samples.entries()) {
    const r = verdicts[i]!;
    const f = hasFormat(opts.style === 'chat' ? 'r1-chat' : 'r1-zero', s.promptText, s.text, s.opensThinking);
    lenient.push(r.correct);
    strict.push(r.correct && f);
    format.push(f);
    mixed.push(mixesLanguages(s.text, s.draw.item.question));
    votes[s.group]!.push({ extracted: r.extracted, correct: r.correct });
    if (examples.length < (opts.examples ?? 3) && votes[s.group]!.length === 1) examples.push({ question: s.draw.item.question, gold: s.draw.item.gold, completion: s.text, correct: r.correct });
  }
  const grouping = { ...(task.answerKey ? { answerKey: task.answerKey.bind(task) } : {}), ...(task.equivalent ? { equivalent: task.equivalent.bind(task) } : {}) };
  return {
    task: task.name, items: items.length, k: opts.k,
    pass1Strict: mean(strict.map(Number)), pass1Lenient: mean(lenient.map(Number)),
    consK: await consAtK(votes, grouping),
    formatRate: mean(format.map(Number)),
    lengthMean: mean(ro.samples.map((s) => s.tokens.length)),
    mixRate: mean(mixed.map(Number)),
    reflectivePer1k: reflectiveRate(ro.samples.map((s) => s.text)),
    examples,
  };
}
