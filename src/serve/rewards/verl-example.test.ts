// src/serve/rewards/verl-example.test.ts — examples/verl_reward.py run for real by Python against the service:
// verl's compute_score signature and return, the batch variant, keep-alive and retries. Python is found through
// $PYTHON (else python3); without one the test says so and checks the file's entry points by their text.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root.js';
import { probePython } from '../../util/probe.js';
import { post, startServer } from './http.case.test.js';
import type { RewardResult } from './wire.js';

const EXAMPLE = join(packageRoot(), 'examples', 'verl_reward.py');

/** Runs `calls` (a Python expression over the module `m`) and returns its JSON. */
function runPython(python: string, url: string, expr: string, env: Record<string, string> = {}): Promise<unknown> {
  const script = [
    'import importlib.util, json, sys',
    `spec = importlib.util.spec_from_file_location("verl_reward", ${JSON.stringify(EXAMPLE)})`,
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    `print(json.dumps(${expr}))`,
  ].join('\n');
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', script], { env: { ...process.env, R1_REWARDS_URL: url, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? 'null'));
    });
  });
}

const right = (x: string): string => `<think> so it is ${x} </think> <answer> ${x} </answer>`;
const ADD = '<think> add </think> <answer>\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\n</answer>';
const TESTS = [{ kind: 'stdio', input: '2 3\n', output: '5' }];

test('examples/verl_reward.py: compute_score and compute_score_batch over HTTP, as verl calls them', async (t) => {
  const source = readFileSync(EXAMPLE, 'utf8');
  const probe = await probePython([]);
  if (probe.version === null) {
    t.diagnostic(`no Python here (${probe.command}: ${probe.error ?? 'does not run'}): only the file's entry points are checked, not run`);
    assert.match(source, /^def compute_score\(data_source, solution_str, ground_truth, extra_info=None, \*\*kwargs\):/m);
    assert.match(source, /^def compute_score_batch\(data_sources, solution_strs, ground_truths, extra_infos, \*\*kwargs\):/m);
    return;
  }
  t.diagnostic(`Python ${probe.version} (${probe.command})`);
  const { server, url } = await startServer({ workers: 1, rewards: [{ name: 'accuracy' }, { name: 'format', weight: 0.5 }] }, { apiKey: 'verl-key' });
  try {
    const got = (await runPython(
      probe.command,
      url,
      `[m.compute_score("openai/gsm8k", ${JSON.stringify(right('42'))}, "42", {"prompt": "Q"}),
        m.compute_score("openai/gsm8k", ${JSON.stringify(right('41'))}, "42", None),
        m.compute_score("code", ${JSON.stringify(ADD)}, ${JSON.stringify(JSON.stringify(TESTS))}),
        m.compute_score_batch(["a", "b"], [${JSON.stringify(right('7'))}, "no tags 8"], ["7", {"gold": "8", "task": "math"}], [None, {"prompt": "Q"}])]`,
      { R1_REWARDS_API_KEY: 'verl-key' },
    )) as [Record<string, number>, Record<string, number>, Record<string, number>, Record<string, number>[]];
    const [ok, wrong, code, batch] = got;
    assert.deepEqual(ok, { score: 1, accuracy: 1, format: 1 });
    assert.equal(wrong.accuracy, 0);
    assert.ok((ok.score as number) > (wrong.score as number), 'correct > wrong');
    assert.equal(code.accuracy, 1, 'code tests from a JSON ground truth, run in the sandbox');
    assert.equal(batch.length, 2);
    // The batch results equal the service's own answer for the same samples.
    const direct = await post(`${url}/v1/rewards`, { samples: [{ prompt: '', completion: right('7'), gold: '7' }, { prompt: 'Q', completion: 'no tags 8', gold: '8', task: 'math' }] }, { authorization: 'Bearer verl-key' });
    assert.deepEqual(batch.map((b) => b['score']), (direct.json.results as RewardResult[]).map((r) => r.total));
    // A 4xx is not retried: it raises with the server's message.
    await assert.rejects(runPython(probe.command, url, 'm.compute_score("x", "y", "1")', { R1_REWARDS_API_KEY: 'wrong' }), /answered 401: missing or wrong API key/);
    // A ground truth the service would not check is refused before anything is sent.
    const key = { R1_REWARDS_API_KEY: 'verl-key' };
    await assert.rejects(runPython(probe.command, url, 'm.compute_score("x", "y", None)', key), /ground_truth is None/);
    await assert.rejects(runPython(probe.command, url, 'm.compute_score("x", "y", "  ")', key), /ground_truth is empty/);
    await assert.rejects(runPython(probe.command, url, 'm.compute_score("x", "y", {"target": ["5"]})', key), /keys this example does not read: target/);
    await assert.rejects(runPython(probe.command, url, 'm.compute_score("x", "y", ["5", "5.0"])', key), /several acceptable answers are not supported/);
    await assert.rejects(runPython(probe.command, url, 'm.compute_score("x", "y", "5")', { ...key, R1_REWARDS_RETRIES: '0' }), /R1_REWARDS_RETRIES must be at least 1/);
  } finally {
    await server.close();
  }

  // A batch larger than one request may carry (GET /health: 3 samples, 4 KiB) goes in several, results in order.
  const small = await startServer({ workers: 1, maxQueue: 3, bodyLimitMb: 4 / 1024, rewards: [{ name: 'accuracy' }] });
  try {
    const n = 8;
    const texts = Array.from({ length: n }, (_, i) => right(String(i % 3 === 0 ? i : i + 1)) + ' '.repeat(i === 5 ? 1500 : 0));
    const golds = Array.from({ length: n }, (_, i) => String(i));
    const got = (await runPython(probe.command, small.url, `m.compute_score_batch(["d"] * ${n}, ${JSON.stringify(texts)}, ${JSON.stringify(golds)}, None)`)) as Record<string, number>[];
    assert.deepEqual(got.map((r) => r['accuracy']), golds.map((_, i) => (i % 3 === 0 ? 1 : 0)));
    const served = ((await (await fetch(`${small.url}/health`)).json()) as { served: number }).served;
    assert.ok(served >= 3, `split into at least ceil(8 / 3) requests, got ${served}`);
    await assert.rejects(runPython(probe.command, small.url, `m.compute_score_batch(["d"], [${JSON.stringify('x'.repeat(5000))}], ["1"], None)`), /sample 0 alone is \d+ bytes, over the service's body limit of 4096/);
  } finally {
    await small.server.close();
  }

  // Keep-alive and retries against a stand-in that answers 503 first: one connection, retried, nulls as 0.0.
  let requests = 0;
  let connections = 0;
  const flaky: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      if (requests === 1) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"error":{"message":"queue full","type":"overloaded_error","code":"queue_full"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"total":0.25,"components":{"accuracy":null,"format":0.5}}]}');
    });
  });
  flaky.on('connection', () => connections++);
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (flaky.address() as { port: number }).port;
    const res = await runPython(probe.command, `http://127.0.0.1:${port}`, '[m.compute_score("s", "x", "1"), m.compute_score("s", "y", "2")]');
    assert.deepEqual(res, [{ score: 0.25, accuracy: 0, format: 0.5 }, { score: 0.25, accuracy: 0, format: 0.5 }]);
    assert.equal(requests, 3, 'the 503 was retried');
    assert.equal(connections, 1, 'all three requests on one keep-alive connection');
  } finally {
    await new Promise<void>((r) => flaky.close(() => r()));
  }
});
