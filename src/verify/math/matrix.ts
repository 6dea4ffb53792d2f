// src/verify/math/matrix.ts — matrices written as arithmetic: a sum, difference, scalar multiple or product of
// matrix literals ("\begin{pmatrix}1\\2\end{pmatrix} + \begin{pmatrix}3\\4\end{pmatrix}", "2\begin{pmatrix}…",
// "AB" written out) becomes one matrix whose entries are formulas, compared entry by entry like any matrix.

import { ROW_SEP } from './normalize.js';

/** A matrix of entry formulas (text), rows of equal length. */
export type Grid = string[][];

/** Entries of one matrix literal body (rows split at the row separator, cells at &). */
export function gridOf(body: string): Grid {
  return body
    .replace(/^\{[lcr| ]*\}/, '')
    .split(ROW_SEP)
    .map((r) => r.trim())
    .filter((r) => r !== '')
    .map((r) => r.split('&').map((cell) => cell.trim()));
}

const LITERAL = /\\begin\{([pbvBV]?matrix|array|smallmatrix)\}([\s\S]*?)\\end\{\1\}/g;
/** Most matrices one expression may combine, and most entries of each (keeps the formulas small). */
const MAX_TERMS = 6;
const MAX_ENTRIES = 36;

const sameSize = (a: Grid, b: Grid): boolean => a.length === b.length && a.every((r, k) => r.length === (b[k] as string[]).length);
const rectangular = (a: Grid): boolean => a.length > 0 && a.every((r) => r.length === (a[0] as string[]).length);

function product(a: Grid, b: Grid): Grid | null {
  const n = (a[0] as string[]).length;
  if (n !== b.length) return null;
  const cols = (b[0] as string[]).length;
  return a.map((row) => Array.from({ length: cols }, (_, j) => row.map((x, k) => `(${x})*(${(b[k] as string[])[j] as string})`).join('+')));
}

/**
 * The matrix that `s` (a normalized answer) computes, or null when `s` is not matrix arithmetic: at least two
 * literals, or one literal with a coefficient. Between literals only +, - and juxtaposition (product) are allowed.
 */
export function matrixArithmetic(s: string): Grid | null {
  const literals = [...s.matchAll(LITERAL)];
  if (literals.length === 0 || literals.length > MAX_TERMS) return null;
  if (literals.length === 1 && (literals[0] as RegExpMatchArray)[0].length === s.trim().length) return null;
  let sum: Grid | null = null;
  let term: Grid | null = null;
  let sign = '';
  let coef = '';
  let at = 0;
  const closeTerm = (): boolean => {
    if (term === null) return coef.trim() === '';
    const scaled = coef.trim() === '' ? term : term.map((r) => r.map((x) => `(${coef.trim()})*(${x})`));
    const signed = sign === '-' ? scaled.map((r) => r.map((x) => `-(${x})`)) : scaled;
    if (sum === null) sum = signed;
    else if (!sameSize(sum, signed)) return false;
    else sum = sum.map((r, i) => r.map((x, j) => `${x}+${(signed[i] as string[])[j] as string}`));
    term = null;
    coef = '';
    return true;
  };
  for (const m of literals) {
    const gap = s.slice(at, m.index).trim().replace(/\\cdot|\\times/g, '').trim();
    const grid = gridOf(m[2] as string);
    if (!rectangular(grid) || grid.length * (grid[0] as string[]).length > MAX_ENTRIES) return null;
    if (term !== null && (gap === '+' || gap === '-')) {
      if (!closeTerm()) return null;
      sign = gap;
    } else if (term !== null && gap === '') {
      const p = product(term, grid);
      if (p === null) return null;
      term = p;
      at = (m.index as number) + m[0].length;
      continue;
    } else if (term === null) {
      // A coefficient before the first matrix of a term ("2", "-", "\frac12", "-3").
      const lead = /^([+-]?)(.*)$/s.exec(gap) as RegExpExecArray;
      if (/\\begin|[=,]/.test(gap)) return null;
      if (sum === null) sign = lead[1] as string;
      coef = lead[2] as string;
    } else return null;
    term = grid;
    at = (m.index as number) + m[0].length;
  }
  if (s.slice(at).trim() !== '' || !closeTerm()) return null;
  return sum;
}
