// src/tokenizer/index.ts — public surface of the tokenizer layer.

export { Tokenizer, type TokenizerSpec, type EncodeOptions, type DecodeOptions, type StreamDecoder, type PostProcessorSpec } from './tokenizer.js';
export { trainTokenizer, countPieces, splitThenByteLevel, type TrainTokenizerOptions } from './train-tokenizer.js';
export { learnMerges, learnMergesNaive, type LearnedMerges, type LearnMergesOptions, type TrainProgress } from './train.js';
export { loadTokenizer, saveTokenizer, tokenizerFromJson, writeFileAtomic } from './io.js';
export { parseTokenizerJson, parseTokenizerConfig, toTokenizerJson, toTokenizerConfigJson, TokenizerFileError, SPECIAL_TOKEN_NAMES, type TokenizerConfigInfo } from './hf-json.js';
export { renderChat, chatSegments, encodeChat, stripReasoning, type ChatSegment, type EncodeChatOptions, chatMessageSchema, R1_CHAT_TEMPLATE, type ChatMessage, type ChatRole, type RenderChatOptions } from './chat.js';
export { ChatTemplateError, chatTemplateOf, encodeChatWith, jinjaChatTemplate, opensThinking, r1ChatTemplate, R1_TEMPLATE_SOURCE, templateTokensOf, withChatTemplate, withChatTemplateFile, tokenizerPromptEncoder, type ChatRenderOptions, type ChatTemplate, type PromptEncoder, type RenderedChat } from './template.js';
export { R1_TOKENS, R1_ADDED_TOKENS, type AddedTokenDef } from './specials.js';
export { DIGIT_PATTERN, GPT2_PATTERN, LLAMA3_PATTERN, onigToJs, compileOnig } from './regex.js';
export type { AddedToken, AddedVocabulary, AllowedAdded } from './added.js';
export type { BpeModel, BpeModelOptions, Merge } from './bpe.js';
export type { PreTokenizerSpec, SplitBehavior } from './pretokenize.js';
export type { NormalizerSpec } from './normalize.js';
export { checkTokenizerInterop, checkExportWithHf, checkForeignWithHf, hfUnavailable, type HfCheckResult, type HfCheckOptions } from './hf-check.js';
export { randomUnicode, builtinCorpus, type RandomUnicodeOptions } from './samples.js';
export { ggufTokenizerOf } from './gguf.js';
