// src/util/stats.ts — summaries of repeated measurements for benchmarks: median and spread, and whether the spread
// is too wide to trust (a shared machine's other processes show up as outliers between repetitions).

/**
 * A set of repetitions: median, extremes, and spread = (90th - 10th percentile) / median (percentiles interpolated
 * linearly, so with 2-5 repetitions it is close to the full range, and with many one outlier does not dominate).
 */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  /** (p90 - p10) / median: 0.05 = the repetitions lie within about 5% of the median. NaN for fewer than 2. */
  spread: number;
}

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: no values');
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The q-quantile (0..1) of sorted values, interpolated linearly between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile: no values');
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Median and spread of the repetitions (finite values only; throws when none is finite). */
export function spreadOf(xs: readonly number[]): Spread {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) throw new Error('spreadOf: no finite values');
  const m = median(v);
  const spread = v.length < 2 ? NaN : (quantile(v, 0.9) - quantile(v, 0.1)) / Math.abs(m);
  return { n: v.length, median: m, min: v[0]!, max: v[v.length - 1]!, spread };
}

/** Default limit above which a benchmark flags its repetitions as too noisy to trust. */
export const DEFAULT_SPREAD_LIMIT = 0.1;

/** True when the spread exceeds the limit (a single repetition cannot show its noise: not flagged). */
export function tooWide(s: Spread, limit = DEFAULT_SPREAD_LIMIT): boolean {
  return Number.isFinite(s.spread) && s.spread > limit;
}

/**
 * "spread 4.2% over 5 reps", or with the flag "spread 31% over 5 reps: TOO WIDE (> 10%)" (the benchmark then says once
 * to rerun on a quiet machine).
 */
export function formatSpread(s: Spread, limit = DEFAULT_SPREAD_LIMIT): string {
  if (!Number.isFinite(s.spread)) return `1 rep, spread unknown`;
  const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
  const base = `spread ${pct(s.spread)} over ${s.n} reps`;
  return tooWide(s, limit) ? `${base}: TOO WIDE (> ${pct(limit)})` : base;
}
