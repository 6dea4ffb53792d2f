// src/serve/models.test.ts — what `r1 serve --model` loads: a checkpoint folder or a llama GGUF file, each with its
// tokenizer, named after the folder or file, answering a chat request through the engine.

import test from 'node:test';
import assert from 'node:assert/strict';
import { basename, dirname } from 'node:path';
import { rmSync } from 'node:fs';
import { makeCheckpoint, makeGgufCheckpoint } from '../eval/fixtures.js';
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
