// src/verify/math/structure.ts — split a normalized answer into its shape: a scalar, a tuple or interval, a set,
// a bare list of several answers, a matrix or a union of intervals; then compare two shapes item by item.

import { ROW_SEP, SET_CLOSE, SET_OPEN } from './normalize.js';
import { matrixArithmetic } from './matrix.js';

export type Value =
  | { kind: 'scalar'; text: string }
  /** Ordered: points, vectors and intervals. The brackets matter: (1,2] is not [1,2]. */
  | { kind: 'tuple'; open: '(' | '['; close: ')' | ']'; items: Value[] }
  /** Order-insensitive: \{...\} sets and bare comma lists ("several answers"). */
  | { kind: 'set'; braces: boolean; items: Value[] }
  | { kind: 'matrix'; rows: Value[][] }
  /** Union of intervals, order-insensitive. */
  | { kind: 'union'; items: Value[] };

/** More items than this are never judged equal except by exact text (lists cannot be used to game rewards). */
export const MAX_ITEMS = 64;
const MAX_NESTING = 8;

const OPENERS = new Set(['(', '[', '{', SET_OPEN]);
const CLOSERS = new Set([')', ']', '}', SET_CLOSE]);

/** Split at top-level separators (outside any bracket or brace). Separators may be multi-character. */
export function splitTop(s: string, seps: readonly string[]): string[] {
  return splitTopWith(s, seps).parts;
}

/**
 * splitTop, also returning which separator stood between each pair of parts (parts.length = found.length + 1;
 * parts trimmed). A LaTeX separator such as `\leq` does not match the start of a longer command (`\leqslant`).
 */
export function splitTopWith<S extends string>(s: string, seps: readonly S[]): { parts: string[]; found: S[] } {
  const parts: string[] = [];
  const found: S[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && (s[i + 1] === '{' || s[i + 1] === '}')) {
      i++;
      continue;
    }
    if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c)) depth--;
    else if (depth === 0) {
      const sep = seps.find((x) => s.startsWith(x, i) && !(x.startsWith('\\') && /[A-Za-z]/.test(s[i + x.length] ?? '')));
      if (sep !== undefined) {
        parts.push(s.slice(start, i));
        found.push(sep);
        i += sep.length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(s.slice(start));
  return { parts: parts.map((p) => p.trim()), found };
}

/** Index of the bracket closing the one at 0 (counting all bracket kinds, so [1,2) works); -1 if none. */
function closingIndex(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c)) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** "x = 3", "f(x) = 3", "(a, b) = (1, 2)", "x \\in [1,2]", "a_1 = 3" → the right-hand side. Chains are left alone. */
export function stripVariablePrefix(s: string): string {
  const m = /^([^=]{1,40}?)\s*(?:=|\\in(?![A-Za-z]))\s*([\s\S]+)$/.exec(s);
  if (m === null) return s;
  const lhs = (m[1] as string).trim();
  const variable = String.raw`(?:[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?|\\(?:mathbf|vec|boldsymbol|overrightarrow|bar|hat)\{[A-Za-z]{1,2}\}|\\[A-Za-z]+)`;
  const simple = new RegExp(`^(?:${variable}|[A-Za-z]\\(${variable}\\)|\\(\\s*${variable}(?:\\s*,\\s*${variable})*\\s*\\))$`);
  if (!simple.test(lhs)) return s;
  const rest = m[2] as string;
  return splitTop(rest, ['=']).length > 1 ? s : rest.trim();
}

/** Parse a normalized answer into its shape. Never throws; unknown shapes are scalars. */
export function parseValue(input: string, depth = 0): Value {
  let s = stripVariablePrefix(input.trim());
  if (depth > MAX_NESTING) return { kind: 'scalar', text: s };

  if (s.includes('\\begin{')) {
    const grid = matrixArithmetic(s);
    if (grid !== null) return { kind: 'matrix', rows: grid.map((r) => r.map((cell) => parseValue(cell, depth + 1))) };
  }
  const env = /^\\begin\{([pbvBV]?matrix|array|smallmatrix)\}([\s\S]*)\\end\{\1\}$/.exec(s);
  if (env !== null) {
    const body = (env[2] as string).replace(/^\{[lcr| ]*\}/, '');
    const rows = body
      .split(ROW_SEP)
      .map((r) => r.trim())
      .filter((r) => r !== '')
      .map((r) => r.split('&').map((cell) => parseValue(cell, depth + 1)));
    return { kind: 'matrix', rows };
  }

  const unionParts = splitTop(s, ['\\cup', '∪']);
  if (unionParts.length > 1) return { kind: 'union', items: unionParts.map((p) => parseValue(p, depth + 1)) };

  s = s.replace(/\s+(?:or|and)\s+/g, ', ');
  const first = s[0];
  if (first !== undefined && OPENERS.has(first) && closingIndex(s) === s.length - 1) {
    const inner = s.slice(1, -1).trim();
    const items = splitTop(inner, [',']);
    const last = s[s.length - 1] as string;
    if (first === SET_OPEN) return { kind: 'set', braces: true, items: listItems(items, depth) };
    if (items.length > 1 && (first === '(' || first === '[') && (last === ')' || last === ']')) {
      return { kind: 'tuple', open: first, close: last, items: items.map((p) => parseValue(p, depth + 1)) };
    }
    if (items.length === 1 && first !== '{' && inner !== '') return parseValue(inner, depth + 1);
  }

  const items = splitTop(s, [',', ';']).filter((p) => p !== '');
  if (items.length > 1) return { kind: 'set', braces: false, items: listItems(items, depth) };

  // a \pm b stands for the two answers a + b and a - b.
  const pm = splitTop(s, ['\\pm', '±']);
  if (pm.length === 2 && pm[1] !== '') {
    const [a, b] = pm as [string, string];
    const lhs = a === '' ? '' : a;
    return {
      kind: 'set',
      braces: false,
      items: [
        { kind: 'scalar', text: `${lhs}+${b}` },
        { kind: 'scalar', text: `${lhs}-${b}` },
      ],
    };
  }
  return { kind: 'scalar', text: s };
}

/** The items of a list or set; an item with \\pm stands for its two answers in the list ("\\{1 \\pm \\sqrt5, -2\\}" has three). */
function listItems(parts: string[], depth: number): Value[] {
  return parts.flatMap((p) => {
    const v = parseValue(p, depth + 1);
    return v.kind === 'set' && !v.braces && /\\pm(?![A-Za-z])|±/.test(p) ? v.items : [v];
  });
}

/** Count of leaf scalars (bounds the work a comparison may do). */
export function leafCount(v: Value): number {
  switch (v.kind) {
    case 'scalar':
      return 1;
    case 'matrix':
      return v.rows.reduce((n, r) => n + r.reduce((m, c) => m + leafCount(c), 0), 0);
    default:
      return v.items.reduce((n, x) => n + leafCount(x), 0);
  }
}

/** A single-item set is its item (\{3\} against 3). */
function unwrap(v: Value): Value {
  return v.kind === 'set' && v.items.length === 1 ? unwrap(v.items[0] as Value) : v;
}

/** Elements of a one-row or one-column matrix, or null. */
function vectorOf(v: Value): Value[] | null {
  if (v.kind !== 'matrix') return null;
  if (v.rows.length === 1) return v.rows[0] as Value[];
  if (v.rows.every((r) => r.length === 1)) return v.rows.map((r) => r[0] as Value);
  return null;
}

/** Compare two shapes; `scalarEq` decides leaves. Order matters for tuples and matrices, not for sets. */
export function compareValues(gold: Value, answer: Value, scalarEq: (g: string, a: string) => boolean): boolean {
  const g = unwrap(gold);
  const a = unwrap(answer);
  if (leafCount(g) > MAX_ITEMS || leafCount(a) > MAX_ITEMS) return false;
  const eq = (x: Value, y: Value): boolean => compareValues(x, y, scalarEq);
  const inOrder = (xs: Value[], ys: Value[]): boolean => xs.length === ys.length && xs.every((x, k) => eq(x, ys[k] as Value));
  if (g.kind === 'scalar' && a.kind === 'scalar') return scalarEq(g.text, a.text);
  if ((g.kind === 'set' || g.kind === 'union') && g.kind === a.kind) return sameMultiset(g.items, a.items, eq);
  if (g.kind === 'tuple' && a.kind === 'tuple') return g.open === a.open && g.close === a.close && inOrder(g.items, a.items);
  if (g.kind === 'matrix' && a.kind === 'matrix') {
    return g.rows.length === a.rows.length && g.rows.every((r, k) => inOrder(r, a.rows[k] as Value[]));
  }
  // A point written as a bare list ("1, 2" against "(1, 2)"), and column vectors against tuples, in order.
  const isPoint = (v: Value): v is Extract<Value, { kind: 'tuple' }> => v.kind === 'tuple' && v.open === '(' && v.close === ')';
  if (isPoint(g) && a.kind === 'set' && !a.braces) return inOrder(g.items, a.items);
  if (isPoint(a) && g.kind === 'set' && !g.braces) return inOrder(g.items, a.items);
  const gv = vectorOf(g);
  const av = vectorOf(a);
  if (gv !== null && isPoint(a)) return inOrder(gv, a.items);
  if (av !== null && isPoint(g)) return inOrder(g.items, av);
  return false;
}

/** Order-insensitive comparison with each item used once (greedy matching is enough for answer lists). */
function sameMultiset(xs: Value[], ys: Value[], eq: (x: Value, y: Value) => boolean): boolean {
  if (xs.length !== ys.length) return false;
  const used = new Array<boolean>(ys.length).fill(false);
  for (const x of xs) {
    const k = ys.findIndex((y, j) => !used[j] && eq(x, y));
    if (k < 0) return false;
    used[k] = true;
  }
  return true;
}

/** Readable canonical form of a shape, with `leaf` printing scalars. */
export function printValue(v: Value, leaf: (text: string) => string): string {
  const p = (x: Value): string => printValue(x, leaf);
  switch (v.kind) {
    case 'scalar':
      return leaf(v.text);
    case 'tuple':
      return `${v.open}${v.items.map(p).join(', ')}${v.close}`;
    case 'set':
      return v.braces ? `{${v.items.map(p).join(', ')}}` : v.items.map(p).join(', ');
    case 'union':
      return v.items.map(p).join(' ∪ ');
    case 'matrix':
      return `[${v.rows.map((r) => `[${r.map(p).join(', ')}]`).join(', ')}]`;
  }
}
