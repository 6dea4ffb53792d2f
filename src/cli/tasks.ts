// src/cli/tasks.ts — `r1 tasks list` and `r1 tasks sample <task>`: browse the task library (prompts, gold
// answers, difficulty knobs) without training anything. Thin: validation here, the work in src/tasks.

import type { Command } from 'commander';
import { z } from 'zod';
import { flagErrors } from './flags.js';
import { Rng } from '../util/rng.js';
import { getTaskByName, listTasks, taskInfo } from '../tasks/registry.js';
import type { TaskItem } from '../tasks/types.js';

/** Streams and exit status, replaceable in tests. */
export interface TasksCliDeps {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  setExitCode(code: number): void;
}

const sampleFlags = z.object({
  n: z.coerce.number().int().min(1).max(100_000),
  seed: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  split: z.enum(['train', 'heldout', 'test']).optional(),
  difficulty: z.string().min(1).optional(),
  style: z.enum(['r1-zero', 'boxed']),
  json: z.boolean(),
  dataDir: z.string().min(1).optional(),
});

/** Usage errors exit with 2 (like cmp); failures while running (missing data) with 1. */
class UsageError extends Error {}

async function sample(name: string, raw: Record<string, unknown>, deps: TasksCliDeps): Promise<void> {
  const parsed = sampleFlags.safeParse(raw);
  if (!parsed.success) throw new UsageError(flagErrors(parsed.error, raw));
  const f = parsed.data;
  let task;
  try {
    task = getTaskByName(name, { ...(f.difficulty !== undefined && { difficulty: f.difficulty }), ...(f.dataDir !== undefined && { dataDir: f.dataDir }) });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const info = taskInfo(name);
  const split = f.split ?? info.defaultSplit;
  if (info.kind === 'benchmark' && split !== 'test') throw new UsageError(`${name} is a benchmark: use --split test`);
  try {
    let items: TaskItem[];
    if (info.kind === 'synthetic') {
      items = await task.items({ split, n: f.n, seed: f.seed ?? 0 });
    } else {
      // Benchmarks and the fixed code problems: the first n, or n drawn with --seed.
      const all = await task.items({ split });
      items = f.seed === undefined ? all.slice(0, f.n) : new Rng(f.seed).shuffle([...all]).slice(0, f.n);
    }
    for (const [i, item] of items.entries()) {
      const prompt = task.prompt(item, f.style);
      if (f.json) {
        deps.stdout.write(JSON.stringify({ task: name, split, id: item.id, prompt, question: item.question, gold: item.gold, meta: item.meta ?? {} }) + '\n');
      } else {
        deps.stdout.write(`${i > 0 ? '\n' : ''}── ${item.id} ──\n${prompt}\n\ngold: ${item.gold}\n`);
      }
    }
  } finally {
    await task.close?.();
  }
}

function list(json: boolean, deps: TasksCliDeps): void {
  const tasks = listTasks();
  if (json) {
    deps.stdout.write(JSON.stringify(tasks) + '\n');
    return;
  }
  const width = Math.max(...tasks.map((t) => t.name.length));
  for (const t of tasks) {
    const extra = t.presets ? ` [difficulty: ${t.presets.join('|')}]` : '';
    deps.stdout.write(`${t.name.padEnd(width)}  ${t.kind.padEnd(9)}  ${t.splits.join(',').padEnd(13)}  ${t.description}${extra}\n`);
  }
}

/** Add `tasks` (with `list` and `sample`) under `parent`; settings such as exitOverride are inherited. */
export function addTasksCommand(parent: Command, partial: Partial<TasksCliDeps> = {}): Command {
  const deps: TasksCliDeps = {
    stdout: process.stdout,
    stderr: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    ...partial,
  };
  const fail = (e: unknown): void => {
    deps.stderr.write(`r1 tasks: ${(e as Error).message}\n`);
    deps.setExitCode(e instanceof UsageError ? 2 : 1);
  };
  const cmd = parent.command('tasks').description('browse the task library: synthetic tasks and math benchmarks');
  cmd
    .command('list')
    .description('list the tasks with their kind, splits and difficulty presets')
    .option('--json', 'print JSON', false)
    .action((opts: { json: boolean }) => {
      try {
        list(opts.json, deps);
      } catch (e) {
        fail(e);
      }
    });
  cmd
    .command('sample')
    .description('print n items of a task as rendered prompts with their gold answers')
    .argument('<task>', 'task name (see `r1 tasks list`)')
    .option('-n <n>', 'number of items', '3')
    .option('--seed <s>', 'seed (synthetic: generation; benchmarks: which rows; default: 0 / the first rows)')
    .option('--split <split>', 'train | heldout (synthetic; test = heldout) | test (benchmarks)')
    .option('--difficulty <spec>', 'preset and/or knobs, e.g. hard or easy,numbers=5 (synthetic tasks)')
    .option('--style <style>', 'prompt style: r1-zero | boxed', 'r1-zero')
    .option('--data-dir <dir>', 'benchmark data folder (default: $R1_DATA_DIR, else ../shared/data)')
    .option('--json', 'one JSON object per line', false)
    .action(async (name: string, opts: Record<string, unknown>) => {
      try {
        await sample(name, opts, deps);
      } catch (e) {
        fail(e);
      }
    });
  return cmd;
}

export function register(program: Command): void {
  addTasksCommand(program);
}
