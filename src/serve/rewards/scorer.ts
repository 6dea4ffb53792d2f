// src/serve/rewards/scorer.ts — the reward service's engine: wire samples become the trainer's RewardSamples
// (task item + task), scored by the trainer's own composite (src/train/grpo/rewards.ts `buildReward` +
// `scoreRewards`), so a distributed run optimizes the same function as `r1 grpo`. Math checks run on one shared
// MathVerifier (time-bounded worker threads), code checks in the sandbox with at most `concurrency` programs at
// once; admission is bounded (503 past `maxQueue` samples in flight).

import type { CompositeReward, RewardSample } from '../../reward/index.js';
import { buildReward, scoreRewards } from '../../train/grpo/rewards.js';
import type { RewardSpec } from '../../train/config.js';
import { benchmarkTask } from '../../tasks/benchmarks/index.js';
import { createCodeTask } from '../../tasks/code/index.js';
import { getTaskByName, listTasks } from '../../tasks/registry.js';
import type { CheckResult, Task, TaskItem } from '../../tasks/types.js';
import { MathVerifier, type PoolStats } from '../../verify/math/index.js';
import { ApiError } from '../http-common.js';
import type { RewardResult, ServiceConfig, WireSample } from './wire.js';

/** Names that mean "check with the math verifier" (the benchmark tasks all check the same way). */
const MATH_TASKS = new Set(['math', 'gsm8k', 'math500', 'aime24', 'amc23']);
const SYNTHETIC_TASKS = new Set(listTasks().filter((t) => t.kind === 'synthetic').map((t) => t.name as string));

/** Runs at most `size` jobs at once, the rest in arrival order. */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Gate: size must be a positive integer, got ${size}`);
  }
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Counts a completion's tokens (a tokenizer's encode(text).length). */
export type TokenCounter = (text: string) => number;

/** A sample that cannot be scored as sent (400, naming it). */
export class SampleError extends Error {}

export class RewardScorer {
  readonly config: ServiceConfig;
  private readonly verifier: MathVerifier;
  private readonly mathTask: Task;
  private readonly codeTask: Task;
  private readonly codeGate: Gate;
  private readonly synthetic = new Map<string, Task>();
  private readonly rewards = new Map<string, CompositeReward>();
  /** The composite of the service's own reward list (most requests): no key to build. */
  private readonly ownReward: CompositeReward;
  private inFlight = 0;
  private closed = false;
  private readonly countTokens: TokenCounter | undefined;

  /** `countTokens` fills in a sample's missing completionTokens when the overlong penalty is asked for. */
  constructor(config: ServiceConfig, countTokens?: TokenCounter) {
    this.config = config;
    this.countTokens = countTokens;
    // A service runs for long and every timeout holds requests back: the spare starts with the pool.
    this.verifier = new MathVerifier({ workers: config.workers, timeoutMs: config.mathTimeoutMs, spare: 'eager' });
    // The benchmark task's check is the math checker every math task uses (completion parser + verifier).
    this.mathTask = benchmarkTask('math500', { verifier: this.verifier });
    // One sandboxed process per program at a time; the gate bounds programs, so processes stay <= concurrency.
    this.codeTask = createCodeTask({
      reward: config.code.reward,
      concurrency: 1,
      ...(config.code.limits !== undefined && { limits: config.code.limits }),
      ...(config.code.unsafeSandbox && { unsafeSandbox: true }),
    });
    this.codeGate = new Gate(config.code.concurrency ?? config.workers);
    this.ownReward = buildReward(config.rewards, config.maxNewTokens);
  }

  /** The math verifier's worker pool now (workers, spare, replacements so far). */
  mathPool(): PoolStats {
    return this.verifier.stats();
  }

  /** Samples admitted and not yet scored. */
  get queued(): number {
    return this.inFlight;
  }

  /**
   * Admit `n` samples or answer 503: the bounded queue. The returned release must be called once the samples
   * are scored (not when the request gives up: the work goes on and holds its slots until it ends).
   */
  admit(n: number): () => void {
    if (this.closed) throw new ApiError(503, 'overloaded_error', 'shutting_down', 'the reward service is shutting down');
    if (n > this.config.maxQueue) {
      throw new ApiError(400, 'invalid_request_error', 'too_many_samples', `${n} samples in one request; this service takes at most ${this.config.maxQueue} (maxQueue): split the batch`);
    }
    if (this.inFlight + n > this.config.maxQueue) {
      throw new ApiError(503, 'overloaded_error', 'queue_full', `the reward queue is full (${this.inFlight} of ${this.config.maxQueue} samples in flight): retry shortly`, { 'retry-after': '1' });
    }
    this.inFlight += n;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= n;
    };
  }

  /** The trainer's RewardSample for a wire sample (throws SampleError naming what is missing). */
  toRewardSample(s: WireSample, index: number, recorder: CheckRecorder, countTokens?: TokenCounter): RewardSample {
    const tokens = s.completionTokens ?? countTokens?.(s.completion);
    const base: RewardSample = { prompt: s.prompt, completion: s.completion, ...(tokens !== undefined && { completionTokens: tokens }) };
    const name = s.task ?? (s.tests !== undefined ? 'code' : s.gold !== undefined ? this.config.defaultTask : undefined);
    if (name === undefined) return base; // open-ended: accuracy does not apply
    const id = `sample-${index}`;
    if (name === 'code') {
      if (s.tests === undefined) throw new SampleError(`sample ${index}: task "code" needs "tests"`);
      const io = s.tests.every((t) => t.kind === 'stdio') ? 'stdio' : 'call';
      const item: TaskItem = { id, question: s.prompt, gold: `passes all ${s.tests.length} tests`, meta: { tests: s.tests, io } };
      return { ...base, item, task: recorder.wrap(this.codeTask, item, index, this.codeGate) };
    }
    if (s.gold === undefined) throw new SampleError(`sample ${index}: task "${name}" needs "gold"`);
    const item: TaskItem = { id, question: s.prompt, gold: s.gold, ...(s.meta !== undefined && { meta: s.meta }) };
    if (MATH_TASKS.has(name)) return { ...base, item, task: recorder.wrap(this.mathTask, item, index) };
    if (SYNTHETIC_TASKS.has(name)) return { ...base, item, task: recorder.wrap(this.syntheticTask(name), item, index, undefined, true) };
    throw new SampleError(`sample ${index}: unknown task "${name}" (known: math, code, ${[...MATH_TASKS].filter((t) => t !== 'math').join(', ')}, ${[...SYNTHETIC_TASKS].join(', ')})`);
  }

  /**
   * Score samples with the composite of `specs` (default: the service's): the trainer's totals (null = 0) and
   * components, plus accuracy's reason. A sample's `language` sets the language reward's target for it.
   */
  async score(samples: readonly WireSample[], specs: readonly RewardSpec[] = this.config.rewards): Promise<RewardResult[]> {
    const recorder = new CheckRecorder();
    // Tokens are counted only for the penalty that reads them (encoding a long completion is not free).
    const counter = specs.some((r) => r.name === 'overlong') ? this.countTokens : undefined;
    const rewardSamples = samples.map((s, i) => this.toRewardSample(s, i, recorder, counter));
    // Group by effective reward list (only the language target can differ between samples).
    const hasLanguage = specs.some((r) => r.name === 'language');
    const groups = new Map<string, { specs: readonly RewardSpec[]; idx: number[] }>();
    if (!hasLanguage || samples.every((s) => s.language === undefined)) {
      groups.set('', { specs, idx: samples.map((_, i) => i) });
    } else {
      samples.forEach((s, i) => {
        const list: readonly RewardSpec[] = s.language !== undefined ? specs.map((r) => (r.name === 'language' ? { ...r, target: s.language as 'en' | 'zh' } : r)) : specs;
        const key = list === specs ? '' : (s.language as string);
        const g = groups.get(key) ?? { specs: list, idx: [] as number[] };
        g.idx.push(i);
        groups.set(key, g);
      });
    }
    const results: RewardResult[] = new Array(samples.length);
    const scoring = Promise.all(
      [...groups.values()].map(async (g) => {
        const reward = this.reward(g.specs);
        const scored = await scoreRewards(reward, g.idx.map((i) => rewardSamples[i] as RewardSample));
        g.idx.forEach((i, k) => {
          const components: Record<string, number | null> = {};
          for (const [name, col] of Object.entries(scored.components)) components[name] = col[k] ?? null;
          const item = rewardSamples[i]?.item;
          const reason = item !== undefined ? recorder.reasons.get(item) : undefined;
          results[i] = { total: scored.totals[k] as number, components, ...(reason !== undefined && { reason }) };
        });
      }),
    );
    try {
      await scoring;
    } catch (e) {
      // One check failed: the others still run; the samples' queue slots are held until they end.
      await Promise.allSettled(recorder.pending);
      throw e;
    }
    return results;
  }

  /** Stop the verifier's workers; later admissions answer 503. */
  async close(): Promise<void> {
    this.closed = true;
    await this.verifier.close();
  }

  /** The composite of a reward list, built once per distinct list (the service's own, or a request's). */
  private reward(specs: readonly RewardSpec[]): CompositeReward {
    if (specs === this.config.rewards) return this.ownReward;
    const key = JSON.stringify(specs);
    let r = this.rewards.get(key);
    if (r === undefined) {
      if (this.rewards.size >= 64) this.rewards.clear(); // requests may each send their own list: stay bounded
      r = buildReward(specs, this.config.maxNewTokens);
      this.rewards.set(key, r);
    }
    return r;
  }

  private syntheticTask(name: string): Task {
    let t = this.synthetic.get(name);
    if (t === undefined) {
      t = getTaskByName(name);
      this.synthetic.set(name, t);
    }
    return t;
  }
}

/**
 * Wraps tasks for one scoring call: records each check's reason by item (the API reports why accuracy scored
 * what it did) and passes code checks through the sandbox gate. A synthetic task that throws was sent bad
 * data (400); a math or code checker that throws is the service's own failure (500).
 */
export class CheckRecorder {
  readonly reasons = new Map<TaskItem, string>();
  /** Every check started, so that a failed scoring call can wait for the rest before releasing its slots. */
  readonly pending: Promise<CheckResult>[] = [];
  /** Each sample's index by its item (error messages name the sample). */
  private readonly index = new Map<TaskItem, number>();
  /** The wrapped tasks of this call, one per task (not one per sample). */
  private readonly wrapped = new Map<Task, Task>();

  /** The task that checks `item` (sample `index`) for this call. */
  wrap(task: Task, item: TaskItem, index: number, gate?: Gate, clientFault = false): Task {
    this.index.set(item, index);
    let w = this.wrapped.get(task);
    if (w === undefined) {
      w = this.wrapTask(task, gate, clientFault);
      this.wrapped.set(task, w);
    }
    return w;
  }

  private wrapTask(task: Task, gate: Gate | undefined, clientFault: boolean): Task {
    const run = async (item: TaskItem, completion: string): Promise<CheckResult> => {
      let r: CheckResult;
      try {
        r = await (gate ? gate.run(() => task.check(item, completion)) : task.check(item, completion));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (clientFault) throw new SampleError(`sample ${this.index.get(item) ?? '?'}: ${task.name} cannot check it: ${message}`);
        throw new ApiError(500, 'server_error', 'checker_failed', `${task.name === 'code' ? 'code' : 'math'} checker failed: ${message}`);
      }
      if (r.reason !== undefined) this.reasons.set(item, r.reason);
      return r;
    };
    const check = (item: TaskItem, completion: string): Promise<CheckResult> => {
      const p = run(item, completion);
      this.pending.push(p);
      return p;
    };
    return { ...task, check };
  }
}
