// src/tasks/arithmetic/index.ts — multi-digit arithmetic: seeded expressions such as "4821 * 37 - 905",
// evaluated exactly (BigInt rationals, usual precedence) and checked by exact value, not by string.

import { z } from 'zod';
import type { Rng } from '../../util/rng.js';
import type { Task, TaskItem, Split } from '../types.js';
import { Rational, parseRational } from '../rational.js';
import { syntheticTask } from '../synthetic.js';
import { parseDifficultySpec, resolveDifficulty } from '../difficulty.js';

export const ARITHMETIC_OPERATORS = ['+', '-', '*', '/'] as const;
export type ArithmeticOperator = (typeof ARITHMETIC_OPERATORS)[number];

/** Difficulty knobs. Accepts strings for every field (CLI overrides), e.g. operators="+-*". */
export const arithmeticDifficultySchema = z
  .object({
    /** Digits of every operand (the leading digit is never 0, so no operand is 0). */
    digits: z.coerce.number().int().min(1).max(30),
    /** Number of operands in the expression. */
    operands: z.coerce.number().int().min(2).max(12),
    /** Operators to draw from, uniformly. '/' makes the answer an exact fraction in general. */
    operators: z.preprocess(
      (v) => (typeof v === 'string' ? [...new Set(v.replace(/\s+/g, '').split(''))] : v),
      z.array(z.enum(ARITHMETIC_OPERATORS)).min(1),
    ),
    /** Share of questions asked in Chinese ("计算 3 + 4。…"), for multilingual RL prompts (DeepSeek-R1 §2.2.4). */
    zh: z.coerce.number().min(0).max(1).optional(),
  })
  .strict();
export type ArithmeticDifficulty = z.infer<typeof arithmeticDifficultySchema>;

export const arithmeticPresets: Readonly<Record<string, ArithmeticDifficulty>> = {
  easy: { digits: 2, operands: 2, operators: ['+', '-'] },
  medium: { digits: 3, operands: 3, operators: ['+', '-', '*'] },
  hard: { digits: 5, operands: 4, operators: ['+', '-', '*'] },
  extreme: { digits: 8, operands: 5, operators: ['+', '-', '*', '/'] },
};

/** Parse a CLI difficulty spec ("hard", "digits=4,operands=3", "easy,operators=+-*"). */
export function arithmeticDifficultyFromSpec(spec: string): ArithmeticDifficulty {
  return parseDifficultySpec('arithmetic', spec, arithmeticPresets, 'medium', arithmeticDifficultySchema);
}

function randomOperand(rng: Rng, digits: number): bigint {
  let s = String(rng.int(1, 9));
  for (let i = 1; i < digits; i++) s += String(rng.int(0, 9));
  return BigInt(s);
}

/** Exact value of operands joined by operators with the usual precedence (* and / before + and -). */
export function evaluateChain(operands: readonly bigint[], operators: readonly ArithmeticOperator[]): Rational {
  if (operands.length !== operators.length + 1) throw new Error('evaluateChain: need one more operand than operators');
  let total = new Rational(0n);
  let term = new Rational(operands[0] as bigint);
  let sign: '+' | '-' = '+';
  for (let i = 0; i < operators.length; i++) {
    const op = operators[i] as ArithmeticOperator;
    const x = new Rational(operands[i + 1] as bigint);
    if (op === '*') term = term.mul(x);
    else if (op === '/') term = term.div(x);
    else {
      total = sign === '+' ? total.add(term) : total.sub(term);
      sign = op;
      term = x;
    }
  }
  return sign === '+' ? total.add(term) : total.sub(term);
}

/** The question for an expression, in English or Chinese. */
export function arithmeticQuestion(expr: string, lang: 'en' | 'zh', fractional = false): string {
  if (lang === 'zh') return `计算 ${expr}。按通常的运算顺序（先乘除后加减）。` + (fractional ? '请给出准确值：整数或最简分数 p/q。' : '请给出准确的整数结果。');
  return `Compute ${expr}. Use the usual order of operations (* and / before + and -). ` +
    (fractional ? 'Give the exact value as an integer or a fraction p/q in lowest terms.' : 'Give the exact integer value.');
}

/** One arithmetic problem drawn from `rng` at difficulty `d`. */
export function generateArithmetic(rng: Rng, d: ArithmeticDifficulty) {
  const operands = Array.from({ length: d.operands }, () => randomOperand(rng, d.digits));
  const operators = Array.from({ length: d.operands - 1 }, () => rng.pick(d.operators));
  const value = evaluateChain(operands, operators);
  let expr = operands[0]!.toString();
  for (let i = 0; i < operators.length; i++) expr += ` ${operators[i]} ${operands[i + 1]}`;
  // The language is drawn only when Chinese is asked for, so that English-only streams stay as they were.
  const question = arithmeticQuestion(expr, (d.zh ?? 0) > 0 && rng.next() < d.zh! ? 'zh' : 'en', operators.includes('/'));
  return { question, gold: value.toString(), key: expr, meta: { expression: expr } };
}

/** Read a candidate answer: an optional "... =" prefix is dropped, then an integer, decimal or fraction. */
export function parseArithmeticAnswer(answer: string): Rational | null {
  const rhs = answer.includes('=') ? answer.slice(answer.lastIndexOf('=') + 1) : answer;
  return parseRational(rhs.replace(/\\text\{[^}]*\}/g, ''));
}

/** The multi-digit arithmetic task at a difficulty (a preset name's knobs or explicit ones; default "medium"). */
export function arithmeticTask(difficulty: Partial<ArithmeticDifficulty> = {}): Task & {
  difficulty: ArithmeticDifficulty;
  stream(opts: { split: Split; seed?: number }): Iterable<TaskItem>;
} {
  const d = resolveDifficulty('arithmetic', { ...arithmeticPresets.medium, ...difficulty }, arithmeticDifficultySchema);
  const task = syntheticTask({
    name: 'arithmetic',
    description: `multi-digit arithmetic (${d.operands} operands of ${d.digits} digits, operators ${d.operators.join('')})`,
    generate: (rng) => generateArithmetic(rng, d),
    checkAnswer(item, answer) {
      const got = parseArithmeticAnswer(answer);
      if (got === null) return { correct: false, reason: 'answer is not a number' };
      const gold = parseRational(item.gold);
      if (gold === null) throw new Error(`arithmetic: item ${item.id} has a non-numeric gold "${item.gold}"`);
      return got.equals(gold) ? { correct: true, reason: 'exact match' } : { correct: false, reason: `wrong value ${got}` };
    },
    answerKey: (a) => parseArithmeticAnswer(a)?.toString() ?? a.trim(),
  });
  return { ...task, difficulty: d };
}
