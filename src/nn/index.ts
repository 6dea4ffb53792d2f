// src/nn/index.ts — the public nn API: Module, layers, flat parameters and optimizers.

export { Module, type Init } from './module.js';
export { Linear, Embedding, RMSNorm, LayerNorm, type LinearOptions } from './layers.js';
export { packParameters, type FlatParameters, type ParameterView } from './parameters.js';
export { AdamW, AdamWConfigSchema, type AdamWConfig } from './optim/adamw.js';
export { clipGradNorm, type ClipResult } from './optim/clip.js';
export { cosineWithWarmup, CosineScheduleSchema, type CosineSchedule } from './optim/schedule.js';
export { TinyGpt, TinyGptConfigSchema, type TinyGptConfig, type Block } from './tinygpt.js';
export { CHAR_TEXT, charCodec, type CharCodec } from './charCorpus.js';
export { trainCharModel, sampleText, type CharDemoOptions, type CharDemoResult } from './charDemo.js';
