// src/verify/code/harness.test.ts — generated call harnesses and the parsing of their marker lines.

import test from 'node:test';
import assert from 'node:assert/strict';
import { buildHarness, newMarker, parseHarnessOutput } from './harness.js';

test('markers are fresh per run', () => {
  const a = newMarker();
  assert.match(a, /^@@R1-RESULT-[0-9a-f]{32}@@$/);
  assert.notEqual(a, newMarker());
});

test('parse: ready line, one line per call, errors, duplicates, bad JSON, lines not at line start', () => {
  const m = newMarker();
  const out = `noise\n${m}ready\n${m}0=[1,2]\nprinted by candidate\n${m}1!ValueError: bad\n${m}2={bad\n${m}3=1\n${m}3=1\nx${m}4=1\n${m}9=1\n`;
  const r = parseHarnessOutput(out, m, 5);
  assert.equal(r.ready, true);
  assert.deepEqual(r.calls, [
    { value: [1, 2] },
    { error: 'exception: ValueError: bad' },
    { error: 'result is not valid JSON' },
    { error: 'more than one result for this call in the output' },
    null,
  ]);
  assert.deepEqual(parseHarnessOutput('nothing\n', m, 1), { ready: false, calls: [null] });
});

test('harness files: python imports the candidate, javascript appends to it; names are checked', () => {
  const m = newMarker();
  const py = buildHarness('python', 'def f(x): return x', [{ fn: 'f', args: ['a"b\n'] }], m);
  assert.deepEqual(py.files.map((f) => f.name), ['solution.py', 'harness.py']);
  assert.equal(py.entry, 'harness.py');
  assert.ok(py.files[1]?.content.includes(m));
  const cjs = buildHarness('javascript', 'function f(x) { return x; }', [{ fn: 'f', args: [1] }], m);
  assert.equal(cjs.entry, 'main.cjs');
  assert.ok(cjs.files[0]?.content.startsWith('function f(x) { return x; }\n'));
  assert.equal(buildHarness('javascript', 'export const f = (x) => x;', [{ fn: 'f', args: [1] }], m).entry, 'main.mjs');
  assert.throws(() => buildHarness('python', '', [{ fn: 'f()', args: [] }], m), /plain identifier/);
  assert.throws(() => buildHarness('python', '', [{ fn: 'f', args: [BigInt(1)] }], m));
});
