// src/verify/code/slots.test.ts — the process-wide cap on sandboxed runs at once.

import test from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from './index.js';
import { Slots, sandboxSlots, setSandboxSlots, slotsFromEnv } from './slots.js';

test('slots: at most `limit` at once, first come first served, a grown limit starts the waiting ones', async () => {
  const slots = new Slots(2);
  const started: number[] = [];
  const gates = Array.from({ length: 5 }, () => {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  });
  const runs = gates.map((g, i) => slots.run(async () => (started.push(i), await g.promise, i)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1]);
  assert.equal(slots.inFlight, 2);
  gates[1]?.resolve();
  await runs[1];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1, 2]);
  slots.setLimit(4);
  assert.deepEqual(started, [0, 1, 2], 'started on the next turn');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  for (const g of gates) g.resolve();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
  assert.equal(slots.peak, 4);
  assert.equal(slots.inFlight, 0);
  // A run that throws gives its slot back.
  await assert.rejects(slots.run(async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(slots.inFlight, 0);
  assert.throws(() => new Slots(0), /positive integer/);
});

test('slots: R1_SANDBOX_SLOTS, else the CPU count; a bad value is named', () => {
  assert.equal(slotsFromEnv(undefined, 8), 8);
  assert.equal(slotsFromEnv('', 2), 2);
  assert.equal(slotsFromEnv('3', 8), 3);
  assert.throws(() => slotsFromEnv('0', 8), /R1_SANDBOX_SLOTS=0 is not a positive integer/);
  assert.throws(() => slotsFromEnv('two', 8), /R1_SANDBOX_SLOTS=two/);
});

test('sandboxed runs started together wait for a slot: no more run at once than the limit', async () => {
  const before = sandboxSlots().limit;
  setSandboxSlots(1);
  try {
    sandboxSlots().resetPeak();
    const src = "import time\ntime.sleep(0.2)\nprint(input())\n";
    const runs = await Promise.all(Array.from({ length: 4 }, (_, i) => runProgram('python', src, `run ${i}\n`, { wallMs: 10_000 })));
    assert.equal(sandboxSlots().peak, 1);
    assert.deepEqual(runs.map((r) => [r.stdout, r.timedOut]), runs.map((_, i) => [`run ${i}\n`, false]));
  } finally {
    setSandboxSlots(before);
  }
});
