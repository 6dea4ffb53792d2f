import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRefBackend } from '../backend/index.js';
import { parseModelConfig, preset, Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { trainTokenizer } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';
import { loadLatestCheckpoint, saveCheckpoint } from './checkpoint.js';

function fixture(): { dir: string; model: Transformer; save: (step: number, opts?: Parameters<typeof saveCheckpoint>[5]) => string; steps: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'r1-ckpt-'));
  const tok = trainTokenizer(['hello world 123', 'hello there'], { vocabSize: 270 });
  const model = new Transformer(createEngine(createRefBackend()), parseModelConfig({ ...preset('tiny-dense'), vocabSize: tok.vocabSize, maxSeqLen: 16 }), new Rng(1));
  const save = (step: number, opts?: Parameters<typeof saveCheckpoint>[5]): string =>
    saveCheckpoint(dir, model, tok, { step, state: {}, arrays: {}, reference: null }, 2, opts);
  const steps = (): string[] => readdirSync(join(dir, 'checkpoints')).filter((n) => n.startsWith('step-')).sort();
  return { dir, model, save, steps };
}

test('retention keeps the newest intact checkpoints: a damaged one is removed, never kept in place of an intact one', () => {
  const { dir, model, save, steps } = fixture();
  try {
    save(800);
    const damaged = save(847);
    truncateSync(join(damaged, 'model.safetensors'), 1000);
    // A resumed run: it skipped the damaged 847, loaded 800 (so knows it intact) and now writes 850.
    const warnings: string[] = [];
    const ck = loadLatestCheckpoint(dir, model, null, (m) => warnings.push(m));
    assert.equal(ck?.step, 800);
    assert.match(warnings.join('\n'), /step-00000847 is damaged \(model\.safetensors has 1000 bytes/);
    const log: string[] = [];
    save(850, { intact: new Set([800]), log: (m) => log.push(m) });
    assert.deepEqual(steps(), ['step-00000800', 'step-00000850']);
    assert.match(log.join('\n'), /removed damaged checkpoint .*step-00000847 \(model\.safetensors has 1000 bytes/);
    // Without being told, retention checks a checkpoint before keeping it.
    truncateSync(join(dir, 'checkpoints', 'step-00000850', 'model.safetensors'), 10);
    save(900);
    assert.deepEqual(steps(), ['step-00000800', 'step-00000900']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a resumed run writing a step before a damaged checkpoint removes that checkpoint (it would shadow the new ones)', () => {
  const { dir, save, steps } = fixture();
  try {
    save(800);
    truncateSync(join(save(847), 'model.safetensors'), 1000);
    const log: string[] = [];
    save(810, { intact: new Set([800]), log: (m) => log.push(m) });
    assert.deepEqual(steps(), ['step-00000800', 'step-00000810']);
    assert.match(log.join('\n'), /removed checkpoint .*step-00000847: the run resumed from an earlier one/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading: null when a run has no checkpoint; an error naming each damaged one when none is intact', () => {
  const { dir, model, save } = fixture();
  try {
    assert.equal(loadLatestCheckpoint(dir, model, null, () => {}), null);
    save(5);
    save(10);
    for (const s of ['step-00000005', 'step-00000010']) truncateSync(join(dir, 'checkpoints', s, 'model.safetensors'), 100);
    assert.throws(
      () => loadLatestCheckpoint(dir, model, null, () => {}),
      (e: Error) => /no intact checkpoint to resume from \(2 damaged: step-00000010: model\.safetensors has 100 bytes.*; step-00000005: .*\); use a new --out, or remove .* to start over/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
