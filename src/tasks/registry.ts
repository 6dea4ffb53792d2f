// src/tasks/registry.ts — every task by name, in one explicit table (no registration by import side effect).
// `getTask('countdown', { difficulty: 'hard' })` is typed per task; `getTaskByName` is the string-keyed entry
// point for CLIs and config files.

import type { Split, Task } from './types.js';
import { arithmeticDifficultyFromSpec, arithmeticTask, type ArithmeticDifficulty } from './arithmetic/index.js';
import { countdownDifficultyFromSpec, countdownTask, type CountdownDifficulty } from './countdown/index.js';
import { knightsDifficultyFromSpec, knightsTask, type KnightsDifficulty } from './knights/index.js';
import { instructionsDifficultyFromSpec, instructionsTask, type InstructionsDifficulty } from './instructions/index.js';
import { benchmarkDescription, benchmarkTask, type BenchmarkOptions } from './benchmarks/index.js';
import { CODE_PROBLEMS, createCodeTask, type CodeTaskOptions } from './code/index.js';
import { createFunctionsTask, type FunctionsTaskOptions } from './functions/index.js';

/** Options of a synthetic task: a difficulty as knobs, or as a CLI spec ("hard", "easy,digits=4"). */
export interface SyntheticOptions<D> {
  difficulty?: Partial<D> | string;
}

/** Options accepted by each task. */
export interface TaskOptionsByName {
  arithmetic: SyntheticOptions<ArithmeticDifficulty>;
  countdown: SyntheticOptions<CountdownDifficulty>;
  knights: SyntheticOptions<KnightsDifficulty>;
  instructions: SyntheticOptions<InstructionsDifficulty>;
  gsm8k: BenchmarkOptions;
  math500: BenchmarkOptions;
  aime24: BenchmarkOptions;
  amc23: BenchmarkOptions;
  code: CodeTaskOptions;
  functions: FunctionsTaskOptions;
}
export type TaskName = keyof TaskOptionsByName;

/** What `listTasks` reports about a task. */
export interface TaskInfo {
  name: TaskName;
  /** synthetic: generated, unlimited; benchmark: a data file's test split; code: a fixed problem set. */
  kind: 'synthetic' | 'benchmark' | 'code';
  description: string;
  /** Splits `items` accepts (synthetic tasks also accept 'test' as a synonym of 'heldout'). */
  splits: Split[];
  /** The split `r1 tasks sample` and evaluation use by default. */
  defaultSplit: Split;
  /** Difficulty presets (synthetic tasks). */
  presets?: string[];
}

type Factory<K extends TaskName> = (opts: TaskOptionsByName[K]) => Task;

function synthetic<D>(make: (d: Partial<D>) => Task, fromSpec: (spec: string) => D) {
  return (opts: SyntheticOptions<D>): Task => {
    const d = opts.difficulty;
    return make(typeof d === 'string' ? (fromSpec(d) as Partial<D>) : (d ?? {}));
  };
}

const FACTORIES: { [K in TaskName]: Factory<K> } = {
  arithmetic: synthetic(arithmeticTask, arithmeticDifficultyFromSpec),
  countdown: synthetic(countdownTask, countdownDifficultyFromSpec),
  knights: synthetic(knightsTask, knightsDifficultyFromSpec),
  instructions: synthetic(instructionsTask, instructionsDifficultyFromSpec),
  gsm8k: (o) => benchmarkTask('gsm8k', o),
  math500: (o) => benchmarkTask('math500', o),
  aime24: (o) => benchmarkTask('aime24', o),
  amc23: (o) => benchmarkTask('amc23', o),
  code: (o) => createCodeTask(o),
  functions: (o) => createFunctionsTask(o),
};

const PRESETS = ['easy', 'medium', 'hard', 'extreme'];
const SYNTHETIC_SPLITS: Split[] = ['train', 'heldout'];

const INFO: readonly TaskInfo[] = [
  { name: 'arithmetic', kind: 'synthetic', description: 'multi-digit arithmetic: digits, operands and operators as knobs; exact answers', splits: SYNTHETIC_SPLITS, defaultSplit: 'train', presets: PRESETS },
  { name: 'countdown', kind: 'synthetic', description: 'Countdown: reach a target with + - * / using each number once (solvable by construction)', splits: SYNTHETIC_SPLITS, defaultSplit: 'train', presets: PRESETS },
  { name: 'knights', kind: 'synthetic', description: 'knights and knaves: N islanders, one statement each, exactly one solution', splits: SYNTHETIC_SPLITS, defaultSplit: 'train', presets: PRESETS },
  { name: 'instructions', kind: 'synthetic', description: 'instruction following: everyday requests (EN/ZH) with rule-checked constraints (language, word limit, required words...)', splits: SYNTHETIC_SPLITS, defaultSplit: 'train', presets: PRESETS },
  { name: 'gsm8k', kind: 'benchmark', description: benchmarkDescription('gsm8k'), splits: ['test'], defaultSplit: 'test' },
  { name: 'math500', kind: 'benchmark', description: benchmarkDescription('math500'), splits: ['test'], defaultSplit: 'test' },
  { name: 'aime24', kind: 'benchmark', description: benchmarkDescription('aime24'), splits: ['test'], defaultSplit: 'test' },
  { name: 'amc23', kind: 'benchmark', description: benchmarkDescription('amc23'), splits: ['test'], defaultSplit: 'test' },
  { name: 'code', kind: 'code', description: `programming problems (${CODE_PROBLEMS.length} built in), run against tests in a sandbox`, splits: SYNTHETIC_SPLITS, defaultSplit: 'train' },
  { name: 'functions', kind: 'synthetic', description: 'one-line Python functions f(x) (+ - * applied to x left to right, EN/ZH), run against call tests in a sandbox', splits: SYNTHETIC_SPLITS, defaultSplit: 'train', presets: PRESETS },
];

/** Every task, in a stable order. */
export function listTasks(): TaskInfo[] {
  return INFO.map((t) => ({ ...t, splits: [...t.splits], ...(t.presets ? { presets: [...t.presets] } : {}) }));
}

export function isTaskName(name: string): name is TaskName {
  return Object.prototype.hasOwnProperty.call(FACTORIES, name);
}

/** Build a task by name with its typed options. Throws on bad options (naming the task and the problem). */
export function getTask<K extends TaskName>(name: K, opts?: TaskOptionsByName[K]): Task {
  const make = FACTORIES[name] as Factory<K> | undefined;
  if (make === undefined) throw new Error(`unknown task "${String(name)}" (known: ${Object.keys(FACTORIES).join(', ')})`);
  return make(opts ?? ({} as TaskOptionsByName[K]));
}

/**
 * String-keyed lookup for CLIs and config files: an unknown name is an Error listing the known ones.
 * `difficulty` (a spec string) applies to synthetic tasks and is an error for benchmarks.
 */
export function getTaskByName(name: string, opts: { difficulty?: string; dataDir?: string; unsafeSandbox?: boolean } = {}): Task {
  if (!isTaskName(name)) throw new Error(`unknown task "${name}" (known: ${Object.keys(FACTORIES).join(', ')})`);
  const info = INFO.find((t) => t.name === name) as TaskInfo;
  // Every factory accepts this shape; which fields apply depends on the kind, checked here.
  const make = FACTORIES[name] as (o: { difficulty?: string; dataDir?: string }) => Task;
  if (info.kind === 'synthetic') {
    if (opts.dataDir !== undefined) throw new Error(`${name} is synthetic: it reads no data folder`);
    return make(opts.difficulty === undefined ? {} : { difficulty: opts.difficulty });
  }
  if (opts.difficulty !== undefined) throw new Error(`${name} is a ${info.kind === 'code' ? 'fixed problem set' : 'benchmark'}: it has no difficulty knobs`);
  if (info.kind === 'code') {
    if (opts.dataDir !== undefined) throw new Error(`${name} has built-in problems: it reads no data folder`);
    return (make as (o: CodeTaskOptions) => Task)(opts.unsafeSandbox === true ? { unsafeSandbox: true } : {});
  }
  return make(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir });
}

/** Registry facts about a task name (throws on unknown names). */
export function taskInfo(name: string): TaskInfo {
  const info = INFO.find((t) => t.name === name);
  if (info === undefined) throw new Error(`unknown task "${name}" (known: ${INFO.map((t) => t.name).join(', ')})`);
  return { ...info, splits: [...info.splits] };
}
