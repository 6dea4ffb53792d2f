// src/model/config.test.ts — tests: parameter counts (closed form vs shapes), presets and config validation.

import test from 'node:test';
import assert from 'node:assert/strict';
import { parseModelConfig, preset, presetNames } from './config.js';
import { countFormula, countFromSpecs } from './params.js';

test('every preset validates and its closed-form counts equal the sum over parameter shapes', () => {
  for (const name of presetNames) {
    const c = preset(name);
    assert.deepEqual(countFormula(c), countFromSpecs(c), name);
  }
});

test('an unknown preset name (from JavaScript or a run-time string) throws naming the presets', () => {
  for (const name of ['nope', 'toString', '__proto__', undefined, 42]) {
    assert.throws(() => preset(name as never), (e: unknown) => e instanceof RangeError && e.message.startsWith('unknown model preset ') && e.message.endsWith(`use one of ${presetNames.join(', ')}`), String(name));
  }
});

test('deepseek-v3 preset counts ~671B total and ~37B active per token', () => {
  const n = countFormula(preset('deepseek-v3'));
  assert.ok(Math.abs(n.total / 1e9 - 671) < 1, `total ${n.total}`);
  assert.ok(Math.abs(n.activePerToken / 1e9 - 37) < 1, `active ${n.activePerToken}`);
});

test('reference preset is the Llama-style bench model', () => {
  const c = preset('reference');
  assert.equal(c.hidden, 256);
  assert.equal(c.nLayers, 4);
  assert.equal(c.intermediate, 1024);
  assert.equal(c.vocabSize, 512);
  // embed + head (2·512·256) + 4 layers · (4·256² attention + 3·256·1024 MLP + 2·256 norms) + final norm
  assert.equal(countFormula(c).total, 2 * 512 * 256 + 4 * (4 * 256 * 256 + 3 * 256 * 1024 + 512) + 256);
});

test('GQA, biases and tying change the counts the same way in both methods', () => {
  const c = parseModelConfig({ vocabSize: 100, hidden: 32, nLayers: 3, nHeads: 8, intermediate: 40, tieEmbeddings: true, attention: { kind: 'mha', nKvHeads: 2, qkvBias: true } });
  const f = countFormula(c);
  assert.deepEqual(f, countFromSpecs(c));
  assert.equal(f.total, 100 * 32 + 3 * (2 * 32 * 32 + 2 * 32 * 8 + 32 + 16 + 3 * 32 * 40 + 64) + 32);
});

test('bad configs fail with messages naming the field', () => {
  assert.throws(() => parseModelConfig({ vocabSize: 10, hidden: 30, nLayers: 1, nHeads: 4, intermediate: 8 }), /divisible by nHeads/);
  assert.throws(() => parseModelConfig({ vocabSize: 10, hidden: 32, nLayers: 1, nHeads: 4, intermediate: 8, attention: { kind: 'mha', nKvHeads: 3 } }), /multiple of attention.nKvHeads/);
  assert.throws(
    () => parseModelConfig({ vocabSize: 10, hidden: 32, nLayers: 1, nHeads: 4, intermediate: 8, mlp: { kind: 'moe', nSharedExperts: 0, nRoutedExperts: 2, expertsPerToken: 3, moeIntermediate: 4 } }),
    /expertsPerToken/,
  );
  assert.throws(() => parseModelConfig({ vocabSize: 10 }, 'x.json'), /invalid x\.json:[\s\S]*hidden/);
  assert.throws(() => parseModelConfig({ vocabSize: 10, hidden: 32, nLayers: 1, nHeads: 4, intermediate: 8, bogus: 1 }), /bogus/);
});
