// src/verify/code/compare.ts — how outputs are judged: stdout text and JSON results (both in the parent).

/** Normalise program output: CRLF to LF, trailing whitespace of each line and trailing blank lines dropped. */
export function normalizeOutput(s: string): string {
  const lines = s.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** stdout matches the expected output up to line endings and trailing whitespace. */
export function outputMatches(actual: string, expected: string): boolean {
  return normalizeOutput(actual) === normalizeOutput(expected);
}

/**
 * Deep equality of JSON values. Integers are compared exactly when one side is a safe integer (|n| <= 2^53 - 1)
 * and the other an integer too: 12586269024 is not 12586269025. Other numbers match within a relative 1e-9
 * (float printing differs between Python and JavaScript; past 2^53 a JSON number is a double either way).
 * Object key order does not matter; arrays are ordered (Python tuples arrive as arrays).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return true;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
    if (Number.isInteger(a) && Number.isInteger(b) && (Number.isSafeInteger(a) || Number.isSafeInteger(b))) return false;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && jsonEqual((a as Record<string, unknown>)[k], rb[k]));
}

/** `expected` as JSON would carry it (undefined becomes null, dates become strings...), for a fair comparison. */
export function toJsonValue(v: unknown): unknown {
  const s = JSON.stringify(v);
  return s === undefined ? null : JSON.parse(s);
}
