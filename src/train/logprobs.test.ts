import test from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend } from '../backend/index.js';
import { DecoderWeights, generate } from '../generate/index.js';
import { parseModelConfig, preset, Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { packRows, rowLogProbs } from './logprobs.js';

test('packRows: completion token k is predicted at position P + k − 1; padding carries no target', () => {
  const p = packRows([{ prompt: [1, 2, 3], completion: [4, 5] }, { prompt: [7], completion: [8, 9, 10] }], 0);
  assert.equal(p.T, 4);
  assert.deepEqual([...p.ids], [1, 2, 3, 4, 7, 8, 9, 0]);
  assert.deepEqual([...p.targets], [-100, -100, 4, 5, 8, 9, 10, -100]);
  assert.deepEqual([...p.at], [2, 3, 4, 5, 6]);
  assert.throws(() => packRows([{ prompt: [], completion: [1] }]), /empty prompt/);
  assert.throws(() => packRows([{ prompt: [1], completion: [] }]), /empty completion/);
});

// The GRPO ratio π_θ / π_old starts from the sampler's log-probs: they must equal the training forward's.
for (const name of ['tiny-dense', 'tiny-moe-mla'] as const) {
  test(`sampler log-probs equal the training forward's within 1e-4 (${name}, temperature 0.7, batched ragged prompts)`, () => {
    const engine = createEngine(createNativeBackend());
    const model = new Transformer(engine, parseModelConfig({ ...preset(name), maxSeqLen: 128 }), new Rng(5));
    const prompts = [[1, 2, 3, 4, 5], [9, 8], [30, 31, 32, 33, 34, 35, 36]];
    const weights = DecoderWeights.supports(model) ? new DecoderWeights(model) : undefined;
    const res = generate(model, prompts, { maxNewTokens: 12, n: 3, seed: 4, sampling: { temperature: 0.7, topP: 0.9 }, ...(weights ? { weights } : {}) });
    const rows = res.sequences.map((s) => ({ prompt: prompts[s.prompt]!, completion: s.tokens }));
    let worst = 0, n = 0;
    engine.scope(() => {
      const r = rowLogProbs(model, rows, 0.7, { train: true });
      let k = 0;
      res.sequences.forEach((s) => s.logprobs.forEach((want) => {
        worst = Math.max(worst, Math.abs(r.lp.data[r.packed.at[k++]!]! - want));
        n++;
      }));
    });
    assert.equal(n, res.sequences.reduce((a, s) => a + s.tokens.length, 0));
    assert.ok(n > 50);
    assert.ok(worst < 1e-4, `largest gap ${worst}`);
  });
}
