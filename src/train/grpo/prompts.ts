// src/train/grpo/prompts.ts — the RL prompt stream: tasks mixed by weight (DeepSeek-R1 §2.3.3), each drawn from its
// training split in a fixed seeded order. Its position (the mixing generator's state and the items taken from each
// task) is part of a checkpoint, so a resumed run sees exactly the prompts an uninterrupted one would.
// A task without a training split (a benchmark) is refused unless the run allows its test split; then the test items
// are split in two by content hash, and only the larger part is ever drawn (see splitTestItems).

import { getTaskByName, taskInfo } from '../../tasks/registry.js';
import { splitOfKey } from '../../tasks/split.js';
import type { Task, TaskItem } from '../../tasks/types.js';
import { Rng } from '../../util/rng.js';

export interface MixEntry {
  name: string;
  weight: number;
  difficulty?: string;
}

export interface PromptDraw {
  task: Task;
  item: TaskItem;
}

export interface PromptStreamOptions {
  /**
   * Train on tasks that have only a test split (benchmarks): their test items are divided by content hash, and the
   * held-out part is never drawn. Off by default: training on a benchmark's test split is a choice to make on purpose.
   */
  allowTestSplit?: boolean;
  /** Notices (which tasks train on part of their test split). */
  log?: (msg: string) => void;
}

/** Where a stream stands: the mixing generator and how many items each task has given. */
export interface PromptStreamState {
  rng: [number, number, number, number];
  taken: number[];
}

export class PromptStream {
  readonly tasks: Task[];
  readonly #weights: number[];
  readonly #iters: Iterator<TaskItem>[];
  readonly #pools: (TaskItem[] | null)[];
  #rng: Rng;
  #taken: number[];

  private constructor(tasks: Task[], weights: number[], pools: (TaskItem[] | null)[], seed: number) {
    this.tasks = tasks;
    this.#weights = weights;
    this.#pools = pools;
    this.#rng = new Rng(seed);
    this.#taken = tasks.map(() => 0);
    this.#iters = tasks.map((t, i) => (pools[i] ? cycle(pools[i]!) : t.stream!({ split: 'train', seed: seed + 7919 * (i + 1) })[Symbol.iterator]()));
  }

  /**
   * A stream over the mix (tasks by registry name, or from `custom` by name: a library user's own Task, which must
   * have a training split). Synthetic tasks stream their training split; fixed item sets (the code problems) are
   * shuffled once by the seed and cycled. A registry task without a training split (a benchmark) is refused unless
   * `opts.allowTestSplit`; then it trains on part of its test split (splitTestItems), and `tasks` holds a view of it
   * whose test split is the held-out rest.
   */
  static async open(mix: readonly MixEntry[], seed: number, dataDir?: string, custom: Readonly<Record<string, Task>> = {}, opts: PromptStreamOptions = {}): Promise<PromptStream> {
    const tasks: Task[] = [];
    const pools: (TaskItem[] | null)[] = [];
    for (const m of mix) {
      const own = Object.prototype.hasOwnProperty.call(custom, m.name) ? custom[m.name]! : null;
      const info = own ? null : taskInfo(m.name);
      let task = own ?? getTaskByName(m.name, { ...(m.difficulty !== undefined ? { difficulty: m.difficulty } : {}), ...(dataDir !== undefined && info!.kind === 'benchmark' ? { dataDir } : {}) });
      let items: TaskItem[] | null = null;
      if (info && !info.splits.includes('train')) {
        if (!opts.allowTestSplit) {
          throw new Error(
            `task ${m.name} has no train split (only ${info.splits.join(', ')}): GRPO on it would train on the items it is evaluated on. ` +
              'Set allowTestSplit: true in the GRPO config (r1 grpo --allow-test-split) to train on its test split, less a held-out part',
          );
        }
        const split = splitTestItems(task, await task.items({ split: 'test' }));
        opts.log?.(`task ${m.name} has no train split: training on ${split.train.length} of its test items (allowTestSplit); the other ${split.heldout.length}, never drawn, are its held-out items`);
        task = split.view;
        items = split.train;
      } else if (!task.stream) items = await task.items({ split: 'train' });
      tasks.push(task);
      if (items === null) pools.push(null);
      else {
        if (items.length === 0) throw new Error(`task ${m.name}: no items to train on`);
        pools.push(new Rng(seed + 104729).shuffle([...items]));
      }
    }
    return new PromptStream(tasks, mix.map((m) => m.weight), pools, seed);
  }

  /** The next n prompts. */
  next(n: number): PromptDraw[] {
    const out: PromptDraw[] = [];
    const total = this.#weights.reduce((a, b) => a + b, 0);
    for (let k = 0; k < n; k++) {
      let u = this.#rng.next() * total;
      let i = 0;
      while (i < this.#weights.length - 1 && u >= this.#weights[i]!) u -= this.#weights[i++]!;
      const r = this.#iters[i]!.next();
      if (r.done) throw new Error(`task ${this.tasks[i]!.name}: its item stream ended`);
      this.#taken[i]!++;
      out.push({ task: this.tasks[i]!, item: r.value });
    }
    return out;
  }

  state(): PromptStreamState {
    return { rng: this.#rng.state(), taken: [...this.#taken] };
  }

  /** Moves a fresh stream to a saved position (items already taken are skipped, in order). */
  restore(s: PromptStreamState): void {
    if (s.taken.length !== this.tasks.length) throw new Error(`prompt stream: the checkpoint mixes ${s.taken.length} tasks, the config ${this.tasks.length}`);
    if (this.#taken.some((t) => t !== 0)) throw new Error('prompt stream: restore() needs a fresh stream');
    s.taken.forEach((n, i) => {
      for (let k = 0; k < n; k++) if (this.#iters[i]!.next().done) throw new Error(`task ${this.tasks[i]!.name}: its item stream ended`);
    });
    this.#taken = [...s.taken];
    this.#rng = Rng.fromState(s.rng);
  }

  async close(): Promise<void> {
    for (const t of this.tasks) await t.close?.();
  }
}

/**
 * A task that has only a test split, divided in two by the same content hash that splits synthetic tasks (a fixed
 * HELDOUT_FRACTION of the problems, whatever the seed): `train` is what training may draw; `view` is the task with
 * `train` as its train split and the rest as its test (and heldout) split, so held-out evaluation never scores an
 * item training can draw. Items with the same question land in the same part.
 */
export function splitTestItems(task: Task, items: readonly TaskItem[]): { view: Task; train: TaskItem[]; heldout: TaskItem[] } {
  const train: TaskItem[] = [], heldout: TaskItem[] = [];
  for (const item of items) (splitOfKey(item.question) === 'heldout' ? heldout : train).push(item);
  const view: Task = {
    name: task.name,
    description: task.description,
    async items({ split, n }) {
      const xs = split === 'train' ? train : heldout;
      if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new RangeError(`n must be a non-negative integer, got ${n}`);
      return n === undefined ? [...xs] : xs.slice(0, n);
    },
    prompt: (item, style) => task.prompt(item, style),
    check: (item, completion) => task.check(item, completion),
    ...(task.answerKey ? { answerKey: (extracted: string) => task.answerKey!(extracted) } : {}),
    ...(task.equivalent ? { equivalent: (a: string, b: string) => task.equivalent!(a, b) } : {}),
    ...(task.close ? { close: () => task.close!() } : {}),
  };
  return { view, train, heldout };
}

function* cycle<T>(xs: readonly T[]): Iterator<T> {
  for (;;) yield* xs;
}
