import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkTask, gsm8kGold, loadBenchmark, type BenchmarkName } from './index.js';
import { packageRoot, resolveDataDir } from './data-dir.js';
import { MathVerifier } from '../../verify/math/index.js';
import { realOutputCases } from '../../verify/math/real-outputs.cases.js';

const dataDir = resolveDataDir();
const skip = existsSync(dataDir) ? false : `benchmark data folder ${dataDir} is absent (set R1_DATA_DIR to run these tests)`;

test('data dir: explicit path, then R1_DATA_DIR, then ../shared/data beside the package root', () => {
  assert.equal(resolveDataDir('/x/y'), '/x/y');
  assert.equal(resolveDataDir(undefined, { R1_DATA_DIR: '/from/env' }), '/from/env');
  assert.equal(resolveDataDir(undefined, {}), join(packageRoot(), '..', 'shared', 'data'));
  assert.ok(existsSync(join(packageRoot(), 'package.json')));
});

test('a missing data folder is a clear error naming the path and the download sources', async () => {
  const task = benchmarkTask('gsm8k', { dataDir: '/nonexistent/r1-data' });
  await assert.rejects(task.items({ split: 'test' }), (e: Error) => {
    assert.match(e.message, /benchmark data folder not found: \/nonexistent\/r1-data/);
    assert.match(e.message, /R1_DATA_DIR/);
    assert.match(e.message, /github\.com\/openai\/grade-school-math/);
    assert.match(e.message, /github\.com\/QwenLM\/Qwen2\.5-Math/);
    return true;
  });
  await assert.rejects(task.items({ split: 'train' }), /only the "test" split/);
});

test('bad rows are reported with file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-bench-'));
  try {
    writeFileSync(join(dir, 'amc23-test.jsonl'), '{"id":0,"problem":"p","answer":27.0}\n{"id":1,"answer":3}\n');
    await assert.rejects(loadBenchmark('amc23', dir), /amc23-test\.jsonl:2: bad amc23 row: .*problem/s);
    writeFileSync(join(dir, 'amc23-test.jsonl'), '{"id":0,"problem":"p","answer":27.0}\n');
    const [item] = await loadBenchmark('amc23', dir);
    assert.deepEqual([item?.id, item?.gold], ['amc23-0', '27']);
    // An empty file is an error, not a benchmark of no problems (an evaluation of it would report nothing as success).
    writeFileSync(join(dir, 'amc23-test.jsonl'), '\n\n');
    await assert.rejects(loadBenchmark('amc23', dir), /amc23-test\.jsonl: no amc23 rows/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('answerKey works on a fresh task, before any check (a resumed eval summarizes without checking)', () => {
  const task = benchmarkTask('aime24', { dataDir: '/nonexistent/r1-data' });
  assert.equal(task.answerKey!(' \\frac{1}{2} '), task.answerKey!('\\frac{1}{2}'));
  assert.equal(task.answerKey!('5'), '5');
});

test('GSM8K gold is the number after ####', () => {
  assert.equal(gsm8kGold('She makes 9 * 2 = $<<9*2=18>>18.\n#### 18'), '18');
  assert.equal(gsm8kGold('...\n#### 1,200'), '1200');
  assert.throws(() => gsm8kGold('no marker'), /no "####"/);
});

test('the four benchmark files load with their row counts and gold fields', { skip }, async () => {
  const expected: Record<BenchmarkName, [number, string, string]> = {
    gsm8k: [1319, 'gsm8k-0', '18'],
    math500: [500, 'test/precalculus/807.json', '\\left( 3, \\frac{\\pi}{2} \\right)'],
    aime24: [30, 'aime24-60', '204'],
    amc23: [40, 'amc23-0', '27'],
  };
  for (const [name, [count, id, gold]] of Object.entries(expected) as [BenchmarkName, [number, string, string]][]) {
    const task = benchmarkTask(name);
    const items = await task.items({ split: 'test' });
    assert.equal(items.length, count, name);
    assert.deepEqual([items[0]?.id, items[0]?.gold], [id, gold], name);
    assert.equal(new Set(items.map((x) => x.id)).size, count, `${name}: ids unique`);
    assert.equal((await task.items({ split: 'test', n: 3 })).length, 3);
    assert.ok(task.prompt(items[0]!, 'boxed').endsWith('within \\boxed{}.'));
  }
});

test('checks go through the math verifier and read the answer after the reasoning', { skip }, async () => {
  const verifier = new MathVerifier({ timeoutMs: 5000 }); // one shared verifier: one worker start-up
  const task = benchmarkTask('math500', { verifier });
  try {
    const [item] = await task.items({ split: 'test', n: 1 }); // gold (3, pi/2) in LaTeX
    assert.ok(item);
    const c = (s: string) => task.check(item, s);
    assert.equal((await c('<think>polar</think> <answer>\\left(3, \\frac{\\pi}{2}\\right)</answer>')).correct, true);
    assert.equal((await c('<think>polar</think> <answer>(3, \\pi/2)</answer>')).correct, true);
    assert.equal((await c('reasoning</think>\n\nSo the point is $\\boxed{(3,\\frac{\\pi}{2})}$.')).correct, true);
    assert.equal((await c('<think>\\boxed{(3,\\frac{\\pi}{2})}</think> <answer>(3, \\pi)</answer>')).correct, false);
    assert.equal((await c('<think>it is \\boxed{(3,\\frac{\\pi}{2})}</think> <answer>2</answer>')).correct, false);
    const gsm = benchmarkTask('gsm8k', { verifier });
    const [g] = await gsm.items({ split: 'test', n: 1 });
    assert.ok(g);
    assert.equal((await gsm.check(g, '<think>16-3-4=9, 9*2=18</think> <answer>$18</answer>')).correct, true);
    assert.equal((await gsm.check(g, '<think>16-3-4=9, 9*2=18</think> <answer>The answer is 18 or 19</answer>')).correct, false);
    assert.equal(await task.equivalent!('\\frac{1}{2}', '0.5'), true);
    assert.equal(task.answerKey!(' \\frac{1}{2} '), task.answerKey!('\\frac{1}{2}'));
    await gsm.close(); // a shared verifier is the caller's to close
    assert.equal((await task.check(item, '<answer>(3, \\frac{\\pi}{2})</answer>')).correct, true);
  } finally {
    await task.close();
    await verifier.close();
  }
});

test("an answer that is the gold verbatim skips the worker and gets the worker path's result", async () => {
  const verifier = new MathVerifier({ timeoutMs: 10_000 });
  try {
    // The same verifier without its fast path: every answer goes to a worker.
    const slow = { verify: verifier.verify.bind(verifier), compare: verifier.compare.bind(verifier), equivalent: verifier.equivalent.bind(verifier) };
    let compared = 0;
    const counting = { ...slow, verbatim: verifier.verbatim.bind(verifier), compare: (g: string, x: string) => (compared++, verifier.compare(g, x)) };
    const fast = benchmarkTask('math500', { verifier: counting });
    const viaWorker = benchmarkTask('math500', { verifier: slow });
    const rows = realOutputCases().filter((_, k) => k % 3 === 0);
    // Plus the gold verbatim in both completion forms, the fast path's own case.
    const cases = [...rows.map((r) => [r.gold, r.completion] as const), ...rows.flatMap((r) => [[r.gold, `<think> x </think> <answer> ${r.gold} </answer>`], [r.gold, `so \\boxed{${r.gold}}`]] as const)];
    const item = (gold: string) => ({ id: 'x', question: 'q', gold });
    const a = await Promise.all(cases.map(([g, c]) => fast.check(item(g), c)));
    const b = await Promise.all(cases.map(([g, c]) => viaWorker.check(item(g), c)));
    assert.deepEqual(a, b);
    assert.ok(compared < cases.length - rows.length, `the verbatim answers skipped the worker (${compared} of ${cases.length} compared there)`);
    assert.ok(a.filter((r) => r.correct).length > cases.length / 3, 'the cases exercise correct answers');
  } finally {
    await verifier.close();
  }
});
