// src/serve/index.ts — the chat API server: buildServer over a ChatEngine (LocalEngine: one continuous batch on r1ts's
// engine; GgufEngine: llama.cpp through node-llama-cpp).

export { buildServer, MODEL_ALIAS, pageDir, wireUsage, type ServeOptions } from './app.js';
export { LocalEngine, type ChatEngine, type EngineEvent, type EngineLoad, type EngineRequest, type EngineUsage, type LocalEngineOptions } from './engine.js';
export { ApiError } from './errors.js';
export { GgufEngine, type GgufEngineOptions, type GgufEngineStats } from './gguf-engine.js';
export { checkpointEngine, demoEngine, ggufEngine, demoParts, DEMO_BANNER, DEMO_MODEL_ID, type EngineTuning } from './models.js';
export { chatRequestSchema, type ChatCompletion, type ChatCompletionChunk, type ChatRequest, type WireError, type WireUsage } from './wire.js';
