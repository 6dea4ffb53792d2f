// src/eval/endpoint.test.ts — the endpoint client against a real local HTTP server (127.0.0.1, port 0): a
// well-behaved fake deepseek-reasoner, and one that misbehaves on purpose (429 + Retry-After, 503, hangs, bad JSON).

import test from 'node:test';
import assert from 'node:assert/strict';
import { EndpointError, EndpointSource, ENDPOINT_DEFAULTS, chatCompletionsUrl, type EndpointEvent, type EndpointOptions } from './endpoint.js';
import { startFakeEndpoint, type Behaviour, type FakeEndpointOptions } from './fake-endpoint.js';
import type { SampleOptions } from './types.js';

const SECRET = 'sk-test-SECRET-abc123';
const SAMPLING: SampleOptions = { n: 1, temperature: 0.6, topP: 0.95, maxTokens: 256, seed: 100 };

async function withServer(
  fake: Partial<FakeEndpointOptions>,
  client: Partial<EndpointOptions>,
  body: (ctx: { source: EndpointSource; delays: number[]; events: EndpointEvent[]; server: Awaited<ReturnType<typeof startFakeEndpoint>> }) => Promise<void>,
): Promise<void> {
  const server = await startFakeEndpoint({ answer: (p, seed, c) => `The answer is \\boxed{${seed ?? 0}-${c}}`, ...fake });
  const delays: number[] = [];
  const events: EndpointEvent[] = [];
  const source = new EndpointSource({
    ...ENDPOINT_DEFAULTS,
    baseUrl: server.url,
    model: 'deepseek-reasoner',
    apiKey: SECRET,
    backoff: { baseMs: 100, maxMs: 1000 },
    // Record the waits instead of sleeping them: the test checks the schedule, not the clock.
    sleep: async (ms) => {
      delays.push(ms);
    },
    onEvent: (e) => events.push(e),
    ...client,
  });
  try {
    await body({ source, delays, events, server });
  } finally {
    await server.close();
  }
}

test('chatCompletionsUrl appends the path once and rejects non-http URLs', () => {
  assert.equal(chatCompletionsUrl('http://127.0.0.1:8000/v1'), 'http://127.0.0.1:8000/v1/chat/completions');
  assert.equal(chatCompletionsUrl('http://127.0.0.1:8000/v1/'), 'http://127.0.0.1:8000/v1/chat/completions');
  assert.equal(chatCompletionsUrl('http://h/v1/chat/completions'), 'http://h/v1/chat/completions');
  assert.throws(() => chatCompletionsUrl('ftp://h/v1'), /must use http or https/);
  assert.throws(() => chatCompletionsUrl('not a url'), /not a valid URL/);
});

test('reads reasoning_content, usage with cache hit/miss and reasoning tokens from a fake deepseek-reasoner', async () => {
  await withServer({}, { nMode: 'repeat' }, async ({ source, server }) => {
    const seen: string[] = [];
    const out = await source.complete(['What is one plus one'], { ...SAMPLING, n: 2, onCompletion: (p, s, c) => seen.push(`${p}/${s}/${c.content}`) });
    assert.equal(out.length, 1);
    assert.equal(out[0]!.length, 2);
    // Repeat mode: two requests with n omitted and seeds 100, 101.
    assert.deepEqual(server.requests.map((r) => [r.body.n, r.body.seed]), [[undefined, 100], [undefined, 101]]);
    assert.equal(out[0]![0]!.content, 'The answer is \\boxed{100-0}');
    assert.equal(out[0]![1]!.content, 'The answer is \\boxed{101-0}');
    assert.equal(out[0]![0]!.reasoning, 'Let me think about: What is one plus one');
    assert.equal(out[0]![0]!.finishReason, 'stop');
    // prompt "What is one plus one" = 5 words, 2 cache hits; reasoning 9 words + answer 4 words.
    assert.deepEqual(out[0]![0]!.usage, { promptTokens: 5, completionTokens: 13, reasoningTokens: 9, cacheHitTokens: 2, cacheMissTokens: 3 });
    assert.deepEqual([...seen].sort(), ['0/0/The answer is \\boxed{100-0}', '0/1/The answer is \\boxed{101-0}']);
    const r = server.requests[0]!;
    assert.equal(r.authorization, `Bearer ${SECRET}`);
    assert.equal(r.body.model, 'deepseek-reasoner');
    assert.equal(r.body.temperature, 0.6);
    assert.equal(r.body.top_p, 0.95);
    assert.equal(r.body.max_tokens, 256);
  });
});

test('native n sends one request and shares its usage among the choices', async () => {
  await withServer({}, { nMode: 'native' }, async ({ source, server }) => {
    const out = await source.complete(['a b c d', 'e f'], { ...SAMPLING, n: 2 });
    assert.equal(server.requests.length, 2);
    assert.deepEqual(server.requests.map((r) => r.body.n).sort(), [2, 2]);
    assert.equal(out[1]![1]!.content, 'The answer is \\boxed{100-1}');
    // "a b c d": 4 prompt tokens for the request, split over 2 choices.
    assert.equal(out[0]![0]!.usage!.promptTokens, 2);
    assert.equal(out[0]![0]!.usage!.cacheHitTokens, 1);
  });
});

test('native n against a server that ignores n fails with advice', async () => {
  await withServer({ honorN: false }, { nMode: 'native' }, async ({ source }) => {
    await assert.rejects(source.complete(['q'], { ...SAMPLING, n: 3 }), /returned 1 choices for n=3.*--n-mode repeat/);
  });
});

test('reads `reasoning` and <think> tags when reasoning_content is absent', async () => {
  for (const style of ['reasoning', 'think-tags'] as const) {
    await withServer({ reasoningStyle: style }, {}, async ({ source }) => {
      const c = (await source.complete(['x y'], SAMPLING))[0]![0]!;
      assert.equal(c.reasoning, 'Let me think about: x y', style);
      assert.equal(c.content, 'The answer is \\boxed{100-0}', style);
    });
  }
});

test('retries 429 honoring Retry-After, then 503 with backoff, then succeeds', async () => {
  const plan: Behaviour[] = [{ kind: 'status', status: 429, retryAfter: '2' }, { kind: 'status', status: 503 }];
  await withServer({ plan: (i) => plan[i] ?? { kind: 'ok' } }, {}, async ({ source, server, delays, events }) => {
    const out = await source.complete(['q'], SAMPLING);
    assert.equal(out[0]![0]!.content, 'The answer is \\boxed{100-0}');
    assert.deepEqual(server.requests.map((r) => r.outcome), [429, 503, 200]);
    assert.equal(delays.length, 2);
    assert.equal(delays[0], 2000); // Retry-After: 2 seconds
    // Second retry (attempt index 1): equal jitter in [cap/2, cap) with cap = 100 * 2^1.
    assert.ok(delays[1]! >= 100 && delays[1]! < 200, `backoff ${delays[1]}`);
    assert.deepEqual(events.map((e) => e.kind), ['retry', 'retry']);
    assert.equal(source.requestCount, 3);
  });
});

test('Retry-After longer than the cap is capped; jitter is reproducible from the seed', async () => {
  const plan = (i: number): Behaviour => (i < 1 ? { kind: 'status', status: 429, retryAfter: '3600' } : i < 3 ? { kind: 'status', status: 500 } : { kind: 'ok' });
  const runOnce = async (): Promise<number[]> => {
    let got: number[] = [];
    await withServer({ plan }, { maxRetryAfterMs: 5000 }, async ({ source, delays }) => {
      await source.complete(['q'], SAMPLING);
      got = delays;
    });
    return got;
  };
  const a = await runOnce();
  const b = await runOnce();
  assert.equal(a[0], 5000);
  assert.equal(a.length, 3);
  assert.deepEqual(a, b);
});

test('a hung response times out and is retried', async () => {
  await withServer({ plan: (i) => (i === 0 ? { kind: 'hang' } : { kind: 'ok' }) }, { timeoutMs: 400 }, async ({ source, server, events }) => {
    const out = await source.complete(['q'], SAMPLING);
    assert.equal(out[0]![0]!.content, 'The answer is \\boxed{100-0}');
    // The hung request, then success (on a heavily loaded machine a slow answer may itself time out once more).
    assert.equal(server.requests[0]!.outcome, 'hang');
    assert.equal(server.requests.at(-1)!.outcome, 200);
    assert.match((events[0] as { reason: string }).reason, /timed out after 400 ms/);
  });
});

test('malformed JSON is a clear error and is not retried', async () => {
  await withServer({ plan: () => ({ kind: 'malformed' }) }, {}, async ({ source, server }) => {
    await assert.rejects(source.complete(['q'], SAMPLING), (err: unknown) => {
      assert.ok(err instanceof EndpointError);
      assert.match(err.message, /malformed JSON \(HTTP 200\)/);
      return true;
    });
    assert.equal(server.requests.length, 1);
  });
});

test('a JSON body that is not a chat completion names the problem', async () => {
  await withServer({ plan: () => ({ kind: 'status', status: 200, body: '{"choices": []}' }) }, {}, async ({ source }) => {
    await assert.rejects(source.complete(['q'], SAMPLING), /not a chat completion[\s\S]*choices/);
  });
});

test('non-retryable errors surface the server message; persistent 503 gives up after maxRetries', async () => {
  await withServer(
    { plan: () => ({ kind: 'status', status: 401, body: JSON.stringify({ error: { message: 'Authentication Fails' } }) }) },
    {},
    async ({ source, server }) => {
      await assert.rejects(source.complete(['q'], SAMPLING), /HTTP 401: Authentication Fails \(check the API key variable named by --api-key-env\)/);
      assert.equal(server.requests.length, 1);
    },
  );
  await withServer({ plan: () => ({ kind: 'status', status: 503 }) }, { maxRetries: 2 }, async ({ source, server }) => {
    await assert.rejects(source.complete(['q'], SAMPLING), /HTTP 503: fake error 503 \(gave up after 3 attempts\)/);
    assert.equal(server.requests.length, 3);
  });
});

test('after a permanent failure no new request starts; in-flight ones still report', async () => {
  // Concurrency 1 and 4 samples: request 0 succeeds, request 1 fails with 400, requests 2 and 3 never go out.
  await withServer({ plan: (i) => (i === 1 ? { kind: 'status', status: 400 } : { kind: 'ok' }) }, { concurrency: 1 }, async ({ source, server }) => {
    const done: number[] = [];
    await assert.rejects(source.complete(['q'], { ...SAMPLING, n: 4, onCompletion: (_p, s) => done.push(s) }), /HTTP 400/);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(done, [0]);
  });
});

test('the API key never appears in errors, events or serialized sources', async () => {
  const plan: Behaviour[] = [{ kind: 'status', status: 503 }, { kind: 'status', status: 401 }];
  await withServer({ plan: (i) => plan[i] ?? { kind: 'ok' } }, {}, async ({ source, events }) => {
    let message = '';
    await source.complete(['q'], SAMPLING).catch((e: Error) => {
      message = `${e.message}\n${e.stack ?? ''}`;
    });
    assert.match(message, /HTTP 401/);
    const everything = [message, JSON.stringify(events), JSON.stringify(source), source.label, String(source)].join('\n');
    assert.ok(!everything.includes(SECRET), 'secret leaked');
    assert.ok(!everything.includes('SECRET'), 'secret leaked');
  });
});

test('an abort signal stops waiting requests and rejects with its reason', async () => {
  await withServer({ plan: () => ({ kind: 'hang' }) }, { concurrency: 1, timeoutMs: 60_000 }, async ({ source, server }) => {
    const ctl = new AbortController();
    const pending = source.complete(['q'], { ...SAMPLING, n: 3, signal: ctl.signal });
    // Abort once the first request has reached the server (bounded poll: at most 20 s).
    for (let i = 0; i < 2000 && server.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    ctl.abort(new Error('stopped by test'));
    await assert.rejects(pending, /stopped by test/);
    assert.equal(server.requests.length, 1);
  });
});

test('non-retryable failures are not retried: fetch refusing the port, 4xx other than 408/429', async () => {
  const delays: number[] = [];
  // Port 1 is on fetch's list of blocked ports: the request never leaves, and never would.
  const refused = new EndpointSource({ ...ENDPOINT_DEFAULTS, baseUrl: 'http://127.0.0.1:1/v1', model: 'm', sleep: async (ms) => void delays.push(ms) });
  await assert.rejects(refused.complete(['q'], SAMPLING), /network error: fetch failed \(bad port\) \(not retried\)/);
  assert.equal(refused.requestCount, 1);
  assert.deepEqual(delays, []);
  for (const status of [400, 404, 413, 422]) {
    await withServer({ plan: () => ({ kind: 'status', status }) }, {}, async ({ source, server }) => {
      await assert.rejects(source.complete(['q'], SAMPLING), new RegExp(`HTTP ${status}`));
      assert.equal(server.requests.length, 1, `HTTP ${status}`);
    });
  }
  await withServer({ plan: (i) => (i === 0 ? { kind: 'status', status: 408 } : { kind: 'ok' }) }, {}, async ({ source, server }) => {
    await source.complete(['q'], SAMPLING);
    assert.deepEqual(server.requests.map((r) => r.outcome), [408, 200]);
  });
});

test('retry events say whether the wait is the server\'s Retry-After', async () => {
  const plan: Behaviour[] = [{ kind: 'status', status: 429, retryAfter: '300' }, { kind: 'status', status: 503 }];
  await withServer({ plan: (i) => plan[i] ?? { kind: 'ok' } }, {}, async ({ source, events }) => {
    await source.complete(['q'], SAMPLING);
    assert.deepEqual(events.map((e) => (e.kind === 'retry' ? [e.delayMs === 300_000, e.serverAsked] : e.kind)), [[true, true], [false, false]]);
  });
});

test('a malformed usage block warns and counts as missing instead of failing the sample', async () => {
  const body = (usage: unknown): string =>
    JSON.stringify({ choices: [{ index: 0, message: { content: '\\boxed{1}', reasoning_content: 'r' }, finish_reason: 'stop' }], usage });
  const plan: Behaviour[] = [
    { kind: 'status', status: 200, body: body({ prompt_tokens: '10', completion_tokens: 5 }) },
    { kind: 'status', status: 200, body: body({ prompt_tokens: 10, completion_tokens: 5, prompt_cache_hit_tokens: 'lots', completion_tokens_details: { reasoning_tokens: 2 } }) },
    { kind: 'status', status: 200, body: body('n/a') },
  ];
  await withServer({ plan: (i) => plan[i]! }, { concurrency: 1 }, async ({ source, events }) => {
    const out = await source.complete(['q'], { ...SAMPLING, n: 3 });
    const [a, b, c] = out[0]!;
    assert.equal(a!.content, '\\boxed{1}');
    assert.equal(a!.usage, null);
    // Only the bad optional field is dropped.
    assert.deepEqual(b!.usage, { promptTokens: 10, completionTokens: 5, reasoningTokens: 2, cacheHitTokens: null, cacheMissTokens: null });
    assert.equal(c!.usage, null);
    const warnings = events.filter((e) => e.kind === 'warning').map((e) => (e as { message: string }).message);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /usage is malformed \(prompt_tokens\)/);
    assert.match(warnings[1]!, /ignored malformed usage field\(s\) prompt_cache_hit_tokens/);
  });
});

test('credentials a server echoes back in an error are redacted', async () => {
  const echo = JSON.stringify({
    error: { message: `invalid request; headers were {"authorization": "Bearer ${SECRET}", "x-api-key": "${SECRET}"}; also saw sk-proj-abcdef123456 and token=${SECRET}` },
  });
  await withServer({ plan: () => ({ kind: 'status', status: 400, body: echo }) }, {}, async ({ source }) => {
    await assert.rejects(source.complete(['q'], SAMPLING), (e: Error) => {
      assert.match(e.message, /HTTP 400: invalid request; headers were/);
      assert.ok(!e.message.includes('SECRET'), e.message);
      assert.ok(!e.message.includes('abcdef123456'), e.message);
      assert.match(e.message, /\[redacted\]/);
      return true;
    });
  });
  // Plain text bodies too (a proxy's HTML error page echoing the request).
  await withServer({ plan: () => ({ kind: 'status', status: 502, body: `<pre>Authorization: Bearer ${SECRET}</pre>` }) }, { maxRetries: 0 }, async ({ source }) => {
    await assert.rejects(source.complete(['q'], SAMPLING), (e: Error) => !e.message.includes('SECRET') && /Bearer \[redacted\]/.test(e.message));
  });
});

test('an endpoint URL with user:password@ is refused before any request, without repeating the password', () => {
  for (const url of ['http://user:hunter2pass@127.0.0.1:8000/v1', 'https://hunter2pass@api.example.com/v1']) {
    for (const make of [() => chatCompletionsUrl(url), () => new EndpointSource({ ...ENDPOINT_DEFAULTS, baseUrl: url, model: 'm' })]) {
      assert.throws(make, (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /carries credentials \(user:password@\).*--api-key-env/);
        assert.ok(!err.message.includes('hunter2pass'), err.message);
        return true;
      });
    }
  }
});

test('an error in a 200 body shows the server message and is retried like a 5xx', async () => {
  const error = JSON.stringify({ error: { message: 'upstream overloaded', code: 502 } });
  await withServer({ plan: (i) => (i === 0 ? { kind: 'status', status: 200, body: error } : { kind: 'ok' }) }, {}, async ({ source, server, events }) => {
    const out = await source.complete(['q'], SAMPLING);
    assert.match(out[0]?.[0]?.content ?? '', /boxed/);
    assert.equal(server.requests.length, 2);
    assert.match((events[0] as { reason: string }).reason, /HTTP 200 with an error: upstream overloaded/);
  });
  await withServer({ plan: () => ({ kind: 'status', status: 200, body: error }) }, { maxRetries: 1 }, async ({ source }) => {
    await assert.rejects(source.complete(['q'], SAMPLING), /HTTP 200 with an error: upstream overloaded \(gave up after 2 attempts\)/);
  });
});
