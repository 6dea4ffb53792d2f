// src/verify/code/index.ts — public API of the code verifier: sandboxed runs, test scoring, code extraction.

export {
  DEFAULT_LIMITS,
  LANGUAGES,
  resolveLimits,
  testCaseSchema,
  limitsSchema,
  type CodeScore,
  type IsolationChoice,
  type IsolationMode,
  type Language,
  type RewardMode,
  type RunOptions,
  type RunResult,
  type RunTestsOptions,
  type SandboxLimits,
  type TestCase,
} from './types.js';
export { runProgram } from './run.js';
export { runTests, runFailure, DEFAULT_CONCURRENCY } from './score.js';
export { beforeTemplateToken, extractCode, extractCodeBlock, fencedBlocks, type CodeBlock } from './extract.js';
export { outputMatches, normalizeOutput, jsonEqual } from './compare.js';
export { sandboxInfo, type SandboxInfo } from './info.js';
export { sandboxSlots, setSandboxSlots, SLOTS_ENV, type Slots } from './slots.js';
export type { NamespaceBackend } from './probe.js';
