// src/eval/fake-endpoint.ts — a test fixture, not a model: a real node:http server on 127.0.0.1 that speaks the
// Chat Completions wire format like deepseek-reasoner (reasoning_content + usage with cache hit/miss) and can
// misbehave on purpose (429 with Retry-After, 503, a hung response, malformed JSON). Used by eval's tests.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with one request. */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'hang' }
  | { kind: 'malformed' };

/** Where the fake puts the chain of thought. */
export type ReasoningStyle = 'reasoning_content' | 'reasoning' | 'think-tags';

export interface FakeEndpointOptions {
  /** The answer text (content) for a prompt and the seed the client sent. */
  answer: (prompt: string, seed: number | undefined, choice: number) => string;
  /** Behaviour of the i-th request (0-based, counting every request); default always 'ok'. */
  plan?: (i: number) => Behaviour;
  /** Default 'reasoning_content' (DeepSeek's field). */
  reasoningStyle?: ReasoningStyle;
  /** Honor `n` by returning n choices (default true); false mimics servers that ignore n. */
  honorN?: boolean;
}

/** One request as the server saw it. */
export interface RecordedRequest {
  index: number;
  authorization: string | undefined;
  body: { model?: string; messages?: { content: string }[]; n?: number; seed?: number; temperature?: number; top_p?: number; max_tokens?: number };
  /** What the server answered (HTTP status, or 'hang'). */
  outcome: number | 'hang';
}

export interface FakeEndpoint {
  /** Base URL to give the client, e.g. http://127.0.0.1:43211/v1 */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** The reasoning text the fake emits for a prompt (deterministic, so token counts are too). */
export function fakeReasoning(prompt: string): string {
  return `Let me think about: ${prompt.slice(0, 40)}`;
}

/** Whitespace-separated word count; the fake's stand-in for a tokenizer. */
function words(s: string): number {
  return s.split(/\s+/).filter(Boolean).length;
}

export async function startFakeEndpoint(opts: FakeEndpointOptions): Promise<FakeEndpoint> {
  const requests: RecordedRequest[] = [];
  const hung = new Set<ServerResponse>();
  const style = opts.reasoningStyle ?? 'reasoning_content';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = requests.length;
      let body: RecordedRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest['body'];
      } catch {
        // recorded as empty; the client under test always sends JSON
      }
      const behaviour = opts.plan?.(index) ?? { kind: 'ok' };
      const rec: RecordedRequest = { index, authorization: req.headers.authorization, body, outcome: 200 };
      requests.push(rec);
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        rec.outcome = 404;
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      switch (behaviour.kind) {
        case 'hang':
          rec.outcome = 'hang';
          hung.add(res);
          return;
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ {"message": ');
          return;
        case 'status': {
          rec.outcome = behaviour.status;
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (behaviour.retryAfter !== undefined) headers['retry-after'] = behaviour.retryAfter;
          res.writeHead(behaviour.status, headers).end(behaviour.body ?? JSON.stringify({ error: { message: `fake error ${behaviour.status}` } }));
          return;
        }
        case 'ok':
          break;
      }
      const prompt = body.messages?.at(-1)?.content ?? '';
      const n = opts.honorN === false ? 1 : (body.n ?? 1);
      const reasoning = fakeReasoning(prompt);
      const choices = [];
      let completionTokens = 0;
      let reasoningTokens = 0;
      for (let c = 0; c < n; c++) {
        const content = opts.answer(prompt, body.seed, c);
        completionTokens += words(reasoning) + words(content);
        reasoningTokens += words(reasoning);
        const message: Record<string, string> = { role: 'assistant' };
        if (style === 'think-tags') message.content = `<think>\n${reasoning}\n</think>\n\n${content}`;
        else {
          message.content = content;
          message[style] = reasoning;
        }
        choices.push({ index: c, message, finish_reason: 'stop' });
      }
      const promptTokens = words(prompt);
      // Deterministic cache split: the first 2 prompt tokens count as cache hits.
      const hit = Math.min(2, promptTokens);
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_cache_hit_tokens: hit,
        prompt_cache_miss_tokens: promptTokens - hit,
        completion_tokens_details: { reasoning_tokens: reasoningTokens },
      };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: `fake-${index}`, object: 'chat.completion', model: body.model, choices, usage }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
