// src/serve/rewards/server-load.test.ts — the reward service's errors (JSON bodies with status codes: 400, 401,
// 404, 413, 415, 503, 504) and hostile samples under load over real HTTP.
//
// The target is 10,000 requests mixing hostile samples; this suite sends HOSTILE_REQUESTS of them (a
// bounded count that keeps the suite's runtime reasonable on 2 shared cores). `npm run bench:rewards -- --hostile
// 10000` runs the full count and reports memory.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { RewardServer } from './server.js';
import type { RewardResult } from './wire.js';
import { post, startServer } from './http.case.test.js';
import { Rng } from '../../util/rng.js';

const HOSTILE_REQUESTS = 120;
const CLIENTS = 16;
const KEY = 'test-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

/** Pathological LaTeX: against a symbolic gold, a power tower takes the computer-algebra library most of a minute. */
const TOWER = '<think> tower </think> <answer> $9^{9^{9^{9}}}$ </answer>';
const FORK_BOMB = '<think> grow </think> <answer>\n```python\nimport os\nwhile True:\n    os.fork()\n```\n</answer>';
const SPIN = '<think> spin </think> <answer>\n```python\nwhile True:\n    pass\n```\n</answer>';
const right = (x: string): string => `<think> so it is ${x} </think> <answer> ${x} </answer>`;

let B: { server: RewardServer; url: string };
before(async () => {
  B = await startServer(
    { rewards: [{ name: 'accuracy', weight: 1 }, { name: 'format', weight: 1 }], workers: 2, mathTimeoutMs: 400, maxQueue: 48, deadlineMs: 60_000, code: { limits: { wallMs: 1000, cpuSeconds: 1 } } },
    { apiKey: KEY, bodyLimit: 256 * 1024 },
  );
});
after(async () => {
  await B.server.close();
});

async function waitQueued(server: RewardServer, n: number): Promise<void> {
  while (server.scorer.queued !== n) await new Promise((r) => setTimeout(r, 10));
}

test('errors are JSON {error: {message, type, code}} with their status codes', async () => {
  const shape = (j: any, status: number, code: string, got: number): void => {
    assert.equal(got, status, JSON.stringify(j));
    assert.equal(j.error.code, code);
    assert.equal(typeof j.error.message, 'string');
    assert.equal(typeof j.error.type, 'string');
  };
  const ok = { samples: [{ prompt: 'p', completion: right('2'), gold: '2' }] };
  let r = await post(`${B.url}/v1/rewards`, ok);
  shape(r.json, 401, 'invalid_api_key', r.status);
  r = await post(`${B.url}/v1/rewards`, ok, { authorization: 'Bearer wrong-key-0123456789' });
  shape(r.json, 401, 'invalid_api_key', r.status);
  const health = await fetch(`${B.url}/health`);
  assert.equal(health.status, 200, 'health needs no key');
  r = await post(`${B.url}/v1/rewards`, ok, auth);
  assert.equal(r.status, 200);
  r = await post(`${B.url}/v1/rewards`, '{"samples": [', auth);
  shape(r.json, 400, 'invalid_json', r.status);
  r = await post(`${B.url}/v1/rewards`, { samples: [{ prompt: 'p', completion: 3 }], extra: 1 }, auth);
  shape(r.json, 400, 'invalid_request', r.status);
  assert.match(r.json.error.message, /samples\.0\.completion/);
  assert.match(r.json.error.message, /unknown field extra/);
  r = await post(`${B.url}/v1/rewards`, { samples: [{ prompt: 'p', completion: 'c', gold: '1', task: 'chess' }] }, auth);
  shape(r.json, 400, 'invalid_sample', r.status);
  assert.match(r.json.error.message, /sample 0: unknown task "chess"/);
  r = await post(`${B.url}/v1/rewards`, { samples: ok.samples, rewards: [{ name: 'accuracy' }, { name: 'accuracy' }] }, auth);
  shape(r.json, 400, 'invalid_request', r.status);
  r = await post(`${B.url}/get_reward`, { query: ['a', 'b'], prompts: ['a'] }, auth);
  shape(r.json, 400, 'invalid_request', r.status);
  assert.match(r.json.error.message, /1 prompts for 2 queries/);
  r = await post(`${B.url}/get_reward`, { query: ['pq'], prompts: ['p'], labels: ['{"tests": "none"}'] }, auth);
  shape(r.json, 400, 'invalid_label', r.status);
  r = await post(`${B.url}/v1/rewards`, { samples: [{ prompt: 'p', completion: 'x'.repeat(300 * 1024) }] }, auth);
  shape(r.json, 413, 'body_too_large', r.status);
  const text = await fetch(`${B.url}/v1/rewards`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: 'hi' });
  shape(await text.json(), 415, 'unsupported_media_type', text.status);
  const missing = await fetch(`${B.url}/v2/nothing`, { headers: auth });
  shape(await missing.json(), 404, 'not_found', missing.status);
  r = await post(`${B.url}/v1/rewards`, { samples: Array.from({ length: 49 }, () => ok.samples[0]) }, auth);
  shape(r.json, 400, 'too_many_samples', r.status);
});

test('a full queue answers 503 with Retry-After; a missed deadline answers 504 and the slots come back', async () => {
  const { server, url } = await startServer({ workers: 1, maxQueue: 2, deadlineMs: 300, code: { limits: { wallMs: 1000, cpuSeconds: 1 } } });
  try {
    await waitQueued(server, 0);
    // Two programs that spin until the sandbox's 1 s wall limit fill the queue; the request gives up at its deadline but the work keeps its slots.
    const spin = { prompt: 'p', completion: SPIN, tests: [{ kind: 'stdio', input: '', output: 'x' }] };
    const slow = post(`${url}/v1/rewards`, { samples: [spin, spin] });
    await waitQueued(server, 2);
    const full = await post(`${url}/v1/rewards`, { samples: [{ prompt: 'p', completion: right('1'), gold: '1' }] });
    assert.equal(full.status, 503);
    assert.equal(full.json.error.code, 'queue_full');
    assert.equal(full.headers.get('retry-after'), '1');
    const late = await slow;
    assert.equal(late.status, 504);
    assert.equal(late.json.error.code, 'deadline_exceeded');
    await waitQueued(server, 0);
  } finally {
    await server.close();
  }
});

test(`hostile load: ${HOSTILE_REQUESTS} requests from ${CLIENTS} clients mixing pathological LaTeX, fork bombs and garbage`, async () => {
  const rng = new Rng(15);
  type Kind = 'right' | 'wrong' | 'tower' | 'bomb' | 'spin' | 'garbage' | 'malformed';
  const kinds: Kind[] = Array.from({ length: HOSTILE_REQUESTS }, (_, i) => {
    // Each timed-out math check costs its worker a restart (seconds on a loaded machine): a few towers suffice.
    if (i % 60 === 7) return 'bomb';
    if (i % 60 === 37) return 'spin';
    if (i % 40 === 11) return 'tower';
    return rng.pick<Kind>(['right', 'right', 'wrong', 'garbage', 'malformed']);
  });
  const counts = new Map<string, number>();
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < kinds.length) {
      const i = next++;
      const kind = kinds[i] as Kind;
      const n = rng.int(1, 200);
      const sample =
        kind === 'right' ? { prompt: 'p', completion: right(String(n)), gold: String(n) }
        : kind === 'wrong' ? { prompt: 'p', completion: right(String(n + 1)), gold: String(n) }
        : kind === 'tower' ? { prompt: 'p', completion: TOWER, gold: `x+${n}` }
        : kind === 'bomb' ? { prompt: 'p', completion: FORK_BOMB, tests: [{ kind: 'stdio', input: '', output: 'x' }] }
        : kind === 'spin' ? { prompt: 'p', completion: SPIN, tests: [{ kind: 'stdio', input: '', output: 'x' }] }
        : { prompt: 'p', completion: '\\frac{'.repeat(5000) + '$'.repeat(5000) + '<answer>'.repeat(2000), gold: String(n) };
      const body = kind === 'malformed' ? '{"samples": [{"prompt": 1}' : { samples: [sample, { prompt: 'p', completion: right('7'), gold: '7' }] };
      const r = await post(`${B.url}/v1/rewards`, body, auth);
      const key = `${kind} ${r.status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (kind === 'malformed') {
        assert.equal(r.status, 400);
        continue;
      }
      if (r.status === 503) continue; // the bounded queue at work; the client retries later
      assert.equal(r.status, 200, `${kind}: ${JSON.stringify(r.json)}`);
      const [own, control] = r.json.results as RewardResult[];
      assert.equal(control?.components['accuracy'], 1, `${kind}: the well-behaved neighbour keeps its reward`);
      assert.equal(own?.components['accuracy'], kind === 'right' ? 1 : 0, kind);
      if (kind === 'tower') assert.match(own?.reason ?? '', /timeout/);
      if (kind === 'bomb' || kind === 'spin') assert.match(own?.reason ?? '', /first failure: (runtime error|time limit|killed|memory limit)/);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  assert.ok((counts.get('right 200') ?? 0) > 0 && (counts.get('tower 200') ?? 0) > 0, JSON.stringify([...counts]));
  await waitQueued(B.server, 0);
  // The server still answers, with every worker healthy.
  const r = await post(`${B.url}/v1/rewards`, { samples: [{ prompt: 'p', completion: right('\\frac{1}{2}'), gold: '0.5' }] }, auth);
  assert.equal(r.status, 200);
  assert.equal((r.json.results as RewardResult[])[0]?.components['accuracy'], 1);
  // Every tower cost its worker: replaced (by the spare when it was up), the pool at full strength, a spare kept.
  const health = (await (await fetch(`${B.url}/health`)).json()) as { mathPool: { workers: number; replaced: number; spare: string } };
  assert.equal(health.mathPool.workers, 2);
  assert.ok(health.mathPool.replaced >= (counts.get('tower 200') ?? 0), JSON.stringify(health.mathPool));
  assert.notEqual(health.mathPool.spare, 'off');
});
