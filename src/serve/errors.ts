// src/serve/errors.ts — API errors as DeepSeek documents them: 400 invalid format, 401 authentication, 413 body too
// large, 415 not JSON, 422 invalid parameters, 429 rate limited, 500 server error, 503 overloaded (429 and 503 with
// Retry-After in whole seconds); OpenAI's 400 context_length_exceeded for a prompt over the context; always the JSON body
// {"error": {"message", "type", "code", "param"}} (ApiError is http-common's, shared with the reward service). Maps
// schema failures: a wrong shape or type is 400, a value out of range 422.

import type { z } from 'zod';
import { ApiError } from './http-common.js';

export { ApiError };

export const invalidFormat = (message: string, param: string | null = null): ApiError => new ApiError(400, 'invalid_request_error', 'invalid_request_format', message, {}, param);
export const invalidParameter = (message: string, param: string | null = null): ApiError => new ApiError(422, 'invalid_request_error', 'invalid_parameter', message, {}, param);
export const unauthorized = (): ApiError => new ApiError(401, 'authentication_error', 'invalid_api_key', 'Authentication fails: missing or invalid API key (send "Authorization: Bearer <key>")');
export const rateLimited = (retryAfterS: number): ApiError =>
  new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded', `Rate limit reached: retry after ${retryAfterS} s`, { 'retry-after': String(retryAfterS) });
/** 503 with Retry-After (whole seconds; 1 by default, as the reward service's full queue answers). */
export const overloaded = (why: string, retryAfterS = 1): ApiError =>
  new ApiError(503, 'overloaded_error', 'server_overloaded', `Server overloaded: ${why}; retry later`, { 'retry-after': String(retryAfterS) });
/** 415 for a body that is not JSON (a form, text/plain), naming what was sent and what is expected. */
export const unsupportedMediaType = (contentType: string | undefined): ApiError =>
  new ApiError(415, 'invalid_request_error', 'unsupported_media_type',
    `Content-Type ${contentType ? JSON.stringify(contentType.slice(0, 100)) : '(none)'} is not supported: send the body as JSON with "Content-Type: application/json"`);
/** A value the served model cannot honour (OpenAI's code for it): refused rather than silently ignored. */
export const unsupportedValue = (message: string, param: string): ApiError => new ApiError(400, 'invalid_request_error', 'unsupported_value', message, {}, param);
/**
 * A prompt that leaves no room to generate. OpenAI's status, code and wording ("maximum context length is M
 * tokens"): client libraries that trim a conversation's history match on them.
 */
export const contextLengthExceeded = (promptTokens: number, context: number): ApiError =>
  new ApiError(400, 'invalid_request_error', 'context_length_exceeded',
    `This model's maximum context length is ${context} tokens; the prompt has ${promptTokens} tokens, which leaves no room for a reply (at least 1 token). Reduce the length of the messages.`, {}, 'messages');
export const serverError = (message: string): ApiError => new ApiError(500, 'server_error', 'internal_error', `Server error: ${message}`);

/** A zod failure as an ApiError: value range problems are 422 (invalid parameters), everything else 400 (format). */
export function fromZod(err: z.ZodError): ApiError {
  const issue = err.issues[0]!;
  const param = issue.path.length > 0 ? issue.path.join('.') : null;
  const where = param ?? 'body';
  const rangeCodes = new Set(['too_big', 'too_small', 'invalid_value', 'not_multiple_of']);
  const msg = `${where}: ${issue.message}`;
  return rangeCodes.has(issue.code) ? invalidParameter(msg, param) : invalidFormat(msg, param);
}
