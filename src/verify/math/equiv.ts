// src/verify/math/equiv.ts — in-process (unbounded) answer equivalence and completion verification. These are
// the pure functions the time-bounded MathVerifier runs inside its worker threads.

import { parseCompletion } from '../completion.js';
import { extractAnswer, lastBoxed } from './extract.js';
import { MAX_NORMALIZE_CHARS, normalizeAnswer } from './normalize.js';
import { printScalar, scalarsEqual } from './scalar.js';
import { compareValues, parseValue, printValue, splitTop, type Value } from './structure.js';
import { DEFAULT_REL_TOL, type EquivOptions, type ExtractOptions, type GoldExtract, type MathVerdict } from './types.js';
import { intervalOfRelation } from './interval.js';

function relTolOf(opts: EquivOptions): number {
  const relTol = opts.relTol ?? DEFAULT_REL_TOL;
  if (!Number.isFinite(relTol) || relTol < 0 || relTol >= 1) throw new RangeError(`relTol must be in [0, 1), got ${relTol}`);
  return relTol;
}

/** Normalized shape of an answer, or null for an empty one. */
export function shapeOf(answer: string): Value | null {
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
    const gn = normalizeAnswer(gold);
    const an = normalizeAnswer(answer);
    if (gn === '' || an === '') return false;
    const letter = choiceLetter(gn, true);
    if (letter !== null) return choiceLetter(an, false) === letter;
    // A value gold answered as a choice with its value, "(C) 5": the value is the answer.
    const choice = /^\([A-E]\)\s+(\S[\s\S]*)$/.exec(an);
    if (choice !== null) return isEquivalent(gold, choice[1] as string, opts);
    const scalarEq = (x: string, y: string): boolean => scalarsEqual(x, y, relTol);
    // Two equations are compared whole before "y = …" loses its left side (y = 3x - 1 against 3x - y - 1 = 0).
    if (isEquation(gn) && isEquation(an) && scalarEq(gn, an)) return true;
    if (sameShape(parseValue(gn), parseValue(an), scalarEq)) return true;
    // A decimal comma where it cannot be a thousands separator: 3500,25 and 6,18.
    const decimalComma = /^(-?\d+),(\d{1,2}|\d{4,})(%?)$/.exec(an);
    return decimalComma !== null && sameShape(parseValue(gn), parseValue(`${decimalComma[1] as string}.${decimalComma[2] as string}${decimalComma[3] as string}`), scalarEq);
  } catch {
    // Stack exhaustion or a math.js failure on hostile input: not equivalent, never a crash.
    return false;
  }
}

/** Compare two shapes; an inequality in one variable also stands for its interval (x > 4 is (4, \infty)). */
function sameShape(g: Value, a: Value, scalarEq: (x: string, y: string) => boolean): boolean {
  if (compareValues(g, a, scalarEq)) return true;
  // One value written in several forms ("15\\frac{39}{40}, \\frac{639}{40}"): every form must be the gold.
  if (g.kind === 'scalar' && a.kind === 'set' && !a.braces && a.items.length <= 4 && a.items.every((x) => compareValues(g, x, scalarEq))) return true;
  const gi = intervalsOf(g);
  const ai = intervalsOf(a);
  if (gi === null && ai === null) return false;
  return compareValues(gi ?? g, ai ?? a, scalarEq);
}

/** The interval of a one-variable inequality, or the union of a list of them ("x < -3, x > 3"); else null. */
function intervalsOf(v: Value): Value | null {
  if (v.kind === 'scalar') return intervalOfRelation(v.text);
  if (v.kind !== 'set' || v.braces || v.items.length > 4) return null;
  const items = v.items.map((x) => (x.kind === 'scalar' ? intervalOfRelation(x.text) : null));
  if (items.some((x) => x === null)) return null;
  return { kind: 'union', items: items.flatMap((x) => ((x as Value).kind === 'union' ? (x as { items: Value[] }).items : [x as Value])) };
}

/** One top-level "=" and no list: an equation to compare whole. */
function isEquation(s: string): boolean {
  return splitTop(s, ['=']).length === 2 && splitTop(s, [',', ';']).length === 1 && !/\\(?:leq|geq|ne)(?![A-Za-z])|[<>]/.test(s);
}

/**
 * The letter of a multiple-choice answer: "C", "(C)", "\\text{(C)}" (a gold must be only that); an answer may go
 * on ("(C) 12", "C: 12"). Lower-case letters count only on their own.
 */
function choiceLetter(s: string, whole: boolean): string | null {
  const m = whole ? /^(?:\(([A-Ea-e])\)|([A-E]))$/.exec(s) : /^(?:\(([A-E])\)|([A-E]))(?:$|[\s.:,)])|^\(?([a-e])\)?$/.exec(s);
  if (m === null) return null;
  // What follows the letter may explain it ("(C) 12"), not name another choice: "(C) or (A)", "A, B, C" hedge.
  if (!whole && OTHER_CHOICE.test(s.slice(m[0].length))) return null;
  return ((m[1] ?? m[2] ?? m[3]) as string).toUpperCase();
}

/** A choice letter on its own in the text after an answer's letter: (A), or A between spaces, commas or brackets. */
const OTHER_CHOICE = /\([A-E]\)|(?:^|[\s,;/(])[A-E](?=$|[\s,;.:)/])/;

/**
 * The answer inside a gold that is not a bare answer: a worked solution with a box, a GSM8K "####" line, prose
 * with math in dollars ("$125$ miles") or an answer phrase. 'always' extracts whatever the gold is; 'never' keeps it.
 */
export function goldAnswer(gold: string, mode: GoldExtract = 'auto'): string {
  if (mode === 'never') return gold;
  if (mode === 'auto') {
    if (gold.includes('\\boxed') || gold.includes('\\fbox')) return lastBoxed(gold) ?? gold;
    if (isBareGold(gold)) return gold;
  }
  return extractAnswer(gold)?.answer ?? gold;
}

/** A gold that 'auto' keeps as it is: no box, no "####", no dollars, no line break, no answer phrase, no prose. */
function isBareGold(gold: string): boolean {
  return !gold.includes('\\boxed') && !gold.includes('\\fbox') && !/####|(?<!\\)\$|\n|answer|答案/i.test(gold) && !/[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){3,}/.test(gold);
}

/** Longest gold the verbatim test looks at (its regular expressions are linear; this bounds them anyway). */
const MAX_VERBATIM_CHARS = 1000;

/** What a JavaScript caller passed instead of two strings: a TypeError naming the function, not a property read. */
function checkStrings(fn: string, gold: unknown, answer: unknown): void {
  if (typeof gold !== 'string' || typeof answer !== 'string') {
    throw new TypeError(`${fn}: gold and answer must be strings, got ${gold === null ? 'null' : typeof gold} and ${answer === null ? 'null' : typeof answer}`);
  }
}

/**
 * Is `answer` the gold's answer verbatim (both trimmed, not empty), decided by string work alone? Then
 * compareAnswers finds it equivalent by isEquivalent's first rule, so a caller may answer without the time-bounded
 * worker. False when unsure (a gold that needs extracting, a long one): the comparer decides.
 *
 * @example verbatimAnswer('42', ' 42 ') // true
 * @example verbatimAnswer('42', '42.0') // false: equivalent, but that is for the comparer to say
 */
export function verbatimAnswer(gold: string, answer: string, mode: GoldExtract = 'auto'): boolean {
  checkStrings('verbatimAnswer', gold, answer);
  if (mode === 'always' || gold.length > MAX_VERBATIM_CHARS || answer.length > MAX_VERBATIM_CHARS) return false;
  if (mode === 'auto' && !isBareGold(gold)) return false;
  const g = gold.trim();
  return g !== '' && g === answer.trim();
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

/**
 * Find the final answer of `completion` as the rewards do (the one completion parser: after a closed `<think>`
 * block, in the last `<answer>` block when there is one, else by the extractor's priority) and compare it with
 * `gold`. In-process, unbounded.
 */
export function verifyCompletion(gold: string, completion: string, opts: EquivOptions & ExtractOptions = {}): MathVerdict {
  const found = parseCompletion(completion, opts.priority === undefined ? {} : { priority: opts.priority }).final;
  if (found === null) {
    const parsedGold = describeAnswer(goldAnswer(gold, opts.goldExtract));
    return { correct: false, extracted: null, method: null, gold, parsedGold, parsedAnswer: null, reason: 'no answer found', timedOut: false };
  }
  return { ...compareAnswers(gold, found.answer, opts), method: found.method };
}

/** Compare two bare answers and explain the verdict (method is null: nothing was extracted). */
export function compareAnswers(gold: string, answer: string, opts: EquivOptions = {}): MathVerdict {
  checkStrings('compareAnswers', gold, answer);
  const g = goldAnswer(gold, opts.goldExtract);
  const correct = isEquivalent(g, answer, opts);
  const parsedGold = describeAnswer(g);
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
