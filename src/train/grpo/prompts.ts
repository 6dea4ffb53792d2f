// src/train/grpo/prompts.ts — the RL prompt stream: tasks mixed by weight (DeepSeek-R1 §2.3.3), each drawn from its
// training split in a fixed seeded order. Its position (the mixing generator's state and the items taken from each
// task) is part of a checkpoint, so a resumed run sees exactly the prompts an uninterrupted one would.

import { getTaskByName, taskInfo } from '../../tasks/registry.js';
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
   * A stream over the mix (tasks by registry name, or from `custom` by name: a library user's own Task). Synthetic tasks stream their training split; fixed item sets (benchmarks, the code
   * problems) are shuffled once by the seed and cycled.
   */
  static async open(mix: readonly MixEntry[], seed: number, dataDir?: string, custom: Readonly<Record<string, Task>> = {}): Promise<PromptStream> {
    const tasks: Task[] = [];
    const pools: (TaskItem[] | null)[] = [];
    for (const m of mix) {
      const own = Object.prototype.hasOwnProperty.call(custom, m.name) ? custom[m.name]! : null;
      const task = own ?? getTaskByName(m.name, { ...(m.difficulty !== undefined ? { difficulty: m.difficulty } : {}), ...(dataDir !== undefined && taskInfo(m.name).kind === 'benchmark' ? { dataDir } : {}) });
      tasks.push(task);
      if (task.stream) pools.push(null);
      else {
        const items = await task.items({ split: 'train' }).catch(async () => task.items({ split: 'test' }));
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

function* cycle<T>(xs: readonly T[]): Iterator<T> {
  for (;;) yield* xs;
}
