// src/model/checkpoint/hf.test.ts — tests: Hugging Face checkpoint folders and config.json mapping.

import test from 'node:test';
import { formatModelInfo, modelInfo } from '../info.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  assert.throws(() => fromHfConfig({ ...qwen, use_sliding_window: true, sliding_window: 64 }), /use_sliding_window=true \(a 64-token attention window\) is not supported/);
  assert.equal(fromHfConfig({ ...qwen, use_sliding_window: false, sliding_window: 64 }).architecture, 'qwen2', 'a window that is switched off is fine');
  assert.throws(() => fromHfConfig({ ...qwen, rope_scaling: { type: 'yarn', factor: 4 } }), /rope_scaling type "yarn" is not supported \(supported: default, linear, llama3\)/);
  assert.throws(() => fromHfConfig({ ...qwen, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4 } }), /rope_scaling\.original_max_position_embeddings must be a positive number/);
  assert.throws(() => fromHfConfig({ ...qwen, hidden_size: 'big' }), /hidden_size/);
  assert.throws(() => toHfConfig(parseModelConfig({ vocabSize: 10, hidden: 8, nLayers: 1, nHeads: 2, intermediate: 8, mlp: { kind: 'moe', nSharedExperts: 0, nRoutedExperts: 2, expertsPerToken: 1, moeIntermediate: 4 } })), /MHA attention with MoE/);
});

test('RoPE scaling (llama3, linear) is read from rope_scaling or rope_parameters, written back, and reported by model info', () => {
  const llama = { model_type: 'llama', vocab_size: 100, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, hidden_act: 'silu', max_position_embeddings: 128, rope_theta: 500000 };
  const l3 = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
  const want = { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
  assert.deepEqual(fromHfConfig({ ...llama, rope_scaling: l3 }).config.ropeScaling, want, 'Llama 3.1 config.json (rope_scaling)');
  assert.deepEqual(fromHfConfig({ ...llama, rope_scaling: null, rope_parameters: { ...l3, rope_theta: 500000 } }).config.ropeScaling, want, 'transformers 5 (rope_parameters)');
  assert.deepEqual(fromHfConfig({ ...llama, rope_scaling: { type: 'linear', factor: 2 } }).config.ropeScaling, { type: 'linear', factor: 2 });
  assert.equal(fromHfConfig({ ...llama, rope_parameters: { rope_type: 'default', rope_theta: 10000 } }).config.ropeScaling, null);
  const c = fromHfConfig({ ...llama, rope_scaling: l3 }).config;
  assert.deepEqual(toHfConfig(c).rope_scaling, l3, 'written back under the Hugging Face key names');
  assert.deepEqual(fromHfConfig(JSON.parse(JSON.stringify(toHfConfig(c)))).config, c, 'round trip');
  assert.match(formatModelInfo(modelInfo(c, 'config.json')), /llama3 scaling ×8/);
  assert.throws(() => parseModelConfig({ ...preset('tiny-dense'), ropeScaling: { ...want, highFreqFactor: 1 } }), /highFreqFactor \(1\) must exceed lowFreqFactor \(1\)/);
});

test('a shard index cannot reach outside the checkpoint folder; weights and configs must be regular files', () => {
  withTmp((root) => {
    const dir = join(root, 'ckpt');
    const other = join(root, 'other');
    mkdirSync(other);
    const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(1));
    saveModelAsHf(dir, m);
    // A second, valid checkpoint elsewhere: an index pointing at it must not load it.
    renameSync(join(dir, 'model.safetensors'), join(other, 'model.safetensors'));
    const names = [...m.stateDict().keys()];
    const index = (file: string): string => JSON.stringify({ weight_map: Object.fromEntries(names.map((n) => [n, file])) });
    const load = () => loadHfCheckpoint(dir, createEngine(createRefBackend()));
    for (const escape of ['../other/model.safetensors', join(other, 'model.safetensors'), 'sub/../../other/model.safetensors', '..']) {
      writeFileSync(join(dir, 'model.safetensors.index.json'), index(escape));
      assert.throws(load, (e: Error) => e.message.includes('model.safetensors.index.json') && /outside the checkpoint folder; refusing to read it/.test(e.message), escape);
    }
    // Inside the folder, also through a subfolder, is fine.
    mkdirSync(join(dir, 'shards'));
    renameSync(join(other, 'model.safetensors'), join(dir, 'shards', 'model-00001.safetensors'));
    writeFileSync(join(dir, 'model.safetensors.index.json'), index('shards/model-00001.safetensors'));
    assert.equal(load().model.config.nLayers, m.config.nLayers);
    // A FIFO in place of the weights (or of config.json) is refused instead of blocking the read forever.
    const shard = join(dir, 'shards', 'model-00001.safetensors');
    rmSync(shard);
    execFileSync('mkfifo', [shard]);
    assert.throws(load, /model-00001\.safetensors: .*not a regular file/);
    rmSync(join(dir, 'config.json'));
    execFileSync('mkfifo', [join(dir, 'config.json')]);
    assert.throws(load, /config\.json: not a regular file \(a FIFO\)/);
  });
});
