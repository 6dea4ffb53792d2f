// src/tasks/countdown/index.ts — Countdown (as in TinyZero's R1-Zero replication): reach a target from a set
// of numbers with + - * / and parentheses, each number used exactly once. Solvable by construction: the
// target is the value of a random expression tree over the numbers.

import { z } from 'zod';
import type { Rng } from '../../util/rng.js';
import type { Split, Task, TaskItem } from '../types.js';
import { Rational } from '../rational.js';
import { syntheticTask } from '../synthetic.js';
import { parseDifficultySpec, resolveDifficulty } from '../difficulty.js';
import { evaluateExpression } from './expression.js';

/** Difficulty knobs (strings accepted for CLI overrides). */
export const countdownDifficultySchema = z
  .object({
    /** How many numbers the player gets (all must be used). */
    numbers: z.coerce.number().int().min(2).max(8),
    /** Numbers are drawn uniformly from 1..maxNumber. */
    maxNumber: z.coerce.number().int().min(2).max(10_000),
    /** Targets lie in 1..maxTarget. */
    maxTarget: z.coerce.number().int().min(1).max(1_000_000),
  })
  .strict();
export type CountdownDifficulty = z.infer<typeof countdownDifficultySchema>;

export const countdownPresets: Readonly<Record<string, CountdownDifficulty>> = {
  easy: { numbers: 3, maxNumber: 20, maxTarget: 100 },
  medium: { numbers: 4, maxNumber: 99, maxTarget: 100 }, // TinyZero's setting (3–4 numbers, target ≤ 100)
  hard: { numbers: 5, maxNumber: 100, maxTarget: 1000 },
  extreme: { numbers: 6, maxNumber: 100, maxTarget: 1000 },
};

export function countdownDifficultyFromSpec(spec: string): CountdownDifficulty {
  return parseDifficultySpec('countdown', spec, countdownPresets, 'medium', countdownDifficultySchema);
}

interface Node {
  value: number;
  text: string;
  /** Whether `text` is a bare number or a product/quotient (no parentheses needed under * or /). */
  prec: 0 | 1 | 2; // 2 = atom, 1 = * or /, 0 = + or -
}

const wrap = (n: Node, min: number): string => (n.prec < min ? `(${n.text})` : n.text);

/**
 * Combine two nodes with a random operation whose result stays a positive integer (the classic Countdown
 * rule, so the puzzle is solvable with whole numbers), or null when none fits.
 */
function combine(rng: Rng, a: Node, b: Node): Node | null {
  const [hi, lo] = a.value >= b.value ? [a, b] : [b, a];
  const options: Node[] = [
    { value: a.value + b.value, text: `${a.text} + ${b.text}`, prec: 0 },
    { value: a.value * b.value, text: `${wrap(a, 1)} * ${wrap(b, 1)}`, prec: 1 },
  ];
  if (hi.value > lo.value) options.push({ value: hi.value - lo.value, text: `${hi.text} - ${wrap(lo, 1)}`, prec: 0 });
  if (lo.value > 1 && hi.value % lo.value === 0) {
    options.push({ value: hi.value / lo.value, text: `${wrap(hi, 1)} / ${wrap(lo, 2)}`, prec: 1 });
  }
  const safe = options.filter((o) => Number.isSafeInteger(o.value));
  return safe.length === 0 ? null : rng.pick(safe);
}

/** One solvable Countdown puzzle: numbers, a target in range, and one solution. */
export function generateCountdown(rng: Rng, d: CountdownDifficulty) {
  for (let draw = 0; draw < 10_000; draw++) {
    const numbers = Array.from({ length: d.numbers }, () => rng.int(1, d.maxNumber));
    // A few random trees per draw of numbers; most land in range for the presets.
    for (let attempt = 0; attempt < 20; attempt++) {
      const pool: Node[] = numbers.map((n) => ({ value: n, text: String(n), prec: 2 }));
      while (pool.length > 1) {
        rng.shuffle(pool);
        const a = pool.pop() as Node;
        const b = pool.pop() as Node;
        const c = combine(rng, a, b);
        if (c === null) break;
        pool.push(c);
      }
      const root = pool.length === 1 ? (pool[0] as Node) : null;
      if (root === null || root.value < 1 || root.value > d.maxTarget) continue;
      const sorted = [...numbers].sort((x, y) => x - y);
      const target = root.value;
      const question =
        `Using the numbers [${numbers.join(', ')}], create an expression that equals ${target}. ` +
        'You may use +, -, * and / and parentheses, and you must use each number exactly once. ' +
        'Give only the expression as the answer, for example (1 + 2) * 3.';
      return {
        question,
        gold: String(target),
        key: `${sorted.join(',')}->${target}`,
        meta: { numbers, target, solution: root.text },
      };
    }
  }
  throw new Error(`countdown: no puzzle with a target in 1..${d.maxTarget} found; loosen the difficulty`);
}

/** Same multiset of integers? */
function sameMultiset(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((v, i) => v === y[i]);
}

/**
 * Check a Countdown answer: an expression over exactly the given numbers (each once) whose exact value is
 * the target. "expr = target" is accepted; any other "=" form is not. Non-integer intermediate values are
 * allowed (arithmetic is exact), as in TinyZero's checker; division by zero is rejected.
 */
export function checkCountdownAnswer(numbers: readonly number[], target: number, answer: string): { correct: boolean; reason: string } {
  const sides = answer.split('=');
  let exprText = answer;
  if (sides.length > 2) return { correct: false, reason: 'more than one "="' };
  if (sides.length === 2) {
    const [l, r] = sides.map((s) => s.trim()) as [string, string];
    const lNum = /^\d+$/.test(l);
    const rNum = /^\d+$/.test(r);
    if (rNum && !lNum) {
      if (Number(r) !== target) return { correct: false, reason: `claims ${r}, target is ${target}` };
      exprText = l;
    } else if (lNum && !rNum) {
      if (Number(l) !== target) return { correct: false, reason: `claims ${l}, target is ${target}` };
      exprText = r;
    } else {
      return { correct: false, reason: 'an "=" must separate the expression from the target' };
    }
  }
  let ev;
  try {
    ev = evaluateExpression(exprText);
  } catch (e) {
    if (e instanceof RangeError) return { correct: false, reason: e.message };
    return { correct: false, reason: `unparseable: ${(e as Error).message}` };
  }
  if (!sameMultiset(ev.numbers, numbers)) {
    return { correct: false, reason: `uses [${ev.numbers.join(', ')}], must use each of [${numbers.join(', ')}] exactly once` };
  }
  if (!ev.value.equals(Rational.of(target))) return { correct: false, reason: `evaluates to ${ev.value}, not ${target}` };
  return { correct: true, reason: 'valid expression' };
}

function itemNumbers(item: TaskItem): { numbers: number[]; target: number } {
  const numbers = item.meta?.['numbers'];
  const target = item.meta?.['target'];
  if (!Array.isArray(numbers) || !numbers.every((n) => Number.isSafeInteger(n)) || !Number.isSafeInteger(target)) {
    throw new Error(`countdown: item ${item.id} lacks meta.numbers / meta.target`);
  }
  return { numbers: numbers as number[], target: target as number };
}

/** The Countdown task at a difficulty (default "medium"). The gold answer is the target. */
export function countdownTask(difficulty: Partial<CountdownDifficulty> = {}): Task & {
  difficulty: CountdownDifficulty;
  stream(opts: { split: Split; seed?: number }): Iterable<TaskItem>;
} {
  const d = resolveDifficulty('countdown', { ...countdownPresets.medium, ...difficulty }, countdownDifficultySchema);
  const task = syntheticTask({
    name: 'countdown',
    description: `Countdown: reach a target ≤ ${d.maxTarget} from ${d.numbers} numbers ≤ ${d.maxNumber}, each used once`,
    generate: (rng) => generateCountdown(rng, d),
    checkAnswer(item, answer) {
      const { numbers, target } = itemNumbers(item);
      return checkCountdownAnswer(numbers, target, answer);
    },
    // Different valid expressions are different answers; majority voting groups identical spellings.
    answerKey: (a) => a.replace(/\s+/g, ''),
  });
  return { ...task, difficulty: d };
}
