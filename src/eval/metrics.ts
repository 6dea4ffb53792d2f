// src/eval/metrics.ts — evaluation metrics as pure functions: pass@1, unbiased pass@k, cons@k (majority vote),
// format rate and means. DeepSeek-R1 §3 reports pass@1 averaged over k samples and cons@64; pass@k follows
// Chen et al. 2021 ("Evaluating Large Language Models Trained on Code", eq. 1 and its stable product form).

/** Arithmetic mean; NaN for an empty list (callers decide how to show "no data"). */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Standard error of the mean (sample standard deviation / sqrt(count)); 0 for fewer than two values. */
export function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1) / xs.length);
}

/** pass@1 for one problem: the fraction of its k samples that are correct (DeepSeek-R1 §3, eq. for pass@1). */
export function passAt1(correct: readonly boolean[]): number {
  if (correct.length === 0) throw new RangeError('passAt1: no samples');
  let c = 0;
  for (const ok of correct) if (ok) c++;
  return c / correct.length;
}

/**
 * Unbiased pass@k for one problem with n samples of which c are correct (Chen et al. 2021):
 *   pass@k = 1 - C(n-c, k) / C(n, k) = 1 - prod_{i=n-c+1..n} (1 - k/i)
 * The product form avoids the huge binomials. When n - c < k every k-subset holds a correct sample, so 1.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`passAtK: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(c) || c < 0 || c > n) throw new RangeError(`passAtK: c must be an integer in [0, n=${n}], got ${c}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`passAtK: k must be an integer in [1, n=${n}], got ${k}`);
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** Mean unbiased pass@k over problems; each entry holds one problem's per-sample correctness (n_i >= k). */
export function meanPassAtK(perItem: readonly (readonly boolean[])[], k: number): number {
  if (perItem.length === 0) return Number.NaN;
  return mean(perItem.map((samples) => passAtK(samples.length, samples.filter(Boolean).length, k)));
}

/**
 * pass@k for every k from 1 to the smallest sample count among the problems: curve[k - 1] = mean pass@k.
 * pass@1 here equals the mean of per-problem pass@1 (the estimator reduces to c/n at k = 1).
 */
export function passAtKCurve(perItem: readonly (readonly boolean[])[]): number[] {
  if (perItem.length === 0) return [];
  const nMin = Math.min(...perItem.map((s) => s.length));
  const curve: number[] = [];
  for (let k = 1; k <= nMin; k++) curve.push(meanPassAtK(perItem, k));
  return curve;
}

/** What majority voting needs from a sample: its extracted answer and whether the checker accepted it. */
export interface VoteSample {
  extracted: string | null;
  correct: boolean;
}

/** How a task groups answers; both optional (default: the trimmed answer text is the key, no merging). */
export interface AnswerGrouping {
  answerKey?(extracted: string): string;
  equivalent?(a: string, b: string): Promise<boolean>;
}

/** The outcome of majority voting for one problem. */
export interface VoteResult {
  /** The winning answer (the first-seen representative of the winning group), null when no sample had one. */
  answer: string | null;
  /** Whether the winning group's representative sample was checked correct. */
  correct: boolean;
  /** Votes for the winner. */
  votes: number;
  /** Number of distinct answer groups after merging equivalent ones. */
  groups: number;
}

interface Group {
  representative: string;
  firstIndex: number;
  votes: number;
  correct: boolean;
}

/**
 * Majority vote over one problem's samples (cons@k, DeepSeek-R1 §3 / Wang et al. 2022 self-consistency).
 * 1. Samples with no extracted answer do not vote.
 * 2. Answers are grouped by `answerKey` (default: trimmed text).
 * 3. Groups are merged when the task deems their representatives `equivalent`: each group, in order of first
 *    occurrence, joins the earliest earlier group it is equivalent to (so "1/2" and "0.5" count as one answer).
 * 4. The group with most votes wins; ties go to the group whose answer appeared first (lowest sample index),
 *    so the result never depends on iteration order or timing.
 * The winner is correct when its representative (first-seen) sample was checked correct.
 */
export async function majorityVote(samples: readonly VoteSample[], grouping: AnswerGrouping = {}): Promise<VoteResult> {
  const keyOf = (a: string): string => (grouping.answerKey ? grouping.answerKey(a) : a.trim());
  const byKey = new Map<string, Group>();
  const ordered: Group[] = [];
  samples.forEach((s, i) => {
    if (s.extracted === null) return;
    const key = keyOf(s.extracted);
    const g = byKey.get(key);
    if (g) {
      g.votes++;
      return;
    }
    const fresh: Group = { representative: s.extracted, firstIndex: i, votes: 1, correct: s.correct };
    byKey.set(key, fresh);
    ordered.push(fresh);
  });
  // Merge step: ordered is sorted by firstIndex, so the earliest equivalent group absorbs later ones.
  const merged: Group[] = [];
  for (const g of ordered) {
    let target: Group | undefined;
    if (grouping.equivalent) {
      for (const m of merged) {
        if (await grouping.equivalent(m.representative, g.representative)) {
          target = m;
          break;
        }
      }
    }
    if (target) target.votes += g.votes;
    else merged.push({ ...g });
  }
  let best: Group | undefined;
  for (const g of merged) {
    // Strictly greater: on a tie the earlier group (already in `best`) stays.
    if (!best || g.votes > best.votes) best = g;
  }
  if (!best) return { answer: null, correct: false, votes: 0, groups: 0 };
  return { answer: best.representative, correct: best.correct, votes: best.votes, groups: merged.length };
}

/** cons@k: the fraction of problems whose majority-voted answer is correct. */
export async function consAtK(perItem: readonly (readonly VoteSample[])[], grouping: AnswerGrouping = {}): Promise<number> {
  if (perItem.length === 0) return Number.NaN;
  let right = 0;
  for (const samples of perItem) if ((await majorityVote(samples, grouping)).correct) right++;
  return right / perItem.length;
}

/** Fraction of samples whose output had the expected shape (see runner.ts for what counts as well-formed). */
export function formatRate(ok: readonly boolean[]): number {
  if (ok.length === 0) return Number.NaN;
  return ok.filter(Boolean).length / ok.length;
}
