// src/serve/hostile.test.ts — malformed and hostile requests over real loopback HTTP: bad JSON, wrong types, huge
// bodies, unknown fields, slowloris connections and floods of aborted streams. Every one is answered with a JSON 4xx
// (or a clean 200 where the request is valid) or its connection is closed; no 5xx, no crash, no leaked batch slot, and
// the heap does not grow. Issue 14 asks for 10,000 requests; this test sends R1_HOSTILE_COUNT (default 1,000, to keep
// the suite quick on a small shared machine). The full run: R1_HOSTILE_COUNT=10000 node --test dist/src/serve/hostile.test.js

import test from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildServer, MODEL_ALIAS } from './app.js';
import { LocalEngine } from './engine.js';
import { demoParts, DEMO_MODEL_ID } from './models.js';
import { Rng } from '../util/rng.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const COUNT = Number(process.env.R1_HOSTILE_COUNT ?? 1000);

test(`${COUNT} hostile requests: JSON 4xx or a clean close, no crash, no leaked slot, flat memory`, async (t) => {
  const engine = new LocalEngine({ ...demoParts(0), name: DEMO_MODEL_ID, slots: 8, maxQueue: 32, context: 128 });
  const app = buildServer(engine, { bodyLimit: 16 * 1024, requestTimeoutMs: 1000 });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = new URL(base);
  const rng = new Rng(2026);
  const valid = { model: MODEL_ALIAS, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 };
  const junkValues: unknown[] = [null, true, 0, -1, 1e308, 'x', '', [], {}, [1, 'a'], { a: { b: [] } }, 'ä'.repeat(50)];
  const junk = (): unknown => junkValues[rng.int(0, junkValues.length - 1)];
  const fields = ['model', 'messages', 'stream', 'max_tokens', 'temperature', 'top_p', 'stop', 'seed', 'n', 'stream_options', 'logprobs'];
  const counts: Record<string, number> = {};
  const statuses: Record<number, number> = {};

  /** One request of a random hostile kind; resolves with its status (0 = connection closed by either side). */
  const one = async (): Promise<void> => {
    const kind = ['bad-json', 'wrong-type', 'huge', 'unknown-fields', 'bad-message', 'aborted-stream'][rng.int(0, 5)]!;
    counts[kind] = (counts[kind] ?? 0) + 1;
    let body: string;
    if (kind === 'bad-json') {
      const s = JSON.stringify(valid);
      body = s.slice(0, rng.int(0, s.length - 1)) + String.fromCharCode(rng.int(0, 127));
    } else if (kind === 'wrong-type') body = JSON.stringify({ ...valid, [fields[rng.int(0, fields.length - 1)]!]: junk() });
    else if (kind === 'huge') body = JSON.stringify({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(20_000 + rng.int(0, 50_000)) }] });
    else if (kind === 'unknown-fields') body = JSON.stringify({ ...valid, [`x_${rng.int(0, 1e6)}`]: junk(), __proto__: junk(), constructor: junk() });
    else if (kind === 'bad-message') body = JSON.stringify({ ...valid, messages: [{ role: junk(), content: junk(), reasoning_content: junk() }] });
    else body = JSON.stringify({ ...valid, max_tokens: 60, stream: true });
    const ctl = new AbortController();
    try {
      const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: ctl.signal });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (kind === 'aborted-stream' && res.status === 200) {
        const reader = res.body!.getReader();
        await reader.read(); // the first chunk, then hang up
        ctl.abort();
        return;
      }
      const text = await res.text();
      assert.ok(res.status < 500, `${kind}: ${res.status} ${text}`);
      if (res.status >= 400) {
        const err = (JSON.parse(text) as { error: { message: string; type: string; code: string } }).error;
        assert.equal(typeof err.message, 'string', `${kind}: ${text}`);
        assert.equal(typeof err.code, 'string');
      }
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      // A connection the server closed (e.g. mid-upload of a body over the limit) is a clean refusal.
      statuses[0] = (statuses[0] ?? 0) + 1;
    }
  };

  /** Slowloris: a connection that sends part of its headers and then nothing; the server must close it. */
  const slowloris = (): Promise<boolean> =>
    new Promise((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n'));
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 10_000);
      s.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      s.on('error', () => {});
      s.resume(); // read the server's 408 and its close
    });

  const heapBefore = (gc(), process.memoryUsage().heapUsed);
  try {
    const lorises = Array.from({ length: 20 }, slowloris);
    const WAVE = 50;
    for (let i = 0; i < COUNT; i += WAVE) await Promise.all(Array.from({ length: Math.min(WAVE, COUNT - i) }, one));
    assert.deepEqual(await Promise.all(lorises), Array(20).fill(true), 'every slowloris connection was closed by the server');
    // No leaked slot: the engine drains to idle.
    for (let i = 0; i < 500 && engine.load().active + engine.load().waiting > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([engine.load().active, engine.load().waiting], [0, 0]);
    // Still serving.
    const ok = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
    assert.equal(ok.status, 200);
    await ok.text();
    const heapAfter = (gc(), process.memoryUsage().heapUsed);
    t.diagnostic(`kinds ${JSON.stringify(counts)}; statuses ${JSON.stringify(statuses)}; heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ${(heapAfter / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(heapAfter - heapBefore < 32 * 2 ** 20, `heap grew by ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB`);
    assert.equal(statuses[500] ?? 0, 0);
  } finally {
    await app.close();
    await engine.close();
  }
});
