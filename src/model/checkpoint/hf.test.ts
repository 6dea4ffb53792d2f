// src/model/checkpoint/hf.test.ts — tests: Hugging Face checkpoint folders and config.json mapping.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRefBackend } from '../../backend/index.js';
import { createEngine } from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { parseModelConfig, preset } from '../config.js';
import { Transformer } from '../transformer.js';
import { countFormula } from '../params.js';
import { byteLevelTokenizerJson, byteLevelVocab } from './byte-vocab.js';
import { loadHfCheckpoint, saveModelAsHf } from './hf.js';
import { fromHfConfig, toHfConfig } from './hf-config.js';

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-hf-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('save -> load of a HF checkpoint is bit-exact (dense llama and MLA/MoE deepseek_v3 layouts)', () => {
  const qwenLike = parseModelConfig({ vocabSize: 512, hidden: 32, nLayers: 1, nHeads: 4, intermediate: 48, attention: { kind: 'mha', nKvHeads: 2, qkvBias: true } });
  for (const name of ['tiny-dense', 'tiny-moe-mla', 'qwen2-like'] as const) {
    withTmp((dir) => {
      const e = createEngine(createRefBackend());
      const m = new Transformer(e, name === 'qwen2-like' ? qwenLike : preset(name), new Rng(11));
      for (const moe of m.moeLayers()) moe.gate.bias.forEach((_, i) => (moe.gate.bias[i] = 0.01 * i));
      const tok = byteLevelVocab(512);
      const { architecture } = saveModelAsHf(dir, m, { tokenizerJson: byteLevelTokenizerJson(tok), bosId: tok.bosId, eosId: tok.eosId, eosToken: '<|endoftext|>' });
      assert.equal(architecture, { 'tiny-dense': 'llama', 'tiny-moe-mla': 'deepseek_v3', 'qwen2-like': 'qwen2' }[name]);
      const back = loadHfCheckpoint(dir, createEngine(createRefBackend()));
      assert.deepEqual(back.model.config, m.config);
      const a = m.stateDict(), b = back.model.stateDict();
      assert.equal(a.size, b.size);
      for (const [k, v] of a) assert.deepEqual(Buffer.from(b.get(k)!.data.buffer, b.get(k)!.data.byteOffset, b.get(k)!.data.byteLength), Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength), k);
      assert.equal((back.tokenizerJson as { model: { type: string } }).model.type, 'BPE');
      const ids = Int32Array.of(1, 2, 3, 4);
      assert.deepEqual(e.noGrad(() => m.forward(ids, 1, 4)).data, back.model.engine.noGrad(() => back.model.forward(ids, 1, 4)).data);
    });
  }
});

test('a corrupt or mismatched checkpoint is rejected with a message naming the file and the problem', () => {
  withTmp((dir) => {
    const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(1));
    saveModelAsHf(dir, m);
    const st = join(dir, 'model.safetensors');
    const good = readFileSync(st);
    writeFileSync(st, good.subarray(0, good.length - 100));
    assert.throws(() => loadHfCheckpoint(dir, createEngine(createRefBackend())), (err: Error) => err.message.includes(st) && /truncated/.test(err.message));
    writeFileSync(st, good);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    assert.throws(() => loadHfCheckpoint(dir, createEngine(createRefBackend())), /missing model\.layers\.2\./);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 32, head_dim: 16 }));
    assert.throws(() => loadHfCheckpoint(dir, createEngine(createRefBackend())), /has shape \[512, 64\], the model expects \[512, 32\]/);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    assert.throws(() => loadHfCheckpoint(dir, createEngine(createRefBackend())), /config\.json: invalid JSON/);
  });
});

test('HF config mapping round-trips and reads Qwen2 (q/k/v biases) and rejects unsupported configs', () => {
  for (const c of [preset('tiny-dense'), preset('reference'), preset('tiny-moe-mla'), preset('deepseek-v3')]) {
    const hf = JSON.parse(JSON.stringify(toHfConfig(c)));
    const back = fromHfConfig(hf).config;
    assert.deepEqual(toHfConfig(back), toHfConfig(c));
    assert.deepEqual(countFormula(back), countFormula(c));
  }
  const qwen = { model_type: 'qwen2', vocab_size: 100, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, hidden_act: 'silu', max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 1e6, tie_word_embeddings: true };
  const q = fromHfConfig(qwen);
  assert.equal(q.architecture, 'qwen2');
  assert.deepEqual(q.config.attention, { kind: 'mha', nKvHeads: 2, qkvBias: true });
  assert.equal(toHfConfig(q.config).model_type, 'qwen2');
  assert.throws(() => fromHfConfig({ ...qwen, model_type: 'gpt2' }, 'x/config.json'), /x\/config\.json: model_type gpt2 is not supported/);
  assert.throws(() => fromHfConfig({ ...qwen, rope_scaling: { type: 'yarn' } }), /rope_scaling/);
  assert.throws(() => fromHfConfig({ ...qwen, hidden_size: 'big' }), /hidden_size/);
  assert.throws(() => toHfConfig(parseModelConfig({ vocabSize: 10, hidden: 8, nLayers: 1, nHeads: 2, intermediate: 8, mlp: { kind: 'moe', nSharedExperts: 0, nRoutedExperts: 2, expertsPerToken: 1, moeIntermediate: 4 } })), /MHA attention with MoE/);
});
