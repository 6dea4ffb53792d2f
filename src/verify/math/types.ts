// src/verify/math/types.ts — public types of the math verifier: extraction methods, options and the verdict.

/** Where a final answer was found in a completion, in the default priority order. */
export type ExtractMethod = 'boxed' | 'answer-tag' | 'answer-line' | 'gsm8k' | 'latex-span' | 'last-number';

/** Every extraction method in default priority order. */
export const EXTRACT_METHODS: readonly ExtractMethod[] = ['boxed', 'answer-tag', 'answer-line', 'gsm8k', 'latex-span', 'last-number'];

export interface ExtractOptions {
  /** Methods to try, first match wins. Default: all of {@link EXTRACT_METHODS}, in that order. */
  priority?: ExtractMethod[];
}

/** Default relative tolerance of numeric comparison. */
export const DEFAULT_REL_TOL = 1e-6;

/**
 * How a gold answer is read: 'auto' (default) extracts from golds that are not bare answers — a worked solution
 * with a box, a GSM8K "####" line, prose with math in dollars ("$125$ miles"); 'always' runs the full extraction on
 * every gold; 'never' takes the gold as it is.
 */
export type GoldExtract = 'auto' | 'always' | 'never';
export const GOLD_EXTRACT_MODES: readonly GoldExtract[] = ['auto', 'always', 'never'];

export interface EquivOptions {
  /** Relative tolerance for non-integer numeric comparison. Default 1e-6. Integers are compared exactly. */
  relTol?: number;
  /** How the gold is read before comparison (verifyCompletion / compareAnswers). Default 'auto'. */
  goldExtract?: GoldExtract;
}

/** The outcome of verifying one completion (or one bare answer) against a gold answer. */
export interface MathVerdict {
  correct: boolean;
  /** The answer as extracted from the completion, or null when none was found. */
  extracted: string | null;
  method: ExtractMethod | null;
  gold: string;
  /** Canonical form of the gold answer as the comparer understood it (null when it could not be read). */
  parsedGold: string | null;
  /** Canonical form of the extracted answer (null when there is none or it could not be read). */
  parsedAnswer: string | null;
  /** Short human-readable reason, e.g. "equivalent", "not equivalent", "no answer found", "timeout". */
  reason: string;
  timedOut: boolean;
}

export interface MathVerifierOptions extends EquivOptions, ExtractOptions {
  /** Hard wall-clock limit for one verification in milliseconds. Default 2000. */
  timeoutMs?: number;
  /** Number of worker threads. Default 1. */
  workers?: number;
  /**
   * One warm spare worker: a worker terminated at its deadline is replaced by the spare at once instead of by a
   * fresh thread that first has to load the computer-algebra library (seconds on a loaded machine), and the next
   * spare starts in the background. 'eager' starts it with the pool (a service: every timeout counts); 'lazy'
   * (default) at the first replacement, so that a pool whose checks never time out (most tests, short evals)
   * never pays for it; 'off' never. Costs one idle thread (tens of MB).
   */
  spare?: 'eager' | 'lazy' | 'off';
  /**
   * Most checks sent to a worker in one message (default 16). Checks that wait for a worker while others run are
   * coalesced: one message carries several, the worker answers each as it finishes, and each keeps its own
   * deadline, which starts when the worker reaches it. A check that times out or crashes its worker costs only
   * itself: the checks behind it in its message go back to the head of the queue. 1 sends every check alone.
   */
  maxBatch?: number;
}
