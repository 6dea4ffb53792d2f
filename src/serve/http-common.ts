// src/serve/http-common.ts — what every r1ts HTTP server shares, whatever it serves: the JSON error shape
// `{"error": {"message", "type", "code"}}` (OpenAI's), framework errors (bad JSON, body too large, unknown route)
// mapped onto it, the body limit, and the API-key check compared in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Default request body limit in bytes (a batch of long completions fits; a runaway upload does not). */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

/** The `type` field of an error body (OpenAI's vocabulary, plus the service states a load balancer acts on). */
export type ApiErrorType =
  | 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'overloaded_error' | 'timeout_error' | 'server_error';

/** The JSON body of every error answer; the chat API also names the offending parameter (`param`, OpenAI's field). */
export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; code: string; param?: string | null };
}

/** An error a route throws to answer with a given status and JSON body (one class for every r1ts server). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. Retry-After on 503). */
    readonly headers: Record<string, string> = {},
    /** The request field at fault (the chat API's `param`), or null. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The body as the chat API sends it, `param` included (null when no field is at fault). */
  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export function errorBody(type: ApiErrorType, code: string, message: string): ApiErrorBody {
  return { error: { message, type, code } };
}

/** Fastify's own errors (parsing, limits) as status, type and code; anything else is a 500. */
function classify(err: FastifyError | ApiError | Error): { status: number; type: ApiErrorType; code: string; message: string; headers: Record<string, string> } {
  if (err instanceof ApiError) return { status: err.status, type: err.type, code: err.code, message: err.message, headers: err.headers };
  const fe = err as FastifyError;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, type: 'invalid_request_error', code: 'body_too_large', message: fe.message, headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, type: 'invalid_request_error', code: 'unsupported_media_type', message: `${fe.message} (send Content-Type: application/json)`, headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, type: 'invalid_request_error', code: 'empty_body', message: 'the body is empty: send a JSON object', headers: {} };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, type: 'invalid_request_error', code: 'invalid_json', message: `the body is not valid JSON: ${fe.message}`, headers: {} };
    default:
      break;
  }
  // JSON.parse failures inside Fastify's parser carry statusCode 400 and no FST code.
  if (status === 400 && err instanceof SyntaxError) return { status: 400, type: 'invalid_request_error', code: 'invalid_json', message: `the body is not valid JSON: ${err.message}`, headers: {} };
  if (status >= 400 && status < 500) return { status, type: 'invalid_request_error', code: String(fe.code ?? 'bad_request').toLowerCase(), message: fe.message, headers: {} };
  return { status: 500, type: 'server_error', code: 'internal_error', message: 'internal server error', headers: {} };
}

/**
 * Every error and unknown route of `app` answers with the JSON error body. A 500's own message stays in the
 * server's log (passed in), not in the answer.
 */
export function installJsonErrors(app: FastifyInstance, onServerError: (err: Error, req: FastifyRequest) => void = () => undefined): void {
  app.setErrorHandler((err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const c = classify(err);
    if (c.status >= 500 && !(err instanceof ApiError)) onServerError(err, req);
    void reply.code(c.status).headers(c.headers).send(errorBody(c.type, c.code, c.message));
  });
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    void reply.code(404).send(errorBody('not_found_error', 'not_found', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`));
  });
}

/** Take JSON bodies only (Fastify also parses text/plain by default): anything else is a 415. */
export function acceptJsonOnly(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
}

/** The key from `Authorization: Bearer <key>` (or an `x-api-key` header), or null when neither is given. */
export function presentedKey(headers: FastifyRequest['headers']): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? (m[1] as string).trim() : null;
  }
  const x = headers['x-api-key'];
  return typeof x === 'string' ? x : null;
}

/**
 * Constant-time key comparison: both sides are hashed first, so neither the content nor the length of the
 * expected key shows in the time taken.
 */
export function keyMatches(presented: string | null, expected: string): boolean {
  const a = createHash('sha256').update(presented ?? '').digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented !== null;
}

/** Require the API key on every route except `open` paths (health checks); 401 JSON otherwise. */
export function requireApiKey(app: FastifyInstance, expected: string, open: readonly string[] = []): void {
  if (expected === '') throw new Error('requireApiKey: the key is empty');
  app.addHook('onRequest', async (req) => {
    if (open.includes(req.url.split('?')[0] ?? '')) return;
    if (!keyMatches(presentedKey(req.headers), expected)) {
      throw new ApiError(401, 'authentication_error', 'invalid_api_key', 'missing or wrong API key (send Authorization: Bearer <key>)');
    }
  });
}
