// src/eval/index.ts — the evaluation harness's public surface: sample sources (endpoint, local slot), metrics,
// the resumable runner, summaries and their markdown / HTML renderings, pricing.

export type { Completion, FinishReason, SampleOptions, SampleSource, Usage } from './types.js';
export { consAtK, formatRate, majorityVote, mean, meanPassAtK, passAt1, passAtK, passAtKCurve, standardError, type AnswerGrouping, type VoteResult, type VoteSample } from './metrics.js';
export { chatCompletionsUrl, EndpointError, EndpointSource, ENDPOINT_DEFAULTS, type EndpointEvent, type EndpointOptions, type NMode } from './endpoint.js';
export type { BackoffOptions } from './retry.js';
export { LOCAL_MODEL_UNAVAILABLE, requireLocalSource, type LocalSourceFactory, type LocalSourceOptions } from './local-source.js';
export { LocalModelSource, localModelSource, type LocalModelParts } from './local-model.js';
export { costUsd, DEFAULT_PRICING, loadPricingFile, resolvePrice, type Price, type PricingTable } from './pricing.js';
export { splitThinkTags, type ReasoningSplit } from './reasoning-split.js';
export { checkedText, EvalInterrupted, EVAL_DEFAULTS, EVAL_PROMPT_STYLE, itemSeed, runEval, splitTokens, type EvalOptions, type EvalProgress } from './runner.js';
export { SampleStore, SampleRecordSchema, sampleKey, type SampleRecord } from './results.js';
export { summarizeBench, type BenchSummary, type EvalSummary, type UsageTotals } from './summary.js';
export { renderEvalSection, renderMarkdown } from './report.js';
