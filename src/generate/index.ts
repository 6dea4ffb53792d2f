// src/generate/index.ts — the public generation API: the stepping batch (the one generation path), batched generate
// with log-probs and streaming, sampling, stop strings, the reasoning split, the prefix cache and the decode steppers.

export { GenerationBatch, NanLogitsError, runBatch, type BatchOptions, type GenerationRequest, type GenerationEvent } from './batch.js';
export { generate, generateAsync, type GenerateOptions, type GenerateResult, type GenerateStats, type Generation, type GenerationUsage, type TokenEvent, type FinishReason } from './generate.js';
export { ReasoningStream, type ReasoningTags, type ReasoningParts } from './reasoning-stream.js';
export { PrefixCache, type PrefixCacheOptions, type PrefixCacheStats } from './prefix-cache.js';
export { Sampler, sampleBatch, validateSampling, DEFAULT_SAMPLING, type SamplingParams, type SampledToken } from './sampler.js';
export { StopMatcher } from './stop.js';
export { fromDecode, lenientDecoder, textStream, type Detokenizer, type TextStream } from './text.js';
export { DecoderWeights, DenseDecoder, ModelDecoder, type DecodeStep, type LayerWeights } from './decode.js';
export { readSpan, writeSpan, spanFloats } from './kv-blocks.js';
export { addedTokenOrNull, encodePrompt, promptIds, sampleChat, sampleChatAsync, splitReasoning, startsInReasoning, stopTokenIds, type ChatModel, type ChatResult, type ChatSample, type EncodedPrompt, type PromptInput, type SampleChatOptions } from './chat.js';
