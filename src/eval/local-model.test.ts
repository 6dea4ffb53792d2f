// src/eval/local-model.test.ts — evaluating a local checkpoint: a tiny random model saved as a Hugging Face folder
// with a trained tokenizer, loaded back through localModelSource, sampled deterministically and run end to end.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { encodeChat, loadTokenizer, R1_CHAT_TEMPLATE, trainTokenizer } from '../tokenizer/index.js';
import { additionTask, makeCheckpoint, makeGgufCheckpoint } from './fixtures.js';
import { localModelSource } from './local-model.js';
import { LOCAL_MODEL_UNAVAILABLE, requireLocalSource } from './local-source.js';
import { EVAL_DEFAULTS, runEval } from './runner.js';
import type { EvalSummary } from './summary.js';
import type { Completion } from './types.js';

const SAMPLING = { temperature: 0.6, topP: 0.95, maxTokens: 12 };

test('requireLocalSource without a factory names the missing engine', () => {
  assert.throws(() => requireLocalSource(undefined), new RegExp(LOCAL_MODEL_UNAVAILABLE.replace(/[()]/g, '\\$&')));
});

test('localModelSource samples n completions per prompt, seeded, with exact token usage', async () => {
  const dir = makeCheckpoint();
  try {
    const source = await localModelSource({ checkpoint: dir, seed: 0 });
    assert.equal(source.model, basename(dir));
    const seen: string[] = [];
    const a = await source.complete(['What is 2 + 3?'], { ...SAMPLING, n: 3, seed: 7, onCompletion: (p, j) => seen.push(`${p}/${j}`) });
    const b = await source.complete(['What is 2 + 3?'], { ...SAMPLING, n: 3, seed: 7 });
    assert.deepEqual(a, b, 'same seed, same samples');
    assert.equal(a[0]!.length, 3);
    assert.deepEqual(seen, ['0/0', '0/1', '0/2']);
    const c = await source.complete(['What is 2 + 3?'], { ...SAMPLING, n: 3, seed: 8 });
    assert.notDeepEqual(c, a, 'another seed, other samples');
    // Prompt tokens: the R1 chat rendering of the question; the first sample prefills, the others reuse its KV.
    const tok = loadTokenizer(dir);
    const promptLen = encodeChat(tok, [{ role: 'user', content: 'What is 2 + 3?' }], { addGenerationPrompt: true, literalContent: true }).length;
    for (const comp of a[0]!) {
      const u = comp.usage!;
      assert.equal(u.promptTokens, promptLen);
      assert.ok(u.completionTokens >= 1 && u.completionTokens <= SAMPLING.maxTokens);
      assert.ok(u.reasoningTokens! >= 0 && u.reasoningTokens! <= u.completionTokens);
      assert.equal(u.cacheHitTokens! + u.cacheMissTokens!, promptLen);
      assert.ok(comp.finishReason === 'stop' || comp.finishReason === 'length');
    }
    assert.ok(a[0]!.slice(1).every((comp) => comp.usage!.cacheHitTokens === promptLen));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runEval over a local checkpoint writes per-sample results and a summary', async () => {
  const dir = makeCheckpoint();
  const out = mkdtempSync(join(tmpdir(), 'r1-eval-local-'));
  try {
    const source = await localModelSource({ checkpoint: dir, seed: 0 });
    const s = await runEval({ ...EVAL_DEFAULTS, benches: [additionTask()], source, k: 2, limit: 2, maxTokens: 8, outDir: out, concurrency: 2, price: null });
    const b = s.benches[0]!;
    assert.equal(b.items, 2);
    assert.equal(b.passAtK.length, 2);
    assert.ok(b.passAt1 >= 0 && b.passAt1 <= 1);
    assert.ok(b.meanReasoningTokens! + b.meanAnswerTokens! > 0);
    assert.equal(readFileSync(join(out, 'samples.jsonl'), 'utf8').trim().split('\n').length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('a model vocabulary padded past the tokenizer\'s evaluates: padding ids are never sampled', async () => {
  const dir = makeCheckpoint(97);
  try {
    const source = await localModelSource({ checkpoint: dir, seed: 0 });
    const out = await source.complete(['What is 2 + 3?'], { temperature: 3, topP: 1, maxTokens: 48, n: 6, seed: 1 });
    // A hot sampler over 97 padding ids of ~380 reached one within these 288 draws before the mask, and decoding
    // it threw "decode: token id … is not in the vocabulary"; now every sample finishes.
    assert.equal(out[0]!.length, 6);
    for (const c of out[0]!) assert.ok(c.usage!.completionTokens >= 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a checkpoint with a ChatML template is prompted in ChatML; --chat-template overrides; a raising template names the checkpoint", async () => {
  const chatml = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
  const dir = makeCheckpoint(0, { template: chatml, tokens: ['<|im_start|>', '<|im_end|>'], eos: '<|im_end|>' });
  const work = mkdtempSync(join(tmpdir(), 'r1-eval-template-'));
  try {
    const tok = loadTokenizer(dir);
    const q = [{ role: 'user' as const, content: 'What is 2 + 3?' }];
    const chatmlIds = tok.encode('<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n');
    assert.equal(chatmlIds[0], tok.addedTokenId('<|im_start|>'));
    const r1Ids = encodeChat(tok, q, { addGenerationPrompt: true, literalContent: true });
    assert.notEqual(chatmlIds.length, r1Ids.length);
    const own = await localModelSource({ checkpoint: dir, seed: 0 });
    assert.match(own.label, /the checkpoint's chat template/);
    const [samples] = await own.complete(['What is 2 + 3?'], { ...SAMPLING, n: 4, seed: 3 });
    let plain = 0;
    for (const c of samples!) {
      assert.equal(c.usage!.promptTokens, chatmlIds.length);
      // The ChatML prompt does not open <think>: text without reasoning tags is all answer (with R1's prompt it
      // would all be reasoning).
      // A sampled tag is split off the text (reasoningTokens counts from it), so look at both.
      if (/<\/?think>/.test(c.content + c.reasoning) || c.usage!.reasoningTokens !== 0) continue;
      plain++;
      assert.equal(c.reasoning, '');
      assert.ok(c.content.length > 0);
    }
    assert.ok(plain > 0, 'some sample without reasoning tags');
    const r1File = join(work, 'r1.jinja');
    writeFileSync(r1File, R1_CHAT_TEMPLATE);
    const over = await localModelSource({ checkpoint: dir, seed: 0, chatTemplate: r1File });
    assert.match(over.label, /chat template .*r1\.jinja/);
    const [r1Samples] = await over.complete(['What is 2 + 3?'], { ...SAMPLING, n: 1, seed: 3 });
    assert.equal(r1Samples![0]!.usage!.promptTokens, r1Ids.length);
    const raising = join(work, 'raising.jinja');
    writeFileSync(raising, "{{ raise_exception('Only system and assistant roles are supported') }}");
    await assert.rejects(localModelSource({ checkpoint: dir, seed: 0, chatTemplate: raising }), /--chat-template .*raising\.jinja: the chat template refused the conversation: Only system and assistant roles are supported/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test("a GGUF file's tokenizer.chat_template prompts the model, with the file's BOS as bos_token", async () => {
  const file = makeGgufCheckpoint('{{ bos_token }}{% for m in messages %}### {{ m.role }}: {{ m.content }}\n{% endfor %}### assistant:');
  try {
    const source = await localModelSource({ checkpoint: file, seed: 0 });
    assert.match(source.label, /the checkpoint's chat template/);
    const c = (await source.complete(['What is 2 + 3?'], { ...SAMPLING, n: 1, seed: 1 }))[0]![0]!;
    const tok = trainTokenizer(['What is 2 + 3? Please reason step by step, and put your final answer within \\boxed{}.', 'The answer is 5.'], { vocabSize: 300 });
    assert.equal(c.usage!.promptTokens, tok.encode('<｜begin▁of▁sentence｜>### user: What is 2 + 3?\n### assistant:').length);
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
});

test('a local model draws sample j from seed + j alone: a resumed run fills in the samples an uninterrupted one drew', async () => {
  const dir = makeCheckpoint();
  const fresh = mkdtempSync(join(tmpdir(), 'r1-eval-local-fresh-'));
  const resumed = mkdtempSync(join(tmpdir(), 'r1-eval-local-resumed-'));
  try {
    const source = await localModelSource({ checkpoint: dir, seed: 0 });
    const opts = { temperature: 1, topP: 1, maxTokens: 12 };
    const [all] = await source.complete(['What is 2 + 3?'], { ...opts, n: 4, seed: 7 });
    const [tail] = await source.complete(['What is 2 + 3?'], { ...opts, n: 2, seed: 9 });
    const [third] = await source.complete(['What is 2 + 3?'], { ...opts, n: 1, seed: 9 });
    assert.ok(new Set(all!.map((c) => c.reasoning + c.content)).size > 1, 'the samples differ');
    // The same text and tokens; only the prompt's cache hits differ (each call prefills for its first sample).
    const drawn = (cs: readonly Completion[] | undefined): unknown[] => cs!.map((c) => [c.reasoning, c.content, c.finishReason, c.usage!.completionTokens]);
    assert.deepEqual(drawn(tail), drawn(all!.slice(2)), 'samples 2 and 3 again from seed 7 + 2');
    assert.deepEqual(drawn(third), drawn(all!.slice(2, 3)));
    // Through the runner: k = 4 at once against k = 2, then the same directory at k = 4 (a resume).
    const base = { ...EVAL_DEFAULTS, benches: [additionTask()], source, limit: 2, maxTokens: 8, temperature: 1, concurrency: 1, price: null };
    const a = await runEval({ ...base, k: 4, outDir: fresh });
    await runEval({ ...base, k: 2, outDir: resumed });
    const b = await runEval({ ...base, k: 4, outDir: resumed });
    const byKey = (d: string): string[] =>
      readFileSync(join(d, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
        .map((r) => JSON.stringify([r.itemId, r.sample, r.seed, r.reasoning, r.content, r.correct])).sort();
    assert.deepEqual(byKey(resumed), byKey(fresh));
    const metrics = (s: EvalSummary): unknown[] => s.benches.map((x) => [x.items, x.passAt1, x.passAtK, x.consAtK, x.formatRate, x.meanReasoningTokens, x.meanAnswerTokens, x.usage.completionTokens]);
    assert.deepEqual(metrics(b), metrics(a));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(fresh, { recursive: true, force: true });
    rmSync(resumed, { recursive: true, force: true });
  }
});
