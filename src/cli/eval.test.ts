// src/cli/eval.test.ts — `r1 eval` end to end, in-process, against a real local HTTP server (a fake
// deepseek-reasoner on 127.0.0.1): flags, output files, the printed table, and that the API key never leaks.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { startFakeEndpoint } from '../eval/fake-endpoint.js';
import { addends, additionTask, makeCheckpoint, makeGgufCheckpoint } from '../eval/fixtures.js';
import { dirname } from 'node:path';
import { resolveDataDir } from '../tasks/benchmarks/data-dir.js';
import { benchmarkTask } from '../tasks/benchmarks/index.js';
import { getTaskByName } from '../tasks/registry.js';
import type { Task } from '../tasks/types.js';
import { apiKeyFrom, createEvalCommand } from './eval.js';

const SECRET = 'sk-live-DO-NOT-LEAK-7f3a';

async function runCli(args: string[], env: Record<string, string | undefined>, getTask: (name: string, opts: { difficulty?: string }) => Task) {
  let stdout = '';
  const stderrStream = new PassThrough();
  let stderr = '';
  stderrStream.on('data', (c: Buffer) => (stderr += c.toString()));
  let exitCode = 0;
  const program = new Command().exitOverride();
  program.addCommand(
    createEvalCommand({
      getTask,
      env,
      stdout: { write: (s: string) => (stdout += s) },
      stderr: stderrStream,
      setExitCode: (c) => (exitCode = c),
    }),
  );
  await program.parseAsync(['eval', ...args], { from: 'user' });
  return { stdout, stderr, exitCode };
}

/** Tasks handed out, and how many were closed (the CLI owns the tasks it resolves and must release them). */
let closed = 0;
const tasks = (name: string): Task => {
  if (name === 'addition') {
    return {
      ...additionTask(),
      close: async () => {
        closed++;
      },
    };
  }
  throw new Error(`unknown task "${name}"`);
};

test('r1 eval --endpoint runs a benchmark against a local fake deepseek-reasoner and never leaks the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  // Correct unless the seed is even.
  const server = await startFakeEndpoint({
    answer: (p, seed) => {
      const [a, b] = addends(p)!;
      return `So the answer is \\boxed{${(seed ?? 0) % 2 === 0 ? a + b + 1 : a + b}}.`;
    },
  });
  try {
    const args = ['--endpoint', server.url, '--api-model', 'deepseek-reasoner', '--api-key-env', 'R1_TEST_KEY', '--bench', 'addition', '-k', '3', '--limit', '2', '--out', dir, '--no-progress', '--concurrency', '2'];
    const closedBefore = closed;
    const res = await runCli(args, { R1_TEST_KEY: SECRET }, tasks);
    assert.equal(res.exitCode, 0, res.stderr);
    assert.equal(closed, closedBefore + 1);
    assert.equal(server.requests.length, 6);
    for (const r of server.requests) {
      assert.equal(r.authorization, `Bearer ${SECRET}`);
      assert.equal(r.body.temperature, 0.6);
      assert.equal(r.body.top_p, 0.95);
      assert.equal(r.body.max_tokens, 32768);
    }
    assert.match(res.stdout, /\| addition \| 2 \| 3 \| /);
    assert.match(res.stdout, /Results in /);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const recs = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(recs.length, 6);
    const expected = recs.filter((r) => r.seed % 2 === 1).length / 6;
    assert.ok(Math.abs(summary.benches[0].passAt1 - expected) < 1e-12);
    assert.equal(summary.model, 'deepseek-reasoner');
    assert.ok(summary.totals.costUsd > 0, 'deepseek-reasoner is priced by default');
    // The key is in no output file, nor in anything printed.
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const text of [...files, res.stdout, res.stderr]) assert.ok(!text.includes(SECRET), 'API key leaked');

    // Rerun with a larger k: only the new samples are requested.
    const more = await runCli(args.map((a) => (a === '3' ? '4' : a)), { R1_TEST_KEY: SECRET }, tasks);
    assert.equal(more.exitCode, 0, more.stderr);
    assert.equal(server.requests.length, 8);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 eval reports endpoint failures, bad flags, missing keys and the local-model gap clearly', async () => {
  const server = await startFakeEndpoint({ answer: () => 'x', plan: () => ({ kind: 'status', status: 401, body: '{"error":{"message":"Authentication Fails"}}' }) });
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    const fail = await runCli(['--endpoint', server.url, '--api-model', 'm', '--bench', 'addition', '--out', dir, '--no-progress', '-k', '1'], { OPENAI_API_KEY: SECRET }, tasks);
    assert.equal(fail.exitCode, 1);
    assert.match(fail.stderr, /HTTP 401: Authentication Fails/);
    assert.ok(!fail.stderr.includes(SECRET));

    const local = await runCli(['--model', join(dir, 'no-such-checkpoint'), '--bench', 'addition', '--no-progress'], {}, tasks);
    assert.equal(local.exitCode, 1);
    assert.match(local.stderr, /no-such-checkpoint.*config\.json/);

    const both = await runCli(['--model', 'a', '--endpoint', 'http://127.0.0.1:1/v1', '--bench', 'addition'], {}, tasks);
    assert.equal(both.exitCode, 2);
    assert.match(both.stderr, /give exactly one of --model <checkpoint> or --endpoint <url>/);

    const endpointTemplate = await runCli(['--endpoint', 'http://127.0.0.1:1/v1', '--api-model', 'm', '--chat-template', 'x.jinja', '--bench', 'addition'], {}, tasks);
    assert.equal(endpointTemplate.exitCode, 2);
    assert.match(endpointTemplate.stderr, /--chat-template applies to a local --model/);

    const noModel = await runCli(['--endpoint', 'http://127.0.0.1:1/v1', '--bench', 'addition', '--top-p', '2'], {}, tasks);
    assert.equal(noModel.exitCode, 2);
    // One line, each flag as typed.
    assert.equal(noModel.stderr, 'r1 eval: --top-p: must be at most 1, got 2; --endpoint needs --api-model <name> (e.g. deepseek-reasoner)\n');

    const noKey = await runCli(['--endpoint', server.url, '--api-model', 'm', '--api-key-env', 'NOPE_KEY', '--bench', 'addition', '--no-progress'], {}, tasks);
    assert.equal(noKey.exitCode, 1);
    assert.match(noKey.stderr, /environment variable NOPE_KEY \(named by --api-key-env\) is not set/);

    const unknown = await runCli(['--endpoint', server.url, '--api-model', 'm', '--bench', 'nope', '--no-progress'], {}, tasks);
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /unknown task "nope"/);

    // --difficulty for benchmarks alone would be silently ignored: a usage error.
    const fixed = await runCli(['--endpoint', server.url, '--api-model', 'm', '--bench', 'gsm8k', '--difficulty', 'easy', '--no-progress'], {}, tasks);
    assert.equal(fixed.exitCode, 2);
    assert.equal(fixed.stderr, 'r1 eval: --difficulty applies to synthetic tasks; gsm8k has fixed problems\n');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 eval prices an unlisted model from --price-* flags or a --pricing file, else reports n/a', async () => {
  const server = await startFakeEndpoint({ answer: () => '\\boxed{1}' });
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    const base = ['--endpoint', server.url, '--api-model', 'my-model', '--bench', 'addition', '-k', '1', '--limit', '2', '--no-progress'];
    const flags = await runCli([...base, '--out', join(dir, 'a'), '--price-input-hit', '1', '--price-input-miss', '2', '--price-output', '3'], {}, tasks);
    assert.equal(flags.exitCode, 0, flags.stderr);
    const a = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8'));
    const u = a.benches[0].usage;
    assert.ok(Math.abs(a.totals.costUsd - (u.cacheHitTokens * 1 + u.cacheMissTokens * 2 + u.completionTokens * 3) / 1e6) < 1e-15);
    const file = join(dir, 'prices.json');
    writeFileSync(file, JSON.stringify({ 'my-model': { cacheHitInput: 1, cacheMissInput: 2, output: 3 } }));
    const fromFile = await runCli([...base, '--out', join(dir, 'b'), '--pricing', file], {}, tasks);
    assert.equal(fromFile.exitCode, 0, fromFile.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'b', 'summary.json'), 'utf8')).totals.costUsd, a.totals.costUsd);
    const unpriced = await runCli([...base, '--out', join(dir, 'c')], {}, tasks);
    assert.equal(JSON.parse(readFileSync(join(dir, 'c', 'summary.json'), 'utf8')).totals.costUsd, null);
    assert.match(unpriced.stdout, /cost n\/a/);
    const partial = await runCli([...base, '--out', join(dir, 'd'), '--price-output', '3'], {}, tasks);
    assert.equal(partial.exitCode, 1);
    assert.match(partial.stderr, /no complete price for model "my-model"/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 eval --model evaluates a local checkpoint folder', async () => {
  const ckpt = makeCheckpoint();
  const out = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    const res = await runCli(['--model', ckpt, '--bench', 'addition', '-k', '2', '--limit', '2', '--max-tokens', '8', '--out', out, '--no-progress'], {}, tasks);
    assert.equal(res.exitCode, 0, res.stderr);
    assert.match(res.stdout, /\| addition \| 2 \| 2 \| /);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.match(summary.source, /^local /);
    assert.equal(summary.totals.samples, 4);
    assert.equal(summary.totals.costUsd, null);
    const out16 = join(out, 'f16');
    const half = await runCli(['--model', ckpt, '--bench', 'addition', '-k', '2', '--limit', '2', '--max-tokens', '8', '--out', out16, '--no-progress', '--kv-cache', 'f16'], {}, tasks);
    assert.equal(half.exitCode, 0, half.stderr);
    assert.match(JSON.parse(readFileSync(join(out16, 'summary.json'), 'utf8')).source, /f16 KV cache/);
    const bad = await runCli(['--model', ckpt, '--bench', 'addition', '--no-progress', '--kv-cache', 'bf16'], {}, tasks);
    assert.equal(bad.exitCode, 2);
    assert.equal(bad.stderr, 'r1 eval: --kv-cache: must be one of f32, f16, got "bf16"\n');
  } finally {
    rmSync(ckpt, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

/**
 * `r1 eval ARGS` in this process with `getTask`; a local model must never be loaded (each attempt calls `onLoad`, then
 * fails). Resolves to what it wrote on stderr and its exit code.
 */
async function evalInProcess(args: string[], getTask: typeof tasks, onLoad: () => void): Promise<{ stderr: string; exitCode: number }> {
  let stderr = '';
  let exitCode = 0;
  const cmd = createEvalCommand({
    getTask,
    env: {},
    localSource: async () => {
      onLoad();
      throw new Error('the model should not be loaded');
    },
    stdout: { write: () => true },
    stderr: Object.assign(new PassThrough(), { write: (s: string) => ((stderr += s), true) }) as unknown as NodeJS.WritableStream,
    setExitCode: (c) => (exitCode = c),
  });
  await new Command().exitOverride().addCommand(cmd).parseAsync(['eval', ...args], { from: 'user' });
  return { stderr, exitCode };
}

test('r1 eval checks that --out is writable before loading a model or sending a request', async () => {
  let loads = 0;
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  writeFileSync(join(dir, 'file'), '');
  const out = join(dir, 'file', 'out'); // below a regular file: cannot be created, even by root
  const server = await startFakeEndpoint({ answer: () => '\\boxed{1}' });
  try {
    const program = (args: string[]) => evalInProcess(args, tasks, () => loads++);
    const local = await program(['--model', 'some-ckpt', '--bench', 'addition', '--out', out, '--no-progress']);
    assert.equal(local.exitCode, 1);
    assert.match(local.stderr, /output directory .*file\/out: cannot create it/);
    assert.doesNotMatch(local.stderr, /rerun/);
    assert.equal(loads, 0);
    const remote = await program(['--endpoint', server.url, '--api-model', 'm', '--bench', 'addition', '--out', out, '--no-progress']);
    assert.equal(remote.exitCode, 1);
    assert.equal(server.requests.length, 0);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 eval without a terminal prints plain progress lines, a Retry-After countdown and each usage warning once', async () => {
  // Item add-0 asks 2 + 3.
  const body = JSON.stringify({ choices: [{ index: 0, message: { content: '\\boxed{5}', reasoning_content: 'r' }, finish_reason: 'stop' }], usage: { prompt_tokens: '10', completion_tokens: 3 } });
  const server = await startFakeEndpoint({
    answer: () => 'unused',
    // The first request is told to come back in 1 s; every answer carries a malformed usage block.
    plan: (i) => (i === 0 ? { kind: 'status', status: 429, retryAfter: '1', body: '{"error":{"message":"slow down"}}' } : { kind: 'status', status: 200, body }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    const res = await runCli(['--endpoint', server.url, '--api-model', 'm', '--bench', 'addition', '-k', '2', '--limit', '1', '--out', dir, '--concurrency', '1'], {}, tasks);
    assert.equal(res.exitCode, 0, res.stderr);
    // stderr here is a pipe, not a terminal: plain lines, the wait first, then the final count.
    assert.match(res.stderr, /^addition 0\/2 samples \(0\.0%\) \| acc – \| retries 1 \| elapsed \d+s \| waiting 1s \(server asked to retry later: endpoint answered HTTP 429: slow down\)$/m);
    assert.match(res.stderr, /^addition 2\/2 samples \(100\.0%\) \| acc 100\.0% \| retries 1 \| elapsed \d+s$/m);
    assert.doesNotMatch(res.stderr, /\x1b\[/, 'no terminal escapes in a log');
    const warnings = res.stderr.split('\n').filter((l) => l.includes('warning'));
    assert.deepEqual(warnings, ['r1 eval: warning: usage is malformed (prompt_tokens); token counts and cost for this sample are missing']);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.equal(summary.benches[0].usage.samplesWithoutUsage, 2);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 eval --model takes a GGUF file (model and tokenizer from the file)', async () => {
  const gguf = makeGgufCheckpoint();
  const out = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    const res = await runCli(['--model', gguf, '--bench', 'addition', '-k', '1', '--limit', '1', '--max-tokens', '4', '--out', out, '--no-progress'], {}, tasks);
    assert.equal(res.exitCode, 0, res.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.model, 'tiny.gguf');
    assert.equal(summary.totals.samples, 1);
    writeFileSync(join(out, 'not.gguf'), 'hello');
    const bad = await runCli(['--model', join(out, 'not.gguf'), '--bench', 'addition', '--out', join(out, 'b'), '--no-progress'], {}, tasks);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /not\.gguf: not a checkpoint folder and not a GGUF file/);
  } finally {
    rmSync(dirname(gguf), { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('r1 eval --unsafe-sandbox warns on every run whose code tasks fall back to rlimits', async () => {
  const server = await startFakeEndpoint({ answer: () => 'no code here' });
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    const seen: { unsafeSandbox?: boolean }[] = [];
    const codeLike = (name: string, o: { unsafeSandbox?: boolean }): Task => {
      seen.push(o);
      return { ...additionTask(name === 'code' ? 'code' : name) };
    };
    const run = async (extra: string[], isolation: 'rlimits' | 'bubblewrap') => {
      let stderr = '';
      const cmd = createEvalCommand({
        getTask: codeLike,
        env: {},
        sandboxInfo: async () => ({ isolation, reason: 'bwrap (bubblewrap) not found on PATH', uid: 'shared', interpreters: { python: null, javascript: null }, limitations: ['network is not blocked (no network namespace)'] }),
        stdout: { write: () => true },
        stderr: Object.assign(new PassThrough(), { write: (s: string) => ((stderr += s), true) }) as unknown as NodeJS.WritableStream,
        setExitCode: () => {},
      });
      await new Command().exitOverride().addCommand(cmd).parseAsync(['eval', '--endpoint', server.url, '--api-model', 'm', '--bench', 'code', '-k', '1', '--limit', '1', '--out', dir, '--no-progress', ...extra], { from: 'user' });
      return stderr;
    };
    for (let i = 0; i < 2; i++) {
      const warned = await run(['--unsafe-sandbox'], 'rlimits');
      assert.match(warned, /WARNING: code runs WITHOUT bubblewrap \(bwrap \(bubblewrap\) not found on PATH\); rlimits only, so its rewards can be gamed: network is not blocked/);
    }
    assert.deepEqual(seen.map((o) => o.unsafeSandbox === true), [true, true]);
    assert.doesNotMatch(await run(['--unsafe-sandbox'], 'bubblewrap'), /WARNING/);
    await run([], 'rlimits');
    assert.equal(seen.at(-1)!.unsafeSandbox, undefined, 'no opt-in without the flag');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('apiKeyFrom prefers the named variable, then OPENAI_API_KEY, then DEEPSEEK_API_KEY', () => {
  assert.equal(apiKeyFrom({ A: 'a', OPENAI_API_KEY: 'o' }, 'A'), 'a');
  assert.equal(apiKeyFrom({ OPENAI_API_KEY: 'o', DEEPSEEK_API_KEY: 'd' }, undefined), 'o');
  assert.equal(apiKeyFrom({ DEEPSEEK_API_KEY: 'd' }, undefined), 'd');
  assert.equal(apiKeyFrom({}, undefined), undefined);
  assert.throws(() => apiKeyFrom({ A: '' }, 'A'), /A \(named by --api-key-env\) is not set/);
});

/** Run the real `r1` entry point as a child process (tsx from source, node from dist); async, so the test's
 * HTTP server keeps serving while the child runs. */
function r1(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));
  const argv = fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('spawned `r1 eval --endpoint` on registry tasks (arithmetic; gsm8k through the math verifier when data is present)', async (t) => {
  const haveData = existsSync(resolveDataDir());
  if (!haveData) t.diagnostic(`benchmark data folder ${resolveDataDir()} absent: evaluating arithmetic only`);
  const benches = haveData ? ['arithmetic', 'gsm8k'] : ['arithmetic'];
  // The fake answers from the gold table: right for odd seeds, a different number (gold with a 7 appended) for even.
  const gold = new Map<string, string>();
  for (const name of benches) {
    // --difficulty reaches synthetic tasks (the gold table would miss the prompts otherwise); benchmarks ignore it.
    const task = getTaskByName(name, name === 'arithmetic' ? { difficulty: 'hard' } : {});
    for (const item of await task.items({ split: 'test', n: 3 })) gold.set(task.prompt(item, 'boxed'), item.gold);
    await task.close?.();
  }
  const server = await startFakeEndpoint({
    answer: (prompt, seed) => {
      const g = gold.get(prompt);
      if (g === undefined) return 'unknown prompt';
      return `The final answer is \\boxed{${(seed ?? 0) % 2 === 1 ? g : `${g}7`}}.`;
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    const res = await r1(
      ['eval', '--endpoint', server.url, '--api-model', 'deepseek-reasoner', '--bench', benches.join(','), '-k', '2', '--limit', '3', '--difficulty', 'hard', '--out', dir, '--no-progress'],
      { DEEPSEEK_API_KEY: SECRET, OPENAI_API_KEY: '' },
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(server.requests.length, benches.length * 3 * 2);
    assert.ok(server.requests.every((r) => r.authorization === `Bearer ${SECRET}`));
    const recs = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { bench: string; seed: number; correct: boolean; formatOk: boolean });
    for (const r of recs) {
      assert.equal(r.correct, r.seed % 2 === 1, `${r.bench} seed ${r.seed}`);
      assert.equal(r.formatOk, true);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { benches: { bench: string; passAt1: number }[] };
    assert.deepEqual(summary.benches.map((b) => b.bench), benches);
    for (const b of summary.benches) {
      const mine = recs.filter((r) => r.bench === b.bench);
      assert.ok(Math.abs(b.passAt1 - mine.filter((r) => r.correct).length / mine.length) < 1e-12);
    }
    for (const name of benches) assert.match(res.stdout, new RegExp(`\\| ${name} \\| 3 \\| 2 \\|`));
    for (const f of readdirSync(dir)) assert.ok(!readFileSync(join(dir, f), 'utf8').includes(SECRET), `key leaked into ${f}`);
    assert.ok(!res.stdout.includes(SECRET) && !res.stderr.includes(SECRET));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 eval finds an unknown benchmark or a missing benchmark file before loading the model', async () => {
  let loads = 0;
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-eval-'));
  try {
    // gsm8k from an empty data folder: its file is missing.
    const getTask: typeof tasks = (name) => (name === 'gsm8k' ? benchmarkTask('gsm8k', { dataDir: dir }) : tasks(name));
    const run = (bench: string) => evalInProcess(['--model', 'some-ckpt', '--bench', bench, '--out', join(dir, 'out'), '--no-progress'], getTask, () => loads++);
    const unknown = await run('addition,nope');
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /unknown task "nope"/);
    const missing = await run('gsm8k');
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /gsm8k-test\.jsonl/);
    assert.equal(loads, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
