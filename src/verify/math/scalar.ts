// src/verify/math/scalar.ts — equivalence of two scalar answers: exact text, plain numbers, then math.js
// (parse, numeric evaluation, evaluation at seeded random points, symbolic simplification as a last resort).

import { createRequire } from 'node:module';
import type { MathNode } from 'mathjs';
import { Rng } from '../../util/rng.js';
import { LatexError, latexToMathjs } from './latex.js';
import { splitTop } from './structure.js';
import { parseRelation, relationsEqual } from './relation.js';

/** A scalar answer prepared for comparison. */
export interface Scalar {
  /** Normalized text. */
  text: string;
  /** Percent sign stripped: the value may mean p or p/100. */
  percent: boolean;
  /** math.js tree, or null when the text is not a formula (words, relations, unsupported LaTeX). */
  node: MathNode | null;
  /** Free variables (v_ names) in `node`. */
  vars: string[];
}

const PLAIN_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const SCIENTIFIC = /^(-?(?:\d+(?:\.\d*)?|\.\d+))[eE]([+-]?\d{1,4})$/;
/** 2\\frac{1}{2}, and 4\\frac23 (one digit each, without braces). */
const MIXED_LATEX = /^(-?)(\d+)\s*\\frac\s*(?:\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|(\d)(\d))$/;
const MIXED_PLAIN = /^(-?)(\d+)\s+(\d+)\s*\/\s*(\d+)$/;
/** Repeating decimals: 0.\overline{3}, 1.2\overline{34}. */
const REPEATING = /^(-?)(\d*)\.(\d*)\\overline\s*\{\s*(\d{1,12})\s*\}$/;
/** Random points at which formulas with variables are compared, and how many must be defined. */
const POINTS = 6;
const MIN_DEFINED_POINTS = 3;
/** Symbolic simplification is slow; only small formulas get it. */
const MAX_SIMPLIFY_NODES = 60;
/** Seed of the random points: fixed, so the verdict for a pair never changes between runs. */
const POINT_SEED = 0x5eed;

type MathJs = typeof import('mathjs');
let mathjs: MathJs | null = null;
/**
 * math.js, loaded on first use: it takes seconds to load, and plain-number answers (most GSM8K-style checks)
 * and programs that only start a MathVerifier (whose workers load it) never need it on this thread.
 */
function math(): MathJs {
  mathjs ??= createRequire(import.meta.url)('mathjs') as MathJs;
  return mathjs;
}

/** Extra functions the translator emits that math.js lacks or makes slow on huge arguments. */
const SCOPE_FUNCTIONS = {
  binom: (n: number, k: number): number => {
    if (!Number.isInteger(n) || !Number.isInteger(k)) return NaN;
    if (k < 0 || k > n) return 0;
    const kk = Math.min(k, n - k);
    if (kk > 1000) return Infinity; // beyond float range for any n large enough to allow it
    let r = 1;
    for (let j = 1; j <= kk; j++) r = (r * (n - kk + j)) / j;
    return Math.round(r);
  },
};

/** Build the comparable form of one scalar answer text. */
export function prepareScalar(raw: string): Scalar {
  let text = raw.trim();
  let percent = false;
  if (/%$/.test(text)) {
    percent = true;
    text = text.replace(/\s*%$/, '').trim();
  }
  return { text, percent, ...formulaOf(text) };
}

function formulaOf(text: string): { node: MathNode | null; vars: string[] } {
  if (text === '' || isWords(text)) return { node: null, vars: [] };
  let expr: string;
  const sci = SCIENTIFIC.exec(text);
  const mixed = MIXED_LATEX.exec(text) ?? MIXED_PLAIN.exec(text);
  const rep = REPEATING.exec(text);
  if (rep !== null) {
    // x = int.fixed(rep)... = (int.fixed + rep / (10^|rep| - 1)) with the repeat shifted past the fixed digits.
    const [, sign, int = '', fixed = '', period = ''] = rep;
    expr = `${sign as string}((${int || '0'}${fixed === '' ? '' : `.${fixed}`}) + ${period} / ((10 ^ ${period.length} - 1) * 10 ^ ${fixed.length}))`;
  } else if (sci !== null) expr = `(${sci[1] as string} * 10 ^ (${sci[2] as string}))`;
  else if (mixed !== null) expr = `${mixed[1] as string}(${mixed[2] as string} + ${(mixed[3] ?? mixed[5]) as string} / ${(mixed[4] ?? mixed[6]) as string})`;
  else {
    try {
      expr = latexToMathjs(text);
    } catch (e) {
      if (e instanceof LatexError || e instanceof RangeError) return { node: null, vars: [] };
      throw e;
    }
  }
  try {
    const node = math().parse(expr);
    const vars = new Set<string>();
    node.traverse((n) => {
      if (n.type === 'SymbolNode' && (n as unknown as { name: string }).name.startsWith('v_')) vars.add((n as unknown as { name: string }).name);
    });
    return { node, vars: [...vars].sort() };
  } catch {
    return { node: null, vars: [] };
  }
}

/** Text with a run of 3+ letters outside LaTeX commands is words ("Evelyn", "east"), compared as text. */
function isWords(text: string): boolean {
  return /[A-Za-z]{3,}/.test(text.replace(/\\[A-Za-z]+/g, ' '));
}

/**
 * Canonical comparison key for word answers and exact-text matches: words (two letters or more, not a command's
 * name) in any case, but single letters keep theirs (R is not r, \\Delta is not \\delta), and digits separated
 * by a space stay apart (5 6 is not 56).
 */
function textKey(text: string): string {
  return text
    .replace(/\\text\{([^}]*)\}/g, '$1')
    .replace(/(?<![\\A-Za-z])[A-Za-z]{2,}/g, (w) => w.toLowerCase())
    .replace(/(\d)\s+(?=\d)/g, '$1·')
    .replace(/[\s{}$]/g, '');
}

/** Readable form of a scalar: the math.js formula without the variable prefix, or the normalized text. */
export function printScalar(raw: string): string {
  const s = prepareScalar(raw);
  const body = s.node === null ? s.text : s.node.toString({ parenthesis: 'auto' }).replace(/\bv_/g, '');
  return s.percent ? `${body}%` : body;
}

type Complex = { re: number; im: number };

function toComplex(v: unknown): Complex {
  if (typeof v === 'number') return { re: v, im: 0 };
  if (v !== null && typeof v === 'object' && typeof (v as Complex).re === 'number' && typeof (v as Complex).im === 'number') {
    return { re: (v as Complex).re, im: (v as Complex).im };
  }
  return { re: NaN, im: NaN };
}

function evaluate(node: MathNode, scope: Record<string, number>): Complex {
  try {
    return toComplex(node.evaluate({ ...SCOPE_FUNCTIONS, ...scope }));
  } catch {
    return { re: NaN, im: NaN };
  }
}

const finite = (z: Complex): boolean => Number.isFinite(z.re) && Number.isFinite(z.im);

/** Below this, a value computed as 0 by floating point (\\cos(\\pi/2)) counts as 0 when the other side is exactly 0. */
const ZERO_FLOOR = 1e-14;

/**
 * Numeric equality: exact for two safe integers, else relative `relTol`. The only absolute tolerance is against an
 * exact 0 (rounding noise of a computed zero), so small constants keep their digits (1.6e-19 is not 3.2e-19).
 */
export function numbersEqual(x: Complex, y: Complex, relTol: number): boolean {
  if (!finite(x) || !finite(y)) return false;
  const intLike = (z: Complex): boolean => z.im === 0 && Number.isSafeInteger(z.re);
  if (intLike(x) && intLike(y)) return x.re === y.re;
  const diff = Math.hypot(x.re - y.re, x.im - y.im);
  const nx = Math.hypot(x.re, x.im);
  const ny = Math.hypot(y.re, y.im);
  if (nx === 0 || ny === 0) return diff <= ZERO_FLOOR;
  return diff <= relTol * Math.max(nx, ny);
}

/** Canonical decimal string of a plain number ("007.50" → "7.5", "-0" → "0"). */
function canonicalDecimal(s: string): string {
  let neg = s.startsWith('-');
  let body = neg ? s.slice(1) : s;
  let [int = '', frac = ''] = body.split('.');
  int = int.replace(/^0+/, '') || '0';
  frac = frac.replace(/0+$/, '');
  body = frac === '' ? int : `${int}.${frac}`;
  if (body === '0') neg = false;
  return neg ? `-${body}` : body;
}

/** Candidate values of a percent answer: p% may be written as p or as p/100. */
function scaled(z: Complex, s: Scalar): Complex[] {
  return s.percent ? [z, { re: z.re / 100, im: z.im / 100 }] : [z];
}

/**
 * Are two scalar answers equal? Inequalities are equal only to inequalities (relation.ts). An equation "a = b"
 * against a bare value is compared by its last side only when the other sides are a name (`AB = 12`,
 * `f(2) = 5`) or a computation without variables (`2 + 1 = 3`, `x = 2 + 1 = 3`): `b - 2c = 0` is not 0.
 */
export function scalarsEqual(goldText: string, answerText: string, relTol: number): boolean {
  let g = goldText.trim();
  let a = answerText.trim();
  if (g === '' || a === '') return false;
  const gr = parseRelation(g);
  const ar = parseRelation(a);
  if (gr !== null || ar !== null) {
    if (gr === null || ar === null) return false;
    return relationsEqual(gr, ar, proportional, (x, y) => scalarsEqual(x, y, relTol));
  }
  const gSides = splitTop(g, ['=']);
  const aSides = splitTop(a, ['=']);
  if (gSides.length > 1 || aSides.length > 1) {
    if (gSides.length === aSides.length) {
      if (gSides.every((x, k) => scalarsEqual(x, aSides[k] as string, relTol))) return true;
      return gSides.length === 2 && sameEquation(gSides as [string, string], aSides as [string, string]);
    }
    if (!valueSides(gSides) || !valueSides(aSides)) return false;
    g = gSides[gSides.length - 1] as string;
    a = aSides[aSides.length - 1] as string;
    if (g === '' || a === '') return false;
  }
  if (textKey(g) === textKey(a) && textKey(g) !== '') return true;

  const gp = PLAIN_NUMBER.test(g);
  const ap = PLAIN_NUMBER.test(a);
  if (gp && ap) {
    // Fast path for the common case: two decimal literals, exact when both are integers.
    if (canonicalDecimal(g) === canonicalDecimal(a)) return true;
    // An integer is exact: 999999.5 is not 1000000, whatever the relative tolerance.
    return numbersEqual({ re: Number(g), im: 0 }, { re: Number(a), im: 0 }, relTol) && !isInt(canonicalDecimal(g)) && !isInt(canonicalDecimal(a));
  }
  return formulasEqual(prepareScalar(g), prepareScalar(a), relTol);
}

/**
 * Can the last side of this chain stand for its value? Yes for a single side, and when every earlier side is a
 * name (no top-level + or -, not starting with a digit) or has no variables.
 */
function valueSides(sides: string[]): boolean {
  // A chain of three or more sides is a computation ending in its value: (x+2)(x+5) = … = x^2 + 7x + 10.
  if (sides.length !== 2) return true;
  return sides.slice(0, -1).every((side) => {
    if (!/^[\d.]/.test(side) && splitTop(side, ['+', '-']).filter((p) => p !== '').length === 1) return true;
    const s = prepareScalar(side);
    return s.node !== null && s.vars.length === 0;
  });
}

const isInt = (s: string): boolean => /^-?\d+$/.test(s);

function formulasEqual(g: Scalar, a: Scalar, relTol: number): boolean {
  if (g.node === null || a.node === null) {
    // Words: "an ellipse" is "ellipse".
    const words = (t: string): string => textKey(t).replace(/^(?:an?|the)(?=[a-z])/, '');
    return g.node === null && a.node === null && g.percent === a.percent && (textKey(g.text) === textKey(a.text) || (isWords(g.text) && isWords(a.text) && words(g.text) === words(a.text)));
  }
  const vars = [...new Set([...g.vars, ...a.vars])];
  const candidates = (s: Scalar, scope: Record<string, number>): Complex[] => scaled(evaluate(s.node as MathNode, scope), s);
  const anyEqual = (scope: Record<string, number>): boolean | null => {
    const gs = candidates(g, scope);
    const as = candidates(a, scope);
    if (!finite(gs[0] as Complex) || !finite(as[0] as Complex)) return null;
    return gs.some((x) => as.some((y) => numbersEqual(x, y, relTol)));
  };
  if (vars.length === 0) {
    const r = anyEqual({});
    if (r === true) return true;
    if (r === null) return false; // undefined or infinite values are never equal to anything (0/0, 10^{1000})
    return roundedEqual(g, a);
  }
  // Formulas with variables: evaluate both at seeded random points (positive, away from 0 and 1).
  const rng = new Rng(POINT_SEED);
  let defined = 0;
  for (let k = 0; k < POINTS; k++) {
    const scope: Record<string, number> = {};
    for (const v of vars) scope[v] = 0.3 + 2 * rng.next();
    const r = anyEqual(scope);
    if (r === false) return false;
    if (r === true) defined++;
  }
  if (defined >= MIN_DEFINED_POINTS) return true;
  return symbolicallyZero(g.node, a.node);
}

/** math.js simplify(g - a) == 0, for small formulas only (simplification cost grows fast with size). */
function symbolicallyZero(g: MathNode, a: MathNode): boolean {
  let size = 0;
  for (const n of [g, a]) n.traverse(() => void size++);
  if (size > MAX_SIMPLIFY_NODES) return false;
  try {
    const d = math().simplify(math().parse(`(${g.toString()}) - (${a.toString()})`));
    return d.type === 'ConstantNode' && (d as unknown as { value: unknown }).value === 0;
  } catch {
    return false;
  }
}

/**
 * Two equations l1 = r1 and l2 = r2 with the same solutions up to scaling: (l1 - r1) = c (l2 - r2) for one
 * non-zero constant c (5x - 7y = 0 against 14y - 10x = 0; y = 3x - 1 against 3x - y - 1 = 0).
 */
function sameEquation([l1, r1]: [string, string], [l2, r2]: [string, string]): boolean {
  const c = proportional(`(${l1})-(${r1})`, `(${l2})-(${r2})`);
  return c !== null && c !== 0;
}

/**
 * The real constant c with x = c·y as formulas in their variables (checked at seeded random points), or null when
 * there is none, the formulas have no variables, or either does not parse.
 */
export function proportional(xText: string, yText: string): number | null {
  const g = prepareScalar(xText);
  const a = prepareScalar(yText);
  if (g.node === null || a.node === null || g.percent || a.percent) return null;
  const vars = [...new Set([...g.vars, ...a.vars])];
  if (vars.length === 0) return null;
  const rng = new Rng(POINT_SEED);
  let ratio: Complex | null = null;
  let defined = 0;
  for (let k = 0; k < POINTS; k++) {
    const scope: Record<string, number> = {};
    for (const v of vars) scope[v] = 0.3 + 2 * rng.next();
    const x = evaluate(g.node, scope);
    const y = evaluate(a.node, scope);
    if (!finite(x) || !finite(y)) continue;
    const ny = y.re * y.re + y.im * y.im;
    if (ny === 0) return null;
    // x / y as complex numbers
    const r = { re: (x.re * y.re + x.im * y.im) / ny, im: (x.im * y.re - x.re * y.im) / ny };
    if (ratio === null) ratio = r;
    else if (!numbersEqual(ratio, r, 1e-9)) return null;
    defined++;
  }
  if (ratio === null || defined < MIN_DEFINED_POINTS || Math.abs(ratio.im) > 1e-9 * Math.max(1, Math.abs(ratio.re))) return null;
  return Math.abs(ratio.re) < 1e-12 ? 0 : ratio.re;
}

/** Significant digits an answer must show before it may stand for an exact value by rounding (0.33 for 1/3 may not). */
const MIN_ROUNDED_DIGITS = 3;

/** Decimal places and significant digits of a plain decimal literal with a point, or null. */
function shownDigits(text: string): { places: number; significant: number } | null {
  const m = /^-?(\d*)\.(\d+)$/.exec(text);
  if (m === null) return null;
  const digits = `${m[1] as string}${m[2] as string}`.replace(/^0+/, '');
  return { places: (m[2] as string).length, significant: digits.length };
}

/** Is this formula a rational number written exactly: integers with + - * / and integer powers only? */
function isExactRational(node: MathNode): boolean {
  let ok = true;
  node.traverse((n) => {
    const t = n.type;
    if (t === 'ConstantNode') {
      const v = (n as unknown as { value: unknown }).value;
      if (typeof v !== 'number' && typeof v !== 'string') ok = false;
      else if (!/^\d+$/.test(String(v))) ok = false;
    } else if (t === 'OperatorNode') {
      const op = (n as unknown as { op: string }).op;
      if (!['+', '-', '*', '/', '^'].includes(op)) ok = false;
      if (op === '^') {
        const exp = (n as unknown as { args: MathNode[] }).args[1] as MathNode;
        if (!isExactRational(exp)) ok = false;
      }
    } else if (t !== 'ParenthesisNode') ok = false;
  });
  return ok;
}

/**
 * The numeric precision rule: a decimal that shows d places stands for an exact value it rounds to at d places.
 * An answer may be rounded (0.6667 for 2/3, at least 3 significant digits) only when the gold is a rational number
 * written exactly (never 3.14 for \pi or 1.414 for \sqrt{2}); a gold written as a rounded decimal (33.3, 3.14)
 * accepts any exact answer that rounds to it (100/3, \pi). Two decimals are compared at the relative tolerance.
 */
function roundedEqual(g: Scalar, a: Scalar): boolean {
  if (g.percent || g.node === null || a.node === null) return false;
  const gd = shownDigits(g.text);
  let ad = shownDigits(a.text);
  if ((gd !== null) === (ad !== null)) return false;
  const gv = evaluate(g.node, {});
  const av = evaluate(a.node, {});
  if (!finite(gv) || !finite(av) || gv.im !== 0 || av.im !== 0) return false;
  if (a.percent) {
    // 16.67% for 1/6: the percent shows two more decimal places of the fraction.
    if (ad === null) return false;
    ad = { places: ad.places + 2, significant: ad.significant };
    av.re /= 100;
  }
  const within = (places: number): boolean => Math.abs(gv.re - av.re) <= 0.5 * 10 ** -places * (1 + 1e-9) + 1e-12;
  if (ad !== null) return ad.significant >= MIN_ROUNDED_DIGITS && isExactRational(g.node) && within(ad.places);
  return within((gd as { places: number }).places);
}
