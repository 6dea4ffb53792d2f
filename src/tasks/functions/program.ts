// src/tasks/functions/program.ts — what a `functions` problem is: a chain of operations (+ - * a constant) applied to
// x from left to right, its Python expression with the evaluation order made explicit, its value, and the English
// and Chinese wordings of the question and of a short worked solution (for the base model's pretraining corpus).
// Wordings are deliberately regular and parallel across the two languages: a model of a million parameters has
// to learn them from a generated corpus.

export const FUNCTION_OPS = ['+', '-', '*'] as const;
export type FunctionOp = (typeof FUNCTION_OPS)[number];

/** One operation applied to the running value: `op n`. */
export interface FunctionStep {
  op: FunctionOp;
  /** A positive integer constant. */
  n: number;
}

export type FunctionLang = 'en' | 'zh';

const EN_WORDS: Record<FunctionOp, string> = { '+': 'plus', '-': 'minus', '*': 'times' };
const ZH_WORDS: Record<FunctionOp, string> = { '+': '加', '-': '减', '*': '乘以' };

/**
 * The Python expression of a chain, left to right, with parentheses only where Python's precedence would
 * otherwise bind differently (a product after a sum or difference):
 * [*3, +2] → "x * 3 + 2"; [+3, *2] → "(x + 3) * 2"; [-1, -2] → "x - 1 - 2" (Python's - is left-associative).
 */
export function pythonExpression(steps: readonly FunctionStep[]): string {
  let expr = 'x';
  let sum = false; // the expression so far ends in + or - at its top level
  for (const s of steps) {
    if (s.op === '*') {
      expr = `${sum ? `(${expr})` : expr} * ${s.n}`;
      sum = false;
    } else {
      expr = `${expr} ${s.op} ${s.n}`;
      sum = true;
    }
  }
  return expr;
}

/** One step's arithmetic on a running value. */
function apply(v: number, s: FunctionStep): number {
  return s.op === '+' ? v + s.n : s.op === '-' ? v - s.n : v * s.n;
}

/** f(x) for a chain, left to right. */
export function evaluateSteps(steps: readonly FunctionStep[], x: number): number {
  return steps.reduce(apply, x);
}

/** The canonical one-line solution: "def f(x): return x * 3 + 2". */
export function solutionOf(steps: readonly FunctionStep[]): string {
  return `def f(x): return ${pythonExpression(steps)}`;
}

/**
 * The question. English: "Write a Python function f(x) that returns x times 3, then plus 2."; Chinese:
 * "写一个 Python 函数 f(x)，返回 x 乘以 3，再加 2。" ("then"/"再" before every operation after the first says the
 * order is left to right).
 */
export function functionQuestion(steps: readonly FunctionStep[], lang: FunctionLang): string {
  if (steps.length === 0) throw new Error('functions: a problem needs at least one operation');
  if (lang === 'zh') {
    const ops = steps.map((s, i) => `${i === 0 ? '' : '，再'}${ZH_WORDS[s.op]} ${s.n}`).join('');
    return `写一个 Python 函数 f(x)，返回 x ${ops}。`;
  }
  const ops = steps.map((s, i) => `${i === 0 ? '' : ', then '}${EN_WORDS[s.op]} ${s.n}`).join('');
  return `Write a Python function f(x) that returns x ${ops}.`;
}

/** "2 * 3 = 6, 6 + 2 = 8" — the chain evaluated at x, one step at a time (in the language's separator). */
function checkSteps(steps: readonly FunctionStep[], x: number, sep: string): string {
  const parts: string[] = [];
  let v = x;
  for (const s of steps) {
    const next = apply(v, s);
    parts.push(`${v} ${s.op} ${s.n} = ${next}`);
    v = next;
  }
  return parts.join(sep);
}

/**
 * A worked solution in plain prose (never tags): read the operations in order, check one input step by step, then
 * the code on its own line.
 * en: "Start with x, then times 3, then plus 2. Check x = 2: 2 * 3 = 6, 6 + 2 = 8. So f(2) = 8.\ndef f(x): return x * 3 + 2"
 * zh: "从 x 开始，先乘以 3，再加 2。验算 x = 2：2 * 3 = 6，6 + 2 = 8。所以 f(2) = 8。\ndef f(x): return x * 3 + 2"
 */
export function workedSolution(steps: readonly FunctionStep[], lang: FunctionLang, checkInput: number): string {
  const y = evaluateSteps(steps, checkInput);
  const code = solutionOf(steps);
  if (lang === 'zh') {
    const first = steps.length > 1 ? '先' : '';
    const read = steps.map((s, i) => `${i === 0 ? first : '再'}${ZH_WORDS[s.op]} ${s.n}`).join('，');
    return `从 x 开始，${read}。验算 x = ${checkInput}：${checkSteps(steps, checkInput, '，')}。所以 f(${checkInput}) = ${y}。\n${code}`;
  }
  const read = steps.map((s) => `then ${EN_WORDS[s.op]} ${s.n}`).join(', ');
  return `Start with x, ${read}. Check x = ${checkInput}: ${checkSteps(steps, checkInput, ', ')}. So f(${checkInput}) = ${y}.\n${code}`;
}
