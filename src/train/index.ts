// src/train/index.ts — the trainers: SFT and GRPO (configs, loops, checkpoints, metrics) and their pure parts.

export * from './config.js';
export { trainSft, padBatch, packBatch, type SftResult, type SftRunOptions, type Batch } from './sft/trainer.js';
export { loadSftExamples, parseSftLine, readSftFile, encodeSftRecord, type SftExample, type SftRecord } from './sft/data.js';
export { trainGrpo, type GrpoResult, type GrpoRunOptions } from './grpo/trainer.js';
export { groupAdvantages, type GroupAdvantages } from './grpo/advantages.js';
export { policyLoss, aggregationWeights, type PolicyLossInput, type PolicyLossResult } from './grpo/loss.js';
export { rollout, rolloutAsync, rewardSamples, promptFor, type RolloutSample, type RolloutResult, type RolloutPromptStyle, type RolloutOptions } from './grpo/rollout.js';
export { buildReward, rewardFromSpec, scoreRewards, meanStd, type ScoredRollout } from './grpo/rewards.js';
export { sampleGroups, type Group, type StepGroups } from './grpo/groups.js';
export { PromptStream, type PromptDraw, type PromptStreamState, type MixEntry, type PromptStreamOptions } from './grpo/prompts.js';
export type { ReadLinesOptions } from '../util/lines.js';
export { heldoutAccuracy } from './grpo/heldout.js';
export { packRows, rowLogProbs, surrogate, type TokenRow, type PackedRows, type RowLogProbs } from './logprobs.js';
export { saveCheckpoint, loadLatestCheckpoint, verifyCheckpoint, type CheckpointData, type LoadedCheckpoint, type RetentionOptions } from './checkpoint.js';
export { JsonlLog, MetricsStream, TIMING_FIELDS, withoutTiming, type StepMetrics, type MetricsListener } from './metrics.js';
export { initCheckpoint, type InitOptions } from './init.js';
export { openRun, prepareRunDir, trainingBackend, type OpenedRun } from './run.js';
export { DivergedError, MAX_BAD_STEPS, type CheckpointRef } from './divergence.js';
export { checkGrpoSizes, checkSftSizes, memoryLimitBytes } from './limits.js';
