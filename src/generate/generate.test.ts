// src/generate/generate.test.ts — tests: batched generation (greedy vs a naive full-recompute loop, seeded sampling
// independent of batch composition, n samples from one prefill, stop tokens/strings, max tokens, streaming text,
// log-probs, prefix-cache reuse, argument checks).

import test from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend, createRefBackend, nativeAvailable } from '../backend/index.js';
import { createEngine } from '../tensor/index.js';
import { preset, Transformer, type PresetName } from '../model/index.js';
import { Rng } from '../util/rng.js';
import { generate, type GenerateOptions, type TokenEvent } from './generate.js';
import { PrefixCache } from './prefix-cache.js';
import { DecoderWeights } from './decode.js';
import { GenerationBatch } from './batch.js';
import { fromDecode, lenientDecoder } from './text.js';
import { BYTE_TO_CHAR } from '../tokenizer/bytes.js';
import { tokenizerFromJson } from '../tokenizer/io.js';

const backend = nativeAvailable() ? createNativeBackend() : createRefBackend();
const modelOf = (name: PresetName, seed = 3): Transformer => new Transformer(createEngine(backend), preset(name), new Rng(seed));
const dense = modelOf('tiny-dense');
const V = dense.config.vocabSize;
const promptsOf = (lens: number[], seed = 5): number[][] => {
  const rng = new Rng(seed);
  return lens.map((n) => Array.from({ length: n }, () => rng.int(0, V - 1)));
};
// Each token is one letter, so text positions are token positions.
const letters = (ids: readonly number[]): string => ids.map((i) => String.fromCharCode(97 + (i % 26))).join('');
const decoder = fromDecode(letters);

/** Greedy decoding the slow obvious way: a full forward over the whole sequence for every new token. */
function naiveGreedy(m: Transformer, prompt: number[], steps: number): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const lg = m.engine.scope(() => Float32Array.from(m.forward(Int32Array.from(seq), 1, seq.length, { lastOnly: true }).data));
    let best = 0;
    for (let v = 1; v < lg.length; v++) if (lg[v]! > lg[best]!) best = v;
    out.push(best);
    seq.push(best);
  }
  return out;
}

test('greedy generation equals a naive full-recompute greedy loop (dense fast path, model path, MLA+MoE)', () => {
  const mla = modelOf('tiny-moe-mla');
  for (const [name, m, fast] of [['dense fast', dense, true], ['dense model path', dense, false], ['mla', mla, true]] as const) {
    const prompts = promptsOf([3, 7, 1]);
    const r = generate(m, prompts, { maxNewTokens: 10, sampling: { temperature: 0 }, fastDecode: fast, maxBatch: 2 });
    assert.equal(r.stats.path, name === 'dense fast' ? 'dense' : 'model');
    r.sequences.forEach((s, i) => {
      assert.deepEqual(s.tokens, naiveGreedy(m, prompts[i]!, 10), `${name}: prompt ${i}`);
      assert.equal(s.finishReason, 'length');
      assert.deepEqual(s.usage, { promptTokens: prompts[i]!.length, completionTokens: 10, cachedPromptTokens: 0 });
    });
  }
});

test('log-probs are log-softmax(logits / T) of the sampled tokens', () => {
  const prompt = promptsOf([4])[0]!;
  const T = 0.7;
  const r = generate(dense, [prompt], { maxNewTokens: 5, sampling: { temperature: T }, seed: 9 });
  const s = r.sequences[0]!;
  const seq = [...prompt, ...s.tokens];
  const lg = dense.engine.scope(() => Float32Array.from(dense.forward(Int32Array.from(seq), 1, seq.length).data));
  s.tokens.forEach((tok, i) => {
    const row = lg.subarray((prompt.length - 1 + i) * V, (prompt.length + i) * V);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x / T);
    let z = 0;
    for (const x of row) z += Math.exp(x / T - max);
    const want = row[tok]! / T - max - Math.log(z);
    assert.ok(Math.abs(s.logprobs[i]! - want) < 1e-4, `token ${i}: ${s.logprobs[i]} vs ${want}`);
  });
});

test('generate hands its KV cache back to the model: the next call reuses the huge-page buffers and samples the same tokens; a released batch refuses to step', () => {
  const own = nativeAvailable() ? createNativeBackend() : createRefBackend(); // not the file's shared backend
  const engine = createEngine(own);
  const m = new Transformer(engine, preset('tiny-dense'), new Rng(3));
  const allocs: number[] = [];
  const real = own.hugeBuffer?.bind(own);
  own.hugeBuffer = (bytes: number) => {
    allocs.push(bytes);
    return real ? real(bytes) : new ArrayBuffer(bytes);
  };
  // 16 prompts × 4 samples = 64 rows of up to 6 + 260 positions, f32 (2 kv heads of 16): 2.2 MB per layer buffer, past
  // the huge-page size.
  const prompts = promptsOf([6, 3, 5, 6, 2, 4, 6, 1, 6, 5, 4, 3, 2, 1, 6, 6], 9);
  const opts: GenerateOptions = { maxNewTokens: 260, sampling: { temperature: 1, topP: 1, topK: 0 }, seed: 7, n: 4, kvDtype: 'f32' };
  const a = generate(m, prompts, opts).sequences.map((s) => s.tokens);
  assert.equal(allocs.length, 2 * m.config.nLayers);
  const b = generate(m, prompts, opts).sequences.map((s) => s.tokens);
  assert.equal(allocs.length, 2 * m.config.nLayers, 'the second call allocates no cache buffer');
  assert.deepEqual(b, a);
  const batch = new GenerationBatch(m, { slots: 2, cacheLen: 16 });
  batch.add({ prompt: [1, 2], maxNewTokens: 4 });
  batch.release();
  assert.throws(() => batch.step(), /GenerationBatch\.step: the batch was released/);
  assert.throws(() => batch.add({ prompt: [1, 2], maxNewTokens: 4 }), /GenerationBatch\.add: the batch was released/);
});

test('seeded sampling is deterministic and independent of batch composition', () => {
  const prompts = promptsOf([2, 6, 4]);
  const opts: GenerateOptions = { maxNewTokens: 12, sampling: { temperature: 1, topP: 0.9, topK: 50 }, seed: 42, n: 2 };
  const a = generate(dense, prompts, opts).sequences.map((s) => s.tokens);
  const b = generate(dense, prompts, { ...opts, maxBatch: 1 }).sequences.map((s) => s.tokens);
  const c = generate(dense, prompts, { ...opts, maxBatch: 4, fastDecode: false }).sequences.map((s) => s.tokens);
  assert.deepEqual(b, a, 'one sequence at a time gives the same tokens as the full batch');
  assert.deepEqual(c, a, 'a different batch size and decode path give the same tokens');
  const d = generate(dense, prompts, { ...opts, seed: 43 }).sequences.map((s) => s.tokens);
  assert.notDeepEqual(d, a, 'another seed samples differently');
  assert.notDeepEqual(a[0], a[1], 'the two samples of one prompt differ');
});

test('n samples share one prefill: KV copied to every sample, counted as cached prompt tokens', () => {
  const prompts = promptsOf([5, 8]);
  const r = generate(dense, prompts, { maxNewTokens: 6, sampling: { temperature: 0 }, n: 3, maxBatch: 2 });
  assert.equal(r.sequences.length, 6);
  assert.equal(r.stats.prefillTokens, 13, 'each prompt is prefilled once');
  r.sequences.forEach((s, i) => {
    assert.equal(s.prompt, Math.floor(i / 3));
    assert.equal(s.sample, i % 3);
    assert.equal(s.usage.cachedPromptTokens, s.sample === 0 ? 0 : prompts[s.prompt]!.length);
    // Greedy: every sample of a prompt must continue identically from the copied KV.
    assert.deepEqual(s.tokens, naiveGreedy(dense, prompts[s.prompt]!, 6));
  });
});

test('stop tokens, stop strings and max tokens give the right finish reason and text', () => {
  const prompt = promptsOf([3])[0]!;
  const greedy = naiveGreedy(dense, prompt, 8);
  const base: GenerateOptions = { maxNewTokens: 8, sampling: { temperature: 0 }, decoder };
  // Stop token: the 4th greedy token ends the sequence; it is kept in tokens but adds no text.
  const st = generate(dense, [prompt], { ...base, stopTokens: [greedy[3]!] }).sequences[0]!;
  const firstStop = greedy.indexOf(greedy[3]!);
  assert.equal(st.finishReason, 'stop');
  assert.deepEqual(st.stoppedBy, { token: greedy[3] });
  assert.deepEqual(st.tokens, greedy.slice(0, firstStop + 1));
  assert.equal(st.text, letters(greedy.slice(0, firstStop)));
  // Stop string: the letters of greedy tokens 2..3; the text ends right before its first occurrence.
  const stop = letters(greedy.slice(2, 4));
  const full = letters(greedy);
  const ss = generate(dense, [prompt], { ...base, stop: [stop, 'zzzzzzzzzz'] }).sequences[0]!;
  assert.equal(ss.finishReason, 'stop');
  assert.deepEqual(ss.stoppedBy, { string: stop });
  assert.equal(ss.text, full.slice(0, full.indexOf(stop)));
  assert.equal(ss.tokens.length, full.indexOf(stop) + stop.length, 'generation ends on the token completing the stop string');
  // Max tokens.
  const ln = generate(dense, [prompt], { ...base, maxNewTokens: 5, stop: ['zzzzzzzzzz'] }).sequences[0]!;
  assert.equal(ln.finishReason, 'length');
  assert.equal(ln.stoppedBy, undefined);
  assert.equal(ln.text, letters(greedy.slice(0, 5)));
  assert.equal(ln.usage.completionTokens, 5);
});

test('the streaming callback sees every token in order and exactly the final text', () => {
  const prompts = promptsOf([3, 5, 2]);
  const events: TokenEvent[] = [];
  const r = generate(dense, prompts, { maxNewTokens: 20, sampling: { temperature: 1.2 }, seed: 3, n: 2, decoder, stop: ['ab', 'q'], stopTokens: [7], onToken: (e) => events.push(e), maxBatch: 3 });
  r.sequences.forEach((s, i) => {
    const mine = events.filter((e) => e.seq === i);
    assert.deepEqual(mine.map((e) => e.token), s.tokens, `seq ${i}: tokens streamed in order`);
    assert.deepEqual(mine.map((e) => e.logprob), s.logprobs);
    assert.equal(mine.map((e) => e.textDelta).join(''), s.text, `seq ${i}: streamed text equals the final text`);
    assert.equal(mine.at(-1)!.finishReason, s.finishReason);
    assert.ok(mine.slice(0, -1).every((e) => e.finishReason === undefined));
    assert.ok(!s.text!.includes('ab') && !s.text!.includes('q'), `seq ${i}: no stop string in the text`);
  });
  assert.ok(r.sequences.some((s) => s.finishReason === 'stop'), 'some sequence stopped early (stop strings are common letters)');
});

test('a prefix-cache hit gives identical outputs and reports the cached-token count', () => {
  const rng = new Rng(17);
  const system = Array.from({ length: 37 }, () => rng.int(0, V - 1));
  const prompts = [[...system, 5, 6, 7], [...system, 9]];
  const opts: GenerateOptions = { maxNewTokens: 8, sampling: { temperature: 0.8 }, seed: 1, n: 2 };
  const plain = generate(dense, prompts, opts);
  const pc = new PrefixCache({ maxBytes: 1 << 24, blockSize: 16 });
  const first = generate(dense, [prompts[0]!], { ...opts, prefixCache: pc });
  assert.equal(first.sequences[0]!.usage.cachedPromptTokens, 0, 'cold cache');
  const second = generate(dense, prompts, { ...opts, prefixCache: pc });
  assert.deepEqual(second.sequences.map((s) => s.tokens), plain.sequences.map((s) => s.tokens));
  assert.deepEqual(second.sequences.map((s) => s.usage.cachedPromptTokens), [32, 40, 32, 38], 'two 16-token blocks of the system prompt, then the sibling sample');
  assert.equal(second.stats.prefillTokens, 40 - 32 + 38 - 32);
  assert.equal(pc.stats().hitTokens, 64);
});

test('bad arguments are rejected with clear errors', () => {
  const ok = promptsOf([3]);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 0 }), /maxNewTokens must be a positive integer/);
  assert.throws(() => generate(dense, [[]], { maxNewTokens: 2 }), /prompt 0 is empty/);
  assert.throws(() => generate(dense, [[1, 9999]], { maxNewTokens: 2 }), /prompt 0 holds token id 9999 outside/);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 2, n: 0 }), /n must be a positive integer/);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 2, stop: ['x'] }), /stop strings need a decoder/);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 2, sampling: { temperature: -1 } }), /temperature/);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 2, sampling: { topP: 0 } }), /topP/);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 2, stopTokens: [V] }), /stop token 512 outside/);
  assert.throws(() => generate(dense, [new Array(600).fill(1)], { maxNewTokens: 2 }), /maxSeqLen is 512/);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 2, maxBatch: 1.5 }), /maxBatch/);
  assert.throws(() => generate(dense, ok, { maxNewTokens: 2, weights: new DecoderWeights(modelOf('tiny-dense', 4)) }), /DecoderWeights prepared for this model/);
  // What a JavaScript caller can pass: no options, or something that is not a model.
  assert.throws(() => generate(dense, ok, undefined as never), (e: unknown) => e instanceof TypeError && /^generate: options are required/.test(e.message));
  for (const bad of [null, {}, { config: {} }]) {
    assert.throws(() => generate(bad as never, ok, { maxNewTokens: 2 }), (e: unknown) => e instanceof TypeError && e.message === 'generate: model must be a Transformer');
  }
});

test('prepared DecoderWeights reused across generate calls give the same sequences as packing per call', () => {
  const prompts = promptsOf([4, 9, 2, 6]);
  const opts: GenerateOptions = { maxNewTokens: 12, sampling: { temperature: 0.8, topP: 0.9 }, seed: 17, n: 2, maxBatch: 3 };
  const want = generate(dense, prompts, opts).sequences;
  const weights = new DecoderWeights(dense);
  for (let i = 0; i < 2; i++) {
    const got = generate(dense, prompts, { ...opts, weights }).sequences;
    assert.deepEqual(got.map((s) => s.tokens), want.map((s) => s.tokens), `call ${i}: same tokens`);
    got.forEach((s, j) => s.logprobs.forEach((lp, t) => assert.ok(Math.abs(lp - want[j]!.logprobs[t]!) < 1e-9, `call ${i}: same log-probs`)));
  }
});

test('ragged prompts prefilled as one padded batch match one-at-a-time prefill (dense and MLA+MoE)', () => {
  const mla = modelOf('tiny-moe-mla');
  for (const m of [dense, mla]) {
    const prompts = promptsOf([1, 5, 9, 2], 11);
    const opts: GenerateOptions = { maxNewTokens: 6, sampling: { temperature: 0.8 }, seed: 5, n: 3 };
    const together = generate(m, prompts, { ...opts, maxBatch: 12 });
    const alone = generate(m, prompts, { ...opts, maxBatch: 1 });
    assert.equal(together.stats.prefillTokens, 1 + 5 + 9 + 2, 'each prompt is prefilled once, padding not counted');
    assert.equal(together.stats.reusedPromptTokens, 2 * (1 + 5 + 9 + 2), 'the other two samples of each prompt copy its KV');
    together.sequences.forEach((s, i) => {
      const o = alone.sequences[i]!;
      assert.deepEqual(s.tokens, o.tokens, `sequence ${i}`);
      s.logprobs.forEach((lp, t) => assert.ok(Math.abs(lp - o.logprobs[t]!) < 1e-4, `sequence ${i} token ${t}: ${lp} vs ${o.logprobs[t]}`));
    });
  }
});

test('kvDtype f16: generation with n samples, a prefix cache and the model path, close to f32', () => {
  const prompts = promptsOf([20, 7], 21);
  const base: GenerateOptions = { maxNewTokens: 8, sampling: { temperature: 0 }, n: 2 };
  const f32 = generate(dense, prompts, { ...base, kvDtype: 'f32' });
  const pc = new PrefixCache({ maxBytes: 1 << 20, blockSize: 4 });
  const f16 = generate(dense, prompts, { ...base, kvDtype: 'f16', prefixCache: pc });
  const again = generate(dense, prompts, { ...base, kvDtype: 'f16', prefixCache: pc });
  const model = generate(dense, prompts, { ...base, kvDtype: 'f16', fastDecode: false });
  assert.ok(again.stats.reusedPromptTokens > f16.stats.reusedPromptTokens, 'the f16 prefix cache is reused');
  f16.sequences.forEach((s, i) => {
    assert.deepEqual(again.sequences[i]!.tokens, s.tokens, `sequence ${i}: prefix-cache restore gives the same tokens`);
    // Every step, the prefill included, attends to rounded cache entries: tokens agree here, log-probs are close.
    assert.equal(s.tokens[0], f32.sequences[i]!.tokens[0]);
    s.logprobs.forEach((lp, t) => {
      if (s.tokens[t] === f32.sequences[i]!.tokens[t] && s.tokens.slice(0, t).every((x, j) => x === f32.sequences[i]!.tokens[j])) {
        assert.ok(Math.abs(lp - f32.sequences[i]!.logprobs[t]!) < 2e-2, `sequence ${i} token ${t}: ${lp} vs ${f32.sequences[i]!.logprobs[t]}`);
      }
    });
    model.sequences[i]!.logprobs.forEach((lp, t) => {
      if (model.sequences[i]!.tokens.slice(0, t + 1).every((x, j) => x === s.tokens[j])) assert.ok(Math.abs(lp - s.logprobs[t]!) < 2e-3, `model vs dense path, sequence ${i} token ${t}`);
    });
  });
  assert.throws(() => generate(dense, prompts, { ...base, kvDtype: 'f16', prefixCache: pc, maxNewTokens: 2 }) && generate(dense, prompts, { ...base, kvDtype: 'f32', prefixCache: pc }), /KV storage/);
});

test('the default KV cache is f16 for MHA/GQA models and f32 for MLA ones', () => {
  const prompts = promptsOf([6, 9], 5);
  const base: GenerateOptions = { maxNewTokens: 4, sampling: { temperature: 0 } };
  // A prefix cache holds KV of one storage type: reusing it across calls shows which one the default call used.
  const pc = new PrefixCache({ maxBytes: 1 << 20, blockSize: 4 });
  const dflt = generate(dense, prompts, { ...base, prefixCache: pc });
  const f16 = generate(dense, prompts, { ...base, prefixCache: pc, kvDtype: 'f16' });
  assert.ok(f16.stats.reusedPromptTokens > 0);
  f16.sequences.forEach((s, i) => assert.deepEqual(s.tokens, dflt.sequences[i]!.tokens));
  assert.throws(() => generate(dense, prompts, { ...base, prefixCache: pc, kvDtype: 'f32' }), /KV storage/);
  // MLA: the latent cache has no f16 form, so the default is f32 (an explicit f16 is refused).
  const mla = modelOf('tiny-moe-mla');
  const pcMla = new PrefixCache({ maxBytes: 1 << 20, blockSize: 4 });
  generate(mla, prompts, { ...base, prefixCache: pcMla });
  assert.ok(generate(mla, prompts, { ...base, prefixCache: pcMla, kvDtype: 'f32' }).stats.reusedPromptTokens > 0);
  assert.throws(() => generate(mla, prompts, { ...base, kvDtype: 'f16' }), /f16/);
});

test('a batch of 20 (the row-group decode path) matches the model path', () => {
  const prompts = promptsOf(Array.from({ length: 20 }, (_, i) => 1 + (i % 7)), 31);
  const opts: GenerateOptions = { maxNewTokens: 6, sampling: { temperature: 0 }, maxBatch: 20 };
  const fast = generate(dense, prompts, opts), slow = generate(dense, prompts, { ...opts, fastDecode: false });
  assert.equal(fast.stats.path, 'dense');
  fast.sequences.forEach((s, i) => {
    assert.deepEqual(s.tokens, slow.sequences[i]!.tokens, `sequence ${i}`);
    s.logprobs.forEach((lp, t) => assert.ok(Math.abs(lp - slow.sequences[i]!.logprobs[t]!) < 1e-4, `sequence ${i} token ${t}`));
  });
});

test('vocabLimit: ids past the tokenizer\'s vocabulary are never sampled (batched decode and prefill alike)', () => {
  const limit = V - 64; // a padded vocabulary: the top 64 ids have no text
  const prompts = promptsOf([3, 5]);
  const hot = { maxNewTokens: 40, sampling: { temperature: 3, topP: 1, topK: 0 }, seed: 9, n: 4 } satisfies GenerateOptions;
  // Without the limit a hot sampler visits the padding; with it, never. Both paths (dense and model).
  const free = generate(dense, prompts, hot);
  assert.ok(free.sequences.some((s) => s.tokens.some((t) => t >= limit)), 'the unmasked run reaches the padding ids');
  for (const fastDecode of [true, false]) {
    const res = generate(dense, prompts, { ...hot, vocabLimit: limit, fastDecode, decoder: fromDecode(letters) });
    for (const s of res.sequences) {
      assert.ok(s.tokens.every((t) => t < limit), `fastDecode ${fastDecode}: ${s.tokens.filter((t) => t >= limit)}`);
      assert.ok(s.logprobs.every((lp) => Number.isFinite(lp) && lp <= 0));
    }
  }
  assert.throws(() => generate(dense, prompts, { ...hot, vocabLimit: V + 1 }), /vocabLimit must be an integer in \[1, \d+\]/);
});

test('lenientDecoder turns ids the tokenizer lacks into U+FFFD instead of throwing', () => {
  const strict = fromDecode((ids) => ids.map((i) => {
    if (i >= 10) throw new Error(`decode: token id ${i} is not in the vocabulary (size 10)`);
    return String(i);
  }).join(''));
  const s = lenientDecoder(strict, 10).streamDecoder();
  assert.equal([1, 2, 12, 3].map((i) => s.push(i)).join('') + s.flush(), '12\uFFFD3');
});

test('lenientDecoder: an id in a gap of the tokenizer\'s ids is U+FFFD too, not an exception', () => {
  // Ids 0-255 are the bytes, then a gap: 300 is the only id past them, so 256-299 are missing but below vocabSize.
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[BYTE_TO_CHAR[b] as string] = b;
  vocab['zz'] = 300;
  const tok = tokenizerFromJson({ model: { type: 'BPE', vocab, merges: [] }, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true } }, 'gap.json');
  assert.equal(tok.vocabSize, 301);
  assert.throws(() => tok.decode([270]), /token id 270 is not in the vocabulary/);
  const s = lenientDecoder(tok, tok.vocabSize).streamDecoder();
  const [a, b] = [...new TextEncoder().encode('é')] as [number, number];
  assert.equal([0x68, a, 270, b, 300].map((i) => s.push(i)).join('') + s.flush(), 'h\uFFFD\uFFFD\uFFFDzz');
});
