// src/eval/http-agent.test.ts — a reply whose headers come later than fetch's own header timeout still arrives:
// the endpoint client's deadline is its per-attempt timeout alone. Node's fetch waits 300 s for headers; here the
// process's global pool is swapped for one that waits 200 ms, and a real loopback server answers after 1.5 s.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EndpointSource, ENDPOINT_DEFAULTS } from './endpoint.js';
import { patientDispatcher, type Dispatcher } from './http-agent.js';

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

test("a reply slower than fetch's header timeout arrives within the request's own timeout, with no retry", async () => {
  const g = globalThis as unknown as Record<symbol, Dispatcher | undefined>;
  await fetch('data:,'); // fetch's global pool exists from its first call
  const original = g[GLOBAL_DISPATCHER];
  assert.ok(original !== undefined && patientDispatcher() !== null);
  const Pool = original.constructor as new (o: { headersTimeout: number }) => Dispatcher;
  const impatient = new Pool({ headersTimeout: 200 });
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { content: '\\boxed{4}', reasoning_content: 'slow' }, finish_reason: 'stop' }] }));
      }, 1500);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  g[GLOBAL_DISPATCHER] = impatient;
  try {
    const source = new EndpointSource({
      ...ENDPOINT_DEFAULTS,
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      model: 'm',
      maxRetries: 0,
      timeoutMs: 120_000,
    });
    const out = await source.complete(['q'], { n: 1, temperature: 0.6, topP: 0.95, maxTokens: 16, seed: 1 });
    assert.deepEqual(out.map((cs) => cs.map((c) => [c.reasoning, c.content])), [[['slow', '\\boxed{4}']]]);
    assert.equal(requests, 1);
  } finally {
    g[GLOBAL_DISPATCHER] = original;
    await impatient.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
