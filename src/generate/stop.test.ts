import test from 'node:test';
import assert from 'node:assert/strict';
import { StopMatcher } from './stop.js';

function run(stops: string[], chunks: string[]): { out: string; stopped: boolean; stop?: string } {
  const m = new StopMatcher(stops);
  let out = '';
  for (const c of chunks) {
    const r = m.push(c);
    out += r.emit;
    if (r.stopped) return { out, stopped: true, stop: r.stop };
  }
  return { out: out + m.flush(), stopped: false };
}

test('a stop string split over chunks stops and is not emitted', () => {
  assert.deepEqual(run(['</answer>'], ['<answer>42</an', 'swer> trailing']), { out: '<answer>42', stopped: true, stop: '</answer>' });
});

test('a partial stop prefix is held back, then released when it does not complete', () => {
  const m = new StopMatcher(['STOP']);
  assert.deepEqual(m.push('abcST'), { emit: 'abc', stopped: false });
  assert.deepEqual(m.push('x'), { emit: 'STx', stopped: false });
  assert.equal(m.flush(), '');
});

test('the earliest of several stop strings wins; flush releases held text at the end', () => {
  assert.deepEqual(run(['ZZ', 'B'], ['aB..ZZ']), { out: 'a', stopped: true, stop: 'B' });
  assert.deepEqual(run(['xyz'], ['hello x', 'y']), { out: 'hello xy', stopped: false });
  assert.deepEqual(run([], ['free text']), { out: 'free text', stopped: false });
  assert.throws(() => new StopMatcher(['']), /non-empty/);
});
