// src/eval/retry.test.ts — Retry-After parsing, seeded backoff bounds and the concurrency limiter.

import test from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, Limiter, linkedSignal, parseRetryAfter, sleep } from './retry.js';

test('parseRetryAfter reads retry-after-ms, seconds and HTTP dates', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': '3' }), now), 3000);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }), now), 250);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now), 10_000);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), now), 0);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now), null);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': '-5' }), now), null);
  assert.equal(parseRetryAfter(new Headers(), now), null);
});

test('backoffMs doubles its cap, stays within [cap/2, cap) and is a function of the seed', () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  for (let attempt = 0; attempt < 8; attempt++) {
    const cap = Math.min(1000, 100 * 2 ** attempt);
    for (const seed of [0, 1, 42, 0xffffffff]) {
      const d = backoffMs(attempt, opts, seed);
      assert.ok(d >= cap / 2 && d < cap, `attempt ${attempt} seed ${seed}: ${d}`);
      assert.equal(backoffMs(attempt, opts, seed), d);
    }
  }
  assert.notEqual(backoffMs(3, opts, 1), backoffMs(3, opts, 2));
});

test('Limiter never runs more than its limit at once and runs waiters in order', async () => {
  const lim = new Limiter(2);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  const gates: (() => void)[] = [];
  const tasks = [0, 1, 2, 3, 4].map((i) =>
    lim.run(async () => {
      active++;
      peak = Math.max(peak, active);
      order.push(i);
      await new Promise<void>((r) => gates.push(r));
      active--;
    }),
  );
  let finished = 0;
  for (const t of tasks) void t.then(() => finished++);
  // Release tasks one at a time (bounded loop); each release lets exactly one waiter in.
  for (let step = 0; step < 50 && finished < tasks.length; step++) {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
  }
  await Promise.all(tasks);
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.throws(() => new Limiter(0), /positive integer/);
});

test('Limiter rejects a waiting task on abort without running it; sleep is abortable', async () => {
  const lim = new Limiter(1);
  let release!: () => void;
  const first = lim.run(() => new Promise<void>((r) => (release = r)));
  const ctl = new AbortController();
  let ran = false;
  const second = lim.run(async () => {
    ran = true;
  }, ctl.signal);
  ctl.abort(new Error('nope'));
  await assert.rejects(second, /nope/);
  release();
  await first;
  assert.equal(ran, false);
  // The slot is free again.
  assert.equal(await lim.run(async () => 7), 7);
  const c2 = new AbortController();
  const s = sleep(60_000, c2.signal);
  c2.abort(new Error('woken'));
  await assert.rejects(s, /woken/);
});

test('linkedSignal follows its parent and detaches on dispose', () => {
  const parent = new AbortController();
  const a = linkedSignal(parent.signal);
  const b = linkedSignal(parent.signal);
  b.dispose();
  parent.abort(new Error('stop'));
  assert.equal(a.signal.aborted, true);
  assert.match(String((a.signal.reason as Error).message), /stop/);
  assert.equal(b.signal.aborted, false);
  assert.equal(linkedSignal(parent.signal).signal.aborted, true);
  assert.equal(linkedSignal(undefined).signal.aborted, false);
});
