// src/cli/flags.test.ts — flag errors as users read them: camelCase option keys back to the flags as typed, zod
// issues as one line with the value given.

import test from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { flagErrors, flagName } from './flags.js';

test('flagName: camelCase keys become the flags as typed', () => {
  assert.deepEqual(['topP', 'maxBatch', 'prefixCacheMb', 'n', 'k', 'json'].map(flagName), ['--top-p', '--max-batch', '--prefix-cache-mb', '-n', '-k', '--json']);
});

test('flagErrors: every issue on one line, naming the flag and the value given; messages that name flags are kept', () => {
  const schema = z.object({
    topP: z.coerce.number().gt(0).max(1),
    n: z.coerce.number().int().min(1),
    style: z.enum(['a', 'b']),
    out: z.string().min(1),
    model: z.string(),
    workers: z.coerce.number().int('--workers must be an integer'),
  });
  const raw = { topP: '2', n: '1.5', style: 'c', out: '', workers: '0.5' };
  const r = schema.safeParse(raw);
  assert.ok(!r.success);
  assert.equal(flagErrors(r.error, raw), '--top-p: must be at most 1, got 2; -n: must be a whole number, got "1.5"; --style: must be one of a, b, got "c"; '
    + '--out: must not be empty; --model: is required; --workers must be an integer');
  const nan = z.object({ timeoutMs: z.coerce.number().positive() }).safeParse({ timeoutMs: 'abc' });
  assert.equal(flagErrors(nan.error!, { timeoutMs: 'abc' }), '--timeout-ms: must be a number, got "abc"');
  const across = z.object({ a: z.string().optional() }).refine((f) => f.a !== undefined, { message: 'give exactly one of --a or --b' }).safeParse({});
  assert.equal(flagErrors(across.error!, {}), 'give exactly one of --a or --b');
});
