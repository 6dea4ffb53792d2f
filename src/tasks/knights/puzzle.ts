// src/tasks/knights/puzzle.ts — knights-and-knaves puzzles: statements, their truth under an assignment, and a
// brute-force solver (2^N assignments) used at generation time to guarantee exactly one solution.

import type { Rng } from '../../util/rng.js';

/** A statement one islander makes. Persons are indices into the puzzle's names; `knight: false` = knave. */
export type Statement =
  | { kind: 'is'; who: number; knight: boolean }
  | { kind: 'and' | 'or'; a: { who: number; knight: boolean }; b: { who: number; knight: boolean } }
  | { kind: 'same' | 'different'; a: number; b: number };

export interface Puzzle {
  names: string[];
  /** statements[i] is what names[i] says. */
  statements: Statement[];
  /** The unique solution: knights[i] is true when names[i] is a knight. */
  knights: boolean[];
}

/** Truth value of a statement when `assign[i]` says whether person i is a knight. */
export function holds(s: Statement, assign: readonly boolean[]): boolean {
  switch (s.kind) {
    case 'is':
      return assign[s.who] === s.knight;
    case 'and':
      return assign[s.a.who] === s.a.knight && assign[s.b.who] === s.b.knight;
    case 'or':
      return assign[s.a.who] === s.a.knight || assign[s.b.who] === s.b.knight;
    case 'same':
      return assign[s.a] === assign[s.b];
    case 'different':
      return assign[s.a] !== assign[s.b];
  }
}

/** Truth of a statement under an assignment packed as bits (bit i set = person i is a knight). */
function holdsMask(s: Statement, mask: number): boolean {
  const k = (i: number): boolean => ((mask >> i) & 1) === 1;
  switch (s.kind) {
    case 'is':
      return k(s.who) === s.knight;
    case 'and':
      return k(s.a.who) === s.a.knight && k(s.b.who) === s.b.knight;
    case 'or':
      return k(s.a.who) === s.a.knight || k(s.b.who) === s.b.knight;
    case 'same':
      return k(s.a) === k(s.b);
    case 'different':
      return k(s.a) !== k(s.b);
  }
}

/**
 * Every assignment under which each knight's statement is true and each knave's is false, stopping after
 * `limit` solutions (generation only needs to know whether there is exactly one).
 */
export function solve(statements: readonly Statement[], limit = Infinity): boolean[][] {
  const n = statements.length;
  if (n > 20) throw new RangeError('solve: at most 20 islanders');
  const out: boolean[][] = [];
  for (let mask = 0; mask < 1 << n && out.length < limit; mask++) {
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = holdsMask(statements[i] as Statement, mask) === (((mask >> i) & 1) === 1);
    if (ok) out.push(Array.from({ length: n }, (_, i) => ((mask >> i) & 1) === 1));
  }
  return out;
}

const role = (knight: boolean): string => (knight ? 'a knight' : 'a knave');

/** The statement in English, as `speaker` says it ("I" when it refers to the speaker). */
export function renderStatement(s: Statement, speaker: number, names: readonly string[]): string {
  const nm = (i: number): string => (i === speaker ? 'I' : (names[i] as string));
  const lit = (l: { who: number; knight: boolean }): string =>
    l.who === speaker ? `I am ${role(l.knight)}` : `${names[l.who]} is ${role(l.knight)}`;
  switch (s.kind) {
    case 'is':
      return `${lit(s)}.`;
    case 'and':
      return `${lit(s.a)} and ${lit(s.b)}.`;
    case 'or':
      return `${lit(s.a)} or ${lit(s.b)}.`;
    case 'same':
    case 'different': {
      // Put "I" second: "Bob and I are ...".
      const [x, y] = s.b === speaker ? [s.a, s.b] : [s.b, s.a];
      return `${nm(x)} and ${nm(y)} are ${s.kind === 'same' ? 'the same kind' : 'different kinds'}.`;
    }
  }
}

function otherThan(rng: Rng, n: number, not: number): number {
  const k = rng.int(0, n - 2);
  return k >= not ? k + 1 : k;
}

export const STATEMENT_KINDS = ['is', 'and', 'or', 'same', 'different'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** A random statement by `speaker` among `n` >= 2 islanders, of one of `kinds`. */
export function randomStatement(rng: Rng, n: number, speaker: number, kinds: readonly StatementKind[]): Statement {
  const kind = rng.pick(kinds);
  const lit = (who: number) => ({ who, knight: rng.next() < 0.5 });
  if (kind === 'is') return { kind, ...lit(otherThan(rng, n, speaker)) };
  // Two distinct persons; the speaker may be one of them in compound statements ("Bob and I ...").
  const a = otherThan(rng, n, speaker);
  let b = rng.int(0, n - 1);
  if (b === a) b = speaker;
  if (kind === 'and' || kind === 'or') return { kind, a: lit(a), b: lit(b) };
  return { kind, a, b };
}
