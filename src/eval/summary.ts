// src/eval/summary.ts — turn per-sample records into per-benchmark metrics (pass@1, pass@k curve, cons@k, format
// rate, tokens, usage and cost). Deterministic: depends only on the records, never on timing or order on disk.

import type { Task, TaskItem } from '../tasks/types.js';
import { consAtK, formatRate, mean, passAt1, passAtKCurve, standardError } from './metrics.js';
import { costUsd, type Price } from './pricing.js';
import type { SampleRecord } from './results.js';

/** Token totals over a benchmark's samples. Cache counts sum the samples that reported them. */
export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cacheHitTokens: number;
  cacheMissTokens: number;
  /** Samples whose source reported no usage (their tokens and cost are missing from the totals). */
  samplesWithoutUsage: number;
}

/** Metrics for one benchmark. Rates are fractions in [0, 1]. */
export interface BenchSummary {
  bench: string;
  items: number;
  /** Samples per item. */
  k: number;
  /** DeepSeek-R1 §3: mean over items of the fraction of correct samples. */
  passAt1: number;
  /** Standard error of pass@1 across items. */
  passAt1StdErr: number;
  /** Unbiased pass@k (Chen et al. 2021) for k = 1..k: passAtK[k - 1]. */
  passAtK: number[];
  /** Majority vote over all k samples (cons@k). */
  consAtK: number;
  formatRate: number;
  /** Mean reasoning / answer tokens per sample; null when no sample reported usage. */
  meanReasoningTokens: number | null;
  meanAnswerTokens: number | null;
  /** True when some reasoning/answer split was estimated from character counts (endpoint gave no split). */
  tokensEstimated: boolean;
  usage: UsageTotals;
  /** USD for the samples that reported usage; null when the model has no price or no sample reported usage. */
  costUsd: number | null;
  /** Samples whose check ran out of time (scored wrong, verdict unknown; a loaded machine makes more of them). */
  checkTimeouts: number;
}

/** The whole evaluation. */
export interface EvalSummary {
  model: string;
  source: string;
  k: number;
  limit: number | null;
  seed: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  benches: BenchSummary[];
  totals: { samples: number; costUsd: number | null; promptTokens: number; completionTokens: number };
  /** Set when the run was interrupted: the summary covers `items` of the `of` planned items (those with all k samples). */
  interrupted?: { items: number; of: number };
}

/** Metrics for one benchmark from its records; every item must have samples 0..k-1. */
export async function summarizeBench(
  bench: string,
  task: Pick<Task, 'answerKey' | 'equivalent'>,
  items: readonly TaskItem[],
  k: number,
  lookup: (itemId: string, sample: number) => SampleRecord | undefined,
  price: Price | null,
): Promise<BenchSummary> {
  const perItem: SampleRecord[][] = items.map((item) =>
    Array.from({ length: k }, (_, s) => {
      const rec = lookup(item.id, s);
      if (!rec) throw new Error(`${bench}: missing sample ${s} of item ${item.id}`);
      return rec;
    }),
  );
  const all = perItem.flat();
  const correct = perItem.map((recs) => recs.map((r) => r.correct));
  const itemPass1 = correct.map(passAt1);
  const grouping = {
    ...(task.answerKey ? { answerKey: task.answerKey.bind(task) } : {}),
    ...(task.equivalent ? { equivalent: task.equivalent.bind(task) } : {}),
  };
  const usage: UsageTotals = {
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    cacheHitTokens: 0,
    cacheMissTokens: 0,
    samplesWithoutUsage: 0,
  };
  let cost = 0;
  const reasoning: number[] = [];
  const answer: number[] = [];
  for (const r of all) {
    if (r.reasoningTokens !== null) reasoning.push(r.reasoningTokens);
    if (r.answerTokens !== null) answer.push(r.answerTokens);
    if (!r.usage) {
      usage.samplesWithoutUsage++;
      continue;
    }
    usage.promptTokens += r.usage.promptTokens;
    usage.completionTokens += r.usage.completionTokens;
    usage.reasoningTokens += r.reasoningTokens ?? 0;
    usage.cacheHitTokens += r.usage.cacheHitTokens ?? 0;
    usage.cacheMissTokens += r.usage.cacheMissTokens ?? 0;
    if (price) cost += costUsd(r.usage, price);
  }
  return {
    bench,
    items: items.length,
    k,
    passAt1: mean(itemPass1),
    passAt1StdErr: standardError(itemPass1),
    passAtK: passAtKCurve(correct),
    consAtK: await consAtK(perItem, grouping),
    formatRate: formatRate(all.map((r) => r.formatOk)),
    meanReasoningTokens: reasoning.length ? mean(reasoning) : null,
    meanAnswerTokens: answer.length ? mean(answer) : null,
    tokensEstimated: all.some((r) => r.tokensEstimated),
    usage,
    costUsd: price && usage.samplesWithoutUsage < all.length ? cost : null,
    checkTimeouts: all.filter((r) => r.checkTimedOut === true).length,
  };
}

/** Totals across benchmarks. */
export function totalsOf(benches: readonly BenchSummary[], priced: boolean): EvalSummary['totals'] {
  let samples = 0;
  let cost = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  for (const b of benches) {
    samples += b.items * b.k;
    cost += b.costUsd ?? 0;
    promptTokens += b.usage.promptTokens;
    completionTokens += b.usage.completionTokens;
  }
  // Unknown (null) when no benchmark's samples reported usage, not $0.
  return { samples, costUsd: priced && benches.some((b) => b.costUsd !== null) ? cost : null, promptTokens, completionTokens };
}
