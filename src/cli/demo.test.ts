// src/cli/demo.test.ts — `r1 demo` in-process: prints the engine once, a falling loss, a sample; rejects bad flags.

import test from 'node:test';
import assert from 'node:assert/strict';
import { runDemo } from './demo.js';

function run(flags: Record<string, unknown>): { out: string; err: string; code: number } {
  let out = '';
  let err = '';
  let code = 0;
  runDemo(flags, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, setExitCode: (c) => (code = c) });
  return { out, err, code };
}

test('r1 demo trains and prints a falling loss', () => {
  const r = run({ steps: '40', seed: '3', backend: 'native', every: '10' });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.match(/^engine: native backend/gm)?.length, 1);
  const m = /loss ([\d.]+) -> ([\d.]+)/.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(Number(m[2]) < Number(m[1]), r.out);
  assert.match(r.out, /^sample: "the /m);
});

test('r1 demo rejects bad flags with exit code 2', () => {
  const r = run({ steps: '0', seed: '1', backend: 'native', every: '1' });
  assert.equal(r.code, 2);
  assert.match(r.err, /--steps/);
  assert.equal(run({ steps: '5', seed: '1', backend: 'gpu', every: '1' }).code, 2);
});
