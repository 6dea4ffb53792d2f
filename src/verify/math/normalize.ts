// src/verify/math/normalize.ts — string-level normalization of an answer before it is split and parsed:
// LaTeX spacing and sizing commands, \dfrac/\tfrac, \text{} units, degrees, currency, thousands separators.

import { matchBrace } from './spans.js';

/** Answers longer than this are compared as plain strings only (bounds the work on hostile input). */
export const MAX_NORMALIZE_CHARS = 1000;

/** Set braces \{ \} become these single characters so that bracket matching can tell them from groups. */
export const SET_OPEN = '⦃';
export const SET_CLOSE = '⦄';
/** Matrix row separators \\ become this character before the spacing commands (\, \; ...) are removed. */
export const ROW_SEP = '¶';

/** Words that are mathematics, not units, when they follow a number. */
const MATH_WORDS = new Set(['pi', 'sqrt', 'or', 'and', 'i', 'e', 'inf', 'infinity']);

/** Text commands whose argument is kept (unwrapped) or treated as a unit. */
const TEXT_COMMANDS = /\\(?:text|textbf|textit|textrm|textnormal|mathrm|mathbf|mathit|mathsf|mbox|operatorname|hbox)\s*\{/;

/**
 * Normalize one answer string. Idempotent; never throws on odd input (unbalanced braces are left as they are).
 *
 * @example normalizeAnswer('\\$1,234.50 \\text{ dollars}') // '1234.50'
 */
export function normalizeAnswer(input: string): string {
  if (typeof input !== 'string') throw new TypeError(`normalizeAnswer: input must be a string, got ${input === null ? 'null' : typeof input}`);
  let s = input.trim();
  if (s.length > MAX_NORMALIZE_CHARS) return s;
  s = s.replace(/^\$+|\$+$/g, '').trim();
  s = s.replace(/^\\\(|\\\)$/g, '').replace(/^\\\[|\\\]$/g, '');
  // Thousands written with LaTeX spacing between digit groups: 2,\!500, 2{,}500, 2\,500, 2\!500, 11,\! 111.
  s = s.replace(/(\d)(?:,\\!|\{,\}|\\[,!]|,\\,)\s*(?=\d{3}(?!\d))/g, '$1');
  s = plainMath(s);
  s = s.replace(/\\\\/g, ROW_SEP);
  s = s.replace(/\\[dt]frac(?![A-Za-z])/g, '\\frac').replace(/\\[dt]binom(?![A-Za-z])/g, '\\binom');
  // Sizing and spacing commands carry no meaning: \left( \right), \bigl[, \!, \,, \;, \quad, ~ ...
  s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|biggl|biggr|bigg|Bigg)(?![A-Za-z])\s*\.?/g, '');
  s = s.replace(/\\(?:displaystyle|textstyle|limits)(?![A-Za-z])/g, '');
  s = s.replace(/\\[!,;:> ]|\\q?quad(?![A-Za-z])|~/g, ' ');
  s = s.replace(/\\(?:lbrace|\{)/g, SET_OPEN).replace(/\\(?:rbrace|\})/g, SET_CLOSE);
  s = s.replace(/\\(?:dots|ldots|cdots)(?![A-Za-z])/g, '...');
  s = s.replace(/\\langle(?![A-Za-z])/g, '(').replace(/\\rangle(?![A-Za-z])/g, ')');
  // Degrees: ^\circ, ^{\circ}, \degree, the ° sign. (Angles in degrees are compared as plain numbers.)
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![A-Za-z])|\\circ(?![A-Za-z])|\\degree(?![A-Za-z])|°/g, '');
  s = s.replace(/\\%/g, '%').replace(/\\\$/g, '').replace(/^\$/, '');
  s = s.replace(/\\(?:le|leqslant)(?![A-Za-z])/g, '\\leq').replace(/\\(?:ge|geqslant)(?![A-Za-z])/g, '\\geq');
  s = s.replace(/\\neq?(?![A-Za-z])|!=|≠/g, '\\ne');
  s = s.replace(/\\gt(?![A-Za-z])/g, '>').replace(/\\lt(?![A-Za-z])/g, '<');
  s = s.replace(/>=|≥|⩾/g, '\\geq').replace(/<=|≤|⩽/g, '\\leq');
  // Percent words: "35 percent", "35 \text{ per cent}", "35 pct".
  s = s.replace(/(\d)\s*(?:\\(?:text|mbox|mathrm)\s*\{\s*)?(?:percent|per\s+cent|pct)\b\.?\s*\}?/gi, '$1%');
  s = s.replace(/[€£¥₹]/g, '');
  s = unwrapText(s);
  s = s.replace(/\s+/g, ' ').trim();
  s = exactPart(s);
  // Thousands separators: 1{,}234 and 1,234,567 (only digits groups of three, whole answer).
  s = s.replace(/(\d)\{,\}(?=\d{3})/g, '$1,');
  if (/^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:\s*%)?$/.test(s)) s = s.replace(/,/g, '');
  // "1 234 567" with (thin) spaces as separators.
  if (/^-?\d{1,3}(?: \d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/ /g, '');
  s = stripTrailingUnits(s);
  s = s.replace(/[.,;\s]+$/, '').trim();
  return s;
}

/**
 * Replace \text{...}-like commands by their content. Content that is only words next to other math is a unit
 * and is dropped (with a following ^2 / ^3); " or " / " and " become list separators.
 */
function unwrapText(s: string): string {
  for (let guard = 0; guard < 100; guard++) {
    const m = TEXT_COMMANDS.exec(s);
    if (m === null) break;
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open);
    if (close < 0) break;
    const content = s.slice(open + 1, close);
    const before = s.slice(0, m.index);
    let after = s.slice(close + 1);
    const word = content.trim();
    let replacement: string;
    if (/^(?:or|and)$/i.test(word)) replacement = ',';
    else if (/^[ie]$/.test(word)) replacement = word; // \mathrm{i}, \text{e}: the constants, not units
    else if (/^[A-Za-z][A-Za-z .]*$/.test(word) && /\d/.test(before) && /^\s*(?:\^\s*(?:\{\s*\d\s*\}|\d)\s*)?\d/.test(after)) {
      // A unit followed by another number ("1 \text{ hour } 30 \text{ minutes}") is a compound quantity, not a
      // product: kept as words, so that it equals only itself.
      replacement = ` ${word} `;
    } else if (!/^\\math(?:bf|it|sf)/.test(m[0]) && /^\(?[A-Za-z][A-Za-z ./]*\)?$/.test(word) && /\d/.test(before + after) && !/^\(?[A-Ea-e]\)?$/.test(word) && !/^\s*$/.test(before)) {
      // A unit such as \text{ cm}^2, \mbox{ dollars}, \text{ m/s} or \text{ (students)}: drop it (and its power).
      replacement = '';
      after = after.replace(/^\s*\^\s*(?:\{\s*\d\s*\}|\d)/, '');
    } else replacement = content;
    s = before + replacement + after;
  }
  return s;
}

/** "1234 dollars", "5 square units", "12 cm^2": drop trailing words after a number (not math words). */
function stripTrailingUnits(s: string): string {
  // Token by token from the end (a regex with nested quantifiers here would backtrack exponentially).
  const tokens = s.split(' ');
  let k = tokens.length;
  while (k > 1 && /^[A-Za-z]{2,}\.?(?:\^\{?\d\}?)?$/.test(tokens[k - 1] as string)) {
    if (MATH_WORDS.has((tokens[k - 1] as string).replace(/[.^{}\d]+$/, '').toLowerCase())) return s;
    k--;
  }
  if (k === tokens.length) return s;
  const head = tokens.slice(0, k).join(' ');
  // The number part must hold a digit and end like a number or a group: "3 ab" stays as it is.
  if (!/\d/.test(head) || !/[\d})]$/.test(head)) return s;
  return head;
}

/** A variable or constant alone: `x`, `\\theta`, `a_1` (not \\pi, which is a value). */
const LONE_NAME = /^(?:[A-Za-z]|\\(?!pi(?![A-Za-z]))[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?$/;

/**
 * An \\approx chain keeps its exact part: "x = \\frac{2}{3} \\approx 0.667" is 2/3; "x \\approx 0.667" (nothing
 * exact before it) is the approximation.
 */
function exactPart(s: string): string {
  if (!/\\approx(?![A-Za-z])|≈/.test(s)) return s;
  const parts = s.split(/\\approx(?![A-Za-z])|≈/).map((p) => p.trim());
  const first = parts[0] as string;
  const value = first.replace(/^[^=]*=\s*/, '').trim();
  if (first !== '' && !LONE_NAME.test(first) && value !== '') return first;
  return parts[parts.length - 1] as string;
}

const PLAIN_MATH = /[\u2212∞√]|sqrt|pi|infinity|\+\s*\\infty|_\{\s*\(|\)_|\\boxed|\\fbox/i;

/**
 * Plain-text and Unicode math in LaTeX form: the minus sign and infinity signs, √12 (the whole number under the
 * root), sqrt(…), pi and infinity as words (2pi, pi/2), +\infty as an interval end; base subscripts as 10001_2;
 * and a whole answer in \boxed{} unwrapped.
 */
function plainMath(s: string): string {
  // Most answers hold none of it: one scan decides.
  if (!PLAIN_MATH.test(s)) return s;
  s = s.replace(/\u2212/g, '-').replace(/∞/g, '\\infty ');
  s = s.replace(/√\s*(\d+(?:\.\d+)?)/g, '\\sqrt{$1}').replace(/√/g, '\\sqrt');
  s = s.replace(/(?<![A-Za-z\\])sqrt\s*(?=[({])/g, '\\sqrt');
  s = s.replace(/(?<![A-Za-z\\])pi(?![A-Za-z])/g, '\\pi ').replace(/(?<![A-Za-z\\])infinity(?![A-Za-z])/gi, '\\infty ');
  // Base subscripts: 10001_{(2)} and (10001)_2 are 10001_2.
  s = s.replace(/_\{\s*\(\s*(\d+)\s*\)\s*\}/g, '_$1').replace(/\(\s*([0-9A-Za-z]+)\s*\)_(?=\d|\{\d)/g, '$1_');
  // A whole answer in a box: \boxed{5} is 5.
  const t = s.trim();
  const box = /^\\(?:boxed|fbox)\s*\{/.exec(t);
  if (box !== null && matchBrace(t, box[0].length - 1) === t.length - 1) s = t.slice(box[0].length, -1);
  // +\infty at the start or as an interval's end is \infty.
  s = s.replace(/(^|[([,]\s*)\+\s*(?=\\infty(?![A-Za-z]))/g, '$1');
  return s;
}
