// src/train/grpo/rollout.test.ts — rollouts prompt with the checkpoint's chat template: ChatML for a ChatML
// checkpoint (prompt text, ids and the reasoning flag rewards read), the R1 template for r1ts's own.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRefBackend } from '../../backend/index.js';
import { parseModelConfig, preset, Transformer } from '../../model/index.js';
import { arithmeticTask } from '../../tasks/arithmetic/index.js';
import { createEngine } from '../../tensor/index.js';
import { R1_ADDED_TOKENS, Tokenizer, trainTokenizer } from '../../tokenizer/index.js';
import { Rng } from '../../util/rng.js';
import { promptFor, rewardSamples, rollout } from './rollout.js';

const CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

test('rollout: a ChatML checkpoint is prompted in ChatML (text, ids, no open <think>); R1 tokenizers in R1', async () => {
  const task = arithmeticTask({ digits: 1, operands: 2, operators: ['+'] });
  const items = await task.items({ split: 'train', n: 2, seed: 1 });
  const draws = items.map((item) => ({ task, item }));
  const r1 = trainTokenizer(['What is 1 + 2? Put your final answer within \\boxed{}.'], { vocabSize: 300, addedTokens: [...R1_ADDED_TOKENS, { content: '<|im_start|>', special: true }, { content: '<|im_end|>', special: true }] });
  const chatml = new Tokenizer({ ...r1.spec, chatTemplate: CHATML, specialNames: { ...r1.spec.specialNames, eos: '<|im_end|>' } });
  const model = new Transformer(createEngine(createRefBackend()), parseModelConfig({ ...preset('tiny-dense'), vocabSize: r1.vocabSize, maxSeqLen: 256 }), new Rng(3));
  const opts = { groupSize: 2, maxNewTokens: 4, temperature: 1, topP: 1, style: 'chat' as const, seed: 5 };

  const ro = rollout({ model, tokenizer: chatml }, draws, opts);
  const input = promptFor(draws[0]!, 'chat');
  assert.equal(input.kind, 'chat');
  const question = input.kind === 'chat' ? input.messages[0]!.content : '';
  const s = ro.samples[0]!;
  assert.equal(s.promptText, `<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`);
  assert.deepEqual(s.promptIds, chatml.encode(s.promptText));
  assert.equal(s.opensThinking, false);
  assert.equal(rewardSamples([s])[0]!.opensThinking, false);

  const r = rollout({ model, tokenizer: r1 }, draws, opts).samples[0]!;
  assert.ok(r.promptText.startsWith('<｜begin▁of▁sentence｜><｜User｜>') && r.promptText.endsWith('<｜Assistant｜><think>\n'));
  assert.equal(r.opensThinking, true);
});

test("rollout: 'r1-zero-think' is Table 1's prompt ending in <think>; the completion starts inside the block", async () => {
  const task = arithmeticTask({ digits: 1, operands: 2, operators: ['+'] });
  const [item] = await task.items({ split: 'train', n: 1, seed: 2 });
  const draw = { task, item: item! };
  const plain = promptFor(draw, 'r1-zero'), think = promptFor(draw, 'r1-zero-think');
  assert.ok(plain.kind === 'text' && think.kind === 'text');
  assert.equal(think.text, `${plain.text} <think>`);
  const tok = trainTokenizer([think.text], { vocabSize: 300, addedTokens: R1_ADDED_TOKENS });
  const model = new Transformer(createEngine(createRefBackend()), parseModelConfig({ ...preset('tiny-dense'), vocabSize: tok.vocabSize, maxSeqLen: 512 }), new Rng(3));
  const s = rollout({ model, tokenizer: tok }, [draw], { groupSize: 2, maxNewTokens: 3, temperature: 1, topP: 1, style: 'r1-zero-think', seed: 1 }).samples[0]!;
  assert.ok(s.promptText.endsWith('Assistant: <think>'));
  assert.equal(s.opensThinking, true);
  assert.equal(rollout({ model, tokenizer: tok }, [draw], { groupSize: 2, maxNewTokens: 3, temperature: 1, topP: 1, style: 'r1-zero', seed: 1 }).samples[0]!.opensThinking, false);
});
