// src/serve/models.ts — what `r1 serve` can serve as a LocalEngine: a checkpoint folder (or GGUF file loaded into the
// native engine), or the demo: a seeded, untrained reference-size model with a small byte-level BPE tokenizer trained
// on a built-in text, for trying the API and for tests (its replies are random tokens, and the banner says so).

import { resolve } from 'node:path';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { isGgufFile, loadModel, parseModelConfig, preset, Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { loadTokenizer, tokenizerFromJson, trainTokenizer, type Tokenizer } from '../tokenizer/index.js';
import { localModelName } from '../eval/local-source.js';
import { Rng } from '../util/rng.js';
import { LocalEngine, type LocalEngineOptions } from './engine.js';

export type EngineTuning = Pick<LocalEngineOptions, 'slots' | 'maxQueue' | 'context' | 'prefixCacheBytes' | 'seed'>;

function backendOf(): Backend {
  return nativeAvailable() ? createNativeBackend() : createRefBackend();
}

/** The demo model's id and its banner line. */
export const DEMO_MODEL_ID = 'r1ts-demo-untrained';
export const DEMO_BANNER = 'DEMO: a seeded, UNTRAINED reference-size model (hidden 256, 4 layers); its replies are random tokens. Serve a trained model with --model DIR.';

const DEMO_TEXT = [
  'What is 2 + 3? Please reason step by step, and put your final answer within \\boxed{}.',
  'The user asks for a sum. Two plus three is five, so the answer is \\boxed{5}.',
  'Let me think about the question first, then answer it clearly and briefly.',
  'A prime number has exactly two divisors: one and itself. Seven is prime; nine is not.',
];

/** The demo's tokenizer (trained on DEMO_TEXT: deterministic) and a seeded untrained `reference` model sized to it. */
export function demoParts(seed = 0): { model: Transformer; tokenizer: Tokenizer } {
  const tokenizer = trainTokenizer(DEMO_TEXT, { vocabSize: 512 });
  const config = parseModelConfig({ ...preset('reference'), vocabSize: tokenizer.vocabSize });
  return { model: new Transformer(createEngine(backendOf()), config, new Rng(seed)), tokenizer };
}

export function demoEngine(tuning: EngineTuning = {}): LocalEngine {
  const { model, tokenizer } = demoParts(tuning.seed ?? 0);
  return new LocalEngine({ model, tokenizer, name: DEMO_MODEL_ID, description: `demo: untrained reference-size model (${model.engine.backend.info.name} backend)`, ...tuning });
}

/** A checkpoint folder (config.json, model.safetensors, tokenizer.json) or a GGUF file with its tokenizer. */
export function checkpointEngine(path: string, tuning: EngineTuning = {}): LocalEngine {
  const dir = resolve(path);
  const backend = backendOf();
  const loaded = loadModel(dir, createEngine(backend));
  let tokenizer: Tokenizer;
  try {
    tokenizer = isGgufFile(dir) ? tokenizerFromJson(loaded.tokenizerJson, dir) : loadTokenizer(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot load the checkpoint's tokenizer (${(err as Error).message})`);
  }
  const name = localModelName(dir);
  return new LocalEngine({ model: loaded.model, tokenizer, name, description: `local ${name} (${backend.info.name} backend)`, ...tuning });
}
