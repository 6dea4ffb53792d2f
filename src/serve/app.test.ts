// src/serve/app.test.ts — the chat API over real HTTP on an ephemeral loopback port, driven by the official `openai`
// client: non-streaming and streaming replies with the reasoning split, usage and prefix-cache hits, multi-turn
// prompts without earlier reasoning, every error code, cancellation on disconnect, continuous batching.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { FastifyInstance } from 'fastify';
import { buildServer, MODEL_ALIAS } from './app.js';
import { LocalEngine, type ChatEngine } from './engine.js';
import { overloaded } from './errors.js';
import { demoParts, DEMO_MODEL_ID } from './models.js';
import { encodeChat } from '../tokenizer/index.js';

const parts = demoParts(0);
let engine: LocalEngine;
let app: FastifyInstance;
let base = '';
let client: OpenAI;

before(async () => {
  engine = new LocalEngine({ ...parts, name: DEMO_MODEL_ID, slots: 16, maxQueue: 64, context: 320 });
  app = buildServer(engine);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  await app.close();
  await engine.close();
});

const ask = (content: string, extra: Record<string, unknown> = {}): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming =>
  ({ model: MODEL_ALIAS, messages: [{ role: 'user', content }], max_tokens: 200, ...extra }) as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

type Reasoned = { reasoning_content?: string; content: string | null };

/** The first seeds (of 0..31) whose reply has both reasoning and an answer: the untrained model closes </think> by chance. */
async function seedsWithAnswer(count: number): Promise<number[]> {
  const replies = await Promise.all(Array.from({ length: 32 }, (_, seed) => client.chat.completions.create(ask('What is 2 + 3?', { seed, max_tokens: 120 }))));
  const seeds = replies.flatMap((r, seed) => {
    const m = r.choices[0]!.message as unknown as Reasoned;
    return m.reasoning_content && m.content ? [seed] : [];
  });
  assert.ok(seeds.length >= count, `only ${seeds.length} of 32 seeds closed their reasoning`);
  return seeds.slice(0, count);
}

async function waitIdle(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const h = (await (await fetch(`${base}/health`)).json()) as { active: number; waiting: number };
    if (h.active === 0 && h.waiting === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('the engine did not become idle');
}

test('models, health, and the alias: GET /models and /v1/models list the served model', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), [DEMO_MODEL_ID]);
  const plain = (await (await fetch(`${base}/models`)).json()) as { data: { id: string }[] };
  assert.equal(plain.data[0]!.id, DEMO_MODEL_ID);
  const health = (await (await fetch(`${base}/health`)).json()) as { status: string; model: string; slots: number };
  assert.deepEqual([health.status, health.model, health.slots], ['ok', DEMO_MODEL_ID, 16]);
});

test('non-streaming and streaming replies agree for a seed: reasoning_content, content, finish_reason and usage', async () => {
  const [seed] = await seedsWithAnswer(1);
  const r = await client.chat.completions.create(ask('What is 2 + 3?', { seed, model: DEMO_MODEL_ID, max_tokens: 120 }));
  const msg = r.choices[0]!.message as unknown as Reasoned;
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, DEMO_MODEL_ID);
  assert.ok(['stop', 'length'].includes(r.choices[0]!.finish_reason));
  assert.ok(!msg.reasoning_content!.includes('think>') && !msg.content!.includes('</think>'), 'no tag in either field');
  const u = r.usage as unknown as Record<string, number> & { completion_tokens_details: { reasoning_tokens: number } };
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
  assert.equal(u.prompt_cache_hit_tokens! + u.prompt_cache_miss_tokens!, u.prompt_tokens);
  assert.equal(u.prompt_tokens, encodeChat(parts.tokenizer, [{ role: 'user', content: 'What is 2 + 3?' }], { addGenerationPrompt: true, literalContent: true }).length);
  assert.ok(u.completion_tokens_details.reasoning_tokens > 0 && u.completion_tokens_details.reasoning_tokens < u.completion_tokens);

  const stream = await client.chat.completions.create({ ...ask('What is 2 + 3?', { seed, max_tokens: 120 }), stream: true, stream_options: { include_usage: true } });
  let reasoning = '', content = '', finish: string | null = null, usage: unknown = null, sawContent = false, reasoningAfterContent = false;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) continue;
    const d = c.delta as unknown as Reasoned;
    if (d.reasoning_content) {
      reasoning += d.reasoning_content;
      if (sawContent) reasoningAfterContent = true;
    }
    if (d.content) {
      content += d.content;
      sawContent = true;
    }
    if (c.finish_reason) finish = c.finish_reason;
  }
  assert.equal(reasoning, msg.reasoning_content);
  assert.equal(content, msg.content);
  assert.equal(finish, r.choices[0]!.finish_reason);
  assert.ok(!reasoningAfterContent, 'reasoning deltas come before the answer');
  assert.equal((usage as { completion_tokens: number }).completion_tokens, u.completion_tokens);
});

test('a repeated prompt prefix is a prefix-cache hit', async () => {
  const system = 'You are a careful assistant. Think step by step about every question, check each step, and answer briefly at the end.';
  const q = (content: string): Promise<OpenAI.Chat.ChatCompletion> =>
    client.chat.completions.create({ model: MODEL_ALIAS, messages: [{ role: 'system', content: system }, { role: 'user', content }], max_tokens: 4, seed: 1 });
  const first = (await q('What is 2 + 3?')).usage as unknown as { prompt_tokens: number; prompt_cache_hit_tokens: number };
  const second = (await q('What is 7 + 9?')).usage as unknown as { prompt_tokens: number; prompt_cache_hit_tokens: number };
  assert.equal(first.prompt_cache_hit_tokens, 0);
  assert.ok(second.prompt_cache_hit_tokens >= 16, `hit ${second.prompt_cache_hit_tokens} of ${second.prompt_tokens}`);
  assert.equal(second.prompt_cache_hit_tokens % 16, 0, 'whole blocks');
});

test('multi-turn: earlier reasoning is dropped from the prompt, as R1 does; reasoning_content in input is refused', async () => {
  const turn = (assistant: string): Promise<OpenAI.Chat.ChatCompletion> =>
    client.chat.completions.create({
      model: MODEL_ALIAS, max_tokens: 2, seed: 2,
      messages: [{ role: 'user', content: 'What is 2 + 3?' }, { role: 'assistant', content: assistant }, { role: 'user', content: 'And times 2?' }],
    });
  const withThink = await turn('<think>\n2 plus 3 is 5.\n</think>\n\nThe answer is 5.');
  // R1's template keeps what follows the last </think>: the blank line stays, the reasoning goes.
  const without = await turn('\n\nThe answer is 5.');
  assert.equal(withThink.usage!.prompt_tokens, without.usage!.prompt_tokens);
  await assert.rejects(
    client.chat.completions.create({ model: MODEL_ALIAS, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '5', reasoning_content: 'secret' } as never, { role: 'user', content: 'and?' }] }),
    (err: InstanceType<typeof OpenAI.APIError>) => err.status === 400 && /reasoning_content/.test(err.message),
  );
});

/** A raw POST (fetch) returning status and parsed JSON body. */
async function post(path: string, body: string, headers: Record<string, string> = {}, url = base): Promise<{ status: number; json: { error?: { message: string; type: string; code: string } } }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: (await res.json()) as { error?: { message: string; type: string; code: string } } };
}

test('errors are JSON {"error": {message, type, code}}: 400 format and context length, 413 too large, 422 parameters', async () => {
  const ok = { model: MODEL_ALIAS, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 };
  const cases: [string, string, number, RegExp][] = [
    ['bad JSON', '{"model": ', 400, /JSON/],
    ['not an object', '[1,2]', 400, /JSON object/],
    ['messages of the wrong type', JSON.stringify({ ...ok, messages: 'hi' }), 400, /messages/],
    ['a role that does not exist', JSON.stringify({ ...ok, messages: [{ role: 'wizard', content: 'x' }] }), 422, /messages\.0\.role/],
    ['logprobs', JSON.stringify({ ...ok, logprobs: true }), 400, /logprobs/],
    ['top_logprobs', JSON.stringify({ ...ok, top_logprobs: 3 }), 400, /logprobs/],
    ['temperature out of range', JSON.stringify({ ...ok, temperature: 3 }), 422, /temperature/],
    ['max_tokens of 0', JSON.stringify({ ...ok, max_tokens: 0 }), 422, /max_tokens/],
    ['unknown model', JSON.stringify({ ...ok, model: 'gpt-9' }), 422, /gpt-9/],
    ['n > 1', JSON.stringify({ ...ok, n: 2 }), 422, /^n:/],
    ['a prompt over the context', JSON.stringify({ ...ok, messages: [{ role: 'user', content: 'word '.repeat(400) }] }), 400, /maximum context length is 320 tokens/],
  ];
  for (const [name, body, status, re] of cases) {
    const r = await post('/v1/chat/completions', body);
    assert.equal(r.status, status, `${name}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error!.message, re, name);
    assert.equal(typeof r.json.error!.type, 'string');
    assert.equal(typeof r.json.error!.code, 'string');
  }
  const big = await post('/chat/completions', JSON.stringify({ ...ok, messages: [{ role: 'user', content: 'x'.repeat(2 ** 21) }] }));
  assert.equal(big.status, 413);
  assert.equal(big.json.error!.code, 'request_too_large');
  // Unknown top-level fields are ignored (OpenAI clients send extras).
  const extra = await post('/chat/completions', JSON.stringify({ ...ok, metadata: { a: 1 }, parallel_tool_calls: false }));
  assert.equal(extra.status, 200);
  await waitIdle();
});

test('401 without or with a wrong key (constant-time compare), 429 over the rate limit, 500 on an engine failure, 503 when the queue is full', async () => {
  const keyed = buildServer(engine, { apiKey: 'sk-right', rateLimitPerMinute: 4 });
  const url = await keyed.listen({ host: '127.0.0.1', port: 0 });
  const failing: ChatEngine = {
    modelId: 'broken', description: 'fails', context: 64, load: () => ({ active: 0, waiting: 0, slots: 1, maxQueue: 0 }), close: async () => {},
    start: () => {
      throw new Error('kernel exploded');
    },
  };
  const logged: string[] = [];
  const broken = buildServer(failing, { log: (l) => logged.push(l) });
  const brokenUrl = await broken.listen({ host: '127.0.0.1', port: 0 });
  const tinyEngine = new LocalEngine({ ...parts, name: 'tiny', slots: 1, maxQueue: 1, context: 64 });
  try {
    const body = JSON.stringify({ model: MODEL_ALIAS, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
    const none = await post('/v1/chat/completions', body, {}, url);
    assert.equal(none.status, 401);
    assert.equal(none.json.error!.type, 'authentication_error');
    assert.equal((await post('/v1/chat/completions', body, { authorization: 'Bearer sk-wrong' }, url)).status, 401);
    const good = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-right', maxRetries: 0 });
    assert.equal((await good.chat.completions.create(ask('hi', { max_tokens: 1 }))).choices.length, 1);
    await assert.rejects(new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-righ', maxRetries: 0 }).models.list(), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 401);
    // Four requests a minute per client address, counted before authentication (so keys cannot be guessed fast).
    const limited = await post('/v1/chat/completions', body, { authorization: 'Bearer sk-right' }, url);
    assert.equal(limited.status, 429, JSON.stringify(limited.json));
    assert.equal(limited.json.error!.type, 'rate_limit_error');

    const fail = await post('/v1/chat/completions', JSON.stringify({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] }), {}, brokenUrl);
    assert.equal(fail.status, 500);
    assert.equal(fail.json.error!.type, 'server_error');
    assert.ok(!fail.json.error!.message.includes('exploded'), 'internal details stay in the log');
    assert.match(logged.join('\n'), /kernel exploded/);

    // One slot and a queue of one: a third request while two are in is refused with 503. The two are started in the
    // same tick as the third, before the decode loop can run (which a tiny model finishes in milliseconds), so the
    // outcome does not depend on timing; the server turns the engine's refusal into the HTTP 503.
    const req = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 8, temperature: 0, topP: 1, stop: [], signal: new AbortController().signal };
    const finished: string[] = [];
    const sink = (name: string) => (e: { type: string }) => {
      if (e.type === 'finish') finished.push(name);
    };
    tinyEngine.start(req, sink('first'));
    tinyEngine.start(req, sink('second'));
    assert.throws(() => tinyEngine.start(req, sink('third')), (e: Error & { status?: number }) => e.status === 503 && /1 slots, queue of 1/.test(e.message));
    while (finished.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(finished.sort(), ['first', 'second'], 'the two admitted requests finish');
    const full: ChatEngine = {
      ...failing, modelId: 'full',
      start: () => {
        throw overloaded('1 requests decode and 1 wait (1 slots, queue of 1)');
      },
    };
    const fullServer = buildServer(full);
    try {
      const third = await fullServer.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ model: 'full', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(third.statusCode, 503);
      assert.equal(JSON.parse(third.body).error.type, 'overloaded_error');
    } finally {
      await fullServer.close();
    }
  } finally {
    await keyed.close();
    await broken.close();
    await tinyEngine.close();
  }
});

test('a model that produces NaN logits gets a prompt 500 naming the problem, streaming or not, and the server keeps serving', { timeout: 30_000 }, async () => {
  const broken = demoParts(1);
  broken.model.namedParameters().find(([name]) => name.includes('embed_tokens'))![1].data.fill(NaN);
  const nanEngine = new LocalEngine({ ...broken, name: 'nan', slots: 2, maxQueue: 4, context: 64 });
  const logged: string[] = [];
  const server = buildServer(nanEngine, { generationTimeoutMs: 60_000, log: (l) => logged.push(l) });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    const body = (extra: object = {}): string => JSON.stringify({ model: 'nan', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...extra });
    const t0 = Date.now();
    // Three at once (more than the two slots: one waits, then fails on its own turn), then a streaming one.
    const replies = await Promise.all([body(), body({ seed: 1 }), body({ seed: 2 })].map((b) => post('/v1/chat/completions', b, {}, url)));
    replies.push(await post('/v1/chat/completions', body({ stream: true }), {}, url));
    for (const r of replies) {
      assert.equal(r.status, 500, JSON.stringify(r.json));
      assert.equal(r.json.error!.type, 'server_error');
      assert.match(r.json.error!.message, /the model produced NaN logits/);
    }
    assert.ok(Date.now() - t0 < 10_000, `answered in ${Date.now() - t0} ms`);
    assert.match(logged.join('\n'), /NaN logits .*logits contain NaN/);
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; active: number; waiting: number };
    assert.deepEqual([health.status, health.active, health.waiting], ['ok', 0, 0]);
  } finally {
    await server.close();
    await nanEngine.close();
  }
});

test('a client that disconnects mid-stream cancels its generation and frees its batch slot', async () => {
  const before = engine.stats.decodeTokens;
  const stream = await client.chat.completions.create({ ...ask('Tell me a long story.', { max_tokens: 300, seed: 3 }), stream: true });
  let chunks = 0;
  for await (const _ of stream) {
    if (++chunks === 3) {
      stream.controller.abort();
      break;
    }
  }
  await waitIdle();
  const decoded = engine.stats.decodeTokens - before;
  assert.ok(decoded < 300, `stopped after ${decoded} tokens of 300`);
});

test('concurrent requests join one batch (continuous batching) and get the same replies as alone', async () => {
  const stepsBefore = engine.stats.decodeSteps;
  const alone = await client.chat.completions.create(ask('What is 6 + 1?', { seed: 11, max_tokens: 30 }));
  const stepsAlone = engine.stats.decodeSteps - stepsBefore;
  const t0 = engine.stats.decodeSteps;
  const together = await Promise.all(Array.from({ length: 8 }, (_, i) => client.chat.completions.create(ask(i === 0 ? 'What is 6 + 1?' : `Question ${i}?`, { seed: i === 0 ? 11 : i, max_tokens: 30 }))));
  const stepsTogether = engine.stats.decodeSteps - t0;
  assert.deepEqual(together[0]!.choices[0]!.message, alone.choices[0]!.message);
  // Eight replies of up to 30 tokens in about the steps of one (not eight times as many).
  assert.ok(stepsTogether < 3 * stepsAlone, `${stepsTogether} steps for 8 requests vs ${stepsAlone} for one`);
});
