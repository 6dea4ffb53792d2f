// src/generate/index.ts — the public generation API: batched generate with log-probs and streaming, sampling, stop
// strings, the prefix cache and the decode steppers.

export { generate, type GenerateOptions, type GenerateResult, type GenerateStats, type Generation, type GenerationUsage, type TokenEvent, type FinishReason } from './generate.js';
export { PrefixCache, type PrefixCacheOptions, type PrefixCacheStats } from './prefix-cache.js';
export { Sampler, sampleBatch, validateSampling, DEFAULT_SAMPLING, type SamplingParams, type SampledToken } from './sampler.js';
export { StopMatcher } from './stop.js';
export { fromDecode, lenientDecoder, textStream, type Detokenizer, type TextStream } from './text.js';
export { DecoderWeights, DenseDecoder, ModelDecoder, type DecodeStep } from './decode.js';
export { readSpan, writeSpan, spanFloats } from './kv-blocks.js';
export { addedTokenOrNull, encodePrompt, promptIds, sampleChat, splitReasoning, startsInReasoning, stopTokenIds, type ChatModel, type ChatSample, type EncodedPrompt, type PromptInput, type SampleChatOptions } from './chat.js';
