// src/verify/math/equiv.ts — in-process (unbounded) answer equivalence and completion verification. These are
// the pure functions the time-bounded MathVerifier runs inside its worker threads.

import { extractAnswer } from './extract.js';
import { MAX_NORMALIZE_CHARS, normalizeAnswer } from './normalize.js';
import { printScalar, scalarsEqual } from './scalar.js';
import { compareValues, parseValue, printValue, type Value } from './structure.js';
import { DEFAULT_REL_TOL, type EquivOptions, type ExtractOptions, type MathVerdict } from './types.js';

function relTolOf(opts: EquivOptions): number {
  const relTol = opts.relTol ?? DEFAULT_REL_TOL;
  if (!Number.isFinite(relTol) || relTol < 0 || relTol >= 1) throw new RangeError(`relTol must be in [0, 1), got ${relTol}`);
  return relTol;
}

/** Normalized shape of an answer, or null for an empty one. */
function shapeOf(answer: string): Value | null {
  const norm = normalizeAnswer(answer);
  return norm === '' ? null : parseValue(norm);
}

/**
 * Are `gold` and `answer` the same mathematical answer? Synchronous and in-process: use MathVerifier for a
 * time bound on untrusted input. Never throws on odd input (it returns false).
 *
 * @example isEquivalent('1/2', '\\frac{2}{4}') // true
 * @example isEquivalent('3', '3, 4') // false — listing several answers is not answering
 */
export function isEquivalent(gold: string, answer: string, opts: EquivOptions = {}): boolean {
  const relTol = relTolOf(opts);
  if (typeof gold !== 'string' || typeof answer !== 'string') return false;
  if (gold.trim() === '' || answer.trim() === '') return false;
  if (gold.trim() === answer.trim()) return true;
  if (gold.length > MAX_NORMALIZE_CHARS || answer.length > MAX_NORMALIZE_CHARS) return false;
  try {
    const g = shapeOf(gold);
    const a = shapeOf(answer);
    if (g === null || a === null) return false;
    return compareValues(g, a, (x, y) => scalarsEqual(x, y, relTol));
  } catch {
    // Stack exhaustion or a math.js failure on hostile input: not equivalent, never a crash.
    return false;
  }
}

/** Canonical readable form of an answer (what the comparer understood), or null when it is empty. */
export function describeAnswer(answer: string): string | null {
  try {
    if (answer.length > MAX_NORMALIZE_CHARS) return null;
    const v = shapeOf(answer);
    return v === null ? null : printValue(v, printScalar);
  } catch {
    return null;
  }
}

/** Extract the final answer of `completion` and compare it with `gold`. In-process, unbounded. */
export function verifyCompletion(gold: string, completion: string, opts: EquivOptions & ExtractOptions = {}): MathVerdict {
  const found = extractAnswer(completion, opts.priority === undefined ? {} : { priority: opts.priority });
  const parsedGold = describeAnswer(gold);
  if (found === null) {
    return { correct: false, extracted: null, method: null, gold, parsedGold, parsedAnswer: null, reason: 'no answer found', timedOut: false };
  }
  return { ...compareAnswers(gold, found.answer, opts), method: found.method };
}

/** Compare two bare answers and explain the verdict (method is null: nothing was extracted). */
export function compareAnswers(gold: string, answer: string, opts: EquivOptions = {}): MathVerdict {
  const correct = isEquivalent(gold, answer, opts);
  const parsedGold = describeAnswer(gold);
  const parsedAnswer = describeAnswer(answer);
  const reason = correct
    ? 'equivalent'
    : answer.trim() === ''
      ? 'empty answer'
      : answer.length > MAX_NORMALIZE_CHARS
        ? `answer longer than ${MAX_NORMALIZE_CHARS} characters`
        : 'not equivalent';
  return { correct, extracted: answer, method: null, gold, parsedGold, parsedAnswer, reason, timedOut: false };
}
