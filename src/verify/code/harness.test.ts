// src/verify/code/harness.test.ts — generated call harnesses and the parsing of their one result line.

import test from 'node:test';
import assert from 'node:assert/strict';
import { buildHarness, newMarker, parseHarnessOutput } from './harness.js';

test('markers are fresh per run', () => {
  const a = newMarker();
  assert.match(a, /^@@R1-RESULT-[0-9a-f]{32}@@$/);
  assert.notEqual(a, newMarker());
});

test('parse: exactly one marker line with valid JSON', () => {
  const m = newMarker();
  assert.deepEqual(parseHarnessOutput(`noise\n${m}[1,2]\n`, m), { value: [1, 2] });
  assert.deepEqual(parseHarnessOutput('noise\n', m), { error: 'no result (the function did not return)' });
  assert.deepEqual(parseHarnessOutput(`${m}1\n${m}2\n`, m), { error: 'more than one result marker in the output' });
  assert.deepEqual(parseHarnessOutput(`${m}{bad\n`, m), { error: 'result is not valid JSON' });
  assert.deepEqual(parseHarnessOutput(`x${m}1\n`, m), { error: 'no result (the function did not return)' }, 'the marker must start a line');
});

test('harness files: python imports the candidate, javascript appends to it; names are checked', () => {
  const m = newMarker();
  const py = buildHarness('python', 'def f(x): return x', 'f', ['a"b\n'], m);
  assert.deepEqual(py.files.map((f) => f.name), ['solution.py', 'harness.py']);
  assert.equal(py.entry, 'harness.py');
  assert.ok(py.files[1]?.content.includes(m));
  const cjs = buildHarness('javascript', 'function f(x) { return x; }', 'f', [1], m);
  assert.equal(cjs.entry, 'main.cjs');
  assert.ok(cjs.files[0]?.content.startsWith('function f(x) { return x; }\n'));
  assert.equal(buildHarness('javascript', 'export const f = (x) => x;', 'f', [1], m).entry, 'main.mjs');
  assert.throws(() => buildHarness('python', '', 'f()', [], m), /plain identifier/);
  assert.throws(() => buildHarness('python', '', 'f', [BigInt(1)], m));
});
