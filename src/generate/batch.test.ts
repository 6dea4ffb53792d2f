// src/generate/batch.test.ts — tests: the stepping batch (generate() bit-identical to outputs recorded from the
// one-call generate() it replaced, generateAsync = generate and yields between steps, requests joining a running
// batch, per-request sampling, cancel and AbortSignal freeing rows, reasoning/text events).

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { createEngine } from '../tensor/index.js';
import { preset, Transformer, type PresetName } from '../model/index.js';
import { Rng } from '../util/rng.js';
import { packageRoot } from '../util/package-root.js';
import { GenerationBatch, NanLogitsError, runBatch, type GenerationEvent, type Generation } from './batch.js';
import { generate, generateAsync, type GenerateOptions, type TokenEvent } from './generate.js';
import { PrefixCache } from './prefix-cache.js';
import { fromDecode } from './text.js';

const letters = (ids: readonly number[]): string => ids.map((i) => String.fromCharCode(97 + (i % 26))).join('');
const decoder = fromDecode(letters);
const V = 512;
const promptsOf = (lens: number[], seed = 5): number[][] => {
  const rng = new Rng(seed);
  return lens.map((n) => Array.from({ length: n }, () => rng.int(0, V - 1)));
};

/**
 * The cases recorded from the one-call generate() before it became a loop over GenerationBatch (same seeds); the
 * top-k + top-p case was recorded again when top-p came to be taken within the top k (the usual nucleus).
 */
function recordedCases(backend: Backend): Record<string, [Transformer, number[][], GenerateOptions]> {
  const modelOf = (name: PresetName, seed = 3): Transformer => new Transformer(createEngine(backend), preset(name), new Rng(seed));
  const dense = modelOf('tiny-dense'), mla = modelOf('tiny-moe-mla');
  // Recorded when the KV cache defaulted to f32 (the default is f16 now for MHA/GQA models): cases without a type ask for f32.
  const cases: Record<string, [Transformer, number[][], GenerateOptions]> = {
    greedyFast: [dense, promptsOf([3, 7, 1]), { maxNewTokens: 10, sampling: { temperature: 0 }, maxBatch: 2 }],
    sampledModelPath: [dense, promptsOf([2, 6, 4]), { maxNewTokens: 12, sampling: { temperature: 1, topP: 0.9, topK: 50 }, seed: 42, n: 2, maxBatch: 3, fastDecode: false }],
    sampledFastN3: [dense, promptsOf([5, 2, 9, 3], 8), { maxNewTokens: 15, sampling: { temperature: 0.8 }, seed: 7, n: 3, maxBatch: 4 }],
    mla: [mla, promptsOf([3, 5]), { maxNewTokens: 8, sampling: { temperature: 0.9, topP: 0.95 }, seed: 11, n: 3, maxBatch: 2 }],
    stops: [dense, promptsOf([4, 6, 2], 9), { maxNewTokens: 40, sampling: { temperature: 1 }, seed: 3, n: 2, decoder, stop: ['ab', 'q'], stopTokens: [7, 100, 200] }],
    f16: [dense, promptsOf([6, 3], 4), { maxNewTokens: 12, sampling: { temperature: 1 }, seed: 5, n: 2, kvDtype: 'f16', decoder }],
    vocabLimit: [dense, promptsOf([6, 3], 4), { maxNewTokens: 12, sampling: { temperature: 1.5 }, seed: 6, vocabLimit: 300, decoder }],
    cacheFull: [dense, promptsOf([505, 20], 12), { maxNewTokens: 30, sampling: { temperature: 1 }, seed: 8, n: 2, decoder }],
    longPrefill: [dense, promptsOf([510, 40, 300, 3], 13).map((p, i) => (i === 0 ? p.slice(0, 490) : p)), { maxNewTokens: 6, sampling: { temperature: 0 }, fastDecode: true }],
  };
  return Object.fromEntries(Object.entries(cases).map(([k, [m, p, o]]) => [k, [m, p, { kvDtype: 'f32', ...o }]]));
}

function prefixCacheRuns(backend: Backend): { sequences: Generation[]; stats: object }[] {
  const dense = new Transformer(createEngine(backend), preset('tiny-dense'), new Rng(3));
  const pc = new PrefixCache({ maxBytes: 1 << 24, blockSize: 4 });
  const base = promptsOf([21], 20)[0]!;
  return [[1, 2], [3, 4, 5], [1, 2]].map((tail) => {
    const r = generate(dense, [[...base, ...tail], [...base.slice(0, 9), ...tail]], { maxNewTokens: 6, sampling: { temperature: 1 }, seed: 2, n: 2, prefixCache: pc, decoder, kvDtype: 'f32' });
    const { prefillMs: _p, decodeMs: _d, ...stats } = r.stats;
    return { sequences: r.sequences, stats };
  });
}

const recorded = JSON.parse(readFileSync(join(packageRoot(), 'src/generate/fixtures/generate-recorded.json'), 'utf8')) as Record<string, any>;
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('generate() is bit-identical to the recorded one-call generate() (reference backend: tokens, log-probs, text, events, stats)', () => {
  const backend = createRefBackend();
  for (const [name, [m, prompts, opts]] of Object.entries(recordedCases(backend))) {
    const events: TokenEvent[] = [];
    const r = generate(m, prompts, { ...opts, onToken: (e) => events.push(e) });
    const want = recorded[`ref/${name}`];
    assert.deepEqual(plain(r.sequences), want.sequences, `${name}: sequences`);
    assert.deepEqual(events.map((e) => [e.seq, e.token, e.textDelta, e.finishReason ?? null]), want.events, `${name}: token events`);
    const { prefillMs: _p, decodeMs: _d, ...stats } = r.stats;
    assert.deepEqual(stats, want.stats, `${name}: stats`);
  }
  const runs = prefixCacheRuns(backend);
  assert.deepEqual(plain(runs.flatMap((r) => r.sequences)), recorded['ref/prefixCache'].sequences);
  assert.deepEqual(runs.map((r) => r.stats), recorded['ref/prefixCache'].stats);
});

test('generate() matches the recorded tokens on the native backend', { skip: !nativeAvailable() && 'native addon not built' }, () => {
  const backend = createNativeBackend();
  for (const [name, [m, prompts, opts]] of Object.entries(recordedCases(backend))) {
    const r = generate(m, prompts, opts);
    const want = recorded[`native/${name}`];
    assert.deepEqual(r.sequences.map((s) => s.tokens), want.tokens, `${name}: tokens`);
    assert.deepEqual(r.sequences.map((s) => s.text), want.text, `${name}: text`);
    assert.deepEqual(r.sequences.map((s) => s.finishReason), want.finish, `${name}: finish reasons`);
  }
  const runs = prefixCacheRuns(backend);
  assert.deepEqual(runs.flatMap((r) => r.sequences.map((s) => s.tokens)), recorded['native/prefixCache'].tokens);
});

const backend = nativeAvailable() ? createNativeBackend() : createRefBackend();
const dense = new Transformer(createEngine(backend), preset('tiny-dense'), new Rng(3));

test('generateAsync returns what generate returns and lets timers run between steps', async () => {
  const prompts = promptsOf([4, 9, 2]);
  const opts: GenerateOptions = { maxNewTokens: 20, sampling: { temperature: 1, topP: 0.9 }, seed: 4, n: 2, maxBatch: 3, decoder };
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const a = await generateAsync(dense, prompts, opts);
  clearInterval(timer);
  assert.deepEqual(plain(a.sequences), plain(generate(dense, prompts, opts).sequences));
  assert.ok(ticks > 0, 'a 0 ms interval fired while generating');
});

test('generateAsync stops at the next step when its signal aborts, rejecting with the reason', async () => {
  const ctl = new AbortController();
  let tokens = 0;
  const p = generateAsync(dense, promptsOf([3, 3]), {
    maxNewTokens: 200, seed: 1, signal: ctl.signal,
    onToken: () => {
      if (++tokens === 10) ctl.abort(new Error('stop now'));
    },
  });
  await assert.rejects(p, /stop now/);
  assert.ok(tokens <= 12, `at most one more step after the abort (saw ${tokens} tokens)`);
});

/** Runs a batch to the end, collecting finished generations and all events by request id. */
function drive(b: GenerationBatch, onStep?: (step: number) => void): { gens: Map<string, Generation>; events: GenerationEvent[] } {
  const gens = new Map<string, Generation>();
  const events: GenerationEvent[] = [];
  for (let step = 0; !b.idle; step++) {
    onStep?.(step);
    for (const e of b.step()) {
      events.push(e);
      if (e.type === 'finish' && e.generation) gens.set(`${e.id}/${e.sample}`, e.generation);
    }
  }
  return { gens, events };
}

test('a request that joins a running batch gets the same tokens as alone, and per-request sampling settings are kept', () => {
  const [p0, p1, p2] = promptsOf([5, 8, 3], 21);
  const alone = (prompt: number[], temperature: number, seed: number): number[][] =>
    generate(dense, [prompt], { maxNewTokens: 16, sampling: { temperature }, seed, n: 2 }).sequences.map((s) => s.tokens);
  const b = new GenerationBatch(dense, { slots: 4, cacheLen: 64 });
  const id0 = b.add({ prompt: p0!, maxNewTokens: 16, sampling: { temperature: 1 }, seed: 1, n: 2 });
  let id1 = -1, id2 = -1;
  const { gens } = drive(b, (step) => {
    if (step === 3) id1 = b.add({ prompt: p1!, maxNewTokens: 16, sampling: { temperature: 0 }, seed: 2, n: 2 });
    if (step === 7) id2 = b.add({ prompt: p2!, maxNewTokens: 16, sampling: { temperature: 0.5 }, seed: 3, n: 2 }); // waits for a free row
  });
  for (const [id, prompt, T, seed] of [[id0, p0, 1, 1], [id1, p1, 0, 2], [id2, p2, 0.5, 3]] as const) {
    assert.deepEqual([0, 1].map((j) => gens.get(`${id}/${j}`)!.tokens), alone(prompt!, T, seed), `request ${id}`);
  }
});

test('admit() prefills waiting requests and emits their first tokens without a decode step; the tokens are step()\'s', () => {
  const prompts = promptsOf([5, 8, 3], 31);
  const req = (prompt: number[], i: number) => ({ prompt, maxNewTokens: 12, sampling: { temperature: 1 }, seed: 40 + i, n: 1 });
  const plainRun = new GenerationBatch(dense, { slots: 4, cacheLen: 64 });
  prompts.forEach((p, i) => plainRun.add(req(p, i)));
  const want = drive(plainRun, () => {}).gens;
  const split = new GenerationBatch(dense, { slots: 4, cacheLen: 64 });
  const ids = prompts.map((p, i) => split.add(req(p, i)));
  const first = split.admit();
  assert.equal(split.stats.decodeSteps, 0);
  assert.deepEqual(first.filter((e) => e.type === 'token').map((e) => e.id), ids, 'one first token per request');
  assert.equal(split.waiting, 0);
  assert.deepEqual(split.admit(), [], 'nothing left to admit');
  const got = drive(split, (step) => {
    if (step === 2) split.admit(); // between steps, with nothing waiting: no effect
  }).gens;
  for (const id of ids) assert.deepEqual(got.get(`${id}/0`)!.tokens, want.get(`${id}/0`)!.tokens, `request ${id}`);
});

test('cancel and an aborted signal free the rows at once; waiting requests take them; others are unaffected', () => {
  const [p0, p1, p2] = promptsOf([4, 6, 5], 30);
  const b = new GenerationBatch(dense, { slots: 2, cacheLen: 128 });
  const ctl = new AbortController();
  const a = b.add({ prompt: p0!, maxNewTokens: 100, seed: 1 });
  const c = b.add({ prompt: p1!, maxNewTokens: 100, seed: 2, signal: ctl.signal });
  const d = b.add({ prompt: p2!, maxNewTokens: 10, seed: 3, n: 2 });
  b.step();
  assert.equal(b.active, 2);
  assert.equal(b.waiting, 2);
  b.cancel(a);
  const cancelled = b.drain();
  // It carries what it used: its 4-token prompt, and 2 tokens (the prefill's and one decode step's).
  assert.deepEqual(cancelled, [{ type: 'finish', id: a, sample: 0, reason: 'cancelled', generation: null, usage: { promptTokens: 4, completionTokens: 2, cachedPromptTokens: 0 } }]);
  ctl.abort();
  const ev = b.step();
  assert.ok(ev.some((e) => e.type === 'finish' && e.id === c && e.reason === 'cancelled'));
  assert.equal(b.active, 2, 'both samples of the waiting request took the freed rows');
  const { gens } = drive(b);
  const want = generate(dense, [p2!], { maxNewTokens: 10, seed: 3, n: 2 }).sequences.map((s) => s.tokens);
  assert.deepEqual([0, 1].map((j) => gens.get(`${d}/${j}`)!.tokens), want);
  assert.ok(b.idle);
  assert.deepEqual(b.openRequests(), []);
  // A request cancelled while it waits used nothing.
  const w = new GenerationBatch(dense, { slots: 1, cacheLen: 64 });
  w.add({ prompt: p0!, maxNewTokens: 5, seed: 1 });
  const queued = w.add({ prompt: p1!, maxNewTokens: 5, seed: 2 });
  w.step();
  w.cancel(queued);
  assert.deepEqual(w.drain(), [{ type: 'finish', id: queued, sample: 0, reason: 'cancelled', generation: null, usage: { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 } }]);
});

test('a step that throws ends the requests it was working on with a finish each and frees their rows; waiting ones stay queued', () => {
  // NaN weights: sampling an admitted request's first token fails, with an error that names the problem.
  const nan = new Transformer(createEngine(backend), preset('tiny-dense'), new Rng(3));
  nan.namedParameters().find(([name]) => name.includes('embed_tokens'))![1].data.fill(NaN);
  const b = new GenerationBatch(nan, { slots: 2, cacheLen: 64 });
  const a = b.add({ prompt: [1, 2, 3], maxNewTokens: 5, n: 2 }); // both samples take the two rows
  const queued = b.add({ prompt: [4, 5], maxNewTokens: 5 });
  assert.throws(() => b.step(), (e: Error) => e instanceof NanLogitsError && /the model produced NaN logits/.test(e.message) && /logits contain NaN/.test(String((e.cause as Error).message)));
  assert.deepEqual(b.endFailedStep(), [a]);
  const finishes = (ev: GenerationEvent[]): [number, number, string][] => ev.flatMap((e) => (e.type === 'finish' ? [[e.id, e.sample, e.reason] as [number, number, string]] : []));
  assert.deepEqual(finishes(b.drain()), [[a, 0, 'cancelled'], [a, 1, 'cancelled']]);
  assert.equal(b.active, 0);
  assert.deepEqual(b.openRequests(), [queued], 'the waiting request stays queued');
  // It takes a freed row and fails the same way.
  assert.throws(() => b.step(), NanLogitsError);
  assert.deepEqual(b.endFailedStep(), [queued]);
  assert.deepEqual(finishes(b.drain()), [[queued, 0, 'cancelled']]);
  assert.ok(b.idle);

  // A failure part-way through a decode step (here the detokenizer, once): every request in it gets exactly one
  // finish per sample, and all rows are free again afterwards.
  let calls = 0;
  const flaky = fromDecode((ids) => {
    if (++calls === 12) throw new Error('decoder failed');
    return letters(ids);
  });
  const d = new GenerationBatch(dense, { slots: 3, cacheLen: 64, decoder: flaky });
  const ids = promptsOf([4, 6, 5], 50).map((prompt, i) => d.add({ prompt, maxNewTokens: 30, seed: i }));
  const events: GenerationEvent[] = [];
  assert.throws(() => {
    while (!d.idle) events.push(...d.step());
  }, /decoder failed/);
  const ended = d.endFailedStep();
  events.push(...d.drain());
  assert.ok(ended.length > 0);
  for (const id of ids) assert.equal(finishes(events).filter(([i]) => i === id).length, 1, `request ${id}: one finish`);
  assert.ok(d.idle);
  const again = d.add({ prompt: [1, 2], maxNewTokens: 4, seed: 9, n: 3 });
  const first = d.step();
  assert.equal(d.active + finishes(first).length, 3, 'its three samples all got a row at once');
  const { gens } = drive(d);
  assert.equal([...gens.keys()].filter((k) => k.startsWith(`${again}/`)).length + finishes(first).length, 3);
});

test('runBatch with an aborted signal cancels every request and rejects', async () => {
  const b = new GenerationBatch(dense, { slots: 2, cacheLen: 64 });
  const ctl = new AbortController();
  b.add({ prompt: [1, 2, 3], maxNewTokens: 50 });
  b.add({ prompt: [4, 5], maxNewTokens: 50, n: 3 });
  const finishes: GenerationEvent[] = [];
  let steps = 0;
  const p = runBatch(b, (ev) => {
    finishes.push(...ev.filter((e) => e.type === 'finish'));
    if (++steps === 3) ctl.abort(new Error('bye'));
  }, ctl.signal);
  await assert.rejects(p, /bye/);
  assert.equal(finishes.length, 4);
  assert.ok(finishes.every((e) => e.type === 'finish' && e.reason === 'cancelled'));
  assert.ok(b.idle);
});

test('reasoning requests emit reasoning-delta then text-delta events that add up to the split text', () => {
  // Letters decoder: token i is letter i % 26. Tags made of letters, so random tokens hit them sometimes.
  const b = new GenerationBatch(dense, { slots: 8, cacheLen: 256, decoder });
  const ids = promptsOf([3, 4, 5, 6, 2, 7, 3, 4], 40).map((prompt, i) => b.add({ prompt, maxNewTokens: 200, seed: i, sampling: { temperature: 1, topK: 3 }, reasoning: { open: 'ab', close: 'c', startInside: i % 2 === 0 } }));
  const { gens, events } = drive(b);
  let sawBoth = 0;
  for (const id of ids) {
    const r = events.filter((e) => e.type === 'reasoning-delta' && e.id === id).map((e) => (e as { delta: string }).delta).join('');
    const c = events.filter((e) => e.type === 'text-delta' && e.id === id).map((e) => (e as { delta: string }).delta).join('');
    const text = gens.get(`${id}/0`)!.text!;
    const close = text.indexOf('c');
    if (id % 2 === 0 && close !== -1) {
      const reasoning = text.slice(0, close).replace(/^ab/, '');
      assert.equal(r, reasoning, `request ${id}: reasoning`);
      assert.equal(c, text.slice(close + 1), `request ${id}: content`);
      if (r && c) sawBoth++;
      // Reasoning arrives before content.
      const firstText = events.findIndex((e) => e.type === 'text-delta' && e.id === id);
      const lastReasoning = events.findLastIndex((e) => e.type === 'reasoning-delta' && e.id === id);
      if (firstText !== -1 && lastReasoning !== -1) assert.ok(lastReasoning < firstText);
    }
    assert.ok(!r.includes('c') || id % 2 === 1, 'the close tag never leaks into the reasoning');
  }
  assert.ok(sawBoth > 0, 'some request had both reasoning and an answer');
});

test('add() names the bad field', () => {
  const b = new GenerationBatch(dense, { slots: 1, cacheLen: 16 });
  assert.throws(() => b.add({ prompt: [], maxNewTokens: 1 }), /prompt is empty/);
  assert.throws(() => b.add({ prompt: Array(16).fill(1), maxNewTokens: 1 }), /cache rows hold 16/);
  assert.throws(() => b.add({ prompt: [1], maxNewTokens: 0 }), /maxNewTokens/);
  assert.throws(() => b.add({ prompt: [1], maxNewTokens: 1, stop: ['x'] }), /decoder/);
  assert.throws(() => b.add({ prompt: [1], maxNewTokens: 1, sampling: { topP: 2 } }), /topP/);
  assert.throws(() => new GenerationBatch(dense, { slots: 1, cacheLen: 10_000 }), /cacheLen/);
  assert.ok(b.idle);
});
