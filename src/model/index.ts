// src/model/index.ts — the public model API: config + presets, the Transformer and its KV cache, parameter counts,
// Hugging Face checkpoints (safetensors + config.json) and GGUF export/import.

export {
  modelConfigSchema, parseModelConfig, preset, presetNames, isPresetName, mhaDims, isMoeLayer,
  type ModelConfig, type ModelConfigInput, type MhaConfig, type MlaConfig, type MoeConfig, type PresetName,
} from './config.js';
export { Transformer, type ForwardOptions, type TrainForward } from './transformer.js';
export { DEFAULT_KV_DTYPE, defaultKvDtype, KvBufferPool, KvCache, type CacheLayout, type KvDtype } from './cache.js';
export { DeepSeekMoe, routeTopK } from './moe.js';
export { paramSpecs, countFormula, countFromSpecs, type ParamSpec, type ParamCounts } from './params.js';
export { resolveModelConfig, modelInfo, formatModelInfo, type ModelInfo } from './info.js';
export { readSafetensors, writeSafetensors, parseSafetensors, encodeSafetensors, type NamedTensor, type SafetensorsContent } from './checkpoint/safetensors.js';
export { saveHfCheckpoint, saveModelAsHf, loadHfCheckpoint, readHfWeights, type HfSaveOptions, type LoadedHf } from './checkpoint/hf.js';
export { toHfConfig, fromHfConfig, hfArchitectureOf, type HfArchitecture } from './checkpoint/hf-config.js';
export { byteLevelVocab, byteLevelTokenizerJson } from './checkpoint/byte-vocab.js';
export { readGguf, writeGguf, parseGguf, encodeGguf, type GgufValue, type GgufContent } from './gguf/format.js';
export { exportLlamaGguf, ggufArchOf, importLlamaGguf, llamaCppPreType, llamaGgufContent, permuteRowsForGguf, type GgufTokenizer, type GgufExportOptions, type GgufDenseArch } from './gguf/llama.js';
export { isGgufFile, loadModel, type LoadedModel } from './load.js';
// The types of the Transformer's parts and of the loaders' options, so code that takes them can name them.
export type { Backbone } from './transformer.js';
export type { DecoderLayer, BlockParts } from './layer.js';
export type { SelfAttention } from './attention.js';
export type { MlaAttention } from './mla.js';
export type { SwiGluMlp } from './mlp.js';
export type { ModuleList, MoeGate } from './moe.js';
export type { MtpModule, SharedHead } from './mtp.js';
export type { RopeTable } from './rope.js';
export type { ForwardContext, SharedPrompts } from './context.js';
export type { RopeScaling } from './config.js';
export type { HfLoadOptions } from './checkpoint/hf.js';
export type { GgufTensorIn, GgmlTypeName, GgufScalarType, Scalar as GgufScalar } from './gguf/format.js';
