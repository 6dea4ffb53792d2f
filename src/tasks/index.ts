// src/tasks/index.ts — the task library's public surface: the registry, the Task contract, prompt styles and
// the answer-location helpers shared with rewards and evaluation.

export type { CheckResult, PromptStyle, Split, Task, TaskItem } from './types.js';
export { getTask, getTaskByName, isTaskName, listTasks, taskInfo, type TaskInfo, type TaskName, type TaskOptionsByName, type SyntheticOptions } from './registry.js';
export { renderPrompt, R1_ZERO_TEMPLATE, BOXED_INSTRUCTION, PROMPT_STYLES } from './prompt.js';
export { finalAnswer, splitCompletion, lastAnswerBlock, type CompletionParts, type AnswerSource } from './completion.js';
export { HELDOUT_FRACTION, splitOfKey } from './split.js';
export { arithmeticTask, type ArithmeticDifficulty } from './arithmetic/index.js';
export { countdownTask, checkCountdownAnswer, type CountdownDifficulty } from './countdown/index.js';
export { knightsTask, type KnightsDifficulty } from './knights/index.js';
export {
  instructionsTask,
  checkInstructions,
  checkInstructionsCompletion,
  referenceAnswer,
  parseInstructionSpec,
  CONSTRAINT_KINDS,
  type InstructionsDifficulty,
  type InstructionSpec,
  type Constraint,
  type ConstraintKind,
} from './instructions/index.js';
export { benchmarkTask, loadBenchmark, type BenchmarkName, type BenchmarkOptions, type MathChecker } from './benchmarks/index.js';
export { resolveDataDir, BENCHMARK_SOURCES } from './benchmarks/data-dir.js';
export { createCodeTask, codeTask, type CodeTaskOptions } from './code/index.js';
export { createFunctionsTask, functionsTask, functionSolution, functionWorked, type FunctionsDifficulty, type FunctionsTaskOptions, type FunctionsCheckOptions } from './functions/index.js';
export type { FunctionLang } from './functions/program.js';
