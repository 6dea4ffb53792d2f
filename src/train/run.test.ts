import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRefBackend } from '../backend/index.js';
import { preset } from '../model/index.js';
import { optimSchema } from './config.js';
import { initCheckpoint } from './init.js';
import { openRun } from './run.js';

test('a NaN or infinite gradient skips the optimizer step: weights, moments and step count stay as they were', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-run-'));
  try {
    initCheckpoint(join(dir, 'init'), { config: { ...preset('tiny-dense'), maxSeqLen: 32 }, tokenizer: { corpus: ['hello world 123', 'hello there'], vocabSize: 270 }, seed: 1 });
    // With clipping and without it (maxGradNorm 0 only measures the norm).
    for (const maxGradNorm of [1, 0]) {
      const run = openRun({ out: join(dir, `run-${maxGradNorm}`), model: join(dir, 'init'), optim: optimSchema.parse({ lr: 1e-3, maxGradNorm }) }, false, createRefBackend());
      const { flat, opt } = run;
      // A good step first, so that the moments are not zero.
      flat.grads.fill(0.01);
      const good = run.step(1e-3);
      assert.equal(good.skipped, false);
      assert.ok(Number.isFinite(good.gradNorm) && good.gradNorm > 0);
      assert.equal(opt.t, 1);
      for (const bad of [NaN, Infinity, -Infinity]) {
        const params = flat.params.slice(), m = opt.m.slice(), v = opt.v.slice();
        flat.grads.fill(0.01);
        flat.grads[7] = bad;
        const r = run.step(1e-3);
        assert.equal(r.skipped, true, `${bad} (maxGradNorm ${maxGradNorm})`);
        assert.ok(!Number.isFinite(r.gradNorm));
        assert.deepEqual(flat.params, params);
        assert.deepEqual(opt.m, m);
        assert.deepEqual(opt.v, v);
        assert.equal(opt.t, 1);
      }
      // A finite gradient updates again.
      const before = flat.params.slice();
      flat.grads.fill(0.01);
      assert.equal(run.step(1e-3).skipped, false);
      assert.equal(opt.t, 2);
      assert.notDeepEqual(flat.params, before);
      assert.ok(flat.params.every(Number.isFinite) && opt.m.every(Number.isFinite) && opt.v.every(Number.isFinite));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
