// src/model/checkpoint/hf.test.ts — tests: Hugging Face checkpoint folders and config.json mapping.

import test from 'node:test';
import { formatModelInfo, humanCount, modelInfo } from '../info.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { bf16ToF32, f16ToF32, f32ToF16 } from './half.js';
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
  const qwen3Like = parseModelConfig({ vocabSize: 512, hidden: 32, nLayers: 1, nHeads: 4, intermediate: 48, attention: { kind: 'mha', nKvHeads: 2, headDim: 12, qkNorm: true } });
  for (const name of ['tiny-dense', 'tiny-moe-mla', 'qwen2-like', 'qwen3-like'] as const) {
    withTmp((dir) => {
      const e = createEngine(createRefBackend());
      const m = new Transformer(e, name === 'qwen2-like' ? qwenLike : name === 'qwen3-like' ? qwen3Like : preset(name), new Rng(11));
      for (const moe of m.moeLayers()) moe.gate.bias.forEach((_, i) => (moe.gate.bias[i] = 0.01 * i));
      const tok = byteLevelVocab(512);
      const { architecture } = saveModelAsHf(dir, m, { tokenizerJson: byteLevelTokenizerJson(tok), bosId: tok.bosId, eosId: tok.eosId, eosToken: '<|endoftext|>' });
      assert.equal(architecture, { 'tiny-dense': 'llama', 'tiny-moe-mla': 'deepseek_v3', 'qwen2-like': 'qwen2', 'qwen3-like': 'qwen3' }[name]);
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
  // Qwen3 (Qwen3-0.6B's dims: head_dim 128 although hidden / heads = 64): per-head q/k norms, no biases.
  const qwen3 = { model_type: 'qwen3', vocab_size: 151936, hidden_size: 1024, intermediate_size: 3072, num_hidden_layers: 28, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128, hidden_act: 'silu', max_position_embeddings: 40960, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, attention_bias: false, use_sliding_window: false, sliding_window: null };
  const q3 = fromHfConfig(qwen3);
  assert.equal(q3.architecture, 'qwen3');
  assert.deepEqual(q3.config.attention, { kind: 'mha', nKvHeads: 8, headDim: 128, qkvBias: false, qkNorm: true });
  assert.equal(humanCount(countFormula(q3.config).total), '596.05M', 'Qwen3-0.6B: 0.6B with its tied embeddings');
  assert.deepEqual(fromHfConfig(JSON.parse(JSON.stringify(toHfConfig(q3.config)))).config, q3.config);
  assert.match(formatModelInfo(modelInfo(q3.config, 'config.json')), /head dim 128, per-head q\/k RMSNorm/);
  assert.throws(() => fromHfConfig({ ...qwen3, attention_bias: true }), /qwen3 attention_bias=true \(bias on o_proj too\) is not supported/);
  assert.throws(() => fromHfConfig({ ...qwen, use_sliding_window: true, sliding_window: 64 }), /use_sliding_window=true \(a 64-token attention window\) is not supported/);
  assert.equal(fromHfConfig({ ...qwen, use_sliding_window: false, sliding_window: 64 }).architecture, 'qwen2', 'a window that is switched off is fine');
  assert.throws(() => fromHfConfig({ ...qwen, rope_scaling: { type: 'dynamic', factor: 4 } }), /rope_scaling type "dynamic" is not supported \(supported: default, linear, llama3, yarn\)/);
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

test('YaRN is read as DeepSeek-V3 and Qwen2.5 write it, with transformers\' defaults, and written back', () => {
  // DeepSeek-V3's and R1's config.json (deepseek-ai/DeepSeek-V3), with its FP8 quantization_config.
  const v3 = {
    architectures: ['DeepseekV3ForCausalLM'], model_type: 'deepseek_v3', vocab_size: 129280, hidden_size: 7168, intermediate_size: 18432, moe_intermediate_size: 2048,
    num_hidden_layers: 61, num_attention_heads: 128, num_key_value_heads: 128, n_shared_experts: 1, n_routed_experts: 256, routed_scaling_factor: 2.5,
    kv_lora_rank: 512, q_lora_rank: 1536, qk_rope_head_dim: 64, v_head_dim: 128, qk_nope_head_dim: 128, topk_method: 'noaux_tc', n_group: 8, topk_group: 4,
    num_experts_per_tok: 8, moe_layer_freq: 1, first_k_dense_replace: 3, norm_topk_prob: true, scoring_func: 'sigmoid', aux_loss_alpha: 0.001, seq_aux: true,
    hidden_act: 'silu', max_position_embeddings: 163840, initializer_range: 0.02, rms_norm_eps: 1e-6, use_cache: true, bos_token_id: 0, eos_token_id: 1,
    tie_word_embeddings: false, rope_theta: 10000, attention_bias: false, attention_dropout: 0.0, num_nextn_predict_layers: 1,
    rope_scaling: { beta_fast: 32, beta_slow: 1, factor: 40, mscale: 1.0, mscale_all_dim: 1.0, original_max_position_embeddings: 4096, type: 'yarn' },
    quantization_config: { activation_scheme: 'dynamic', fmt: 'e4m3', quant_method: 'fp8', weight_block_size: [128, 128] },
  };
  const { config, architecture } = fromHfConfig(v3);
  assert.equal(architecture, 'deepseek_v3');
  const yarn = { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1, mscale: 1, mscaleAllDim: 1, truncate: true };
  assert.deepEqual(config.ropeScaling, yarn);
  assert.deepEqual(config, preset('deepseek-v3'), 'the deepseek-v3 preset is this config');
  assert.equal(humanCount(countFormula(config).total), '671.03B');
  assert.match(formatModelInfo(modelInfo(config, 'config.json')), /yarn scaling ×40/);
  assert.deepEqual(fromHfConfig(JSON.parse(JSON.stringify(toHfConfig(config)))).config, config, 'round trip');
  // Without a factor, transformers takes the ratio of the two contexts; without an original context, the model's.
  const qwen = { model_type: 'qwen2', vocab_size: 100, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, max_position_embeddings: 131072, rope_theta: 1e6 };
  assert.equal((fromHfConfig({ ...qwen, rope_scaling: { type: 'yarn', original_max_position_embeddings: 32768 } }).config.ropeScaling as { factor: number }).factor, 4);
  assert.deepEqual(fromHfConfig({ ...qwen, rope_scaling: { type: 'yarn', factor: 4 } }).config.ropeScaling, { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 131072, betaFast: 32, betaSlow: 1, truncate: true });
  assert.throws(() => fromHfConfig({ ...qwen, rope_scaling: { type: 'yarn', factor: 4, mscale: -1 } }), /rope_scaling\.mscale must be a number >= 0, got -1/);
  assert.throws(() => fromHfConfig({ ...qwen, rope_scaling: { type: 'yarn', factor: 4, truncate: 'no' } }), /rope_scaling\.truncate must be true or false/);
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

test('config sizes are checked against available memory and the weight headers before anything is allocated', () => {
  withTmp((dir) => {
    const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(1));
    saveModelAsHf(dir, m);
    const load = (availableBytes?: number) => loadHfCheckpoint(dir, createEngine(createRefBackend()), availableBytes !== undefined ? { availableBytes } : {});
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const params = countFormula(m.config).total;
    // The figure is in the message; a budget one byte short is refused, an exact one loads.
    assert.throws(() => load(4 * params - 1), (e: Error) => e.message.includes('config.json') && e.message.includes(`${params.toLocaleString('en-US')} float32 parameters`) && /only 0\.\d\d GB of memory is available/.test(e.message));
    assert.equal(load(4 * params).model.config.nLayers, m.config.nLayers);
    // Absurd values fail at once with the size, instead of growing memory until something breaks.
    // (An explicit 8 GB budget keeps the test independent of this machine's free memory.)
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 100000 }));
    assert.throws(() => load(8e9), /the model needs \d+\.\d\d GB .*100000 layers.* but only 8\.00 GB of memory is available/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, vocab_size: 200000, hidden_size: 4096, intermediate_size: 11008, num_attention_heads: 32, num_key_value_heads: 32, head_dim: 128 }));
    assert.throws(() => load(64e9), /weights do not match .*config\.json: tensor model\.embed_tokens\.weight has shape \[512, 64\], the model expects \[200000, 4096\] \(.*model\.safetensors\);.* 20 tensors in all have other shapes/);
  });
});

test('checkpoints over 4 GiB load by offset (sparse file), with BF16 and F16 tensors widened on load', () => {
  withTmp((dir) => {
    const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(3));
    saveModelAsHf(dir, m);
    const want = m.stateDict();
    // A 4.4 GB tensor the loader ignores (a rotary buffer) comes first, so every real tensor sits past 4 GiB.
    const fillerBytes = 4 * 1_100_000_000;
    const header: Record<string, unknown> = { 'model.rotary_emb.inv_freq': { dtype: 'F32', shape: [1_100_000_000], data_offsets: [0, fillerBytes] } };
    const chunks: { at: number; bytes: Buffer }[] = [];
    const expected = new Map<string, Float32Array>();
    let off = fillerBytes;
    for (const [name, t] of want) {
      const dtype = t.shape.length === 1 ? 'F16' : 'BF16';
      const bytes = Buffer.alloc(2 * t.data.length);
      const back = new Float32Array(t.data.length);
      t.data.forEach((x, i) => {
        const h = dtype === 'F16' ? f32ToF16(x) : new Uint32Array(Float32Array.of(x).buffer)[0]! >>> 16; // bf16: top half
        bytes.writeUInt16LE(h, 2 * i);
        back[i] = dtype === 'F16' ? f16ToF32(h) : bf16ToF32(h);
      });
      header[name] = { dtype, shape: t.shape, data_offsets: [off, off + bytes.length] };
      chunks.push({ at: off, bytes });
      expected.set(name, back);
      off += bytes.length;
    }
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const file = join(dir, 'model.safetensors');
    const fd = openSync(file, 'w');
    try {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      writeSync(fd, len, 0, 8, 0);
      writeSync(fd, Buffer.from(json), 0, json.length, 8);
      for (const c of chunks) writeSync(fd, c.bytes, 0, c.bytes.length, 8 + json.length + c.at);
    } finally {
      closeSync(fd);
    }
    assert.ok(statSync(file).size > 4 * 2 ** 30, 'file is over 4 GiB');
    const back = loadHfCheckpoint(dir, createEngine(createRefBackend()));
    for (const [name, t] of back.model.stateDict()) assert.deepEqual(t.data, expected.get(name), name);
    assert.ok([...expected.values()].some((a, i) => a.some((x, j) => x !== [...want.values()][i]!.data[j])), 'half precision really rounded something');
  });
});
