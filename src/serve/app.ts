// src/serve/app.ts — the HTTP server (Fastify): POST /chat/completions and /v1/chat/completions (JSON or SSE),
// GET /models, /v1/models, /health, and the chat page at /. Auth (constant-time key compare), rate limit, body
// limit, JSON bodies only, CORS, request timeouts, keep-alive comments while a stream waits, client disconnect →
// cancel, the time limit → a reply cut at "length", errors as JSON. Library code: never prints; pass `log`.

import { createHash, randomBytes } from 'node:crypto';
import { acceptJsonOnly, keyMatches, presentedKey } from './http-common.js';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { packageRoot } from '../util/package-root.js';
import type { ChatEngine, EngineEvent, EngineUsage } from './engine.js';
import {
  ApiError, fromZod, invalidFormat, invalidParameter, overloaded, rateLimited, serverError, unauthorized, unsupportedMediaType, unsupportedValue,
} from './errors.js';
import { chatRequestSchema, type ChatCompletion, type ChatCompletionChunk, type ChatRequest, type WireModel, type WireUsage } from './wire.js';
import type { ChatMessage } from '../tokenizer/index.js';

export interface ServeOptions {
  /** Required as "Authorization: Bearer <key>" when set. */
  apiKey?: string;
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  bodyLimit?: number;
  /** Milliseconds to receive a whole request (headers and body) before the connection is closed (default 10 s). */
  requestTimeoutMs?: number;
  /**
   * Longest a request may take, waiting and generating, in milliseconds (default 10 min). A generation cut by it
   * is answered with what it produced and finish_reason "length"; a request still waiting for a slot gets 503.
   */
  generationTimeoutMs?: number;
  /** While a streaming request waits for its first token, an SSE comment `: keep-alive` every this many ms (default 10 s). */
  keepAliveMs?: number;
  /** Origins a browser page may call the API from (CORS): '*' (any, the default) or a list of exact origins. */
  corsOrigin?: '*' | readonly string[];
  /** Requests per minute per client address (0 = unlimited, the default). */
  rateLimitPerMinute?: number;
  /** Warnings and errors (the CLI prints them); default: dropped. */
  log?: (line: string) => void;
}

/** The model id clients may use instead of the served model's own. */
export const MODEL_ALIAS = 'deepseek-reasoner';

const PAGE_FILES: Record<string, string> = { '/': 'index.html', '/chat.js': 'chat.js', '/chat.css': 'chat.css' };
const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The chat page's content security policy. */
export const PAGE_CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Folder of the chat page's static files (shipped in the package as src/serve/page). */
export function pageDir(): string {
  return join(packageRoot(), 'src', 'serve', 'page');
}

function messageText(content: ChatRequest['messages'][number]['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => p.text).join('');
}

/** Request body → engine messages; DeepSeek's reasoner refuses reasoning_content in input messages (400). */
function toMessages(req: ChatRequest): ChatMessage[] {
  return req.messages.map((m, i) => {
    if (m.reasoning_content !== undefined && m.reasoning_content !== null) {
      throw invalidFormat(`messages[${i}].reasoning_content: send earlier turns without reasoning_content (only content is part of the conversation)`, `messages.${i}.reasoning_content`);
    }
    return { role: m.role, content: messageText(m.content) };
  });
}

export function wireUsage(u: EngineUsage): WireUsage {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_cache_hit_tokens: u.cachedPromptTokens,
    prompt_cache_miss_tokens: u.promptTokens - u.cachedPromptTokens,
    prompt_tokens_details: { cached_tokens: u.cachedPromptTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export function buildServer(engine: ChatEngine, o: ServeOptions = {}): FastifyInstance {
  const log = o.log ?? ((): void => {});
  const requestTimeout = o.requestTimeoutMs ?? 10_000;
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit ?? 2 ** 20,
    requestTimeout,
    connectionTimeout: 0,
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default): check often enough that a
    // slowloris connection (headers or body trickling in) is closed soon after requestTimeout.
    serverFactory: (handler) => createServer({ requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeout / 2)) }, handler),
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
  });
  const fingerprint = `r1ts-${createHash('sha256').update(engine.modelId).digest('hex').slice(0, 8)}`;
  const created = Math.floor(Date.now() / 1000);
  const hits = new Map<string, { windowStart: number; count: number }>();
  const timeoutMs = o.generationTimeoutMs ?? 600_000;
  const keepAliveMs = o.keepAliveMs ?? 10_000;

  // Bodies are JSON only: a form or text/plain body is a 415 naming the expected type (Fastify parses text/plain by
  // default, which would reach the handler as a string).
  acceptJsonOnly(app);
  // CORS, so browser front ends on other origins can call the API. Allowed request headers are not listed: the
  // preflight's Access-Control-Request-Headers are echoed back, which admits Authorization (the API key; a literal
  // `*` would not cover it) and the headers client SDKs add. Retry-After is exposed for clients backing off.
  void app.register(cors, {
    origin: o.corsOrigin === undefined || o.corsOrigin === '*' ? '*' : [...o.corsOrigin],
    methods: ['GET', 'HEAD', 'POST'],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  });

  // Errors of every origin as the JSON error body: ours, schema failures, and Fastify's (bad JSON, body too large).
  app.setErrorHandler((err: unknown, req, reply) => {
    const e = err as { statusCode?: number; code?: string; message?: string };
    let api: ApiError;
    if (err instanceof ApiError) api = err;
    else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') api = new ApiError(413, 'invalid_request_error', 'request_too_large', `Request body larger than ${o.bodyLimit ?? 2 ** 20} bytes`);
    else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') api = unsupportedMediaType(req.headers['content-type']);
    else if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) api = invalidFormat(`Invalid request: ${e.message ?? 'bad request'}`);
    else {
      log(`r1 serve: error: ${e.message ?? String(err)}`);
      api = serverError('the request failed on the server');
    }
    // The error's own headers too: Retry-After on 429 and 503.
    void reply.code(api.status).headers(api.headers).type('application/json').send(api.body());
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { message: `No route ${req.method} ${req.url.split('?')[0]}`, type: 'invalid_request_error', code: 'not_found', param: null } });
  });

  // Auth and rate limit on the API routes (the page and /health are open; the page sends the key the user types).
  const guard = async (req: FastifyRequest): Promise<void> => {
    // Rate limit first, so a client cannot try keys faster than the limit.
    const limit = o.rateLimitPerMinute ?? 0;
    if (limit > 0) {
      const now = Date.now();
      const who = req.ip;
      let h = hits.get(who);
      if (!h || now - h.windowStart >= 60_000) {
        h = { windowStart: now, count: 0 };
        hits.set(who, h);
        if (hits.size > 10_000) for (const [k, v] of hits) if (now - v.windowStart >= 60_000) hits.delete(k);
      }
      if (++h.count > limit) throw rateLimited(Math.ceil((h.windowStart + 60_000 - now) / 1000));
    }
    if (o.apiKey !== undefined) {
      if (!keyMatches(presentedKey(req.headers), o.apiKey)) throw unauthorized();
    }
  };

  const models = (): { object: 'list'; data: WireModel[] } => ({ object: 'list', data: [{ id: engine.modelId, object: 'model', created, owned_by: 'r1ts' }] });
  for (const path of ['/models', '/v1/models']) app.get(path, { onRequest: guard }, async () => models());
  app.get('/health', async () => ({ status: 'ok', model: engine.modelId, description: engine.description, context: engine.context, ...engine.load() }));

  const chat = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) throw invalidFormat('the body must be a JSON object');
    const parsed = chatRequestSchema.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const body = parsed.data;
    if (body.model !== engine.modelId && body.model !== MODEL_ALIAS) throw invalidParameter(`model "${body.model}" is not served here; use "${engine.modelId}" or "${MODEL_ALIAS}"`, 'model');
    if (body.logprobs === true || (body.top_logprobs !== undefined && body.top_logprobs !== null)) {
      throw invalidFormat('logprobs and top_logprobs are not supported by the reasoning model', body.logprobs === true ? 'logprobs' : 'top_logprobs');
    }
    // The model never calls a tool: `tools` with tool_choice "auto" (the default) or "none" is accepted and ignored,
    // as both allow a reply without a call; "required" or a named function demand one, which cannot be honoured.
    if (body.tool_choice === 'required' || (typeof body.tool_choice === 'object' && body.tool_choice !== null)) {
      throw unsupportedValue(`tool_choice ${JSON.stringify(body.tool_choice)} is not supported: this model does not call tools (use "auto" or "none", or leave it out)`, 'tool_choice');
    }
    // The reply is free text: JSON mode and structured outputs would be promises the sampler does not keep.
    if (body.response_format && body.response_format.type !== 'text') {
      throw unsupportedValue(`response_format "${body.response_format.type}" is not supported: replies are plain text (use "text", or leave it out)`, 'response_format');
    }
    const messages = toMessages(body);
    const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
    const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? undefined;
    // Cancelled when the client goes away (closes before the response is complete) or the request takes too long.
    const ctl = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) ctl.abort(new Error('client disconnected'));
    };
    reply.raw.on('close', onClose);
    const timeLimit = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctl.signal, timeLimit]);
    /**
     * What a finish becomes. A cancel by the time limit is not a passing failure: the same request would run into
     * the same limit again, and OpenAI's SDKs retry every 5xx, so a 503 would repeat the whole generation to the
     * same end. A generation cut by the limit is therefore a reply cut by a budget, like max_tokens: what it
     * produced, with finish_reason "length". A request the limit caught before its first token spent it waiting
     * for a slot (or in a prefill behind others): that is overload, and a 503 a later retry may get past. A shutdown
     * is a 503 too. A generation the model failed (NaN logits, a kernel error) is a 500 saying what failed; the
     * underlying error goes to the log.
     */
    const outcome = (fin: Extract<EngineEvent, { type: 'finish' }>): { reason: 'stop' | 'length'; usage: EngineUsage } | ApiError | 'gone' => {
      if (fin.reason === 'error') {
        log(`r1 serve: error: ${fin.error.detail}`);
        return ctl.signal.aborted ? 'gone' : serverError(fin.error.message);
      }
      if (fin.reason !== 'cancelled') return { reason: fin.reason, usage: fin.usage };
      if (ctl.signal.aborted) return 'gone';
      if (timeLimit.aborted) {
        return fin.usage.completionTokens > 0
          ? { reason: 'length', usage: fin.usage }
          : overloaded(`the server's time limit (${Math.round(timeoutMs / 1000)} s) passed before the request's first token, waiting for a decode slot`);
      }
      return new ApiError(503, 'overloaded_error', 'generation_cancelled', 'The generation was cancelled (server shutdown or engine failure)', { 'retry-after': '1' });
    };
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const now = Math.floor(Date.now() / 1000);
    const model = body.model;
    const engineReq = {
      messages, temperature: body.temperature ?? 1, topP: body.top_p ?? 1, stop, signal,
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(body.seed !== undefined && body.seed !== null ? { seed: body.seed } : {}),
    };

    if (body.stream !== true) {
      let reasoning = '', content = '';
      const fin = await new Promise<Extract<EngineEvent, { type: 'finish' }>>((resolve, reject) => {
        try {
          engine.start(engineReq, (e) => {
            if (e.type === 'reasoning-delta') reasoning += e.delta;
            else if (e.type === 'text-delta') content += e.delta;
            else resolve(e);
          });
        } catch (err) {
          reject(err);
        }
      });
      reply.raw.off('close', onClose);
      const end = outcome(fin);
      if (end === 'gone') return; // nobody to answer
      if (end instanceof ApiError) throw end;
      const res: ChatCompletion = {
        id, object: 'chat.completion', created: now, model, system_fingerprint: fingerprint,
        choices: [{ index: 0, message: { role: 'assistant', content, reasoning_content: reasoning }, logprobs: null, finish_reason: end.reason }],
        usage: wireUsage(end.usage),
      };
      await reply.code(200).type('application/json').send(res);
      return;
    }

    // Streaming: server-sent events, one chat.completion.chunk per delta, then finish, [usage], [DONE]. Until the
    // first event, `: keep-alive` comments every keepAliveMs (as DeepSeek's API sends while a request waits to be
    // scheduled; SSE clients ignore comments), so proxies and clients with idle timeouts keep the connection. The
    // status is sent with the first event or comment; an error before that is still a plain JSON error.
    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null): ChatCompletionChunk => ({
      id, object: 'chat.completion.chunk', created: now, model, system_fingerprint: fingerprint,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      let started = false;
      const raw = reply.raw;
      const send = (obj: unknown): void => {
        if (!raw.writableEnded && !raw.destroyed) raw.write(`data: ${JSON.stringify(obj)}\n\n`);
      };
      const begin = (): void => {
        if (started) return;
        started = true;
        reply.hijack();
        // Headers already set on the reply (CORS) go out too: writeHead on the raw response bypasses Fastify's.
        for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) raw.setHeader(k, v);
        raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      };
      let keepAlive: NodeJS.Timeout | null = null;
      let finished = false;
      const quiet = (): void => {
        if (keepAlive) clearInterval(keepAlive);
        keepAlive = null;
      };
      let first = true;
      const role = (): { role?: 'assistant' } => (first ? ((first = false), { role: 'assistant' as const }) : {});
      try {
        engine.start(engineReq, (e) => {
          quiet();
          if (e.type === 'reasoning-delta') {
            begin();
            send(chunk({ ...role(), reasoning_content: e.delta, content: null }));
          } else if (e.type === 'text-delta') {
            begin();
            send(chunk({ ...role(), content: e.delta, reasoning_content: null }));
          } else {
            finished = true;
            raw.off('close', onClose);
            const end = outcome(e);
            // Nothing sent yet: an error still gets its own status (a 503 a client may retry).
            if (end instanceof ApiError && !started) return reject(end);
            begin();
            if (end instanceof ApiError) send(end.body());
            else if (end !== 'gone') {
              send(chunk({ ...role() }, end.reason));
              if (includeUsage) send({ ...chunk({}), choices: [], usage: wireUsage(end.usage) });
              if (!raw.writableEnded && !raw.destroyed) raw.write('data: [DONE]\n\n');
            }
            if (!raw.writableEnded) raw.end();
            resolve();
          }
        });
      } catch (err) {
        reply.raw.off('close', onClose);
        reject(err);
        return;
      }
      if (!finished) {
        keepAlive = setInterval(() => {
          begin();
          if (!raw.writableEnded && !raw.destroyed) raw.write(': keep-alive\n\n');
        }, keepAliveMs);
      }
    });
  };
  for (const path of ['/chat/completions', '/v1/chat/completions']) app.post(path, { onRequest: guard }, chat);

  // The chat page: static files read once, served with a strict content security policy (no network but this origin;
  // base-uri and form-action, which default-src does not cover, allow nothing: the page sets no <base> and its form
  // never submits natively).
  const page = new Map<string, { type: string; body: Buffer }>();
  for (const [route, file] of Object.entries(PAGE_FILES)) {
    try {
      page.set(route, { type: MIME[extname(file)]!, body: readFileSync(join(pageDir(), file)) });
    } catch {
      log(`r1 serve: warning: the chat page file ${join(pageDir(), file)} is missing; ${route} will answer 404`);
    }
  }
  for (const [route, f] of page) {
    app.get(route, async (_req, reply) => {
      await reply
        .header('content-security-policy', PAGE_CSP)
        .header('x-content-type-options', 'nosniff')
        .type(f.type)
        .send(f.body);
    });
  }
  return app;
}
