// src/model/rope.test.ts — tests: RoPE frequency scaling (llama3, linear, yarn) in the frequency list and the cos/sin tables.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mlaSoftmaxFactor, ropeAttentionFactor, ropeFrequencies, RopeTable } from './rope.js';

test('RoPE tables under scaling: llama3 keeps high frequencies, divides low ones by the factor and blends between; linear divides all', () => {
  const dim = 16, theta = 10000, T = 64;
  const base = ropeFrequencies(dim, theta);
  const l3 = { type: 'llama3' as const, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
  const scaled = ropeFrequencies(dim, theta, l3);
  let kept = 0, divided = 0, blended = 0;
  for (let p = 0; p < dim / 2; p++) {
    const wavelen = (2 * Math.PI) / base[p]!;
    if (wavelen < 64 / 4) { assert.equal(scaled[p], base[p], `dim ${p}: high frequency kept`); kept++; }
    else if (wavelen > 64 / 1) { assert.ok(Math.abs(scaled[p]! - base[p]! / 8) <= 1e-7 * base[p]!, `dim ${p}: low frequency / 8`); divided++; }
    else { assert.ok(scaled[p]! < base[p]! && scaled[p]! > base[p]! / 8, `dim ${p}: blended`); blended++; }
  }
  assert.ok(kept > 0 && divided > 0 && blended > 0, `every regime appears (kept ${kept}, divided ${divided}, blended ${blended})`);
  const lin = new RopeTable(T, dim, theta, { type: 'linear', factor: 4 }), plain = new RopeTable(T, dim, theta);
  // Linear scaling: position t rotates as position t / 4 would without scaling.
  for (const t of [4, 8, 40]) for (let p = 0; p < dim / 2; p++) {
    assert.ok(Math.abs(lin.cos[t * dim / 2 + p]! - plain.cos[(t / 4) * dim / 2 + p]!) < 1e-6, `linear cos t=${t} p=${p}`);
  }
  const t3 = new RopeTable(T, dim, theta, l3);
  assert.ok(t3.cos.some((x, i) => Math.abs(x - plain.cos[i]!) > 1e-3), 'the llama3 table differs from the plain one');
});

// transformers 5.18 `_compute_yarn_parameters` on DeepSeek-V3's config.json (qk_rope_head_dim 64, theta 1e4,
// rope_scaling yarn: factor 40, original 4096, beta 32/1, mscale = mscale_all_dim = 1) and on a Qwen2 config with
// the yarn setting Qwen2.5 documents (head dim 16, theta 1e6, factor 4, original 32768).
const DEEPSEEK_V3_YARN = [
  1.0, 0.7498942017555237, 0.5623413324356079, 0.4216965138912201, 0.3162277638912201, 0.23713736236095428, 0.17782793939113617, 0.1333521455526352,
  0.10000000149011612, 0.07498941570520401, 0.05623412877321243, 0.039006926119327545, 0.026879360899329185, 0.01837814413011074, 0.012447956018149853, 0.0083345090970397,
  0.005500000435858965, 0.0035619973205029964, 0.002249365206807852, 0.0013705134624615312, 0.0007905694073997438, 0.0004149904125370085, 0.00017782794020604342, 3.333803397254087e-05,
  2.499999936844688e-05, 1.8747354260995053e-05, 1.4058532542549074e-05, 1.0542412383074407e-05, 7.905694474175107e-06, 5.928434347879374e-06, 4.445698323252145e-06, 3.3338035336782923e-06,
];
const QWEN_YARN = [1.0, 0.17782793939113617, 0.03162277862429619, 0.004217559937387705, 0.0005000000237487257, 4.4456985051510856e-05, 7.905693564680405e-06, 1.405853367941745e-06];

test('YaRN frequencies and factors are transformers\' (DeepSeek-V3 and Qwen2.5 settings)', () => {
  const ds = { type: 'yarn' as const, factor: 40, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1, mscale: 1, mscaleAllDim: 1, truncate: true };
  const got = ropeFrequencies(64, 10000, ds);
  DEEPSEEK_V3_YARN.forEach((want, p) => assert.ok(Math.abs(got[p]! - want) <= 1e-7 * want, `DeepSeek-V3 dim ${p}: ${got[p]} vs ${want}`));
  // High frequencies kept, low ones divided by 40, a ramp between: each regime really appears.
  const base = ropeFrequencies(64, 10000);
  assert.equal(got[0], base[0]);
  assert.ok(Math.abs(got[31]! - base[31]! / 40) < 1e-7 * got[31]!);
  assert.ok(got[12]! < base[12]! && got[12]! > base[12]! / 40);
  assert.equal(ropeAttentionFactor(ds), 1, 'mscale / mscale_all_dim = 1: cos and sin unscaled');
  assert.ok(Math.abs(mlaSoftmaxFactor(ds) - (0.1 * Math.log(40) + 1) ** 2) < 1e-12, 'the softmax scale grows by mscale(40)^2');
  const qwen = { type: 'yarn' as const, factor: 4, originalMaxPositionEmbeddings: 32768, betaFast: 32, betaSlow: 1, truncate: true };
  const q = ropeFrequencies(16, 1e6, qwen);
  QWEN_YARN.forEach((want, p) => assert.ok(Math.abs(q[p]! - want) <= 1e-7 * want, `Qwen dim ${p}: ${q[p]} vs ${want}`));
  assert.ok(Math.abs(ropeAttentionFactor(qwen) - 1.138629436111989) < 1e-12, '0.1 ln 4 + 1');
  assert.equal(mlaSoftmaxFactor(qwen), 1, 'no mscale_all_dim: the softmax scale stays');
  assert.equal(ropeAttentionFactor({ ...qwen, attentionFactor: 0.5 }), 0.5, 'an explicit attention_factor wins');
  // The table carries the attention factor: cos^2 + sin^2 = factor^2 at every position.
  const table = new RopeTable(40, 16, 1e6, qwen);
  for (let i = 0; i < table.cos.length; i++) assert.ok(Math.abs(table.cos[i]! ** 2 + table.sin[i]! ** 2 - 1.138629436111989 ** 2) < 1e-5);
});
