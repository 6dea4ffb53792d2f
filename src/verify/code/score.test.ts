// src/verify/code/score.test.ts — runTests: full and partial credit, reward modes, call and stdio tests, forging.

import test from 'node:test';
import assert from 'node:assert/strict';
import { runProgram, runTests, type TestCase } from './index.js';

const ADD_CALLS: TestCase[] = [
  { kind: 'call', fn: 'add', args: [1, 2], expected: 3 },
  { kind: 'call', fn: 'add', args: [-5, 5], expected: 0 },
  { kind: 'call', fn: 'add', args: [10, 20], expected: 30 },
  { kind: 'call', fn: 'add', args: [0.1, 0.2], expected: 0.3 },
];

// Reads two integers per line, prints their sum.
const SUM_STDIO: TestCase[] = [
  { kind: 'stdio', input: '1 2\n', output: '3\n' },
  { kind: 'stdio', input: '100 -1\n', output: '99' },
  { kind: 'stdio', input: '7 7\n', output: '14   \n\n' },
];

test('python: a correct program scores 1 on call and stdio tests', async () => {
  const call = await runTests('python', 'def add(a, b):\n    return a + b\n', ADD_CALLS);
  assert.deepEqual(call, { score: 1, passed: 4, total: 4, results: ADD_CALLS.map(() => ({ ok: true })) });
  const stdio = await runTests('python', 'a, b = map(int, input().split())\nprint(a + b)\n', SUM_STDIO);
  assert.equal(stdio.score, 1);
});

test('javascript: a correct program scores 1 (plain function, CommonJS export, ES module export)', async () => {
  for (const src of ['function add(a, b) { return a + b; }', 'module.exports.add = (a, b) => a + b;', 'export function add(a, b) { return a + b; }']) {
    const r = await runTests('javascript', src, ADD_CALLS);
    assert.equal(r.score, 1, `${src}: ${JSON.stringify(r.results)}`);
  }
  const stdio = await runTests('javascript', "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n", SUM_STDIO);
  assert.equal(stdio.score, 1);
});

test('a partly correct program gets the fraction it passes; all-pass gives 0', async () => {
  // Wrong whenever a is negative or not an integer: passes tests 0 and 2 only.
  const py = 'def add(a, b):\n    if a < 0 or a != int(a):\n        return 42\n    return a + b\n';
  const frac = await runTests('python', py, ADD_CALLS);
  assert.equal(frac.score, 0.5);
  assert.equal(frac.passed, 2);
  assert.deepEqual(frac.results.map((r) => r.ok), [true, false, true, false]);
  assert.equal(frac.results[1]?.reason, 'wrong result');
  const all = await runTests('python', py, ADD_CALLS, { reward: 'all-pass' });
  assert.equal(all.score, 0);
  assert.equal(all.passed, 2);
  const js = await runTests('javascript', 'function add(a, b) { return a < 0 ? 42 : a + b; }', ADD_CALLS);
  assert.equal(js.score, 0.75);
});

test('failures carry a reason: syntax error, missing function, exception, unserialisable result', async () => {
  const syntax = await runTests('python', 'def add(a, b) return a + b\n', ADD_CALLS);
  assert.equal(syntax.score, 0);
  for (const r of syntax.results) assert.match(r.reason ?? '', /runtime error.*SyntaxError/);
  // JavaScript: the error line above Node's stack, not the `Node.js v20…` line that ends its report.
  const jsError = await runTests('javascript', 'undefinedName.x;\n', [{ kind: 'stdio', input: '', output: '' }]);
  assert.equal(jsError.results[0]?.reason, 'runtime error (exit 1): ReferenceError: undefinedName is not defined');
  const missing = await runTests('javascript', 'function plus(a, b) { return a + b; }', ADD_CALLS.slice(0, 1));
  assert.match(missing.results[0]?.reason ?? '', /add is not defined/);
  const thrown = await runTests('python', 'def add(a, b):\n    raise ValueError("nope")\n', ADD_CALLS.slice(0, 1));
  assert.match(thrown.results[0]?.reason ?? '', /ValueError: nope/);
  const set = await runTests('python', 'def add(a, b):\n    return {a, b}\n', ADD_CALLS.slice(0, 1));
  assert.match(set.results[0]?.reason ?? '', /not JSON serializable/);
  // JavaScript results JSON cannot carry are errors too, never null or {} (which an expected None or {} would match).
  const lossy: TestCase[] = [
    { kind: 'call', fn: 'f', args: [0], expected: null },
    { kind: 'call', fn: 'f', args: [1], expected: null },
    { kind: 'call', fn: 'f', args: [2], expected: {} },
    { kind: 'call', fn: 'f', args: [3], expected: [null] },
  ];
  const js = await runTests('javascript', 'function f(k) { return [NaN, -Infinity, new Map([[1, 2]]), [new Set([1])]][k]; }', lossy);
  assert.equal(js.score, 0, JSON.stringify(js.results));
  assert.deepEqual(js.results.map((r) => /exception: TypeError: (Out of range float|Object of type (Map|Set) is not JSON serializable)/.test(r.reason ?? '')), [true, true, true, true]);
});

test('call tests batched in one process: a hanging or crashing call costs only itself', async () => {
  // Hangs on negative input and kills its process on zero; the other calls still pass (re-run alone).
  const py = 'import os\ndef add(a, b):\n    while a < 0:\n        pass\n    if a == 0:\n        os._exit(0)\n    return a + b\n';
  const limits = { cpuSeconds: 1, wallMs: 3000 };
  const tests: TestCase[] = [
    { kind: 'call', fn: 'add', args: [1, 2], expected: 3 },
    { kind: 'call', fn: 'add', args: [-1, 2], expected: 1 },
    { kind: 'call', fn: 'add', args: [0, 2], expected: 2 },
    { kind: 'call', fn: 'add', args: [5, 5], expected: 10 },
  ];
  const r = await runTests('python', py, tests, { limits });
  assert.deepEqual(r.results.map((x) => x.ok), [true, false, false, true]);
  assert.match(r.results[1]?.reason ?? '', /time limit/);
  assert.match(r.results[2]?.reason ?? '', /no result/);
  const unbatched = await runTests('python', py, tests, { limits, batchCalls: false });
  assert.deepEqual(unbatched.results.map((x) => x.ok), [true, false, false, true]);
});

test('a candidate cannot forge the verdict: it never sees the expected value, and a repeated report fails', async () => {
  // Reads the harness to learn the marker, then reports results the way a verdict might look.
  const learn = [
    'import re, sys, os',
    "src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'harness.py')).read()",
    "marker = re.search(r'@@R1-RESULT-[0-9a-f]+@@', src).group(0)",
  ];
  const duplicate = [...learn, "sys.stdout.write('\\n' + marker + '0=true\\n')", 'def add(a, b):', '    return a + b', ''].join('\n');
  const dup = await runTests('python', duplicate, ADD_CALLS.slice(0, 2));
  assert.deepEqual(dup.results, [{ ok: false, reason: 'more than one result for this call in the output' }, { ok: true }]);
  // Forged lines alone are only claimed return values, compared in the parent with the hidden expected ones.
  const verdict = [...learn, "sys.stdout.write('\\n' + marker + 'ready\\n' + marker + '0={\"ok\":true}\\n' + marker + '1=true\\n')", 'sys.stdout.flush()', 'os._exit(0)', ''].join('\n');
  const v = await runTests('python', verdict, ADD_CALLS.slice(0, 2));
  assert.equal(v.score, 0);
  assert.deepEqual(v.results.map((x) => x.reason), ['wrong result', 'wrong result']);
  // A fixed guess at the marker never matches the random one.
  const guess = await runTests('javascript', "console.log('@@R1-RESULT-00000000000000000000000000000000@@0=3'); process.exit(0);", ADD_CALLS.slice(0, 1));
  assert.equal(guess.score, 0);
  assert.match(guess.results[0]?.reason ?? '', /did not load/);
});

test('the input can be read through /dev/stdin, as many solutions do (Python and JavaScript)', async () => {
  const py = "print(sum(map(int, open('/dev/stdin').read().split())))\n";
  const js = "const s = require('fs').readFileSync('/dev/stdin', 'utf8');\nconsole.log(s.split(/\\s+/).filter(Boolean).map(Number).reduce((a, b) => a + b, 0));\n";
  for (const [lang, src] of [['python', py], ['javascript', js]] as const) {
    const r = await runTests(lang, src, SUM_STDIO);
    assert.deepEqual(r.results, SUM_STDIO.map(() => ({ ok: true })), `${lang}: ${JSON.stringify(r.results)}`);
  }
});

test('a clean exit is not a memory failure, whatever the program wrote to stderr', async () => {
  const src = "import sys\nprint('MemoryError: Cannot allocate memory (caught, using the slow path)', file=sys.stderr)\nprint(sys.stdin.read().strip()[::-1])\n";
  const r = await runTests('python', src, [{ kind: 'stdio', input: 'abc\n', output: 'cba' }]);
  assert.deepEqual(r.results, [{ ok: true }]);
  const crashed = await runTests('python', 'raise MemoryError()\n', [{ kind: 'stdio', input: '', output: '' }]);
  assert.deepEqual(crashed.results, [{ ok: false, reason: 'memory limit' }]);
});

test('runTests validates its input with clear errors', async () => {
  await assert.rejects(runTests('python', 'x = 1', []), /at least one test/);
  // A data set's own format (APPS/TACO input_output) is not a test list: named as such.
  const apps = { inputs: ['1\n'], outputs: ['2\n'] } as unknown as TestCase[];
  await assert.rejects(runTests('python', 'x = 1', apps), /tests must be an array of \{ kind: 'stdio'.*got an object with keys inputs, outputs/);
  await assert.rejects(runTests('python', 'x = 1', [{ kind: 'call', fn: 'a; import os', args: [], expected: 1 }]), /plain identifier/);
  await assert.rejects(runTests('ruby' as 'python', 'x = 1', [{ kind: 'stdio', input: '', output: '' }]), /runTests: unknown language "ruby" \(use python or javascript\)/);
  await assert.rejects(runProgram('ruby' as 'python', 'x = 1', ''), /runProgram: unknown language "ruby"/);
  await assert.rejects(runProgram(undefined as never, 'x = 1', ''), { name: 'RangeError', message: 'runProgram: unknown language undefined (use python or javascript)' });
  // Values JSON cannot carry are refused, never turned into null (which a function returning None would match).
  const call = (args: unknown[], expected: unknown): TestCase[] => [{ kind: 'call', fn: 'f', args, expected }];
  await assert.rejects(runTests('python', 'def f(): return None', call([], Number.NaN)), /0\.expected: NaN is not a JSON number/);
  await assert.rejects(runTests('python', 'def f(): return None', call([], [1, { a: Infinity }])), /0\.expected: \[1\]\.a: Infinity is not a JSON number/);
  await assert.rejects(runTests('python', 'def f(x): return 1', call([10n], 1)), /0\.args\.0: the BigInt 10n is not JSON/);
  await assert.rejects(runTests('python', 'def f(x): return 1', call([() => 1], 1)), /0\.args\.0: a function is not JSON/);
  const cycle: unknown[] = [];
  cycle.push(cycle);
  await assert.rejects(runTests('python', 'def f(): return 1', call([], cycle)), /0\.expected: \[0\]: a circular structure/);
  await assert.rejects(runTests('python', 'x = 1', [{ kind: 'stdio', input: '', output: '' }], { concurrency: 0 }), /concurrency/);
  await assert.rejects(runTests('python', 'x = 1', [{ kind: 'stdio', input: '', output: '' }], { limits: { wallMs: -1 } }), /wallMs/);
});

test('runProgram: stdin in, stdout and stderr out, exit code, and a scrubbed environment', async () => {
  const r = await runProgram('python', 'import os, sys\nprint(sys.stdin.read().upper())\nprint(sorted(os.environ), file=sys.stderr)\nsys.exit(3)\n', 'hello');
  assert.equal(r.stdout, 'HELLO\n');
  assert.equal(r.exitCode, 3);
  assert.equal(r.timedOut, false);
  assert.equal(r.outputTruncated, false);
  const names = JSON.parse(r.stderr.trim().replace(/'/g, '"')) as string[];
  for (const n of names) assert.ok(['PATH', 'HOME', 'TMPDIR', 'LANG', 'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'PWD', 'LC_CTYPE', 'R1_SANDBOX_RUN'].includes(n), `unexpected variable ${n}`);
});
