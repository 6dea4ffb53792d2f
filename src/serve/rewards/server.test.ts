// src/serve/rewards/server.test.ts — the reward service over real HTTP on a loopback port: OpenRLHF's request as
// its client sends it, the native API, code in the sandbox, the composite against the trainer's in-process
// composite, and hostile samples under load.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RewardServer } from './server.js';
import { post, pythonJson, startServer } from './http.case.test.js';
import { serviceConfigSchema, type RewardResult } from './wire.js';
import { buildReward, scoreRewards } from '../../train/grpo/rewards.js';
import type { RewardSpec } from '../../train/config.js';
import { benchmarkTask } from '../../tasks/benchmarks/index.js';
import { createCodeTask } from '../../tasks/code/index.js';
import { getTask } from '../../tasks/registry.js';
import type { RewardSample } from '../../reward/index.js';
import { sandboxInfo } from '../../verify/code/index.js';

const R1_CHAT_PROMPT = '<｜begin▁of▁sentence｜><｜User｜>What is 6 times 7?<｜Assistant｜><think>\n';
const ZERO_PROMPT = 'A conversation between User and Assistant. User: What is 6 times 7? Assistant:';
const right = (x: string): string => ` <think> six sevens make ${x} </think> <answer> ${x} </answer>`;
const ADD_TESTS = [
  { kind: 'stdio' as const, input: '2 3\n', output: '5' },
  { kind: 'stdio' as const, input: '-4 10\n', output: '6' },
];
const ADD_OK = '<think> read and add </think> <answer>\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\n</answer>';
const FORK_BOMB = '<think> grow </think> <answer>\n```python\nimport os\nwhile True:\n    os.fork()\n```\n</answer>';

let A: { server: RewardServer; url: string };
before(async () => {
  A = await startServer({
    rewards: [{ name: 'accuracy', weight: 1 }, { name: 'format', weight: 0.5 }, { name: 'tag-count', weight: 0.25 }, { name: 'language', weight: 0.1 }, { name: 'repetition', weight: 0.1 }],
    workers: 2,
    mathTimeoutMs: 5000, // generous: on a loaded machine a 300 ms budget timed out ordinary checks (41 vs 42)
    code: { limits: { wallMs: 2000 } },
    maxNewTokens: 64, // the composite test's overlong window
  });
});
after(async () => {
  await A.server.close();
});

test('OpenRLHF: the batch as its client sends it (padding, end tokens, labels) comes back in order', async () => {
  // openrlhf/utils/agent.py posts {"query", "prompts", "labels"}; query = prompt + response decoded with special
  // tokens kept (older batched clients also left-padded it).
  const prompts = [ZERO_PROMPT, ZERO_PROMPT, R1_CHAT_PROMPT, ZERO_PROMPT, ZERO_PROMPT];
  const responses = [right('42') + '<|im_end|>', right('41') + '<|im_end|><|endoftext|><|endoftext|>', ' six sevens are 42 </think> **42**<｜end▁of▁sentence｜>', 'I will not use tags. 42', ADD_OK];
  const query = prompts.map((p, i) => (i === 1 ? '<|endoftext|><|endoftext|>' : '') + p + responses[i]);
  const labels = ['42', '42', '42', '42', JSON.stringify({ task: 'code', tests: ADD_TESTS })];
  const res = await fetch(`${A.url}/get_reward`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: pythonJson({ query, prompts, labels }) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> };
  assert.deepEqual(Object.keys(body).sort(), ['extra_logs', 'rewards', 'scores']);
  assert.equal(body.rewards.length, 5);
  assert.deepEqual(body.scores, [1, 0, 1, 1, 1], 'scores = accuracy, in request order (the untagged reply still ends with 42)');
  assert.deepEqual(body.extra_logs['format'], [1, 1, 0, 0, 1]); // the R1 chat response has no <answer> block: not R1-Zero format
  assert.ok((body.rewards[0] as number) > (body.rewards[1] as number), 'correct > wrong');
  assert.ok((body.rewards[0] as number) > (body.rewards[3] as number), 'formatted > unformatted');
  for (const name of ['accuracy', 'format', 'tag-count', 'language', 'repetition']) assert.equal(body.extra_logs[name]?.length, 5, name);
  assert.ok(body.extra_logs['accuracy']?.every((x) => typeof x === 'number'));
});

test('native API: correct > wrong, components and reasons', async () => {
  const r = await post(`${A.url}/v1/rewards`, {
    samples: [
      { prompt: ZERO_PROMPT, completion: right('42'), gold: '42' },
      { prompt: ZERO_PROMPT, completion: right('\\frac{84}{2}'), gold: 42 },
      { prompt: ZERO_PROMPT, completion: right('41'), gold: '42' },
      { prompt: ZERO_PROMPT, completion: '<think> no answer here </think>' , gold: '42' },
      { prompt: ZERO_PROMPT, completion: right('42') }, // no gold: accuracy does not apply
    ],
  });
  assert.equal(r.status, 200);
  const res = r.json.results as RewardResult[];
  assert.equal(res.length, 5);
  assert.equal(res[0]?.components['accuracy'], 1);
  assert.equal(res[1]?.components['accuracy'], 1, '84/2 = 42 through the math verifier');
  assert.equal(res[2]?.components['accuracy'], 0);
  assert.ok((res[0]?.total as number) > (res[2]?.total as number));
  assert.match(res[2]?.reason ?? '', /not equivalent/);
  assert.match(res[3]?.reason ?? '', /no answer/);
  assert.equal(res[4]?.components['accuracy'], null);
  assert.equal(res[4]?.reason, undefined);
  // A sample's `language` is the target of its language-consistency reward (DeepSeek-R1 eq. 7).
  const mixed = '<think> 我们 计算 the product </think> <answer> 42 </answer>';
  const lang = await post(`${A.url}/v1/rewards`, { samples: [{ prompt: ZERO_PROMPT, completion: mixed }, { prompt: ZERO_PROMPT, completion: mixed, language: 'zh' }] });
  assert.deepEqual((lang.json.results as RewardResult[]).map((x) => x.components['language']), [2 / 6, 4 / 6]);
});

test('code samples run in the sandbox: host files are out of reach, a fork bomb scores 0 with a reason', async () => {
  const info = await sandboxInfo();
  assert.equal(info.isolation, 'bubblewrap', `bubblewrap must work for this test: ${info.reason ?? ''}`);
  const dir = mkdtempSync(join(tmpdir(), 'r1-rewards-secret-'));
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'host-secret-7f3a');
  try {
    const thief = `<think> read it </think> <answer>\n\`\`\`python\nprint(open(${JSON.stringify(secret)}).read())\n\`\`\`\n</answer>`;
    const r = await post(`${A.url}/v1/rewards`, {
      samples: [
        { prompt: 'p', completion: ADD_OK, tests: ADD_TESTS },
        { prompt: 'p', completion: thief, tests: [{ kind: 'stdio', input: '', output: 'host-secret-7f3a' }] },
        { prompt: 'p', completion: FORK_BOMB, tests: ADD_TESTS.slice(0, 1) },
        { prompt: 'p', completion: '<think> x </think> <answer> no code </answer>', tests: ADD_TESTS },
      ],
    });
    assert.equal(r.status, 200);
    const res = r.json.results as RewardResult[];
    assert.equal(res[0]?.components['accuracy'], 1);
    assert.equal(res[1]?.components['accuracy'], 0, 'the host file must not be readable');
    assert.match(res[1]?.reason ?? '', /runtime error|FileNotFoundError|No such file/);
    assert.equal(res[2]?.components['accuracy'], 0);
    assert.match(res[2]?.reason ?? '', /tests passed; first failure: (runtime error|time limit|killed|memory limit)/);
    assert.match(res[3]?.reason ?? '', /no code block/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the composite over HTTP equals the trainer's in-process composite on the same samples", async () => {
  const specs: RewardSpec[] = [
    { name: 'accuracy', weight: 1 },
    { name: 'format', weight: 0.5, style: 'r1-zero' },
    { name: 'tag-count', weight: 0.25 },
    { name: 'language', weight: 0.2, target: 'en' },
    { name: 'overlong', weight: 0.3, cacheTokens: 16 },
    { name: 'repetition', weight: 0.2, ngram: 3, maxPenalty: -1 },
  ];
  const maxNewTokens = 64;
  const countdown = getTask('countdown', { difficulty: 'easy' });
  const arithmetic = getTask('arithmetic', { difficulty: 'easy' });
  const [cd] = await countdown.items({ split: 'train', n: 1, seed: 3 });
  const [ar] = await arithmetic.items({ split: 'train', n: 1, seed: 4 });
  assert.ok(cd !== undefined && ar !== undefined);
  const math = benchmarkTask('math500');
  const code = createCodeTask();
  const wire = [
    { prompt: ZERO_PROMPT, completion: right('42'), gold: '42', completionTokens: 20 },
    { prompt: ZERO_PROMPT, completion: right('41') + ' the the the the the the the the', gold: '42', completionTokens: 57 },
    { prompt: ZERO_PROMPT, completion: '<think> 我们 compute 六 times 七 </think> <answer> 42 </answer>', gold: '42', completionTokens: 70 },
    { prompt: R1_CHAT_PROMPT, completion: 'six sevens </think> $\\boxed{42}$', gold: '42' },
    { prompt: 'p', completion: ADD_OK, tests: ADD_TESTS, completionTokens: 30 },
    { prompt: 'p', completion: right(String(cd.meta?.['solution'] ?? '1+1')), task: 'countdown', gold: cd.gold, meta: cd.meta },
    { prompt: 'p', completion: right(ar.gold), task: 'arithmetic', gold: ar.gold },
    { prompt: 'p', completion: right('42') },
  ];
  const inProcess: RewardSample[] = [
    { prompt: ZERO_PROMPT, completion: wire[0]!.completion, item: { id: 'a', question: 'q', gold: '42' }, task: math, completionTokens: 20 },
    { prompt: ZERO_PROMPT, completion: wire[1]!.completion, item: { id: 'b', question: 'q', gold: '42' }, task: math, completionTokens: 57 },
    { prompt: ZERO_PROMPT, completion: wire[2]!.completion, item: { id: 'c', question: 'q', gold: '42' }, task: math, completionTokens: 70 },
    { prompt: R1_CHAT_PROMPT, completion: wire[3]!.completion, item: { id: 'd', question: 'q', gold: '42' }, task: math },
    { prompt: 'p', completion: ADD_OK, item: { id: 'e', question: 'p', gold: '', meta: { tests: ADD_TESTS, io: 'stdio' } }, task: code, completionTokens: 30 },
    { prompt: 'p', completion: wire[5]!.completion, item: cd, task: countdown },
    { prompt: 'p', completion: wire[6]!.completion, item: ar, task: arithmetic },
    { prompt: 'p', completion: right('42') },
  ];
  try {
    const local = await scoreRewards(buildReward(specs, maxNewTokens), inProcess);
    const r = await post(`${A.url}/v1/rewards`, { samples: wire, rewards: specs });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const res = r.json.results as RewardResult[];
    assert.deepEqual(res.map((x) => x.total), local.totals);
    for (const [name, col] of Object.entries(local.components)) assert.deepEqual(res.map((x) => x.components[name]), col, name);
    assert.ok(local.components['overlong']?.some((x) => x !== null && x < 0), 'the samples exercise the overlong penalty');
    assert.ok(local.components['accuracy']?.some((x) => x === 0), 'and a wrong answer');
    // Without a list in the request, the service's own list (from its config) is the composite.
    const own = await post(`${A.url}/v1/rewards`, { samples: wire });
    const ownSpecs = serviceConfigSchema.parse({ rewards: A.server.scorer.config.rewards }).rewards;
    const local2 = await scoreRewards(buildReward(ownSpecs, maxNewTokens), inProcess);
    assert.deepEqual((own.json.results as RewardResult[]).map((x) => x.total), local2.totals);
  } finally {
    await math.close();
  }
});

test('/health counts the reward requests answered, not the ones refused', async () => {
  const served = async (): Promise<number> => ((await (await fetch(`${A.url}/health`)).json()) as { served: number }).served;
  const before = await served();
  assert.equal((await post(`${A.url}/v1/rewards`, { samples: [{ prompt: ZERO_PROMPT, completion: right('42'), gold: '42' }] })).status, 200);
  assert.equal((await post(`${A.url}/get_reward`, { query: [ZERO_PROMPT + right('42')], prompts: [ZERO_PROMPT], labels: ['42'] })).status, 200);
  assert.equal((await post(`${A.url}/v1/rewards`, { samples: [] })).status, 400);
  assert.equal(await served(), before + 2);
});

test('OpenRLHF: a null or empty label is refused by index, an object label describes its sample', async () => {
  const query = [ZERO_PROMPT + right('42'), ZERO_PROMPT + right('41')];
  for (const bad of [null, '']) {
    const r = await post(`${A.url}/get_reward`, pythonJson({ query, prompts: [ZERO_PROMPT, ZERO_PROMPT], labels: ['42', bad] }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_label');
    assert.match(r.json.error.message, /labels\[1\] is (null|empty).*--label_key/);
  }
  const ok = await post(`${A.url}/get_reward`, pythonJson({ query, prompts: [ZERO_PROMPT, ZERO_PROMPT], labels: [{ gold: '42' }, { gold: 42, task: 'math' }] }));
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.scores, [1, 0]);
  const list = await post(`${A.url}/get_reward`, pythonJson({ query, prompts: [ZERO_PROMPT, ZERO_PROMPT], labels: ['42', ['41', '42']] }));
  assert.equal(list.status, 400);
  assert.match(list.json.error.message, /labels\[1\] is a list/);
});

test('the body limit is a setting, and /health tells clients the most a request may carry', async () => {
  const small = await startServer({ workers: 1, maxQueue: 8, bodyLimitMb: 0.01 });
  try {
    const health = (await (await fetch(`${small.url}/health`)).json()) as { maxSamplesPerRequest: number; bodyLimit: number };
    assert.equal(health.maxSamplesPerRequest, 8);
    assert.equal(health.bodyLimit, Math.floor(0.01 * 1024 * 1024));
    const sample = { prompt: ZERO_PROMPT, completion: right('42'), gold: '42' };
    assert.equal((await post(`${small.url}/v1/rewards`, { samples: [sample] })).status, 200);
    const big = await post(`${small.url}/v1/rewards`, { samples: [{ ...sample, completion: 'x'.repeat(20_000) }] });
    assert.equal(big.status, 413);
    assert.equal((await post(`${small.url}/v1/rewards`, { samples: Array.from({ length: 9 }, () => sample) })).status, 400, 'more samples than the queue holds');
  } finally {
    await small.server.close();
  }
});
