// src/eval/gguf-tokenizer.test.ts — an r1ts tokenizer written into a llama GGUF (ggufTokenizerOf + exportLlamaGguf)
// tokenizes text to the same ids in llama.cpp (node-llama-cpp), and in r1ts reading the file back, as the tokenizer
// itself, for each pre-tokenizer split r1ts trains with: digits, punctuation and spaces split the way its regex does.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { createRefBackend } from '../backend/index.js';
import { exportLlamaGguf, importLlamaGguf, loadModel, parseModelConfig, preset, Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { DIGIT_PATTERN, GPT2_PATTERN, LLAMA3_PATTERN, tokenizerFromJson, trainTokenizer } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';
import { ggufTokenizerOf } from '../tokenizer/index.js';

const CORPUS = [
  'f(hello) = 12345; print(f(hello)) # 678',
  "It's 2024, and x = 3.14159! Don't panic: 42 apples, 7 pears.",
  'def add(a, b):\n    return a + b  # sum 100 + 250 = 350\n',
  'Hello, world!!  Numbers: 1, 22, 333, 4444, 55555.',
];
const TEXTS = ['f(hello) 12345', "It's 2024: x = 3.14159, y = -7!", 'print(add(12, 345))  # 1000000\n\n  ok', 'Hello world 9876543210...'];

test('llama.cpp, and r1ts reading the file back, tokenize a GGUF of a tokenizer trained with the Llama-3, digit-by-digit or GPT-2 split as the tokenizer does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-gguf-tok-'));
  const llama = await getLlama({ gpu: false, build: 'never', progressLogs: false });
  try {
    for (const [name, pattern, pre] of [['llama3', LLAMA3_PATTERN, 'llama-bpe'], ['digits', DIGIT_PATTERN, 'qwen2'], ['gpt2', GPT2_PATTERN, 'gpt-2']] as const) {
      const tok = trainTokenizer(Array.from({ length: 20 }, () => CORPUS).flat(), { vocabSize: 400, pattern });
      const config = parseModelConfig({ ...preset('tiny-dense'), vocabSize: tok.vocabSize, maxSeqLen: 64 });
      const model = new Transformer(createEngine(createRefBackend()), config, new Rng(1));
      const file = join(dir, `${name}.gguf`);
      exportLlamaGguf(file, config, model.stateDict(), ggufTokenizerOf(tok));
      assert.equal(importLlamaGguf(file).tokenizer.pre, pre, name);
      const back = tokenizerFromJson(loadModel(file, createEngine(createRefBackend())).tokenizerJson, file);
      for (const text of TEXTS) assert.deepEqual(back.encode(text, { allowedAdded: 'none' }), tok.encode(text, { allowedAdded: 'none' }), `${name} read back: ${JSON.stringify(text)}`);
      const cpp = await llama.loadModel({ modelPath: file });
      try {
        for (const text of TEXTS) assert.deepEqual([...cpp.tokenize(text, false)], tok.encode(text, { allowedAdded: 'none' }), `${name}: ${JSON.stringify(text)}`);
      } finally {
        await cpp.dispose();
      }
    }
    // A split r1ts cannot read back is refused by name.
    const tok = trainTokenizer(CORPUS, { vocabSize: 300 });
    const config = parseModelConfig({ ...preset('tiny-dense'), vocabSize: tok.vocabSize, maxSeqLen: 64 });
    const file = join(dir, 'falcon.gguf');
    exportLlamaGguf(file, config, new Transformer(createEngine(createRefBackend()), config, new Rng(1)).stateDict(), { ...ggufTokenizerOf(tok), pre: 'falcon' });
    assert.throws(() => loadModel(file, createEngine(createRefBackend())), /falcon\.gguf: GGUF tokenizer\.ggml\.pre "falcon" is not supported \(r1ts reads gpt-2, default, llama-bpe, llama3, llama-v3, qwen2, deepseek-r1-qwen\)/);
  } finally {
    await llama.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
