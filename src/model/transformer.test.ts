// src/model/transformer.test.ts — tests: the Transformer: parameter names/shapes, cached vs full logits, MLA cache size, prefix copy, gradients, shared prompts.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend, createRefBackend, nativeAvailable } from '../backend/index.js';
import { add, createEngine, crossEntropy, reshape, scale, type Engine, type Tensor } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { type ModelConfig, parseModelConfig, preset } from './config.js';
import { countFromSpecs, paramSpecs } from './params.js';
import { Transformer } from './transformer.js';
import { equalLengthRuns, KvBufferPool } from './cache.js';

const engine = (): Engine => createEngine(createRefBackend());
const randomIds = (rng: Rng, n: number, V: number): Int32Array => Int32Array.from({ length: n }, () => rng.int(0, V - 1));

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const configs: [string, ModelConfig][] = [
  ['tiny-dense (GQA, tied)', preset('tiny-dense')],
  ['tiny-moe-mla (MLA with q-lora, MoE, MTP)', preset('tiny-moe-mla')],
  ['MLA without q-lora, qkv-bias-free MHA untied', parseModelConfig({ vocabSize: 64, hidden: 32, nLayers: 2, nHeads: 2, intermediate: 48, attention: { kind: 'mla', kvLoraRank: 16, qkNopeHeadDim: 8, qkRopeHeadDim: 4, vHeadDim: 12 } })],
  ['MHA with q/k/v biases (Qwen2-style)', parseModelConfig({ vocabSize: 64, hidden: 32, nLayers: 2, nHeads: 4, intermediate: 48, attention: { kind: 'mha', qkvBias: true } })],
  ['GQA with per-head q/k norms and head dim 12 (Qwen3-style)', parseModelConfig({ vocabSize: 64, hidden: 32, nLayers: 2, nHeads: 4, intermediate: 48, attention: { kind: 'mha', nKvHeads: 2, headDim: 12, qkNorm: true } })],
  // YaRN: scaled cos/sin tables (Qwen2.5's setting) and DeepSeek-V3's larger MLA softmax scale, on every path.
  ['MHA with yarn RoPE scaling', parseModelConfig({ vocabSize: 64, hidden: 32, nLayers: 2, nHeads: 4, intermediate: 48, attention: { kind: 'mha', qkvBias: true }, ropeScaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 2000 } })],
  ['MLA with yarn and mscale (DeepSeek-V3-style)', parseModelConfig({ vocabSize: 64, hidden: 32, nLayers: 2, nHeads: 2, intermediate: 48, attention: { kind: 'mla', kvLoraRank: 16, qkNopeHeadDim: 8, qkRopeHeadDim: 4, vHeadDim: 12 }, ropeScaling: { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, mscale: 1, mscaleAllDim: 1 } })],
];

test('model tensors match the parameter spec names and shapes; counts match the closed form', () => {
  for (const [name, c] of configs) {
    const m = new Transformer(engine(), c, new Rng(1));
    const sd = m.stateDict();
    const specs = paramSpecs(m.config);
    assert.deepEqual(new Set(sd.keys()), new Set(specs.map((s) => s.name)), name);
    for (const s of specs) assert.deepEqual(sd.get(s.name)!.shape, s.shape, `${name}: ${s.name}`);
    const n = countFromSpecs(m.config);
    assert.equal(m.numParameters(), n.total + n.mtp, name);
  }
});

// The cached path calls GEMM directly (MLA absorption), so it runs on every backend this build has.
const backends = [{ name: 'ref', make: createRefBackend }, ...(nativeAvailable() ? [{ name: 'native', make: createNativeBackend }] : [])];

test('KV-cached incremental logits equal full-forward logits (rows at different lengths)', () => {
  for (const [cname, c] of configs) for (const be of backends) {
    const name = `${cname} on ${be.name}`;
    const e = createEngine(be.make());
    const m = new Transformer(e, c, new Rng(2));
    const V = m.config.vocabSize, B = 2, T = 6;
    const ids = randomIds(new Rng(3), B * T, V);
    const full = e.noGrad(() => m.forward(ids, B, T)); // (B, T, V)
    const cache = m.newCache(3, 16);
    // Row 0 of the batch lives in cache row 2 and is prefilled with 4 tokens; row 1 in cache row 0 with 1 token.
    const got = new Float32Array(B * T * V);
    const put = (b: number, t: number, lg: Float32Array, off: number): void => got.set(lg.subarray(off, off + V), (b * T + t) * V);
    const p0 = m.forward(ids.slice(0, 4), 1, 4, { cache, rows: Int32Array.of(2) });
    for (let t = 0; t < 4; t++) put(0, t, p0.data, t * V);
    const p1 = m.forward(ids.slice(T, T + 1), 1, 1, { cache, rows: Int32Array.of(0) });
    put(1, 0, p1.data, 0);
    assert.deepEqual([...cache.lengths], [1, 0, 4]);
    for (let t = 1; t < T; t++) {
      if (t < 4) {
        const s = m.forward(ids.slice(T + t, T + t + 1), 1, 1, { cache, rows: Int32Array.of(0) });
        put(1, t, s.data, 0);
      } else {
        // Batched decode: both rows step together although they sit at the same position only by construction.
        const s = m.forward(Int32Array.of(ids[t]!, ids[T + t]!), 2, 1, { cache, rows: Int32Array.of(2, 0) });
        put(0, t, s.data, 0);
        put(1, t, s.data, V);
      }
    }
    assert.ok(maxDiff(got, full.data) < 1e-4, `${name}: max diff ${maxDiff(got, full.data)}`);
    const last = e.noGrad(() => m.forward(ids, B, T, { lastOnly: true }));
    assert.deepEqual(last.shape, [B, 1, V]);
    assert.ok(maxDiff(last.data.slice(0, V), full.data.slice((T - 1) * V, T * V)) < 1e-6);
  }
});

test('batched prefill + decode of equal-length rows (one strided attention call per run) equals full forward', () => {
  for (const [cname, c] of configs) for (const be of backends) {
    const e = createEngine(be.make());
    const m = new Transformer(e, c, new Rng(12));
    const V = m.config.vocabSize, B = 3, T = 5;
    const ids = randomIds(new Rng(13), B * T, V);
    const full = e.noGrad(() => m.forward(ids, B, T)).data;
    const cache = m.newCache(B, 8);
    const pre = new Int32Array(B * 3);
    for (let b = 0; b < B; b++) pre.set(ids.subarray(b * T, b * T + 3), b * 3);
    const got = new Float32Array(B * T * V);
    const p = m.forward(pre, B, 3, { cache });
    for (let b = 0; b < B; b++) got.set(p.data.subarray(b * 3 * V, (b + 1) * 3 * V), b * T * V);
    for (let t = 3; t < T; t++) {
      const s = m.forward(Int32Array.from({ length: B }, (_, b) => ids[b * T + t]!), B, 1, { cache });
      for (let b = 0; b < B; b++) got.set(s.data.subarray(b * V, (b + 1) * V), (b * T + t) * V);
    }
    assert.ok(maxDiff(got, full) < 1e-4, `${cname} on ${be.name}: max diff ${maxDiff(got, full)}`);
  }
  assert.deepEqual(equalLengthRuns(Int32Array.of(0, 1, 2, 5, 6, 3), Int32Array.of(4, 4, 7, 7, 7, 7)), [[0, 2], [2, 1], [3, 2], [5, 1]]);
});

test('MLA cache holds only the latent plus the decoupled rope key per token and layer', () => {
  const m = new Transformer(engine(), preset('tiny-moe-mla'), new Rng(1));
  const a = m.config.attention;
  assert.equal(a.kind, 'mla');
  if (a.kind !== 'mla') return;
  const cache = m.newCache(3, 10);
  assert.equal(cache.tokenWidth(), a.kvLoraRank + a.qkRopeHeadDim);
  assert.equal(cache.floats(), m.config.nLayers * 3 * 10 * (a.kvLoraRank + a.qkRopeHeadDim));
  const dense = new Transformer(engine(), preset('tiny-dense'), new Rng(1));
  assert.equal(dense.newCache(1, 10).tokenWidth(), 2 * 2 * 16); // 2 (K and V) · 2 kv heads · head dim 16
});

test('prefix sharing: copying a prompt row gives the same continuation logits', () => {
  const e = engine();
  const m = new Transformer(e, preset('tiny-moe-mla'), new Rng(4));
  const ids = randomIds(new Rng(5), 6, 512);
  const cache = m.newCache(2, 12);
  m.forward(ids.slice(0, 5), 1, 5, { cache, rows: Int32Array.of(0) });
  cache.copyRow(0, 1);
  const a = m.forward(ids.slice(5), 1, 1, { cache, rows: Int32Array.of(0) });
  const b = m.forward(ids.slice(5), 1, 1, { cache, rows: Int32Array.of(1) });
  assert.deepEqual(a.data, b.data);
  assert.throws(() => m.forward(ids, 1, 6, { cache: m.newCache(1, 4) }), /exceed maxLen/);
  assert.throws(() => m.forward(ids.slice(0, 2), 2, 1, { cache, rows: Int32Array.of(1, 1) }), /used by two batch entries/);
});

test('training forward is differentiable end to end (finite-difference check through MLA + MoE + MTP)', () => {
  const e = engine();
  const c = preset('tiny-moe-mla');
  const m = new Transformer(e, { ...c, mlp: { ...(c.mlp as Extract<ModelConfig['mlp'], { kind: 'moe' }>), seqAuxAlpha: 0.01 } }, new Rng(6));
  const B = 2, T = 5, V = 512;
  const ids = randomIds(new Rng(7), B * T, V);
  const targets = randomIds(new Rng(8), B * T, V);
  const loss = (): Tensor => {
    const out = m.forwardTrain(ids, B, T);
    const main = crossEntropy(reshape(out.logits, [B * T, V]), targets);
    const [mtp] = m.mtpLosses(out, targets, B, T);
    assert.ok(out.aux !== null, 'balance loss is on');
    return add(add(main, scale(mtp!, 0.3)), out.aux!);
  };
  const L = e.scope(() => {
    const l = loss();
    l.backward();
    return l.item();
  });
  assert.ok(Number.isFinite(L));
  checkGradients(e, m, loss, ['model.layers.1.self_attn.kv_b_proj.weight', 'model.layers.1.self_attn.q_a_proj.weight', 'model.layers.2.mlp.shared_experts.up_proj.weight', 'model.layers.3.eh_proj.weight', 'model.embed_tokens.weight']);
});

/** Each named parameter's largest gradient element against a central finite difference of `loss` (gradients already computed). */
function checkGradients(e: Engine, m: Transformer, loss: () => Tensor, names: string[]): void {
  const sd = new Map(m.namedParameters());
  for (const name of names) {
    const p = sd.get(name)!;
    assert.ok(p.grad, `${name} has a gradient`);
    // the largest-gradient element gives the most reliable finite difference
    let idx = 0;
    for (let i = 0; i < p.size; i++) if (Math.abs(p.grad!.data[i]!) > Math.abs(p.grad!.data[idx]!)) idx = i;
    const g = p.grad!.data[idx]!;
    assert.ok(g !== 0, `${name} gradient is non-zero`);
    const h = 1e-2;
    const orig = p.data[idx]!;
    const f = (v: number): number => {
      p.data[idx] = v;
      return e.noGrad(() => e.scope(() => loss().item()));
    };
    const fd = (f(orig + h) - f(orig - h)) / (2 * h);
    p.data[idx] = orig;
    assert.ok(Math.abs(fd - g) <= 0.05 * Math.abs(g) + 1e-4, `${name}: analytic ${g} vs numeric ${fd}`);
  }
}

test('training forward is differentiable through per-head q/k norms (Qwen3 layout)', () => {
  const e = engine();
  const m = new Transformer(e, parseModelConfig({ vocabSize: 64, hidden: 32, nLayers: 2, nHeads: 4, intermediate: 48, attention: { kind: 'mha', nKvHeads: 2, headDim: 12, qkNorm: true } }), new Rng(12));
  const grng = new Rng(13);
  for (const [k, t] of m.stateDict()) if (/_norm\.weight$/.test(k)) t.data.forEach((_, i) => (t.data[i] = 0.5 + grng.next()));
  const B = 2, T = 5, V = 64;
  const ids = randomIds(new Rng(14), B * T, V), targets = randomIds(new Rng(15), B * T, V);
  const loss = (): Tensor => crossEntropy(reshape(m.forwardTrain(ids, B, T).logits, [B * T, V]), targets);
  e.scope(() => loss().backward());
  checkGradients(e, m, loss, ['model.layers.0.self_attn.q_norm.weight', 'model.layers.1.self_attn.k_norm.weight', 'model.layers.0.self_attn.q_proj.weight']);
});

test('MTP losses count exactly the tokens the main loss counts: never padding, never masked prompt tokens', () => {
  const e = engine();
  const m = new Transformer(e, parseModelConfig({ ...preset('tiny-moe-mla'), mtpDepth: 2 }), new Rng(9));
  const V = m.config.vocabSize;
  // Rows of a 3-token prompt and a completion, right-padded to T; the loss is on completion tokens only.
  const B = 2, T = 10, P = 3;
  const rows = [[5, 6, 7, 20, 21, 22, 23, 24], [8, 9, 10, 30, 31, 32]];
  const batch = (pad: number): { ids: Int32Array; targets: Int32Array } => {
    const ids = new Int32Array(B * T).fill(pad), targets = new Int32Array(B * T).fill(-100);
    rows.forEach((r, b) => r.forEach((t, i) => {
      ids[b * T + i] = t;
      if (i >= P) targets[b * T + i - 1] = t;
    }));
    return { ids, targets };
  };
  const run = (pad: number): { losses: number[]; expected: number[] } => e.scope(() => e.noGrad(() => {
    const { ids, targets } = batch(pad);
    const out = m.forwardTrain(ids, B, T);
    const losses = m.mtpLosses(out, targets, B, T).map((l) => l.item());
    // Depth d at position i predicts token i + d + 2: counted only when that token is a completion token.
    const expected = out.mtpLogits.map((lg, d) => {
      const Tk = lg.shape[1]!;
      let sum = 0, n = 0;
      rows.forEach((r, b) => {
        for (let i = 0; i < Tk; i++) {
          const j = i + d + 2;
          if (j < P || j >= r.length) continue;
          const row = lg.data.subarray((b * Tk + i) * V, (b * Tk + i + 1) * V);
          const max = Math.max(...row);
          let z = 0;
          for (const x of row) z += Math.exp(x - max);
          sum += max + Math.log(z) - row[r[j]!]!;
          n++;
        }
      });
      return sum / n;
    });
    return { losses, expected };
  }));
  const a = run(0), b = run(77);
  assert.equal(a.losses.length, 2);
  a.losses.forEach((l, d) => assert.ok(Math.abs(l - a.expected[d]!) < 1e-4, `depth ${d}: ${l} vs ${a.expected[d]} over completion tokens`));
  a.losses.forEach((l, d) => assert.ok(Math.abs(l - b.losses[d]!) < 1e-5, `depth ${d}: ${l} with pad 0, ${b.losses[d]} with pad 77`));
  assert.throws(() => e.scope(() => m.mtpLosses(m.forwardTrain(batch(0).ids, B, T), new Int32Array(3), B, T)), /3 targets for B=2, T=10/);
});

test('forwardSharedPrompts: logits of each completion position equal the full forward\'s; bad layouts get clear errors', () => {
  const e = engine();
  const m = new Transformer(e, parseModelConfig({ ...preset('tiny-dense'), maxSeqLen: 32 }), new Rng(2));
  const V = m.config.vocabSize;
  const rng = new Rng(9);
  const prompts = [Array.from(randomIds(rng, 5, V)), Array.from(randomIds(rng, 2, V))];
  const rows = [{ prompt: 0, completion: Array.from(randomIds(rng, 4, V)) }, { prompt: 0, completion: Array.from(randomIds(rng, 1, V)) }, { prompt: 1, completion: Array.from(randomIds(rng, 3, V)) }];
  e.noGrad(() => {
    const got = m.forwardSharedPrompts(prompts, rows, false); // (N, V)
    assert.deepEqual(got.shape, [8, V]);
    let k = 0;
    for (const r of rows) {
      const ids = [...prompts[r.prompt]!, ...r.completion.slice(0, -1)];
      const full = m.forward(Int32Array.from(ids), 1, ids.length); // (1, T, V)
      for (let j = 0; j < r.completion.length; j++, k++) {
        const at = prompts[r.prompt]!.length - 1 + j;
        for (let v = 0; v < V; v++) assert.ok(Math.abs(got.data[k * V + v]! - full.data[at * V + v]!) < 1e-4, `row token ${k}, vocab ${v}`);
      }
    }
    assert.throws(() => m.forwardSharedPrompts(prompts, [rows[0]!, rows[2]!, rows[1]!], false), /rows of prompt 0 are not consecutive/);
    assert.throws(() => m.forwardSharedPrompts(prompts, [{ prompt: 2, completion: [1] }], false), /row 0 has prompt 2 of 2/);
    assert.throws(() => m.forwardSharedPrompts(prompts, [{ prompt: 0, completion: Array(40).fill(1) }], false), /longer than maxSeqLen 32/);
  });
  const moe = new Transformer(e, parseModelConfig({ ...preset('tiny-moe-mla'), maxSeqLen: 32 }), new Rng(2));
  assert.equal(moe.sharesPrompts(), false);
  assert.throws(() => moe.forwardSharedPrompts(prompts, rows, false), /needs MHA\/GQA attention and no MoE layers/);
});

test('newCache takes its larger buffers from the backend\'s huge-page allocator when there is one', () => {
  const engine = createEngine(createRefBackend());
  const m = new Transformer(engine, preset('tiny-dense'), new Rng(1));
  const given: ArrayBuffer[] = [];
  engine.backend.hugeBuffer = (bytes: number) => {
    const b = new ArrayBuffer(bytes + 64);
    given.push(b);
    return b;
  };
  const big = m.newCache(128, 512, 'f16'); // 128 rows of 512 positions, 2 kv heads of 16: 4 MB per layer
  assert.equal(given.length, 2 * m.config.nLayers);
  big.k.forEach((k, l) => {
    assert.ok(k instanceof Uint16Array && k.buffer === given[2 * l], `layer ${l} keys on the allocator's buffer`);
    assert.ok(k.every((x) => x === 0));
  });
  const small = m.newCache(1, 8, 'f32'); // below the size that asks for huge pages
  assert.equal(given.length, 2 * m.config.nLayers);
  assert.ok(small.k[0] instanceof Float32Array);
  engine.backend.hugeBuffer = () => null; // an allocator that declines: ordinary arrays
  const plain = m.newCache(128, 512, 'f32');
  assert.ok(plain.v[0] instanceof Float32Array && plain.v[0].length === 128 * 512 * (plain.tokenWidth() / 2));
});

test('a released cache hands its huge-page buffers to the next cache of the model, cleared; the pool keeps sizes within 2x and a byte cap', () => {
  const engine = createEngine(createRefBackend());
  const m = new Transformer(engine, preset('tiny-dense'), new Rng(1));
  let allocated = 0;
  engine.backend.hugeBuffer = (bytes: number) => {
    allocated++;
    return new ArrayBuffer(bytes);
  };
  const L = m.config.nLayers;
  const a = m.newCache(128, 512, 'f16'); // 4 MB per layer buffer
  assert.equal(allocated, 2 * L);
  const bufs = a.k.map((k) => k.buffer);
  a.k[0]!.fill(7);
  a.v[L - 1]!.fill(9);
  a.lengths[3] = 5;
  a.release();
  assert.ok(a.released);
  assert.equal(a.k.length, 0, 'a released cache holds no layers');
  assert.throws(() => m.forward(Int32Array.from([1, 2]), 1, 2, { cache: a }), { message: 'forward: the KV cache was released; make a new one (model.newCache())' });
  a.release(); // twice is harmless
  const b = m.newCache(128, 300, 'f16'); // 2.3 MB per layer: the 4 MB buffers fit (within 2x)
  assert.equal(allocated, 2 * L, 'no new allocation');
  assert.ok(b.k.some((k) => bufs.includes(k.buffer)), 'the released buffers are reused');
  for (const x of [...b.k, ...b.v]) assert.ok(x.every((y) => y === 0), 'reused buffers come back zeroed');
  assert.equal(b.k[0]!.length, 128 * 300 * (b.tokenWidth() / 2));
  b.release();
  const c = m.newCache(256, 512, 'f16'); // 8 MB per layer: larger than anything pooled
  assert.equal(allocated, 4 * L);
  const d = m.newCache(128, 100, 'f16'); // 0.8 MB per layer: below the huge-page size, and 4 MB is more than 2x
  assert.equal(allocated, 4 * L);
  assert.ok(d.k.every((k) => !bufs.includes(k.buffer)));
  c.release();

  // The pool alone: smallest fit, the 2x bound, the byte cap (oldest dropped).
  let made = 0;
  const pool = new KvBufferPool((n) => (made++, new ArrayBuffer(n)), 10 << 20);
  const p4 = pool.take(4 << 20)!, p6 = pool.take(6 << 20)!;
  pool.give(p6);
  pool.give(p4);
  assert.equal(pool.heldBytes, 10 << 20);
  assert.equal(pool.take(3 << 20), p4, 'the smallest buffer that fits');
  assert.notEqual(pool.take(2 << 20), p6, '6 MB is more than twice 2 MB: a new buffer');
  pool.give(p4);
  pool.give(new ArrayBuffer(5 << 20)); // 6 + 4 + 5 MB > 10 MB: the oldest (6 MB) goes
  assert.equal(pool.heldBytes, 9 << 20);
  assert.notEqual(pool.take(6 << 20), p6);
  assert.equal(made, 4);
});
