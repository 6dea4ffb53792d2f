// src/serve/models.ts — what `r1 serve` can serve: a checkpoint folder or a llama F32/F16 GGUF file on r1ts's own
// engine (LocalEngine), any GGUF through llama.cpp (GgufEngine), or the demo: a seeded, untrained reference-size
// model with a small byte-level BPE tokenizer trained on a built-in text, for trying the API and for tests (its
// replies are random tokens, and the banner says so).

import { resolve } from 'node:path';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { isGgufFile, loadModel, parseModelConfig, preset, Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { loadTokenizer, tokenizerFromJson, trainTokenizer, withChatTemplateFile, type Tokenizer } from '../tokenizer/index.js';
import { ggufTokenizerConfig } from '../eval/local-model.js';
import { localModelName } from '../eval/local-source.js';
import { Rng } from '../util/rng.js';
import { LocalEngine, type LocalEngineOptions } from './engine.js';
import { GgufEngine, type GgufEngineOptions } from './gguf-engine.js';

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

/**
 * A checkpoint folder (config.json, model.safetensors, tokenizer.json) or a llama / qwen2 / qwen3 GGUF file with its tokenizer, on
 * r1ts's own engine, prompted with its own chat template (a GGUF's tokenizer.chat_template) or `chatTemplateFile`'s.
 */
export function checkpointEngine(path: string, tuning: EngineTuning = {}, chatTemplateFile?: string): LocalEngine {
  const dir = resolve(path);
  const backend = backendOf();
  const gguf = isGgufFile(dir);
  let loaded: ReturnType<typeof loadModel>;
  try {
    loaded = loadModel(dir, createEngine(backend));
  } catch (err) {
    // r1ts's engine reads llama / qwen2 / qwen3 F32/F16 GGUFs only; llama.cpp runs the rest (quantized files, other architectures).
    if (gguf) throw new Error(`${(err as Error).message}; serve this file through llama.cpp with --gguf ${path}`);
    throw err;
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = gguf ? tokenizerFromJson(loaded.tokenizerJson, dir, ggufTokenizerConfig(dir, loaded.tokenizerConfig)) : loadTokenizer(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot load the checkpoint's tokenizer (${(err as Error).message})`);
  }
  if (chatTemplateFile !== undefined) tokenizer = withChatTemplateFile(tokenizer, chatTemplateFile);
  const name = localModelName(dir);
  return new LocalEngine({ model: loaded.model, tokenizer, name, description: `local ${name} (${backend.info.name} backend)`, ...tuning });
}

/** Any GGUF file llama.cpp can run, through node-llama-cpp (see gguf-engine.ts). */
export function ggufEngine(file: string, o: Omit<GgufEngineOptions, 'file'> = {}): Promise<GgufEngine> {
  return GgufEngine.open({ ...o, file });
}
