// src/verify/math/relation.ts — relations as answers: inequalities (y > 7, 4 \leq y, y \ne 2, -2 < x \leq 3) and
// their comparison. Two relations are equal when they say the same thing: after moving everything to one side
// (L - R op 0, with > and \geq turned around), the operators agree and the sides are proportional by a constant
// that is positive for < and \leq (any non-zero constant for \ne and =).

import { splitTopWith } from './structure.js';

/** Relational operators after normalization (normalize.ts turns \gt, >=, \ge, != ... into these). */
const OPS = ['\\leq', '\\geq', '\\ne', '<', '>', '='] as const;
export type RelOp = (typeof OPS)[number];


/** A chain of sides joined by relational operators: `a < x \leq b` is sides [a, x, b], ops [<, \leq]. */
export interface Relation {
  sides: string[];
  ops: RelOp[];
}

/** The top-level relation of `s`, or null when it has no inequality operator (plain equations are not relations). */
export function parseRelation(s: string): Relation | null {
  const { parts: sides, found: ops } = splitTopWith(s, OPS);
  if (!ops.some((o) => o !== '=') || sides.some((x) => x === '')) return null;
  return { sides, ops };
}

const FLIP: Record<RelOp, RelOp> = { '<': '>', '>': '<', '\\leq': '\\geq', '\\geq': '\\leq', '\\ne': '\\ne', '=': '=' };

/** The same relation read right to left when it points "greater": `4 \leq y` stays, `y \geq 4` becomes `4 \leq y`. */
export function orient(r: Relation): Relation {
  if (!r.ops.some((o) => o === '>' || o === '\\geq')) return r;
  return { sides: [...r.sides].reverse(), ops: [...r.ops].reverse().map((o) => FLIP[o]) };
}

/**
 * Are two relations equal? `proportional(a, b)` returns the constant c with a = c·b as formulas (null when there
 * is none); `sidesEqual` compares two sides as values.
 */
export function relationsEqual(
  g: Relation,
  a: Relation,
  proportional: (x: string, y: string) => number | null,
  sidesEqual: (x: string, y: string) => boolean,
): boolean {
  const go = orient(g);
  const ao = orient(a);
  if (go.ops.length === 1 && ao.ops.length === 1) {
    const gop = go.ops[0] as RelOp;
    const aop = ao.ops[0] as RelOp;
    if (gop !== aop) return false;
    // L < R is L - R < 0: the two differences must be positive multiples of each other (any multiple for \ne).
    const c = proportional(`(${go.sides[0] as string})-(${go.sides[1] as string})`, `(${ao.sides[0] as string})-(${ao.sides[1] as string})`);
    if (c !== null) return gop === '\\ne' || gop === '=' ? c !== 0 : c > 0;
    return sidesEqual(go.sides[0] as string, ao.sides[0] as string) && sidesEqual(go.sides[1] as string, ao.sides[1] as string);
  }
  // Chains (a < x \leq b): the same operators, side by side.
  if (go.ops.length !== ao.ops.length || go.ops.some((o, k) => o !== ao.ops[k])) return false;
  return go.sides.every((x, k) => sidesEqual(x, ao.sides[k] as string));
}
