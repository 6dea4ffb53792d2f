// src/serve/http-common.test.ts — the shared HTTP pieces: API-key parsing and comparison.

import test from 'node:test';
import assert from 'node:assert/strict';
import { errorBody, keyMatches, presentedKey } from './http-common.js';

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
