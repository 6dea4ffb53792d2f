// src/eval/runner.test.ts — the runner: hand-computed metrics from an in-memory source, and resume against a real
// local HTTP server (stopped midway by design, then rerun: no sample requested twice, same summary).

import test from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndpointSource, ENDPOINT_DEFAULTS } from './endpoint.js';
import { startFakeEndpoint, type Behaviour } from './fake-endpoint.js';
import { addends, additionTask } from './fixtures.js';
import { DEFAULT_PRICING } from './pricing.js';
import { checkedText, EVAL_DEFAULTS, itemSeed, runEval, splitTokens, type EvalOptions, type EvalProgress } from './runner.js';
import { SampleRecordSchema } from './results.js';
import { benchmarkTask } from '../tasks/benchmarks/index.js';
import type { Completion, SampleOptions, SampleSource } from './types.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'r1-eval-'));
}

/** An in-memory source whose answers come from a table: answers[itemId][sampleIndex]. */
function tableSource(bench: string, answers: Record<string, string[]>, seed: number): SampleSource & { calls: number } {
  const src = {
    label: 'table',
    model: 'table-model',
    calls: 0,
    async complete(prompts: readonly string[], opts: SampleOptions): Promise<Completion[][]> {
      src.calls++;
      return prompts.map((p, pi) => {
        const [a, b] = addends(p)!;
        const id = `add-${a - 2}`;
        assert.equal(b, 2 * (a - 2) + 3);
        const first = (opts.seed - itemSeed(seed, bench, id)) >>> 0;
        return Array.from({ length: opts.n }, (_, j) => {
          const ans = answers[id]![first + j]!;
          const c: Completion = {
            reasoning: 'thinking',
            content: ans === '' ? 'no idea' : `\\boxed{${ans}}`,
            usage: { promptTokens: 10, completionTokens: 30, reasoningTokens: 20, cacheHitTokens: 4, cacheMissTokens: 6 },
            finishReason: 'stop',
          };
          opts.onCompletion?.(pi, j, c);
          return c;
        });
      });
    },
  };
  return src;
}

function options(over: Partial<EvalOptions> & Pick<EvalOptions, 'benches' | 'source' | 'outDir'>): EvalOptions {
  return { ...EVAL_DEFAULTS, k: 3, price: null, ...over };
}

test('metrics of a run match hand-computed values', async () => {
  const dir = tmp();
  try {
    // gold: add-0 = 5, add-1 = 8. add-0: 5, 5, 6 -> 2/3 correct, vote 5 (right).
    // add-1: 8, "07", 7 -> "07" and "7" are equivalent (vote 7, wrong); 1/3 correct; "" = no answer case below.
    const answers = { 'add-0': ['5', '5', '6'], 'add-1': ['8', '07', '7'] };
    const source = tableSource('addition', answers, 0);
    const progress: EvalProgress[] = [];
    const s = await runEval(
      options({ benches: [additionTask()], source, outDir: dir, limit: 2, price: DEFAULT_PRICING['deepseek-reasoner']!, onProgress: (p) => progress.push({ ...p }) }),
    );
    const b = s.benches[0]!;
    assert.equal(b.items, 2);
    assert.equal(b.passAt1, 0.5);
    // pass@2: add-0 (c=2, n=3) = 1; add-1 (c=1) = 1 - C(2,2)/C(3,2) = 2/3.
    assert.ok(Math.abs(b.passAtK[1]! - 5 / 6) < 1e-12);
    assert.equal(b.passAtK[2], 1);
    assert.equal(b.consAtK, 0.5);
    assert.equal(b.formatRate, 1);
    assert.equal(b.meanReasoningTokens, 20);
    assert.equal(b.meanAnswerTokens, 10);
    assert.deepEqual(b.usage, { promptTokens: 60, completionTokens: 180, reasoningTokens: 120, cacheHitTokens: 24, cacheMissTokens: 36, samplesWithoutUsage: 0 });
    // 6 samples x (4*0.14 + 6*0.55 + 30*2.19) / 1e6
    assert.ok(Math.abs(b.costUsd! - (6 * (4 * 0.14 + 6 * 0.55 + 30 * 2.19)) / 1e6) < 1e-15);
    // One call per item (all 3 samples at once), progress ends at 6/6 with 3 correct.
    assert.equal(source.calls, 2);
    assert.deepEqual(progress.at(-1), { bench: 'addition', done: 6, total: 6, correct: 3, resumed: 0 });
    assert.equal(progress[0]!.done, 0);
    for (const f of ['samples.jsonl', 'summary.json', 'summary.md', 'summary.html', 'run.json']) assert.ok(existsSync(join(dir, f)), f);
    const lines = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 6);
    for (const l of lines) SampleRecordSchema.parse(JSON.parse(l));
    assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /\| addition \| 2 \| 3 \| 50\.0 ± 16\.7 \| 50\.0 \| 100\.0 \| 100\.0 \| 20 \| 10 \| \$0\.0004 \|/);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')), JSON.parse(JSON.stringify(s)));

    // A second run over the same directory requests nothing and reproduces the summary.
    const again = tableSource('addition', answers, 0);
    const s2 = await runEval(options({ benches: [additionTask()], source: again, outDir: dir, limit: 2, price: DEFAULT_PRICING['deepseek-reasoner']! }));
    assert.equal(again.calls, 0);
    assert.deepEqual(s2, s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('format rate counts missing answers; a changed setting is refused on resume', async () => {
  const dir = tmp();
  try {
    const source = tableSource('addition', { 'add-0': ['5', '', '5'] }, 0);
    const s = await runEval(options({ benches: [additionTask()], source, outDir: dir, limit: 1 }));
    assert.ok(Math.abs(s.benches[0]!.formatRate - 2 / 3) < 1e-12);
    assert.equal(s.benches[0]!.costUsd, null);
    await assert.rejects(
      runEval(options({ benches: [additionTask()], source, outDir: dir, limit: 1, temperature: 1 })),
      /different settings \(temperature: 0\.6 there, 1 now\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a source that never calls onCompletion is saved from its return value; a short result is an error', async () => {
  const dir = tmp();
  try {
    const inner = tableSource('addition', { 'add-0': ['5', '5', '6'] }, 0);
    const quiet: SampleSource = {
      label: 'quiet',
      model: 'table-model',
      complete: (prompts, opts) => inner.complete(prompts, { ...opts, onCompletion: () => {} }),
    };
    const s = await runEval(options({ benches: [additionTask()], source: quiet, outDir: dir, limit: 1 }));
    assert.ok(Math.abs(s.benches[0]!.passAt1 - 2 / 3) < 1e-12);
    const short: SampleSource = { label: 'short', model: 'table-model', complete: async (prompts) => prompts.map(() => []) };
    await assert.rejects(runEval(options({ benches: [additionTask()], source: short, outDir: dir, limit: 2 })), /short returned 0 completions for n=3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options fail with a clear message', async () => {
  const source = tableSource('addition', {}, 0);
  await assert.rejects(runEval(options({ benches: [], source, outDir: 'unused' })), /no benchmarks given/);
  await assert.rejects(runEval(options({ benches: [additionTask(), additionTask()], source, outDir: 'unused' })), /listed twice/);
  await assert.rejects(runEval(options({ benches: [additionTask()], source, outDir: 'unused', k: 0 })), /k must be a positive integer/);
  await assert.rejects(runEval(options({ benches: [additionTask()], source, outDir: 'unused', topP: 1.5 })), /top-p must be in/);
  // From JavaScript: missing options, or the wrong kind of value.
  await assert.rejects(runEval(undefined as never), { name: 'TypeError', message: 'eval: options are required ({ benches, source, outDir, k, ... })' });
  await assert.rejects(runEval({} as never), { name: 'TypeError', message: 'eval: benches must be an array of tasks (getTask(name))' });
  await assert.rejects(runEval(options({ benches: [additionTask()], source: {} as never, outDir: 'unused' })), { name: 'TypeError', message: 'eval: source must be a SampleSource (an EndpointSource or a local model source)' });
  await assert.rejects(runEval(options({ benches: [additionTask()], source, outDir: undefined as never })), { name: 'TypeError', message: 'eval: outDir must be a directory path' });
});

test('checkedText and splitTokens', () => {
  const usage = { promptTokens: 1, completionTokens: 100, reasoningTokens: null, cacheHitTokens: null, cacheMissTokens: null };
  assert.equal(checkedText({ reasoning: 'r', content: 'a', usage: null, finishReason: 'stop' }), '<think>\nr\n</think>\n\na');
  assert.equal(checkedText({ reasoning: '', content: 'a', usage: null, finishReason: 'stop' }), 'a');
  assert.deepEqual(splitTokens({ reasoning: 'xxx', content: 'y', usage, finishReason: 'stop' }), { reasoningTokens: 75, answerTokens: 25, tokensEstimated: true });
  assert.deepEqual(splitTokens({ reasoning: '', content: 'y', usage, finishReason: 'stop' }), { reasoningTokens: 0, answerTokens: 100, tokensEstimated: false });
  assert.deepEqual(splitTokens({ reasoning: 'x', content: 'y', usage: null, finishReason: 'stop' }), { reasoningTokens: null, answerTokens: null, tokensEstimated: false });
});

/** Fake endpoint answers: right unless the seed is divisible by 3 (then off by one). */
const answer = (prompt: string, seed: number | undefined): string => {
  const [a, b] = addends(prompt)!;
  return `The sum is \\boxed{${(seed ?? 0) % 3 === 0 ? a + b + 1 : a + b}}.`;
};

test('resume: a run stopped midway, then rerun, requests every sample exactly once and matches an uninterrupted run', async () => {
  const dirA = tmp();
  const dirB = tmp();
  const tasks = [additionTask('addition'), additionTask('addition-b', 3)];
  const served: string[] = [];
  const record = (s: Awaited<ReturnType<typeof startFakeEndpoint>>): void => {
    for (const r of s.requests) if (r.outcome === 200) served.push(JSON.stringify([r.body.messages?.[0]?.content, r.body.seed]));
  };
  const source = (url: string): EndpointSource =>
    new EndpointSource({ ...ENDPOINT_DEFAULTS, baseUrl: url, model: 'deepseek-reasoner', concurrency: 2, maxRetries: 0 });
  try {
    // Run 1: the server answers 7 requests, then refuses with HTTP 400 (not retryable), so the run stops.
    const plan = (i: number): Behaviour => (i < 7 ? { kind: 'ok' } : { kind: 'status', status: 400, body: '{"error":{"message":"quota exhausted"}}' });
    const s1 = await startFakeEndpoint({ answer, plan });
    await assert.rejects(
      runEval(options({ benches: tasks, source: source(s1.url), outDir: dirA, k: 4, concurrency: 2 })),
      /eval stopped: endpoint answered HTTP 400: quota exhausted\n\d+ of 32 samples are saved in .*samples\.jsonl; the endpoint refuses the request as sent: fix what it names \(model, key, parameters, quota\), then rerun the same command to resume/,
    );
    await s1.close();
    record(s1);
    const savedAfterCrash = readFileSync(join(dirA, 'samples.jsonl'), 'utf8').trim().split('\n').length;
    assert.equal(savedAfterCrash, 7);
    // A crash mid-write leaves half a line: the rerun must drop it and carry on.
    appendFileSync(join(dirA, 'samples.jsonl'), '{"bench":"addition","itemId":"add-4","sam');

    // Run 2: healthy server; only the missing samples are requested.
    const s2 = await startFakeEndpoint({ answer });
    const progress: EvalProgress[] = [];
    const resumed = await runEval(options({ benches: tasks, source: source(s2.url), outDir: dirA, k: 4, concurrency: 2, onProgress: (p) => progress.push(p) }));
    await s2.close();
    record(s2);
    assert.equal(s2.requests.length, 32 - 7);
    assert.equal(progress[0]!.resumed, 7);
    assert.equal(new Set(served).size, served.length, 'a sample was requested twice');
    assert.equal(served.length, 32);
    const lines = readFileSync(join(dirA, 'samples.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 32);
    for (const l of lines) SampleRecordSchema.parse(JSON.parse(l));

    // Reference: one uninterrupted run in another directory.
    const s3 = await startFakeEndpoint({ answer });
    const whole = await runEval(options({ benches: tasks, source: source(s3.url), outDir: dirB, k: 4, concurrency: 2 }));
    await s3.close();
    assert.deepEqual(resumed.benches, whole.benches);
    assert.deepEqual(resumed.totals, whole.totals);
    // Seeds divisible by 3 give wrong answers: pass@1 is the share of other seeds.
    const recs = lines.map((l) => SampleRecordSchema.parse(JSON.parse(l)));
    for (const r of recs) assert.equal(r.correct, r.seed % 3 !== 0);
    assert.ok(whole.benches[0]!.passAt1 > 0 && whole.benches[0]!.passAt1 < 1);
  } finally {
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
});

test('an abort stops the run; finished samples stay saved', async () => {
  const dir = tmp();
  const server = await startFakeEndpoint({ answer, plan: (i) => (i < 2 ? { kind: 'ok' } : { kind: 'hang' }) });
  try {
    const ctl = new AbortController();
    const src = new EndpointSource({ ...ENDPOINT_DEFAULTS, baseUrl: server.url, model: 'm', concurrency: 1 });
    const run = runEval(
      options({
        benches: [additionTask()],
        source: src,
        outDir: dir,
        k: 2,
        concurrency: 1,
        signal: ctl.signal,
        onProgress: (p) => {
          if (p.done === 2) setImmediate(() => ctl.abort(new Error('interrupted')));
        },
      }),
    );
    await assert.rejects(run, /interrupted/);
    assert.equal(readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').length, 2);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rerunning a finished math-benchmark eval (nothing left to sample) still writes its summary', async () => {
  const dir = tmp();
  const data = tmp();
  try {
    writeFileSync(join(data, 'gsm8k-test.jsonl'), '{"question":"1+1?","answer":"2\\n#### 2"}\n{"question":"2+2?","answer":"4\\n#### 4"}\n');
    // A verifier stand-in: the gold is right, anything else is wrong (no worker thread needed).
    const verifier = {
      verify: async (gold: string, completion: string) => {
        const got = /\\boxed\{([^}]*)\}/.exec(completion)?.[1] ?? null;
        return { correct: got === gold, extracted: got, reason: 'fake', timedOut: false };
      },
      equivalent: async (a: string, b: string) => a === b,
    };
    const source: SampleSource = {
      label: 'fixed',
      model: 'fixed-model',
      complete: async (prompts, opts) => prompts.map(() => Array.from({ length: opts.n }, (): Completion => ({ reasoning: 'r', content: '\\boxed{2}', usage: null, finishReason: 'stop' }))),
    };
    const run = () => runEval(options({ benches: [benchmarkTask('gsm8k', { dataDir: data, verifier })], source, outDir: dir, k: 2, limit: 2 }));
    const first = await run();
    rmSync(join(dir, 'summary.json'));
    // A fresh task in a fresh run: no check() happens, yet cons@k needs answerKey.
    const second = await run();
    assert.deepEqual(second, first);
    assert.ok(existsSync(join(dir, 'summary.json')));
    assert.equal(second.benches[0]!.passAt1, 0.5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});

test('an output directory that cannot be written fails before any request; a write failure mid-run says what to fix', async () => {
  const source = tableSource('addition', { 'add-0': ['5', '5', '5'] }, 0);
  const dir = tmp();
  try {
    // A folder below a regular file cannot be created, even by root.
    writeFileSync(join(dir, 'file'), '');
    await assert.rejects(runEval(options({ benches: [additionTask()], source, outDir: join(dir, 'file', 'out'), limit: 1 })), /output directory .*file\/out: cannot create it \(ENOTDIR/);
    assert.equal(source.calls, 0);

    // The directory disappears while the first request is in flight: appending the sample fails.
    const vanishing: SampleSource = {
      label: 'vanishing',
      model: 'table-model',
      complete: async (prompts, opts) => {
        rmSync(dir, { recursive: true, force: true });
        return source.complete(prompts, opts);
      },
    };
    await assert.rejects(
      runEval(options({ benches: [additionTask()], source: vanishing, outDir: dir, limit: 1, concurrency: 1 })),
      (e: Error) => {
        assert.match(e.message, /cannot append to .*samples\.jsonl/);
        assert.match(e.message, /make the directory writable \(or free space\), then rerun/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run that stopped before its first sample leaves nothing that refuses the corrected command', async () => {
  const dir = tmp();
  try {
    const refusing: SampleSource = { label: 'refusing', model: 'table-model', complete: () => Promise.reject(new Error('HTTP 400: unknown parameter')) };
    await assert.rejects(runEval(options({ benches: [additionTask()], source: refusing, outDir: dir, limit: 1 })), /unknown parameter/);
    assert.ok(existsSync(join(dir, 'run.json')));
    // Fixed and rerun with another temperature: there is nothing to mix up, so it runs.
    const source = tableSource('addition', { 'add-0': ['5', '5', '5'] }, 0);
    const s = await runEval(options({ benches: [additionTask()], source, outDir: dir, limit: 1, temperature: 1 }));
    assert.equal(s.benches[0]!.passAt1, 1);
    assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).temperature, 1);
    // Once samples are saved, other settings are refused as before.
    await assert.rejects(runEval(options({ benches: [additionTask()], source, outDir: dir, limit: 1 })), /different settings \(temperature: 1 there, 0\.6 now\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checks that ran out of time are kept per sample, counted per benchmark and noted under the table', async () => {
  const dir = tmp();
  try {
    const inner = additionTask();
    // A benchmark whose verifier misses its deadline on the answer 6: scored wrong, verdict unknown.
    const slow = benchmarkTask('gsm8k', {
      verifier: {
        verify: () => Promise.reject(new Error('unused')),
        compare: async (gold, answer) => (answer === '6' ? { correct: false, reason: 'timeout after 2000 ms', timedOut: true } : { correct: answer === gold, reason: 'compared', timedOut: false }),
        equivalent: async (a, b) => a === b,
      },
    });
    const task = { ...inner, check: (item: Parameters<typeof inner.check>[0], completion: string) => slow.check(item, completion) };
    const source = tableSource('addition', { 'add-0': ['5', '6', '6'], 'add-1': ['7', '7', '6'] }, 0);
    const s = await runEval(options({ benches: [task], source, outDir: dir, limit: 2 }));
    assert.equal(s.benches[0]!.checkTimeouts, 3);
    const recs = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => SampleRecordSchema.parse(JSON.parse(l)));
    assert.deepEqual(recs.filter((r) => r.checkTimedOut === true).map((r) => [r.itemId, r.sample, r.correct]).sort(), [['add-0', 1, false], ['add-0', 2, false], ['add-1', 2, false]]);
    assert.ok(recs.filter((r) => r.checkTimedOut !== true).every((r) => !('checkTimedOut' in r)));
    assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /Checks that ran out of time \(scored wrong, verdict unknown; fewer on an idle machine\): addition 3\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one run at a time per output directory: a live run holds it, a lock left by an ended one is taken over', async () => {
  const dir = tmp();
  try {
    const source = tableSource('addition', { 'add-0': ['5', '5', '6'] }, 0);
    // Two runs at once in this process: the second is refused and requests nothing.
    const first = runEval(options({ benches: [additionTask()], source, outDir: dir, limit: 1 }));
    await assert.rejects(runEval(options({ benches: [additionTask()], source, outDir: dir, limit: 1 })), new RegExp(`in use by another r1 eval \\(process ${process.pid}\\)`));
    const s = await first;
    assert.equal(source.calls, 1);
    assert.ok(!existsSync(join(dir, '.r1-eval.lock')), 'released');
    // A lock whose process has ended (killed outright) does not block the next run.
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, '.r1-eval.lock'), `${ended}\n`);
    assert.deepEqual(await runEval(options({ benches: [additionTask()], source, outDir: dir, limit: 1 })), s);
    assert.ok(!existsSync(join(dir, '.r1-eval.lock')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
