// src/verify/code/compare.test.ts — output and JSON comparison rules.

import test from 'node:test';
import assert from 'node:assert/strict';
import { jsonEqual, normalizeOutput, outputMatches, toJsonValue } from './compare.js';

test('stdout: trailing whitespace, trailing blank lines and CRLF do not matter; anything else does', () => {
  assert.ok(outputMatches('1 2 \r\n3\n\n\n', '1 2\n3'));
  assert.ok(outputMatches('', '\n'));
  assert.equal(normalizeOutput('a  \nb\t\n\n'), 'a\nb');
  assert.ok(!outputMatches(' 1', '1'), 'leading space matters');
  assert.ok(!outputMatches('1\n\n2', '1\n2'), 'inner blank lines matter');
  assert.ok(!outputMatches('12', '1 2'));
});

test('JSON: deep equality, key order free, arrays ordered, floats within 1e-9 relative', () => {
  assert.ok(jsonEqual({ a: [1, 2, { b: 'x' }], c: null }, { c: null, a: [1, 2, { b: 'x' }] }));
  assert.ok(jsonEqual(0.30000000000000004, 0.3));
  assert.ok(jsonEqual(1e20, 1e20 + 1e9));
  assert.ok(!jsonEqual(1, 1.001));
  // Integers exactly: an answer off by one is wrong however large the gold (within the safe-integer range).
  assert.ok(!jsonEqual(12586269024, 12586269025));
  assert.ok(!jsonEqual(6402373705728000, 6402373705728000 + 5_000_000));
  assert.ok(!jsonEqual(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1));
  assert.ok(jsonEqual(12586269025, 12586269025.000002), 'a float result within the tolerance of an integer');
  assert.ok(!jsonEqual([1, 2], [2, 1]));
  assert.ok(!jsonEqual([1], { 0: 1 }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(!jsonEqual('1', 1));
  assert.ok(!jsonEqual(true, 1));
  assert.ok(!jsonEqual(null, 0));
  assert.deepEqual(toJsonValue(undefined), null);
  assert.deepEqual(toJsonValue([1, undefined]), [1, null]);
});
