// src/serve/gguf-engine.test.ts — `r1 serve --gguf`: the chat API over real HTTP on an ephemeral loopback port, with
// the official `openai` client, against a tiny GGUF written here (gguf-fixture.ts: its reply is known in advance) and
// run by llama.cpp through node-llama-cpp: the GGUF's own chat template (which opens <think>) or --chat-template's,
// the reasoning split in whole and streamed replies, usage and reuse of a sequence's KV for a repeated prefix,
// finish reasons, stop strings, cancellation on disconnect, and bad requests.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import type { FastifyInstance } from 'fastify';
import { buildServer, MODEL_ALIAS } from './app.js';
import { GgufEngine } from './gguf-engine.js';
import { CHAIN_ANSWER, CHAIN_REASONING, CHATML_TEMPLATE, makeChainGguf, templateFile, type ChainGguf } from './gguf-fixture.js';

type Reasoned = { reasoning_content?: string | null; content: string | null };
type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_cache_hit_tokens: number; prompt_cache_miss_tokens: number; completion_tokens_details: { reasoning_tokens: number } };

interface Served {
  gguf: ChainGguf;
  engine: GgufEngine;
  app: FastifyInstance;
  base: string;
  client: OpenAI;
}

async function serve(gguf: ChainGguf, o: { context: number; chatTemplateFile?: string }): Promise<Served> {
  // CPU, one thread: the test machine is small and shared.
  const engine = await GgufEngine.open({ file: gguf.file, gpu: false, threads: 1, slots: 2, maxQueue: 4, ...o });
  const app = buildServer(engine);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { gguf, engine, app, base, client: new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

let chain: Served; // stops after its answer; the GGUF's own template opens <think>
let loop: Served; // repeats its answer; prompted with --chat-template's ChatML, which does not open <think>
const template = templateFile(CHATML_TEMPLATE);

before(async () => {
  chain = await serve(makeChainGguf(), { context: 256 });
  loop = await serve(makeChainGguf({ loop: true, name: 'loop' }), { context: 4096, chatTemplateFile: template });
});
after(async () => {
  for (const s of [chain, loop]) {
    await s.app.close();
    await s.engine.close();
    rmSync(dirname(s.gguf.file), { recursive: true, force: true });
  }
  rmSync(dirname(template), { recursive: true, force: true });
});

const ask = (content: string, extra: Record<string, unknown> = {}): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming =>
  ({ model: MODEL_ALIAS, messages: [{ role: 'user', content }], ...extra }) as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

async function waitIdle(s: Served): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const h = (await (await fetch(`${s.base}/health`)).json()) as { active: number; waiting: number };
    if (h.active === 0 && h.waiting === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('the engine did not become idle');
}

test('GET /v1/models names the GGUF file; the engine uses the file\'s own chat template', async () => {
  const list = await chain.client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['chain.gguf']);
  assert.match(chain.engine.template.source, /chain\.gguf \(GGUF tokenizer\.chat_template\)/);
  assert.match(loop.engine.template.source, /--chat-template/);
  const health = (await (await fetch(`${chain.base}/health`)).json()) as { model: string; slots: number; description: string };
  assert.deepEqual([health.model, health.slots], ['chain.gguf', 2]);
  assert.match(health.description, /llama\.cpp/);
});

test('non-streaming: the reasoning split when the prompt opens <think>, finish stop, usage', async () => {
  const r = await chain.client.chat.completions.create(ask('What is 2 + 3?', { model: 'chain.gguf', seed: 1 }));
  const msg = r.choices[0]!.message as unknown as Reasoned;
  assert.equal(msg.reasoning_content, CHAIN_REASONING);
  assert.equal(msg.content, CHAIN_ANSWER);
  assert.equal(r.choices[0]!.finish_reason, 'stop');
  assert.equal(r.model, 'chain.gguf');
  const u = r.usage as unknown as Usage;
  // <think> REASONING </think> ANSWER and the end-of-generation token.
  assert.equal(u.completion_tokens, chain.gguf.replyTokens);
  assert.equal(u.completion_tokens_details.reasoning_tokens, chain.gguf.reasoningTokens);
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
  assert.equal(u.prompt_cache_hit_tokens + u.prompt_cache_miss_tokens, u.prompt_tokens);
  // The prompt as the template renders it and llama.cpp tokenizes it: ChatML turns with <|im_start|> as one token.
  assert.ok(u.prompt_tokens > 8 && u.prompt_tokens < 40, `prompt_tokens ${u.prompt_tokens}`);
});

test('the same reply at any temperature and without a seed (the fixture\'s margin), and a prompt that does not open <think>', async () => {
  const hot = await chain.client.chat.completions.create(ask('Hello there', { temperature: 1.5, top_p: 0.9 }));
  assert.equal((hot.choices[0]!.message as unknown as Reasoned).reasoning_content, CHAIN_REASONING);
  // --chat-template's ChatML leaves the block closed: the model writes <think> itself; same split, same usage.
  const own = await loop.client.chat.completions.create(ask('What is 2 + 3?', { max_tokens: chain.gguf.replyTokens + 3 }));
  const msg = own.choices[0]!.message as unknown as Reasoned;
  assert.equal(msg.reasoning_content, CHAIN_REASONING);
  assert.ok(msg.content!.startsWith(`${CHAIN_ANSWER}${CHAIN_ANSWER.slice(0, 3)}`), msg.content!);
  assert.equal(own.choices[0]!.finish_reason, 'length');
  const u = own.usage as unknown as Usage;
  assert.equal(u.completion_tokens, chain.gguf.replyTokens + 3);
  assert.equal(u.completion_tokens_details.reasoning_tokens, chain.gguf.reasoningTokens);
});

test('streaming: reasoning_content deltas, then content deltas, finish, the usage chunk, [DONE]', async () => {
  const whole = await chain.client.chat.completions.create(ask('Stream this, please.'));
  const stream = await chain.client.chat.completions.create({ ...ask('Stream this, please.'), stream: true, stream_options: { include_usage: true } });
  const kinds: string[] = [];
  let reasoning = '', content = '', finish: string | null = null, usage: Usage | null = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage as unknown as Usage;
    const c = chunk.choices[0];
    if (!c) continue;
    const d = c.delta as unknown as Reasoned;
    if (d.reasoning_content) {
      reasoning += d.reasoning_content;
      kinds.push('r');
    }
    if (d.content) {
      content += d.content;
      kinds.push('c');
    }
    if (c.finish_reason) finish = c.finish_reason;
  }
  assert.equal(reasoning, CHAIN_REASONING);
  assert.equal(content, CHAIN_ANSWER);
  assert.match(kinds.join(''), /^r{2,}c{2,}$/, 'several reasoning deltas, then several answer deltas');
  assert.equal(finish, 'stop');
  assert.equal(usage!.completion_tokens, (whole.usage as unknown as Usage).completion_tokens);
  // The same prompt again: its sequence kept the prompt's KV, so all but the last prompt token are reused.
  assert.equal(usage!.prompt_cache_hit_tokens, usage!.prompt_tokens - 1);
});

test('a repeated prefix is reused from the sequence that holds it, and not evaluated again', async () => {
  const system = 'You are a careful assistant. Please reason step by step.';
  const q = (content: string): Promise<OpenAI.Chat.ChatCompletion> =>
    chain.client.chat.completions.create({ model: MODEL_ALIAS, messages: [{ role: 'system', content: system }, { role: 'user', content }] });
  const first = (await q('What is 2 + 3?')).usage as unknown as Usage;
  const evaluated = chain.engine.stats.evaluatedTokens;
  const second = (await q('And 7 + 9?')).usage as unknown as Usage;
  // The system turn and "<|im_start|>user\n" are shared; the questions differ.
  assert.ok(first.prompt_cache_hit_tokens < 3, `first: ${first.prompt_cache_hit_tokens}`);
  assert.ok(second.prompt_cache_hit_tokens >= 12 && second.prompt_cache_hit_tokens < second.prompt_tokens - 2, `second: ${second.prompt_cache_hit_tokens} of ${second.prompt_tokens}`);
  // llama.cpp evaluated only the new prompt tokens and the generated ones fed back (all but the end token).
  assert.equal(chain.engine.stats.evaluatedTokens - evaluated, second.prompt_cache_miss_tokens + second.completion_tokens - 1);
});

test('message text that spells a control token is encoded as plain text (no forged turns)', async () => {
  const tokens = async (content: string): Promise<number> => (await chain.client.chat.completions.create(ask(content, { max_tokens: 1 }))).usage!.prompt_tokens;
  const one = await tokens('x');
  // As a control token "<|im_end|>" would be one token, like "x"; as text it is several.
  assert.ok((await tokens('<|im_end|>')) > one + 3);
});

test('stop strings end the reply before the stop text; max_tokens ends it with finish length', async () => {
  const stopped = await chain.client.chat.completions.create(ask('Stop early.', { stop: [' is'] }));
  assert.deepEqual([(stopped.choices[0]!.message as unknown as Reasoned).content, stopped.choices[0]!.finish_reason], ['The answer', 'stop']);
  const short = await chain.client.chat.completions.create(ask('Stop early.', { max_tokens: 3 }));
  const m = short.choices[0]!.message as unknown as Reasoned;
  assert.deepEqual([m.reasoning_content, m.content, short.choices[0]!.finish_reason], ['Let me', '', 'length']);
  assert.equal(short.usage!.completion_tokens, 3);
});

test('a client that disconnects mid-stream cancels its generation and frees its sequence', async () => {
  const before = { ...loop.engine.stats };
  const stream = await loop.client.chat.completions.create({ ...ask('Tell me a long story.'), stream: true });
  let chunks = 0;
  for await (const _ of stream) {
    if (++chunks === 4) {
      stream.controller.abort();
      break;
    }
  }
  assert.equal(chunks, 4);
  await waitIdle(loop);
  const s = loop.engine.stats;
  assert.equal(s.cancelled - before.cancelled, 1);
  // The reply would run to the 4096-token context; it stopped soon after the client left.
  assert.ok(s.completionTokens - before.completionTokens < 2000, `generated ${s.completionTokens - before.completionTokens} tokens`);
  assert.equal(loop.engine.load().active, 0);
  // Both sequences are free again: two requests at once both finish.
  const both = await Promise.all([1, 2].map((i) => loop.client.chat.completions.create(ask(`Again ${i}`, { max_tokens: 4 }))));
  assert.deepEqual(both.map((r) => r.choices[0]!.finish_reason), ['length', 'length']);
});

test('a file that is not a GGUF: one error naming it, with the bytes llama.cpp quotes escaped, not printed raw', async () => {
  const bad = `${dirname(chain.gguf.file)}/not-a-model.gguf`;
  writeFileSync(bad, Buffer.from([0x46, 0x7c, 0xff, 0x1f, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46]));
  await assert.rejects(GgufEngine.open({ file: bad, gpu: false, threads: 1 }), (e: Error) => {
    assert.ok(e.message.startsWith(`${bad}: llama.cpp cannot load it`), e.message);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(e.message), JSON.stringify(e.message));
    return true;
  });
});

test('bad requests: 400 for reasoning_content in input, for logprobs and for a prompt over the context (context_length_exceeded), 422 for an unknown model', async () => {
  const status = async (p: Promise<unknown>): Promise<[number, string]> => {
    try {
      await p;
      return [200, ''];
    } catch (e) {
      const err = e as InstanceType<typeof OpenAI.APIError>;
      return [err.status ?? 0, err.message];
    }
  };
  const withReasoning = { model: MODEL_ALIAS, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '5', reasoning_content: 'secret' }, { role: 'user', content: 'and?' }] };
  const [s1, m1] = await status(chain.client.chat.completions.create(withReasoning as never));
  assert.equal(s1, 400);
  assert.match(m1, /reasoning_content/);
  assert.equal((await status(chain.client.chat.completions.create(ask('hi', { logprobs: true }))))[0], 400);
  const [s3, m3] = await status(chain.client.chat.completions.create(ask('word '.repeat(300))));
  assert.equal(s3, 400);
  assert.match(m3, /maximum context length is 256 tokens; the prompt has \d+ tokens/);
  assert.equal((await status(chain.client.chat.completions.create(ask('hi', { model: 'other.gguf' }))))[0], 422);
  await waitIdle(chain);
});
