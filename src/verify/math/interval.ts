// src/verify/math/interval.ts — an inequality in one variable read as the interval it describes, so that
// `x > 4` and `(4, \infty)`, `-2 < x \leq 3` and `(-2, 3]`, `x \ne 1` and `(-\infty, 1) \cup (1, \infty)` compare.

import { orient, parseRelation, type RelOp } from './relation.js';
import type { Value } from './structure.js';

const VARIABLE = /^(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?$/;
const scalar = (text: string): Value => ({ kind: 'scalar', text });
const interval = (lo: string, hi: string, open: '(' | '[', close: ')' | ']'): Value => ({ kind: 'tuple', open, close, items: [scalar(lo), scalar(hi)] });

/** The interval (or union of two) that a one-variable inequality describes, or null for anything else. */
export function intervalOfRelation(text: string): Value | null {
  const rel = parseRelation(text);
  if (rel === null) return null;
  const { sides, ops } = orient(rel);
  const strict = (op: RelOp): boolean => op === '<';
  if (ops.length === 1) {
    const [l, r] = sides as [string, string];
    const op = ops[0] as RelOp;
    const lv = VARIABLE.test(l) && !/^\\(?:pi|infty)$/.test(l);
    const rv = VARIABLE.test(r) && !/^\\(?:pi|infty)$/.test(r);
    if (lv === rv) return null;
    const c = lv ? r : l;
    if (/[A-Za-z]/.test(c.replace(/\\(?:frac|sqrt|pi|infty|cdot|dfrac)/g, ''))) return null; // the bound has variables
    if (op === '\\ne') return { kind: 'union', items: [interval('-\\infty', c, '(', ')'), interval(c, '\\infty', '(', ')')] };
    if (op !== '<' && op !== '\\leq') return null;
    return lv ? interval('-\\infty', c, '(', strict(op) ? ')' : ']') : interval(c, '\\infty', strict(op) ? '(' : '[', ')');
  }
  if (ops.length === 2 && sides.length === 3) {
    const [lo, x, hi] = sides as [string, string, string];
    const [o1, o2] = ops as [RelOp, RelOp];
    if (!VARIABLE.test(x) || !(o1 === '<' || o1 === '\\leq') || !(o2 === '<' || o2 === '\\leq')) return null;
    return interval(lo, hi, strict(o1) ? '(' : '[', strict(o2) ? ')' : ']');
  }
  return null;
}
