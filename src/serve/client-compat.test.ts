// src/serve/client-compat.test.ts — what OpenAI / DeepSeek clients and browsers rely on, over real HTTP on a loopback
// port: a generation cut by the time limit is a 200 with finish_reason "length" (SDKs retry 5xx), Retry-After on 429
// and 503, `: keep-alive` comments while a stream waits, CORS, refused tool_choice / response_format values, 415 for
// bodies that are not JSON, and OpenAI's context_length_exceeded.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { FastifyInstance } from 'fastify';
import { buildServer, MODEL_ALIAS, type ServeOptions } from './app.js';
import { LocalEngine, type ChatEngine, type EngineEvent, type EngineRequest } from './engine.js';
import { overloaded } from './errors.js';
import { demoParts, DEMO_MODEL_ID } from './models.js';
import { encodeChat } from '../tokenizer/index.js';

const parts = demoParts(0);
let engine: LocalEngine;
let app: FastifyInstance;
let base = '';

before(async () => {
  engine = new LocalEngine({ ...parts, name: DEMO_MODEL_ID, slots: 4, maxQueue: 16, context: 320 });
  app = buildServer(engine);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app.close();
  await engine.close();
});

/** Servers started by a test, closed at its end. */
async function serve(e: ChatEngine, o: ServeOptions, use: (url: string) => Promise<void>): Promise<void> {
  const s = buildServer(e, o);
  const url = await s.listen({ host: '127.0.0.1', port: 0 });
  try {
    await use(url);
  } finally {
    await s.close();
  }
}

const ZERO = { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0, reasoningTokens: 0 };

/**
 * An engine that plays a script: after `waitMs` (a queue wait) it sends `deltas`, then finishes with `stop` after
 * `finishMs`, or never (a generation longer than any time limit). Aborted, it finishes 'cancelled' with the usage
 * of what it sent (7 prompt tokens, one token a delta), as the real engines do.
 */
function scripted(s: { waitMs?: number; deltas?: EngineEvent[]; finishMs?: number }): ChatEngine & { starts: number } {
  const e = {
    modelId: 'scripted', description: 'scripted', context: 4096, starts: 0,
    load: () => ({ active: 0, waiting: 0, slots: 1, maxQueue: 0 }), close: async () => {},
    start(req: EngineRequest, sink: (ev: EngineEvent) => void): void {
      e.starts++;
      let sent = 0, done = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (ev: EngineEvent): void => {
        if (done) return;
        done = true;
        timers.forEach(clearTimeout);
        sink(ev);
      };
      const usage = (): typeof ZERO => (sent === 0 ? ZERO : { promptTokens: 7, completionTokens: sent, cachedPromptTokens: 0, reasoningTokens: 1 });
      req.signal.addEventListener('abort', () => finish({ type: 'finish', reason: 'cancelled', usage: usage() }), { once: true });
      timers.push(setTimeout(() => {
        for (const d of s.deltas ?? []) {
          sink(d);
          sent++;
        }
        if (s.finishMs !== undefined) timers.push(setTimeout(() => finish({ type: 'finish', reason: 'stop', usage: usage() }), s.finishMs));
      }, s.waitMs ?? 0));
    },
  };
  return e;
}

const PARTIAL: EngineEvent[] = [{ type: 'reasoning-delta', delta: 'Two plus three' }, { type: 'text-delta', delta: 'The answer' }];

const chatBody = (extra: Record<string, unknown> = {}, model = MODEL_ALIAS): string =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'What is 2 + 3?' }], max_tokens: 4, ...extra });

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

test('the time limit cuts a generation: 200 with what it produced and finish_reason "length", not a 5xx the SDK would retry', async () => {
  const e = scripted({ deltas: PARTIAL });
  await serve(e, { generationTimeoutMs: 150 }, async (url) => {
    // maxRetries 2: a 5xx would be retried (three generations); a cut reply is answered once.
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 2 });
    const r = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(e.starts, 1);
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.deepEqual(r.choices[0]!.message, { role: 'assistant', content: 'The answer', reasoning_content: 'Two plus three' });
    assert.deepEqual([r.usage!.prompt_tokens, r.usage!.completion_tokens, r.usage!.total_tokens], [7, 2, 9]);

    // Streaming: the stream ends normally, with the finish chunk, the usage chunk and [DONE].
    const res = await post(url, chatBody({ stream: true, stream_options: { include_usage: true } }, 'scripted'));
    assert.equal(res.status, 200);
    const data = res.text.split('\n\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { finish_reason: string | null }[]; usage?: { completion_tokens: number } | null; error?: unknown });
    assert.ok(chunks.every((c) => c.error === undefined), res.text);
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'length');
    assert.equal(chunks.at(-1)!.usage!.completion_tokens, 2);
  });
});

test('the time limit on the real engine: the cut reply keeps the usage of what was generated, prefix-cache hits included', async () => {
  // Each delta holds the event loop for 100 ms, so 200 tokens would take far longer than the 1 s limit.
  const held: ChatEngine = {
    modelId: engine.modelId, description: '', context: engine.context, load: () => engine.load(), close: async () => {},
    start: (req, sink) => engine.start(req, (ev) => {
      if (ev.type !== 'finish') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      sink(ev);
    }),
  };
  const system = 'You are a careful assistant. Think step by step about every question, check each step, and answer briefly at the end.';
  const messages = [{ role: 'system' as const, content: system }, { role: 'user' as const, content: 'Tell me a long story.' }];
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
  const whole = await client.chat.completions.create({ model: MODEL_ALIAS, messages, max_tokens: 2, seed: 1 }); // fills the prefix cache
  await serve(held, { generationTimeoutMs: 1000 }, async (url) => {
    const cutClient = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const r = await cutClient.chat.completions.create({ model: MODEL_ALIAS, messages, max_tokens: 200, seed: 1 });
    const u = r.usage as unknown as Record<string, number>;
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.ok(u.completion_tokens! > 0 && u.completion_tokens! < 200, `${u.completion_tokens} tokens`);
    assert.equal(u.prompt_tokens, encodeChat(parts.tokenizer, messages, { addGenerationPrompt: true, literalContent: true }).length);
    assert.equal(u.prompt_tokens, whole.usage!.prompt_tokens);
    assert.ok(u.prompt_cache_hit_tokens! >= 16, `hit ${u.prompt_cache_hit_tokens}`);
    assert.equal(u.prompt_cache_hit_tokens! + u.prompt_cache_miss_tokens!, u.prompt_tokens);
    const m = r.choices[0]!.message as unknown as { content: string; reasoning_content: string };
    assert.ok((m.content + m.reasoning_content).length > 0, 'what was generated is sent');
  });
});

test('a request the time limit catches still waiting for a slot is 503 overloaded with Retry-After, streaming or not', async () => {
  await serve(scripted({ waitMs: 60_000 }), { generationTimeoutMs: 100, keepAliveMs: 60_000 }, async (url) => {
    for (const stream of [false, true]) {
      const r = await post(url, chatBody({ stream }, 'scripted'));
      assert.equal(r.status, 503, r.text);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal((JSON.parse(r.text) as { error: { type: string } }).error.type, 'overloaded_error');
    }
  });
});

test('Retry-After (whole seconds) on 429 rate limited and on 503 queue full', async () => {
  await serve(engine, { rateLimitPerMinute: 1 }, async (url) => {
    assert.equal((await post(url, chatBody({ max_tokens: 1 }))).status, 200);
    const limited = await post(url, chatBody({ max_tokens: 1 }));
    assert.equal(limited.status, 429);
    const after = limited.headers.get('retry-after');
    assert.match(after ?? '', /^\d+$/);
    assert.ok(Number(after) >= 1 && Number(after) <= 60, `retry-after ${after}`);
  });
  const full: ChatEngine = {
    ...scripted({}),
    start: () => {
      throw overloaded('4 requests decode and 16 wait (4 slots, queue of 16)');
    },
  };
  await serve(full, {}, async (url) => {
    const r = await post(url, chatBody({}, 'scripted'));
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '1');
  });
});

test('a streaming request that waits gets `: keep-alive` SSE comments until its first token; clients ignore them', async () => {
  await serve(scripted({ waitMs: 400, deltas: PARTIAL, finishMs: 0 }), { keepAliveMs: 50 }, async (url) => {
    const r = await post(url, chatBody({ stream: true }, 'scripted'));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = r.text.split('\n\n').filter((x) => x !== '');
    const firstData = events.findIndex((x) => x.startsWith('data: '));
    assert.ok(firstData >= 3, `${firstData} comments before the first chunk: ${r.text.slice(0, 200)}`);
    assert.ok(events.slice(0, firstData).every((x) => x === ': keep-alive'));
    assert.ok(events.slice(firstData).every((x) => x.startsWith('data: ')), 'no comment once tokens flow');

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    let content = '', finish: string | null = null;
    for await (const c of await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      content += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.deepEqual([content, finish], ['The answer', 'stop']);
  });
});

test('CORS: the preflight allows any origin and the Authorization header; replies, streams and errors carry the headers', async () => {
  const origin = 'https://chat.example.com';
  const pre = await fetch(`${base}/v1/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/i);
  for (const body of [chatBody({ max_tokens: 1 }), chatBody({ max_tokens: 1, stream: true }), '{"model": ']) {
    const r = await post(base, body, { origin });
    assert.equal(r.headers.get('access-control-allow-origin'), '*', `${r.status} ${body}`);
  }
  await serve(engine, { apiKey: 'sk-right', rateLimitPerMinute: 1, corsOrigin: [origin] }, async (url) => {
    const ok = await fetch(`${url}/v1/models`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), origin);
    const other = await fetch(`${url}/v1/models`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    // A 401 and a 429 are readable by the page, Retry-After included.
    const denied = await post(url, chatBody(), { origin });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), origin);
    const limited = await post(url, chatBody(), { origin, authorization: 'Bearer sk-right' });
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('access-control-expose-headers') ?? '', /retry-after/i);
  });
});

test('tool_choice that demands a call and response_format JSON are refused with 400 naming the parameter; what can be honoured is accepted', async () => {
  const tools = [{ type: 'function', function: { name: 'add', parameters: { type: 'object', properties: {} } } }];
  const refused: [Record<string, unknown>, string][] = [
    [{ tools, tool_choice: 'required' }, 'tool_choice'],
    [{ tools, tool_choice: { type: 'function', function: { name: 'add' } } }, 'tool_choice'],
    [{ response_format: { type: 'json_object' } }, 'response_format'],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } }, 'response_format'],
  ];
  for (const [extra, param] of refused) {
    const r = await post(base, chatBody(extra));
    assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.text}`);
    const err = (JSON.parse(r.text) as { error: { code: string; param: string; message: string } }).error;
    assert.deepEqual([err.code, err.param], ['unsupported_value', param]);
    assert.match(err.message, new RegExp(param));
  }
  const accepted = [{ tools }, { tools, tool_choice: 'auto' }, { tools, tool_choice: 'none' }, { response_format: { type: 'text' } }, { some_future_field: 1 }];
  for (const extra of accepted) assert.equal((await post(base, chatBody({ ...extra, max_tokens: 1 }))).status, 200, JSON.stringify(extra));
});

test('a body that is not JSON is 415 naming the expected Content-Type', async () => {
  const cases: [string, Record<string, string>, string][] = [
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
    ['JSON sent as text/plain', { 'content-type': 'text/plain' }, chatBody()],
  ];
  for (const [name, headers, body] of cases) {
    const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body });
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    assert.equal(res.status, 415, name);
    assert.equal(err.code, 'unsupported_media_type', name);
    assert.match(err.message, /Content-Type: application\/json/, name);
    assert.match(err.message, new RegExp(headers['content-type']!), name);
  }
});

test('a prompt over the context is 400 context_length_exceeded with "maximum context length is M tokens"', async () => {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: MODEL_ALIAS, messages: [{ role: 'user', content: 'word '.repeat(400) }] }),
    (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 400);
      assert.equal(err.code, 'context_length_exceeded');
      assert.equal(err.param, 'messages');
      assert.match(err.message, /maximum context length is 320 tokens/);
      assert.match(err.message, /the prompt has \d+ tokens/);
      return true;
    },
  );
});
