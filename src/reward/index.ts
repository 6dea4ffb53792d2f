// src/reward/index.ts — the reward functions, one import for trainers: accuracy, format, tag count, language
// consistency, soft overlong, repetition, and the weighted composite.

export type { RewardFn, RewardSample } from './types.js';
export { accuracyReward } from './accuracy.js';
export { formatReward, hasFormat, type FormatStyle } from './format.js';
export { tagCountReward, tagCountScore } from './tag-count.js';
export { languageReward, languageConsistency, questionLanguage, countWords, type TargetLanguage, type WordCounts } from './language.js';
export { overlongReward, overlongPenalty, type OverlongOptions } from './overlong.js';
export { repetitionReward, repetitionRate, type RepetitionOptions } from './repetition.js';
export { compositeReward, type CompositeReward, type CompositeScore, type WeightedReward } from './composite.js';
