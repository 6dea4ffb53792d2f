// src/serve/rewards/index.ts — the reward service: the R1 reward stack over HTTP for distributed RL engines.

export { buildRewardServer, type RewardServer, type RewardServerOptions } from './server.js';
export { RewardScorer, Gate } from './scorer.js';
export { responseOfQuery, labelFields, samplesOfOpenRlhf, openRlhfResponse } from './openrlhf.js';
export {
  serviceConfigSchema,
  rewardsRequestSchema,
  openRlhfRequestSchema,
  type ServiceConfig,
  type ServiceConfigInput,
  type WireSample,
  type RewardResult,
  type RewardsRequest,
  type RewardsResponse,
  type OpenRlhfRequest,
  type OpenRlhfResponse,
} from './wire.js';
