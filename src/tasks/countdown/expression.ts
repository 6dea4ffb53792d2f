// src/tasks/countdown/expression.ts — a small safe recursive-descent parser and exact evaluator for Countdown
// answers: integers, + - * / (also ×, ÷, \times, \cdot, \div), parentheses and \frac{a}{b}. Never `eval`.
// Unary minus is rejected (Countdown combines the given numbers with the four binary operations only).

import { Rational } from '../rational.js';

/** A successfully evaluated expression: its exact value and the integer literals it used, in order. */
export interface Evaluated {
  value: Rational;
  numbers: number[];
}

/** Grammar nesting deeper than this is rejected (keeps recursion bounded on hostile input). */
const MAX_DEPTH = 64;

type Token = { kind: 'num'; value: number } | { kind: 'op'; op: '+' | '-' | '*' | '/' } | { kind: 'open' | 'close' | 'frac' };

function tokenize(src: string): Token[] {
  const s = src
    .replace(/\\left|\\right|\\big|\\Big|\\,|\\!|\\;|\\ |\$/g, '')
    .replace(/\\\(|\\\)|\\\[|\\\]/g, '') // inline math delimiters \( \) \[ \]
    .replace(/\\times|\\cdot|[×·∗⋅]/g, '*')
    .replace(/\\div|÷/g, '/')
    .replace(/[−–]/g, '-')
    .replace(/\\[dt]?frac/g, '§');
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c >= '0' && c <= '9') {
      let j = i;
      while (j < s.length && (s[j] as string) >= '0' && (s[j] as string) <= '9') j++;
      const lit = s.slice(i, j);
      if (lit.length > 1 && lit[0] === '0') throw new SyntaxError(`number with a leading zero "${lit}"`);
      if (lit.length > 9) throw new SyntaxError(`number too long "${lit.slice(0, 12)}…"`);
      out.push({ kind: 'num', value: Number(lit) });
      i = j;
    } else if (c === '+' || c === '-' || c === '*' || c === '/') {
      out.push({ kind: 'op', op: c });
      i++;
    } else if (c === '(' || c === '[' || c === '{') {
      out.push({ kind: 'open' });
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      out.push({ kind: 'close' });
      i++;
    } else if (c === '§') {
      out.push({ kind: 'frac' });
      i++;
    } else {
      throw new SyntaxError(`unexpected character "${c}"`);
    }
  }
  return out;
}

/**
 * Parse and evaluate `src` exactly. Throws SyntaxError on malformed input (with the reason) and
 * RangeError('division by zero') when a divisor evaluates to zero.
 */
export function evaluateExpression(src: string): Evaluated {
  const toks = tokenize(src);
  const numbers: number[] = [];
  let pos = 0;
  const peek = (): Token | undefined => toks[pos];

  const expr = (depth: number): Rational => {
    if (depth > MAX_DEPTH) throw new SyntaxError('expression nested too deeply');
    let v = term(depth);
    for (let t = peek(); t?.kind === 'op' && (t.op === '+' || t.op === '-'); t = peek()) {
      pos++;
      const r = term(depth);
      v = t.op === '+' ? v.add(r) : v.sub(r);
    }
    return v;
  };
  const term = (depth: number): Rational => {
    let v = factor(depth);
    for (let t = peek(); t?.kind === 'op' && (t.op === '*' || t.op === '/'); t = peek()) {
      pos++;
      const r = factor(depth);
      v = t.op === '*' ? v.mul(r) : v.div(r);
    }
    return v;
  };
  const group = (depth: number): Rational => {
    if (peek()?.kind !== 'open') throw new SyntaxError('expected "(" or "{"');
    pos++;
    const v = expr(depth + 1);
    if (peek()?.kind !== 'close') throw new SyntaxError('unbalanced parentheses');
    pos++;
    return v;
  };
  const factor = (depth: number): Rational => {
    const t = peek();
    if (t === undefined) throw new SyntaxError('unexpected end of expression');
    if (t.kind === 'num') {
      pos++;
      numbers.push(t.value);
      return Rational.of(t.value);
    }
    if (t.kind === 'open') return group(depth);
    if (t.kind === 'frac') {
      pos++;
      const a = group(depth);
      const b = group(depth);
      return a.div(b);
    }
    if (t.kind === 'op' && (t.op === '-' || t.op === '+')) throw new SyntaxError('unary signs are not allowed');
    throw new SyntaxError(`unexpected ${t.kind === 'op' ? `"${t.op}"` : t.kind}`);
  };

  if (toks.length === 0) throw new SyntaxError('empty expression');
  const value = expr(0);
  if (pos !== toks.length) throw new SyntaxError('unexpected trailing input');
  return { value, numbers };
}
