import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNativeBackend, createRefBackend } from '../../backend/index.js';
import { packParameters } from '../../nn/index.js';
import { loadHfCheckpoint, parseModelConfig, preset, saveModelAsHf, Transformer } from '../../model/index.js';
import { createEngine } from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { loadTokenizer, saveTokenizer, trainTokenizer, R1_TOKENS } from '../../tokenizer/index.js';
import { parseSftConfig } from '../config.js';
import { initCheckpoint } from '../init.js';
import { promptIds } from '../../generate/index.js';
import { writeTemplateCheckpoints } from '../../tokenizer/template-check.js';
import { TOKENIZER_JSON } from '../../tokenizer/template-expected.cases.js';
import { encodeSftRecord, loadSftExamples, parseSftLine } from './data.js';
import { accumulateGradients, packBatch, padBatch, trainSft } from './trainer.js';
import type { SftExample } from './data.js';

const qa = (i: number): { q: string; a: string } => ({ q: `What is ${i % 10} plus ${(i * 3) % 10}?`, a: `The sum is ${(i % 10) + ((i * 3) % 10)}.` });

function dataFiles(dir: string): { chat: string; text: string } {
  const chat = Array.from({ length: 120 }, (_, i) => {
    const { q, a } = qa(i);
    return i % 2 === 0
      ? JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: `<think>\nadd them</think> ${a}` }] })
      : JSON.stringify({ prompt: q, completion: `add them</think> ${a}` });
  });
  const text = Array.from({ length: 120 }, (_, i) => JSON.stringify({ text: `${qa(i).q} ${qa(i).a}` }));
  writeFileSync(join(dir, 'chat.jsonl'), chat.join('\n') + '\n');
  writeFileSync(join(dir, 'text.jsonl'), text.join('\n') + '\n');
  return { chat: join(dir, 'chat.jsonl'), text: join(dir, 'text.jsonl') };
}

for (const name of ['tiny-dense', 'tiny-moe-mla'] as const) {
  test(`SFT lowers held-out loss on chat data, loss only on the reply (${name}${name === 'tiny-moe-mla' ? ', MTP loss' : ''})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r1-sft-'));
    try {
      const files = dataFiles(dir);
      const corpus = readFileSync(files.text, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text as string);
      initCheckpoint(join(dir, 'init'), { config: { ...preset(name), maxSeqLen: 96 }, tokenizer: { corpus, vocabSize: 300 }, seed: 2 });
      const res = await trainSft({
        config: parseSftConfig({ out: join(dir, 'run'), model: join(dir, 'init'), data: files.chat, heldout: 0.1, steps: 40, batchSize: 8, gradAccum: 2, optim: { lr: 3e-3, warmupSteps: 4 }, checkpointEvery: 20, seed: 1 }),
      });
      assert.ok(res.heldoutBefore !== null && res.heldoutAfter !== null);
      assert.ok(res.heldoutAfter! < res.heldoutBefore! * 0.6, `held-out loss ${res.heldoutBefore} -> ${res.heldoutAfter}`);
      const metrics = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(metrics.length, 40);
      // Warmup then cosine decay to a tenth of the peak.
      assert.ok(Math.abs(metrics[3].lr - 3e-3) < 1e-12 && Math.abs(metrics[39].lr - 3e-4) < 3e-5);
      if (name === 'tiny-moe-mla') assert.ok(metrics.every((m) => m.mtpLoss > 0 && m.expertLoadMaxOverMean >= 1));
      // Hugging Face layout, loadable as a checkpoint again.
      for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) assert.ok(existsSync(join(res.modelDir, f)), f);
      assert.ok(existsSync(join(dir, 'run', 'checkpoints', 'step-00000040', 'manifest.json')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Gradient accumulation must not change what a step learns: k micro-batches (of very different loss-token counts,
// one with none) give the gradient of one batch of the same rows, every loss token weighing the same.
test('gradient accumulation: micro-batches of uneven loss tokens give the gradient of one batch of the same rows (dense; MoE + MTP)', () => {
  for (const name of ['tiny-dense', 'tiny-moe-mla'] as const) {
    const model = new Transformer(createEngine(createNativeBackend()), parseModelConfig({ ...preset(name), maxSeqLen: 64 }), new Rng(3));
    const flat = packParameters(model);
    const rng = new Rng(8);
    // Prompt then reply: the loss covers the reply only; lengths 4 to 40 tokens.
    const example = (len: number, prompt: number): SftExample => ({
      ids: Array.from({ length: len }, () => rng.int(0, model.config.vocabSize - 1)), mask: Uint8Array.from({ length: len }, (_, i) => (i >= prompt ? 1 : 0)), source: 'x',
    });
    const rows = [example(40, 4), example(6, 3), example(12, 11), example(25, 2), example(8, 8), example(30, 20)];
    const grads = (parts: SftExample[][]): { grad: Float32Array; ceSum: number; counted: number; mtpLoss: number | null } => {
      flat.grads.fill(0);
      const acc = accumulateGradients(model, parts.map((p) => padBatch(p, 0)), 0.3);
      return { grad: flat.grads.slice(), ...acc };
    };
    const one = grads([rows]);
    // The fifth row has no loss token: alone it is a micro-batch that adds nothing.
    const split = grads([[rows[0]!], [rows[1]!, rows[2]!], [rows[4]!], [rows[3]!, rows[5]!]]);
    assert.equal(split.counted, one.counted);
    assert.ok(Math.abs(split.ceSum - one.ceSum) < 1e-3 * one.ceSum, `summed loss ${split.ceSum} vs ${one.ceSum}`);
    assert.equal(split.mtpLoss === null, name === 'tiny-dense');
    if (name !== 'tiny-dense') assert.ok(Math.abs(split.mtpLoss! - one.mtpLoss!) < 1e-4 * one.mtpLoss!, `MTP loss ${split.mtpLoss} vs ${one.mtpLoss}`);
    let worst = 0, largest = 0;
    one.grad.forEach((g, i) => ((worst = Math.max(worst, Math.abs(g - split.grad[i]!))), (largest = Math.max(largest, Math.abs(g)))));
    assert.ok(largest > 1e-3 && worst < 1e-4 * largest, `${name}: largest gradient gap ${worst} (largest gradient ${largest})`);
  }
});

test('SFT skips an update whose gradient norm is not finite, counts it in the step\'s metrics and logs it; a run that ends on such steps stops as diverged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-sft-nan-'));
  try {
    const files = dataFiles(dir);
    const corpus = readFileSync(files.text, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text as string);
    const tok = initCheckpoint(join(dir, 'init'), { config: { ...preset('tiny-dense'), maxSeqLen: 64 }, tokenizer: { corpus, vocabSize: 300 }, seed: 2 }).tokenizer;
    // A NaN in the final norm makes every logit, the loss and the gradient NaN.
    const { model } = loadHfCheckpoint(join(dir, 'init'), createEngine(createRefBackend()));
    model.stateDict().get('model.norm.weight')!.data[0] = NaN;
    saveModelAsHf(join(dir, 'nan'), model, { bosId: tok.bosId, eosId: tok.eosId });
    saveTokenizer(tok, join(dir, 'nan'));
    const logs: string[] = [];
    await assert.rejects(
      trainSft({
        log: (m) => logs.push(m),
        config: parseSftConfig({ out: join(dir, 'run'), model: join(dir, 'nan'), data: files.chat, heldout: 0, steps: 2, batchSize: 4, optim: { lr: 1e-2 }, checkpointEvery: 1 }),
      }),
      (e: Error) => e.name === 'DivergedError' && /^training diverged: steps 1-2 had a non-finite loss or gradient \(loss NaN, 2 updates skipped for a non-finite gradient\); stopped at step 2 without writing .*final\. No checkpoint was written before it\./.test(e.message),
    );
    const metrics = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(metrics.map((m) => [m.skippedUpdates, m.gradNorm]), [[1, null], [1, null]]);
    assert.deepEqual(logs, ['step 1: the gradient norm is NaN; update skipped (weights and optimizer state unchanged)', 'step 2: the gradient norm is NaN; update skipped (weights and optimizer state unchanged)']);
    // Neither the bad steps' weights (no checkpoint at a bad step) nor a final model were written.
    assert.ok(!existsSync(join(dir, 'run', 'final')) && !existsSync(join(dir, 'run', 'checkpoints')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SFT on plain text pretrains (every token carries loss); packing fills rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-sft-text-'));
  try {
    const files = dataFiles(dir);
    const corpus = readFileSync(files.text, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text as string);
    initCheckpoint(join(dir, 'init'), { config: { ...preset('tiny-dense'), maxSeqLen: 64 }, tokenizer: { corpus, vocabSize: 300 }, seed: 2 });
    const res = await trainSft({ config: parseSftConfig({ out: join(dir, 'run'), model: join(dir, 'init'), data: files.text, steps: 30, batchSize: 4, packing: true, optim: { lr: 3e-3 }, checkpointEvery: 0 }) });
    assert.ok(res.heldoutAfter! < res.heldoutBefore! * 0.7, `held-out loss ${res.heldoutBefore} -> ${res.heldoutAfter}`);
    const tok = loadTokenizer(join(dir, 'init'));
    const { examples } = loadSftExamples(files.text, tok, { format: 'chat', trainOnPrompt: false, maxLen: 64 });
    const { batch, used } = packBatch(examples, 2, 63, 0);
    assert.ok(used > 2, 'several examples share a row');
    assert.equal(batch.counted, examples.slice(0, used).reduce((a, e) => a + e.ids.length - 1, 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SFT records: the loss mask covers the reply and EOS only; reasoning kept; R1 chat template', () => {
  const tok = trainTokenizer(['hello world', 'the answer is 4'], { vocabSize: 280 });
  const ex = encodeSftRecord(tok, parseSftLine(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '<think>\nr</think>4' }] }), 'f:1'), 'chat', false, 'f:1');
  const text = tok.decode(ex.ids);
  assert.equal(text, `${R1_TOKENS.bos}${R1_TOKENS.user}hi${R1_TOKENS.assistant}<think>\nr</think>4${R1_TOKENS.eos}`);
  const trained = tok.decode(ex.ids.filter((_, i) => ex.mask[i]));
  assert.equal(trained, `r</think>4${R1_TOKENS.eos}`);
  // A reply without reasoning gets an empty block after the template's opened <think>.
  const plain = encodeSftRecord(tok, parseSftLine('{"prompt":"hi","completion":"4"}', 'f:2'), 'chat', false, 'f:2');
  assert.ok(tok.decode(plain.ids).endsWith(`<think>\n</think>\n\n4${R1_TOKENS.eos}`));
  const b = padBatch([ex, plain], 0);
  assert.equal(b.counted, [...ex.mask].filter(Boolean).length + [...plain.mask].filter(Boolean).length);
});

test("SFT records with a checkpoint's own template: ChatML frames the reply, a prompt that opens <think> trains on what follows it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-sft-template-'));
  try {
    const folders = writeTemplateCheckpoints(dir, TOKENIZER_JSON);
    const rec = parseSftLine(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '<think>\nr</think>4' }] }), 'f:1');
    const chatml = loadTokenizer(folders.get('chatml')!);
    const ex = encodeSftRecord(chatml, rec, 'chat', false, 'f:1');
    const prompt = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n';
    assert.equal(chatml.decode(ex.ids), `${prompt}<think>\nr</think>4<|im_end|>\n`);
    assert.equal(chatml.decode(ex.ids.filter((_, i) => ex.mask[i])), '<think>\nr</think>4<|im_end|>\n');
    // The prompt part is exactly what generation is prompted with.
    assert.deepEqual(ex.ids.slice(0, ex.ids.length - [...ex.mask].filter(Boolean).length), promptIds(chatml, { kind: 'chat', messages: [{ role: 'user', content: 'hi' }] }));
    const think = loadTokenizer(folders.get('chatml-think')!);
    const t = encodeSftRecord(think, rec, 'chat', false, 'f:1');
    assert.equal(think.decode(t.ids.filter((_, i) => t.mask[i])), 'r</think>4<|im_end|>\n');
    assert.ok(think.decode(t.ids).endsWith('<|im_start|>assistant\n<think>\nr</think>4<|im_end|>\n'));
    const inst = loadTokenizer(folders.get('inst')!);
    const sys = parseSftLine(JSON.stringify({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }), 'f:3');
    assert.throws(() => encodeSftRecord(inst, sys, 'chat', false, 'f:3'), /^Error: f:3: .*inst \(tokenizer_config\.json\): the chat template refused the conversation: System role not supported$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 sft --chat-template: trains on the template\'s rendering and saves the model with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-sft-chat-template-'));
  try {
    const files = dataFiles(dir);
    initCheckpoint(join(dir, 'init'), { config: { ...preset('tiny-dense'), maxSeqLen: 96 }, tokenizer: { corpus: ['What is 1 plus 2? The sum is 3.'], vocabSize: 280 }, seed: 2 });
    const tpl = join(dir, 'plain.jinja');
    writeFileSync(tpl, "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}");
    const res = await trainSft({ config: parseSftConfig({ out: join(dir, 'run'), model: join(dir, 'init'), chatTemplate: tpl, data: files.chat, steps: 2, batchSize: 4, checkpointEvery: 0 }) });
    const saved = loadTokenizer(res.modelDir);
    assert.equal(saved.spec.chatTemplate, readFileSync(tpl, 'utf8'));
    const ids = promptIds(saved, { kind: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(saved.decode(ids), 'user: hi\nassistant: ');
    assert.equal(loadTokenizer(join(dir, 'init')).spec.chatTemplate !== saved.spec.chatTemplate, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad SFT data gives one clear error naming the file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-sft-bad-'));
  try {
    const tok = trainTokenizer(['abc'], { vocabSize: 270 });
    const cases: [string, RegExp][] = [
      ['{"text":"ok"}\n{"text": broken}\n', /bad\.jsonl:2: not valid JSON/],
      ['{"text":"ok"}\n\n[1,2]\n', /bad\.jsonl:3: each line must be a JSON object/],
      ['{"prompt":"q"}\n', /bad\.jsonl:1: has "prompt" but no "completion"/],
      ['{"messages":[{"role":"user","content":"q"}]}\n', /bad\.jsonl:1: the last message must be the assistant's/],
      ['{"messages":[{"role":"robot","content":"q"}]}\n', /bad\.jsonl:1: messages\[0\] is not a \{role/],
      ['{"input":"q","output":"a"}\n', /bad\.jsonl:1: expected "messages", "prompt"\/"completion" or "text"; found "input", "output"/],
      ['', /bad\.jsonl: no examples/],
    ];
    for (const [body, re] of cases) {
      writeFileSync(join(dir, 'bad.jsonl'), body);
      assert.throws(() => loadSftExamples(join(dir, 'bad.jsonl'), tok, { format: 'chat', trainOnPrompt: false, maxLen: 64 }), re);
    }
    assert.throws(() => loadSftExamples(join(dir, 'missing.jsonl'), tok, { format: 'chat', trainOnPrompt: false, maxLen: 64 }), /missing\.jsonl: cannot read the data \(ENOENT\)/);
    assert.throws(() => parseSftConfig({ out: 'o', model: 'm', data: 'd', steps: 0 }, 'sft.json'), /sft\.json: invalid config\n {2}- steps: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trainSft validates its options and config before loading anything', async () => {
  await assert.rejects(trainSft(undefined as never), (e: unknown) => e instanceof TypeError && e.message === 'trainSft: options are required ({ config, ... })');
  const config = { model: 'no-such-model', out: 'no-such-run', data: 'no-such-file.jsonl', steps: 0 };
  await assert.rejects(trainSft({ config: config as never }), (e: unknown) => {
    const msg = (e as Error).message;
    return msg.startsWith('trainSft: config: invalid config') && /- steps: /.test(msg) && !msg.includes('no-such-model');
  });
});
