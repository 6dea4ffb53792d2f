// src/serve/models.test.ts — what `r1 serve --model` loads: a checkpoint folder or a llama GGUF file, each with its
// tokenizer, named after the folder or file, answering a chat request through the engine; a GGUF's own chat
// template and --chat-template's; a GGUF r1ts's engine cannot read points to --gguf.

import test from 'node:test';
import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { makeCheckpoint, makeGgufCheckpoint } from '../eval/fixtures.js';
import { byteLevelVocab, llamaGgufContent, parseModelConfig, preset, Transformer } from '../model/index.js';
import { writeGguf } from '../model/gguf/format.js';
import { createRefBackend } from '../backend/index.js';
import { createEngine } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { CHATML_TEMPLATE, makeChainGguf, templateFile } from './gguf-fixture.js';
import type { EngineEvent } from './engine.js';
import { checkpointEngine } from './models.js';

for (const [kind, make] of [['checkpoint folder', makeCheckpoint], ['GGUF file', makeGgufCheckpoint]] as const) {
  test(`checkpointEngine serves a ${kind}`, async () => {
    const path = make();
    try {
      const engine = checkpointEngine(path, { slots: 2, context: 128 });
      assert.equal(engine.modelId, basename(path));
      assert.equal(engine.context, 128);
      const events: EngineEvent[] = [];
      await new Promise<void>((resolve) => {
        engine.start({ messages: [{ role: 'user', content: 'What is 2 + 3?' }], maxTokens: 6, temperature: 0, topP: 1, stop: [], signal: new AbortController().signal }, (e) => {
          events.push(e);
          if (e.type === 'finish') resolve();
        });
      });
      const fin = events.at(-1)!;
      assert.equal(fin.type, 'finish');
      if (fin.type === 'finish') {
        assert.ok(fin.usage.completionTokens >= 1 && fin.usage.completionTokens <= 6);
        assert.ok(fin.usage.promptTokens > 5);
      }
      await engine.close();
    } finally {
      rmSync(kind === 'GGUF file' ? dirname(path) : path, { recursive: true, force: true });
    }
  });
}

test('checkpointEngine prompts a GGUF with its tokenizer.chat_template, or with --chat-template\'s', () => {
  const gguf = makeChainGguf();
  const tpl = templateFile(CHATML_TEMPLATE);
  try {
    const own = checkpointEngine(gguf.file, { slots: 1, context: 64 });
    assert.match(own.template.source, /chain\.gguf \(GGUF tokenizer\.chat_template\)/);
    assert.ok(own.template.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true }).opensThinking);
    const other = checkpointEngine(gguf.file, { slots: 1, context: 64 }, tpl);
    assert.match(other.template.source, /--chat-template/);
    assert.ok(!other.template.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true }).opensThinking);
  } finally {
    rmSync(dirname(gguf.file), { recursive: true, force: true });
    rmSync(dirname(tpl), { recursive: true, force: true });
  }
});

test('a GGUF that r1ts\'s engine cannot read (here a gemma architecture) is refused with a pointer to --gguf', () => {
  const config = parseModelConfig({ ...preset('tiny-dense'), vocabSize: 300, tieEmbeddings: false });
  const model = new Transformer(createEngine(createRefBackend()), config, new Rng(1));
  const { metadata, tensors } = llamaGgufContent(config, model.stateDict(), byteLevelVocab(300));
  metadata.set('general.architecture', { type: 'string', value: 'gemma' });
  const dir = mkdtempSync(join(tmpdir(), 'r1-gemma-gguf-'));
  const file = join(dir, 'gemma.gguf');
  writeGguf(file, metadata, tensors);
  try {
    assert.throws(() => checkpointEngine(file, { slots: 1, context: 64 }), /architecture is gemma; r1ts's engine reads llama, qwen2, qwen3.*serve this file through llama\.cpp with --gguf/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
