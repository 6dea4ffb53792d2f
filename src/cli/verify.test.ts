// src/cli/verify.test.ts — `r1 verify` end to end by spawning the real `r1` entry point (tsx from source, node
// from dist): verdicts and parsed forms, cmp-like exit codes, JSONL scoring with its summary and line errors.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { r1 as r1Run } from './r1.case.test.js';

const r1 = (args: string[], input?: string) => r1Run(args, { timeoutMs: 120_000, ...(input !== undefined && { input }) });

test('r1 verify --gold 1/2 --answer \\frac{2}{4}: equivalent, parsed forms, exit 0', () => {
  const r = r1(['verify', '--gold', '1/2', '--answer', '\\frac{2}{4}']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^equivalent$/m);
  assert.match(r.stdout, /^gold: +1\/2 +-> +1 \/ 2$/m);
  assert.match(r.stdout, /^answer: +\\frac\{2\}\{4\} +-> +2 \/ 4$/m);
});

test('not equivalent exits 1; a negative answer is a value, not a flag', () => {
  const r = r1(['verify', '--gold', '3', '--answer', '-3']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^not equivalent$/m);
});

test('--completion extracts the answer; --json prints the verdict', () => {
  const r = r1(['verify', '--gold', '(1, 2)', '--completion', 'Thus the point is $\\boxed{\\left(1, 2\\right)}$.', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(v, {
    correct: true,
    extracted: '\\left(1, 2\\right)',
    method: 'boxed',
    gold: '(1, 2)',
    parsedGold: '(1, 2)',
    parsedAnswer: '(1, 2)',
    reason: 'equivalent',
    timedOut: false,
  });
});

test('--gold-extract: a worked-solution gold is read for its answer (auto), or taken as it is (never)', () => {
  const gold = 'We drive $3 \\cdot 40 = 120$ miles, then 5 more: $\\boxed{125}$.';
  const auto = r1(['verify', '--gold', gold, '--answer', '125']);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stdout, /^gold: .* -> +125$/m);
  const never = r1(['verify', '--gold', gold, '--answer', '125', '--gold-extract', 'never']);
  assert.equal(never.code, 1, never.stderr);
  const bad = r1(['verify', '--gold', '1', '--answer', '1', '--gold-extract', 'sometimes']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /goldExtract|gold-extract|Invalid option/);
});

test('bad usage exits 2 with a message', () => {
  const cases: [string[], RegExp][] = [
    [['verify', '--gold', '1', '--answer', '1', '--completion', '1'], /exactly one of --answer and --completion/],
    [['verify', '--answer', '1'], /give --gold/],
    [['verify', '--gold', '1', '--answer', '1', '--priority', 'boxed,guess'], /priority/],
    [['verify', '--gold', '1', '--answer', '1', '--timeout-ms', '0'], /^r1 verify: --timeout-ms: must be more than 0, got 0\n$/],
    [['verify', '--gold', '1', '--answer', '1', '--timeout-ms', 'abc'], /^r1 verify: --timeout-ms: must be a number, got "abc"\n$/],
    [['verify', '--gold', '1', '--answer', '1', '--workers', '2.5', '--gold-extract', 'x'], /^r1 verify: --workers: must be a whole number, got "2\.5"; --gold-extract: must be one of auto, always, never, got "x"\n$/],
    [['verify', '--file', 'x.jsonl', '--gold', '1'], /--file cannot be combined/],
    [['verify', '--nope'], /unknown option '--nope'/],
  ];
  for (const [args, message] of cases) {
    const r = r1(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('--file scores a JSONL file: summary, --json, and bad lines named by number', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-verify-'));
  try {
    const file = join(dir, 'completions.jsonl');
    const rows = [
      { gold: '1/2', completion: 'so $\\boxed{0.5}$' },
      { gold: 18, completion: 'She makes 18 dollars.\n#### 18' },
      { gold: '3', answer: '3.0' },
      { gold: '4', completion: 'no idea' },
      { gold: '7', completion: 'The answer is 8.' },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
    const text = r1(['verify', '--file', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^count: +5$/m);
    assert.match(text.stdout, /^accuracy: +60\.00%$/m);
    assert.match(text.stdout, /^timeouts: +0$/m);
    const json = r1(['verify', '--file', file, '--json', '--workers', '2']);
    assert.equal(json.code, 0, json.stderr);
    const s = JSON.parse(json.stdout) as { count: number; correct: number; accuracy: number; methods: Record<string, number>; timeouts: number; results: { line: number; correct: boolean }[] };
    assert.deepEqual([s.count, s.correct, s.accuracy, s.timeouts], [5, 3, 0.6, 0]);
    assert.deepEqual(s.methods, { boxed: 1, gsm8k: 1, answer: 1, none: 1, 'answer-line': 1 });
    assert.deepEqual(s.results.map((x) => [x.line, x.correct]), [[1, true], [2, true], [3, true], [4, false], [5, false]]);

    // --min-accuracy: status 1 below the bar (a CI gate), 0 at or above it; a bad bar is a usage error.
    assert.equal(r1(['verify', '--file', file, '--min-accuracy', '0.6']).code, 0);
    const below = r1(['verify', '--file', file, '--min-accuracy', '0.61']);
    assert.equal(below.code, 1);
    assert.match(below.stdout, /^accuracy: +60\.00%$/m);
    assert.match(below.stderr, /accuracy 60\.00% is below --min-accuracy 61\.00%/);
    const outOfRange = r1(['verify', '--file', file, '--min-accuracy', '60']);
    assert.equal(outOfRange.code, 2);
    assert.match(outOfRange.stderr, /--min-accuracy is a fraction in \[0, 1\]/);
    assert.equal(r1(['verify', '--gold', '1', '--answer', '1', '--min-accuracy', '0.5']).code, 2);

    writeFileSync(file, `${JSON.stringify(rows[0])}\n{"gold": "1", "completion": 5}\n`);
    const bad = r1(['verify', '--file', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /completions\.jsonl:2: bad row: .*completion/);
    writeFileSync(file, '{"gold": "1", "answer": "1"}\n{oops\n');
    const notJson = r1(['verify', '--file', file]);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /completions\.jsonl:2: not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--file reads its rows as a stream: from standard input (-), with every line numbered, and names an unreadable path', () => {
  const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ gold: String(i), answer: i % 3 === 0 ? 'x' : String(i), note: 'π≈3.14 “quoted” '.repeat(50) }));
  const r = r1(['verify', '--file', '-', '--json'], rows.join('\n') + '\n');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { count: number; correct: number; results: { line: number }[] };
  assert.deepEqual([s.count, s.correct], [300, 200]);
  assert.deepEqual(s.results.map((x) => x.line), rows.map((_, i) => i + 1));
  const bad = r1(['verify', '--file', '-'], `${rows[0]}\n{oops\n`);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-:2: not valid JSON/);
  const missing = r1(['verify', '--file', '/nonexistent/r1-rows.jsonl']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read \/nonexistent\/r1-rows\.jsonl: ENOENT/);
});
