// src/cli/progress.test.ts — progress on stderr: plain lines at an interval when stderr is not a terminal, a
// bar on a terminal, and a server-requested wait shown as a countdown instead of an ETA. A fake clock drives it.

import test from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { formatDuration, Progress } from './progress.js';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 200 });
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  return { stream, text: () => out };
}

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(12_400), '12s');
  assert.equal(formatDuration(245_000), '4m 05s');
  assert.equal(formatDuration(3_720_000), '1h 02m');
});

test('without a terminal: a plain line at most every interval, ETA from this run\'s rate, a final line', () => {
  let now = 1_000_000;
  const { stream, text } = capture(false);
  const p = new Progress(stream, { unit: 'samples', intervalMs: 10_000, now: () => now, timer: false });
  assert.equal(p.mode, 'plain');
  p.update({ label: 'gsm8k', done: 10, total: 110, resumed: 10, fields: [['acc', '50.0%']] });
  now += 4_000;
  p.update({ label: 'gsm8k', done: 20, total: 110, resumed: 10 }); // within the interval: no line
  now += 6_000;
  p.update({ label: 'gsm8k', done: 30, total: 110, resumed: 10, fields: [['acc', '60.0%']] });
  p.stop();
  const lines = text().trim().split('\n');
  assert.equal(lines.length, 3, text());
  assert.equal(lines[0], 'gsm8k 10/110 samples (9.1%) | acc 50.0% | elapsed 0s');
  // 20 fresh samples in 10 s: 80 left take 40 s. Resumed samples do not inflate the rate.
  assert.equal(lines[1], 'gsm8k 30/110 samples (27.3%) | acc 60.0% | elapsed 10s | ETA 40s');
  assert.equal(lines[2], lines[1]);
});

test('a long server-requested wait prints at once and counts down in place of the ETA', () => {
  let now = 0;
  const { stream, text } = capture(false);
  const p = new Progress(stream, { unit: 'samples', intervalMs: 10_000, now: () => now, timer: false });
  p.update({ label: 'aime24', done: 1, total: 30 });
  now += 1_000;
  p.wait(300_000, 'server asked to retry later: HTTP 429');
  now += 10_000;
  p.tick();
  now += 300_000;
  p.tick(); // the wait is over: back to an ETA
  const lines = text().trim().split('\n');
  assert.match(lines[1]!, /aime24 1\/30 samples .* \| waiting 5m 00s \(server asked to retry later: HTTP 429\)$/);
  assert.match(lines[2]!, /waiting 4m 50s/);
  assert.doesNotMatch(lines[2]!, /ETA/);
  assert.match(lines[3]!, /ETA /);
  assert.doesNotMatch(lines[3]!, /waiting/);
  // A short backoff does not force a line.
  const before = text();
  p.wait(800, 'retry 1: HTTP 503');
  assert.equal(text(), before);
});

test('on a terminal: a bar that shows the wait instead of an ETA', () => {
  const now = 0;
  const { stream, text } = capture(true);
  const p = new Progress(stream, { unit: 'samples', now: () => now, timer: false });
  assert.equal(p.mode, 'bar');
  p.update({ label: 'math500', done: 5, total: 50, fields: [['retries', 1]] });
  p.wait(120_000, 'server asked to retry later: HTTP 429');
  p.tick();
  p.stop();
  assert.match(text(), /math500 \|[█░]+\| 5\/50 samples \| retries 1 \| waiting 2m 00s \(server asked to retry later: HTTP 429\)/);
});
