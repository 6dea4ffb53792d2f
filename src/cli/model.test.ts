// src/cli/model.test.ts — `r1 model info` and `r1 model export-gguf` end to end by spawning the real entry point (tsx from source, node from dist).

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseModelConfig, preset } from '../model/config.js';
import { makeCheckpoint, makeGgufCheckpoint } from '../eval/fixtures.js';
import { importLlamaGguf } from '../model/gguf/llama.js';
import { loadModel } from '../model/load.js';
import { toHfConfig } from '../model/checkpoint/hf-config.js';
import { countFormula } from '../model/params.js';
import { saveModelAsHf } from '../model/checkpoint/hf.js';
import { Transformer } from '../model/transformer.js';
import { createRefBackend } from '../backend/index.js';
import { createEngine } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { r1 } from './r1.case.test.js';


test('r1 model info deepseek-v3 prints ~671B total and ~37B active parameters', () => {
  const r = r1(['model', 'info', 'deepseek-v3']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /total params:\s+671\.03B/);
  assert.match(r.stdout, /active per token:\s+37\.55B/);
  assert.match(r.stdout, /closed-form counts equal/);
});

test('r1 model info reads a Hugging Face config.json (--json) and rejects unknown models with exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-cli-model-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(toHfConfig(preset('reference'))));
    const r = r1(['model', 'info', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { architecture: string; params: { total: number } };
    assert.equal(out.architecture, 'llama');
    assert.equal(out.params.total, countFormula(preset('reference')).total);
    // A checkpoint folder works too (its config.json is read).
    writeFileSync(file, JSON.stringify(toHfConfig(preset('tiny-moe-mla'))));
    const d = r1(['model', 'info', dir]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /layout:\s+deepseek_v3/);
    assert.match(d.stdout, /active per token:\s+196\.3K/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = r1(['model', 'info', 'no-such-model']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a preset name/);
});

test('r1 model info reads a GGUF file', () => {
  const gguf = makeGgufCheckpoint();
  try {
    const r = r1(['model', 'info', gguf, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { source: string; architecture: string; config: { vocabSize: number }; params: { total: number } };
    assert.match(out.source, /tiny\.gguf \(GGUF\)/);
    assert.equal(out.architecture, 'llama');
    assert.ok(out.config.vocabSize > 256);
    assert.equal(out.params.total, countFormula(parseModelConfig({ ...preset('tiny-dense'), vocabSize: out.config.vocabSize, maxSeqLen: 256 })).total);
  } finally {
    rmSync(dirname(gguf), { recursive: true, force: true });
  }
});

test('r1 model info on a checkpoint folder checks the weight headers: exit 0 when they match, 1 when corrupt or mismatched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-cli-model-'));
  try {
    const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(1));
    saveModelAsHf(dir, m);
    const ok = r1(['model', 'info', dir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^weights: +1 file, \d+ tensors \(\d+ F32\), [\d.]+ MB; headers match the config$/m);
    const json = JSON.parse(r1(['model', 'info', dir, '--json']).stdout) as { weights: { tensors: number; problems: string[] } };
    assert.equal(json.weights.tensors, m.stateDict().size);
    assert.deepEqual(json.weights.problems, []);
    // Corrupt weights: the header runs past the end of the file.
    const st = join(dir, 'model.safetensors');
    const good = readFileSync(st);
    writeFileSync(st, good.subarray(0, 100));
    const corrupt = r1(['model', 'info', dir]);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /model\.safetensors: not a valid safetensors file/);
    // Weights of another shape than the config says.
    writeFileSync(st, good);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    const mismatch = r1(['model', 'info', dir]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stdout, /DO NOT MATCH the config:\n {2}missing model\.layers\.2\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 model export-gguf writes a checkpoint as a GGUF that loads back with the same weights; bad requests exit 2, other layouts 1', () => {
  const ckpt = makeCheckpoint(4); // a model vocabulary padded past the tokenizer's, as Qwen2's is
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-cli-gguf-'));
  try {
    const out = join(dir, 'tiny.gguf');
    const r = r1(['model', 'export-gguf', ckpt, out, '--dtype', 'f32']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*tiny\.gguf: llama GGUF, F32 weights \(norms F32\), 2 layers, vocabulary \d+, with its chat template, [\d.]+ MB/);
    const want = loadModel(ckpt, createEngine(createRefBackend())).model.stateDict();
    const back = importLlamaGguf(out);
    for (const [k, t] of want) assert.deepEqual(back.weights.get(k)?.data, t.data, k);
    assert.equal(back.tokenizer.tokens.length, back.config.vocabSize);
    assert.match(back.tokenizer.tokens.at(-1)!, /^\[PAD\d+\]$/, 'the padded rows are unused tokens');
    assert.equal(r1(['model', 'info', out]).code, 0);
    // Exists: refused without --force, replaced with it (F16 by default: a smaller file).
    const again = r1(['model', 'export-gguf', ckpt, out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^r1 model export-gguf: .*tiny\.gguf exists; pass --force to replace it\n$/);
    assert.equal(r1(['model', 'export-gguf', ckpt, out, '--force']).code, 0);
    assert.equal(importLlamaGguf(out).weights.size, want.size);
    const bad = r1(['model', 'export-gguf', ckpt, join(dir, 'x.gguf'), '--dtype', 'q4']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^r1 model export-gguf: --dtype: must be one of f32, f16, got "q4"\n$/);
    assert.match(r1(['model', 'export-gguf', ckpt, join(dir, 'x.bin')]).stderr, /should end in \.gguf/);
    // A training run's folder (its own config.json is the trainer's): one line pointing at final/.
    const run = join(dir, 'run');
    mkdirSync(join(run, 'final'), { recursive: true });
    writeFileSync(join(run, 'config.json'), '{"steps": 1}');
    writeFileSync(join(run, 'final', 'config.json'), '{}');
    const r2 = r1(['model', 'export-gguf', run, join(dir, 'run.gguf')]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /^r1 model export-gguf: .*run holds no model\.safetensors: it is a training run; its model is in .*final\n$/);
    // An MLA + MoE checkpoint has no llama.cpp dense layout: one line, exit 1, no file left behind.
    const moe = join(dir, 'moe');
    saveModelAsHf(moe, new Transformer(createEngine(createRefBackend()), preset('tiny-moe-mla'), new Rng(3)));
    const m = r1(['model', 'export-gguf', moe, join(dir, 'moe.gguf')]);
    assert.equal(m.code, 1);
    assert.match(m.stderr, /^r1 model export-gguf: GGUF export supports dense MHA\/GQA models only/);
    assert.equal(existsSync(join(dir, 'moe.gguf')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(ckpt, { recursive: true, force: true });
  }
});
