// src/generate/decode.test.ts — tests: the decode steppers (fused dense path and Transformer.forward path) give the
// same next-token logits as a full forward, for a batch whose rows sit at different cache lengths (MHA, GQA, MLA).

import test from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend, createRefBackend, nativeAvailable } from '../backend/index.js';
import { createEngine } from '../tensor/index.js';
import { parseModelConfig, preset, Transformer, type ModelConfig } from '../model/index.js';
import { Rng } from '../util/rng.js';
import { DecoderWeights, DenseDecoder, ModelDecoder, type DecodeStep } from './decode.js';

const backends = [{ name: 'ref', make: createRefBackend }, ...(nativeAvailable() ? [{ name: 'native', make: createNativeBackend }] : [])];
const configs: [string, ModelConfig][] = [
  ['tiny-dense (GQA)', preset('tiny-dense')],
  ['MHA with q/k/v biases, untied', parseModelConfig({ vocabSize: 64, hidden: 32, nLayers: 2, nHeads: 4, intermediate: 48, attention: { kind: 'mha', qkvBias: true } })],
  ['tiny-moe-mla (MLA + MoE)', preset('tiny-moe-mla')],
];

test('decode steps over rows of different lengths equal full-forward logits (dense and model paths)', () => {
  for (const [cname, c] of configs) for (const be of backends) {
    const e = createEngine(be.make());
    const m = new Transformer(e, c, new Rng(7));
    const V = m.config.vocabSize;
    const rng = new Rng(11);
    const seqs = [5, 2, 9].map((len) => Array.from({ length: len }, () => rng.int(0, V - 1)));
    const steps = 3;
    const next = seqs.map(() => Array.from({ length: steps }, () => rng.int(0, V - 1)));
    const kinds: [string, (cache: ReturnType<Transformer['newCache']>) => DecodeStep][] = [['model', (cache) => new ModelDecoder(m, cache)]];
    if (DenseDecoder.supports(m)) kinds.push(['dense', (cache) => new DenseDecoder(m, cache, 3)]);
    assert.equal(DenseDecoder.supports(m), c.attention.kind === 'mha', `${cname}: dense path support`);
    for (const [kind, make] of kinds) {
      const cache = m.newCache(4, 24);
      // Batch entries live in cache rows 3, 0, 2 (not in order), prefilled through the model.
      const rows = Int32Array.of(3, 0, 2);
      seqs.forEach((s, b) => e.scope(() => m.forward(Int32Array.from(s), 1, s.length, { cache, rows: rows.subarray(b, b + 1) })));
      const stepper = make(cache);
      for (let t = 0; t < steps; t++) {
        const ids = Int32Array.from(next.map((x) => x[t]!));
        const got = Float32Array.from(stepper.step(ids, rows, 3));
        for (let b = 0; b < 3; b++) {
          const all = [...seqs[b]!, ...next[b]!.slice(0, t + 1)];
          const full = e.scope(() => Float32Array.from(m.forward(Int32Array.from(all), 1, all.length).data)).subarray((all.length - 1) * V);
          let worst = 0;
          for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(got[b * V + i]! - full[i]!));
          assert.ok(worst < 1e-4, `${cname} on ${be.name}, ${kind} path, step ${t}, row ${b}: max |diff| ${worst}`);
        }
      }
      assert.deepEqual(Array.from(rows, (r) => cache.lengths[r]), seqs.map((s) => s.length + steps), `${cname} ${kind}: cache lengths advance`);
    }
  }
});

test('the dense decode step rejects bad calls with clear errors', () => {
  const e = createEngine(createRefBackend());
  const m = new Transformer(e, preset('tiny-dense'), new Rng(1));
  const cache = m.newCache(2, 4);
  const d = new DenseDecoder(m, cache, 2);
  assert.throws(() => d.step(Int32Array.of(1, 2, 3), Int32Array.of(0, 1, 2), 3), /B=3 must be in \[1, 2\]/);
  assert.throws(() => d.step(Int32Array.of(600), Int32Array.of(0), 1), /token id 600 outside/);
  assert.throws(() => d.step(Int32Array.of(1), Int32Array.of(5), 1), /cache row 5 outside/);
  for (let i = 0; i < 4; i++) d.step(Int32Array.of(1), Int32Array.of(0), 1);
  assert.throws(() => d.step(Int32Array.of(1), Int32Array.of(0), 1), /cache row 0 is full/);
  assert.throws(() => new DenseDecoder(new Transformer(e, preset('tiny-moe-mla'), new Rng(1)), cache, 1), /not a dense MHA\/GQA/);
  assert.throws(() => new DenseDecoder(m, cache, 3), /maxBatch 3/);
});

test('an f16 KV cache: half the bytes, decode logits close to the f32 cache on both paths, MLA rejected', () => {
  for (const be of backends) {
    const e = createEngine(be.make());
    const m = new Transformer(e, preset('tiny-dense'), new Rng(7));
    const V = m.config.vocabSize;
    const rng = new Rng(12);
    const seqs = [6, 3, 10].map((len) => Array.from({ length: len }, () => rng.int(0, V - 1)));
    const next = seqs.map(() => Array.from({ length: 4 }, () => rng.int(0, V - 1)));
    const rows = Int32Array.of(1, 2, 0);
    const run = (dtype: 'f32' | 'f16', kind: 'dense' | 'model'): Float32Array[] => {
      const cache = m.newCache(3, 20, dtype);
      seqs.forEach((s, b) => e.scope(() => m.forward(Int32Array.from(s), 1, s.length, { cache, rows: rows.subarray(b, b + 1) })));
      const stepper: DecodeStep = kind === 'dense' ? new DenseDecoder(m, cache, 3) : new ModelDecoder(m, cache);
      return [0, 1, 2, 3].map((t) => Float32Array.from(stepper.step(Int32Array.from(next.map((x) => x[t]!)), rows, 3)));
    };
    const want = run('f32', 'dense');
    const dense16 = run('f16', 'dense'), model16 = run('f16', 'model');
    let worst = 0, worstPaths = 0, moved = 0;
    want.forEach((w, t) => {
      for (let i = 0; i < w.length; i++) {
        worst = Math.max(worst, Math.abs(dense16[t]![i]! - w[i]!));
        worstPaths = Math.max(worstPaths, Math.abs(dense16[t]![i]! - model16[t]![i]!));
        moved = Math.max(moved, Math.abs(dense16[t]![i]! - w[i]!) > 0 ? 1 : 0);
      }
    });
    assert.ok(worst < 2e-2, `${be.name}: f16 vs f32 cache logits differ by ${worst}`);
    assert.ok(moved === 1, `${be.name}: f16 storage rounds (the logits are not bit-identical to f32)`);
    assert.ok(worstPaths < 2e-3, `${be.name}: f16 dense vs model path logits differ by ${worstPaths}`);
  }
  const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(1));
  const c32 = m.newCache(2, 8), c16 = m.newCache(2, 8, 'f16');
  assert.equal(c16.bytes() * 2, c32.bytes(), 'f16 storage takes half the bytes');
  assert.ok(c16.k[0] instanceof Uint16Array && c32.k[0] instanceof Float32Array);
  assert.throws(() => new Transformer(createEngine(createRefBackend()), preset('tiny-moe-mla'), new Rng(1)).newCache(2, 8, 'f16'), /MHA\/GQA caches/);
  assert.throws(() => m.newCache(2, 8, 'bf16' as 'f16'), /dtype must be/);
});

test('fused prefill of rows with cached prefixes equals the full forward at each row\'s last token, in chunks of any size', () => {
  for (const [cname, c] of configs.filter(([, c]) => c.attention.kind === 'mha')) for (const be of backends) {
    const e = createEngine(be.make());
    const m = new Transformer(e, c, new Rng(8));
    const V = m.config.vocabSize;
    const rng = new Rng(21);
    // Rows 2, 0, 3: the first two already hold a prefix (prefilled through the model), row 3 starts empty.
    const prefix = [[4, 9, 1], [7, 7], []].map((p) => p.map((t) => t % V));
    const rest = [5, 11, 8].map((len) => Array.from({ length: len }, () => rng.int(0, V - 1)));
    const slots = [2, 0, 3];
    for (const chunk of [1024, 7, 1]) for (const dtype of ['f32', 'f16'] as const) {
      const cache = m.newCache(4, 24, dtype);
      prefix.forEach((p, i) => { if (p.length) e.scope(() => m.forward(Int32Array.from(p), 1, p.length, { cache, rows: Int32Array.of(slots[i]!) })); });
      const d = new DenseDecoder(m, cache, 3, chunk);
      const got = d.prefill(slots.map((slot, i) => ({ slot, rest: rest[i]! })));
      assert.deepEqual(slots.map((s) => cache.lengths[s]), prefix.map((p, i) => p.length + rest[i]!.length), `${cname}: cache lengths advance`);
      slots.forEach((_, i) => {
        const all = [...prefix[i]!, ...rest[i]!];
        const full = e.scope(() => Float32Array.from(m.forward(Int32Array.from(all), 1, all.length).data)).subarray((all.length - 1) * V);
        let worst = 0;
        for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(got[i]![v]! - full[v]!));
        assert.ok(worst < (dtype === 'f16' ? 2e-2 : 1e-4), `${cname} on ${be.name}, chunk ${chunk}, ${dtype}, row ${i}: max |diff| ${worst}`);
      });
      // Decoding on from the prefilled rows continues the same sequences.
      const ids = Int32Array.of(1, 2, 3);
      const step = Float32Array.from(d.step(ids, Int32Array.from(slots), 3));
      slots.forEach((_, i) => {
        const all = [...prefix[i]!, ...rest[i]!, ids[i]!];
        const full = e.scope(() => Float32Array.from(m.forward(Int32Array.from(all), 1, all.length).data)).subarray((all.length - 1) * V);
        let worst = 0;
        for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(step[i * V + v]! - full[v]!));
        assert.ok(worst < (dtype === 'f16' ? 2e-2 : 1e-4), `${cname} on ${be.name}, chunk ${chunk}, ${dtype}: step after prefill, row ${i}: ${worst}`);
      });
    }
  }
  const m = new Transformer(createEngine(createRefBackend()), preset('tiny-dense'), new Rng(1));
  const cache = m.newCache(2, 6);
  const d = new DenseDecoder(m, cache, 2);
  assert.throws(() => d.prefill([{ slot: 0, rest: [1, 2, 3, 4, 5, 6, 7] }]), /row 0 holds 0 tokens; 7 more exceed maxLen 6/);
  assert.throws(() => d.prefill([{ slot: 0, rest: [1, 9999] }]), /token id 9999 outside/);
  assert.throws(() => d.prefill([{ slot: 2, rest: [1] }]), /cache row 2 outside/);
  assert.throws(() => d.prefill([{ slot: 1, rest: [] }]), /row 1 has no tokens/);
  assert.deepEqual(Array.from(cache.lengths), [0, 0], 'rejected prefills leave the cache as it was');
  assert.throws(() => new DenseDecoder(m, cache, 2, 0), /prefillChunk 0/);
});

test('DecoderWeights: packed once and reused across decoders; a snapshot until refresh()', () => {
  for (const be of backends) {
    const e = createEngine(be.make());
    const m = new Transformer(e, preset('tiny-dense'), new Rng(3));
    const V = m.config.vocabSize;
    const prompt = [3, 1, 4, 1, 5];
    const logitsWith = (w: DecoderWeights | Transformer): Float32Array => {
      const cache = m.newCache(1, 8);
      return Float32Array.from(new DenseDecoder(w, cache, 1).prefill([{ slot: 0, rest: prompt }])[0]!);
    };
    const w = new DecoderWeights(m);
    const fresh = logitsWith(m);
    assert.deepEqual(logitsWith(w), fresh, `${be.name}: prepared weights give the logits of weights packed on the spot`);
    assert.deepEqual(logitsWith(w), fresh, `${be.name}: and again (nothing consumed)`);
    // Change a matrix: the snapshot keeps the old values until refresh().
    const gate = (m.model.blocks[0]!.parts.mlp as unknown as { gate_proj: { weight: { data: Float32Array } } }).gate_proj.weight.data;
    const before = w.layers[0]!.gate;
    for (let i = 0; i < gate.length; i++) gate[i] = gate[i]! * -1.5;
    assert.deepEqual(logitsWith(w), fresh, `${be.name}: stale until refresh()`);
    w.refresh();
    assert.equal(w.layers[0]!.gate, before, `${be.name}: refresh() repacks into the same buffer`);
    const changed = logitsWith(w);
    assert.deepEqual(changed, logitsWith(m), `${be.name}: after refresh() equal to packing anew`);
    assert.ok(changed.some((x, i) => Math.abs(x - fresh[i]!) > 1e-6), `${be.name}: the weight change shows in the logits`);
    assert.equal(changed.length, V);
  }
  assert.throws(() => new DecoderWeights(new Transformer(createEngine(createRefBackend()), preset('tiny-moe-mla'), new Rng(1))), /not a dense MHA\/GQA/);
});
