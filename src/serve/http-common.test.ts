// src/serve/http-common.test.ts — the shared HTTP pieces: API-key parsing and comparison, and the one ApiError class.

import test from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, errorBody, keyMatches, presentedKey } from './http-common.js';
import { ApiError as ChatApiError, invalidParameter, overloaded } from './errors.js';

test('the API key comes from a Bearer header or x-api-key, and must match exactly', () => {
  assert.equal(presentedKey({ authorization: 'Bearer abc' }), 'abc');
  assert.equal(presentedKey({ authorization: 'bearer  abc ' }), 'abc');
  assert.equal(presentedKey({ authorization: 'Basic abc' }), null);
  assert.equal(presentedKey({ 'x-api-key': 'k' }), 'k');
  assert.equal(presentedKey({}), null);
  assert.equal(keyMatches('secret', 'secret'), true);
  assert.equal(keyMatches('secreT', 'secret'), false);
  assert.equal(keyMatches('secret-and-more', 'secret'), false);
  assert.equal(keyMatches(null, 'secret'), false);
  assert.equal(keyMatches('', 'secret'), false);
  assert.deepEqual(errorBody('overloaded_error', 'queue_full', 'busy'), { error: { message: 'busy', type: 'overloaded_error', code: 'queue_full' } });
});

test('one ApiError for both servers: the chat API\'s errors carry param, the reward service\'s headers', () => {
  assert.equal(ChatApiError, ApiError);
  const e = invalidParameter('max_tokens: too big', 'max_tokens');
  assert.ok(e instanceof ApiError);
  assert.deepEqual([e.status, e.headers], [422, {}]);
  assert.deepEqual(e.body(), { error: { message: 'max_tokens: too big', type: 'invalid_request_error', code: 'invalid_parameter', param: 'max_tokens' } });
  assert.equal(overloaded('queue full').body().error.param, null);
  const busy = new ApiError(503, 'overloaded_error', 'queue_full', 'busy', { 'retry-after': '1' });
  assert.deepEqual([busy.headers, busy.param], [{ 'retry-after': '1' }, null]);
});
