// src/index.ts — the public library API (`import { ... } from 'r1ts'`): the engine (kernel contract, backends,
// tensors, nn), models and checkpoints, the tokenizer, generation, the math and code verifiers, tasks, rewards and
// evaluation, the SFT/GRPO trainers and the R1 pipeline. Each layer is also importable on its own ('r1ts/tensor',
// 'r1ts/eval', ...: see package.json "exports"). The HTTP servers (src/serve: `r1 serve`, `r1 serve-rewards`) are
// reached through the CLI and are not part of this API.

export * from './backend/index.js';
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './model/index.js';
export * from './tokenizer/index.js';
export * from './generate/index.js';
export * from './verify/math/index.js';
export * from './verify/code/index.js';
export * from './tasks/index.js';
export * from './reward/index.js';
export * from './eval/index.js';
export * from './train/index.js';
export * from './pipeline/index.js';
export { Rng } from './util/rng.js';

// Two names exist in two layers: the top level keeps the tensor op `mean` and generation's FinishReason;
// evaluation's are exported as `meanOf` (mean of numbers) and EvalFinishReason (the wire format's reasons).
export { mean } from './tensor/index.js';
export type { FinishReason } from './generate/index.js';
export { mean as meanOf, type FinishReason as EvalFinishReason } from './eval/index.js';
