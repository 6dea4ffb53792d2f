// src/verify/math/verifier.ts — MathVerifier: every verification bounded in time. A small pool of worker threads
// runs the in-process verifier; a worker that passes the deadline is terminated and replaced, and the call
// resolves as a timeout. Checks that wait for a worker go to it several to a message (a message round trip wakes
// two threads, which costs more than many a check), and a busy worker gets its next message before it finishes the
// one it runs (two in flight at most), so that it never idles while the pool's thread is busy elsewhere (an HTTP
// server's event loop answering requests); each check keeps its own deadline, and the checks behind a slow one go
// back to the queue, for another worker, rather than wait for it or go down with it. The replacement is a warm
// spare kept beside the pool (a fresh thread first loads the computer-algebra library: seconds on a loaded machine,
// during which its share of the queue would wait), and a new spare starts in the background. Workers are unref'd
// while idle, so an open verifier never keeps a process alive.

import { Worker } from 'node:worker_threads';
import { verbatimAnswer } from './equiv.js';
import { DEFAULT_REL_TOL, EXTRACT_METHODS, GOLD_EXTRACT_MODES, type EquivOptions, type ExtractOptions, type MathVerdict, type MathVerifierOptions } from './types.js';

export type WorkerRequest = { id: number; op: 'verify' | 'equiv'; gold: string; text: string; opts: EquivOptions & ExtractOptions };
/**
 * One message to a worker: requests run in order, each answered by its own reply as it finishes. `cells` holds one
 * state per request, shared with the pool: 0 waiting, 1 taken by the worker, 2 taken back by the pool. The worker
 * runs a request only if it moves its cell from 0 to 1 (compare-and-exchange), so the two never both take it.
 */
export interface WorkerBatch {
  reqs: WorkerRequest[];
  cells: Int32Array;
}
export const CELL_WAITING = 0;
export const CELL_TAKEN = 1;
export const CELL_TAKEN_BACK = 2;
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; verdict: MathVerdict }
  | { kind: 'error'; id: number; message: string };

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_BATCH = 16;
/**
 * A check still running after this long gives the checks behind it in its message back to the queue (most checks
 * take well under a millisecond; a pathological one holds its worker up to its deadline).
 */
const SLOW_CHECK_MS = 100;
/** Heap and stack caps per worker: a memory bomb kills the worker, not the caller. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };

/** The pool at one moment (health reports, tests). */
export interface PoolStats {
  /** Worker threads taking jobs (the `workers` option). */
  workers: number;
  /** Of them: started (idle or busy), and busy with a job. */
  ready: number;
  busy: number;
  /** Checks waiting for a worker (sent ones that have not started yet count as busy, not queued). */
  queued: number;
  /**
   * The spare worker: off (disabled, closed, or it cannot start), later (lazy: starts at the first replacement),
   * waiting for the workers to be up, starting, ready.
   */
  spare: 'off' | 'later' | 'waiting' | 'starting' | 'ready';
  /** Workers terminated at a deadline or lost to a crash since the pool started ... */
  replaced: number;
  /** ... of which replaced by a spare that was already warm (the others by a fresh or still starting thread). */
  replacedWarm: number;
  /** Messages sent to workers, and the checks they carried (re-sent ones again): their ratio is the mean batch. */
  batches: number;
  batchedChecks: number;
  /** Checks taken back from behind a slow one (or one that timed out or crashed) and queued again. */
  requeued: number;
}

/** Per-call overrides. */
export interface VerifyCallOptions {
  /** Deadline for this call only, in milliseconds (default: the verifier's timeoutMs). */
  timeoutMs?: number;
}

interface Job {
  req: WorkerRequest;
  timeoutMs: number;
  /** Its state cell in the message that carries it (both set when sent). */
  cells: Int32Array | null;
  cell: number;
  resolve: (v: MathVerdict) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** The checks sent to this worker and not answered yet (one or two messages), in order: the first is running. */
  jobs: Job[];
  /** The running check's deadline (or first the moment it counts as slow). */
  timer: NodeJS.Timeout | null;
  /** The running check counts as slow: nothing more is sent to this worker until it is answered. */
  slow: boolean;
}

/**
 * Start a worker: the entry beside this file (worker.js when compiled) or the one given. A TypeScript entry (tests
 * under tsx) gets a tiny bootstrap that registers tsx first: worker threads do not inherit the loader.
 */
function startWorker(given?: URL): Worker {
  const here = import.meta.url;
  const url = given ?? new URL(here.endsWith('.ts') ? './worker.ts' : './worker.js', here);
  // No inherited node flags: the caller's (--input-type, --eval, --test ...) can stop a worker from starting.
  const options = { resourceLimits: RESOURCE_LIMITS, execArgv: [] as string[] };
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = url.href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

function failedVerdict(gold: string, reason: string, timedOut: boolean): MathVerdict {
  return { correct: false, extracted: null, method: null, gold, parsedGold: null, parsedAnswer: null, reason, timedOut };
}

export class MathVerifier {
  private readonly timeoutMs: number;
  private readonly maxBatch: number;
  private readonly opts: EquivOptions & ExtractOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died before becoming ready, in a row: past a few, the pool is broken (e.g. a missing file). */
  private startupFailures = 0;
  private broken: string | null = null;
  /** At most one idle, warm worker that replaces a terminated one at once (null while none is started). */
  private spare: Slot | null = null;
  private spareOn: boolean;
  /** Spares are started: from the pool's start ('eager'), or since the first replacement ('lazy'). */
  private spareArmed: boolean;
  private replaced = 0;
  private replacedWarm = 0;
  private batches = 0;
  private batchedChecks = 0;
  private requeued = 0;
  /** A dispatch is scheduled for the end of this event-loop turn (submit coalesces the checks of one turn). */
  private dispatchPending = false;
  private readonly warmWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** `workerEntry`: the worker script (default worker.js beside this file; tests pass a stand-in). */
  constructor(opts: MathVerifierOptions = {}, private readonly workerEntry?: URL) {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const workers = opts.workers ?? 1;
    const relTol = opts.relTol ?? DEFAULT_REL_TOL;
    const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`MathVerifier: timeoutMs must be a positive number, got ${timeoutMs}`);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new RangeError(`MathVerifier: workers must be an integer in [1, 64], got ${workers}`);
    if (!Number.isFinite(relTol) || relTol < 0 || relTol >= 1) throw new RangeError(`MathVerifier: relTol must be in [0, 1), got ${relTol}`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 1024) throw new RangeError(`MathVerifier: maxBatch must be an integer in [1, 1024], got ${maxBatch}`);
    this.maxBatch = maxBatch;
    for (const m of opts.priority ?? []) {
      if (!EXTRACT_METHODS.includes(m)) throw new RangeError(`MathVerifier: unknown extraction method "${String(m)}"`);
    }
    this.timeoutMs = timeoutMs;
    if (opts.goldExtract !== undefined && !GOLD_EXTRACT_MODES.includes(opts.goldExtract)) {
      throw new RangeError(`MathVerifier: goldExtract must be one of ${GOLD_EXTRACT_MODES.join(', ')}, got "${String(opts.goldExtract)}"`);
    }
    this.opts = {
      relTol,
      ...(opts.priority !== undefined && { priority: [...opts.priority] }),
      ...(opts.goldExtract !== undefined && { goldExtract: opts.goldExtract }),
    };
    const spare = opts.spare ?? 'lazy';
    if (!['eager', 'lazy', 'off'].includes(spare)) throw new RangeError(`MathVerifier: spare must be eager, lazy or off, got "${String(spare)}"`);
    this.spareOn = spare !== 'off';
    this.spareArmed = spare === 'eager';
    // The spare starts once these are ready (startSpare), so that it does not slow down the pool's own start.
    for (let k = 0; k < workers; k++) this.slots.push(this.spawn());
  }

  /** The pool's state now. */
  stats(): PoolStats {
    return {
      workers: this.slots.length,
      ready: this.slots.filter((s) => s.ready).length,
      busy: this.slots.filter((s) => s.jobs.length > 0).length,
      queued: this.queue.length,
      spare:
        this.spare !== null ? (this.spare.ready ? 'ready' : 'starting')
        : !this.spareOn || this.closed || this.broken !== null ? 'off'
        : this.spareArmed ? 'waiting'
        : 'later',
      replaced: this.replaced,
      replacedWarm: this.replacedWarm,
      batches: this.batches,
      batchedChecks: this.batchedChecks,
      requeued: this.requeued,
    };
  }

  /**
   * Resolves once every worker and the spare (when kept) have started: benchmarks and tests wait for it so that
   * start-up is not measured. Rejects if the pool is closed or its workers cannot start.
   */
  warm(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('MathVerifier is closed'));
    if (this.broken !== null) return Promise.reject(new Error(`MathVerifier: workers cannot start: ${this.broken}`));
    return new Promise<void>((resolve, reject) => {
      this.warmWaiters.push({ resolve, reject });
      this.checkWarm();
      this.updateRefs();
    });
  }

  /** Extract the final answer of `completion` and compare it with `gold`; a timeout is a wrong answer. */
  verify(gold: string, completion: string, call: VerifyCallOptions = {}): Promise<MathVerdict> {
    return this.submit('verify', gold, completion, call);
  }

  /** Compare two bare answers (no extraction) and explain the verdict; a timeout is "not equivalent". */
  compare(gold: string, answer: string, call: VerifyCallOptions = {}): Promise<MathVerdict> {
    return this.submit('equiv', gold, answer, call);
  }

  /**
   * Is `answer` the gold's answer verbatim (equiv.ts verbatimAnswer, with this verifier's goldExtract)? Then
   * compare() finds it equivalent by the comparer's first rule, and a caller may skip the worker round trip.
   * Plain string work on the caller's thread, bounded in length.
   */
  verbatim(gold: string, answer: string): boolean {
    return typeof gold === 'string' && typeof answer === 'string' && verbatimAnswer(gold, answer, this.opts.goldExtract);
  }

  /** Are two bare answers equivalent? false on timeout. */
  async equivalent(a: string, b: string, call: VerifyCallOptions = {}): Promise<boolean> {
    return (await this.submit('equiv', a, b, call)).correct;
  }

  /** Terminate the workers. Calls still queued are rejected; later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('MathVerifier closed'));
    for (const w of this.warmWaiters.splice(0)) w.reject(new Error('MathVerifier closed'));
    const spare = this.spare;
    this.spare = null;
    if (spare !== null) this.discard(spare);
    // terminate() can leave the event loop without a live handle for a moment before it resolves (the worker's own
    // is closing): a program awaiting close() would then end with it pending (exit code 13, seen under load). A timer
    // holds the loop until every worker has stopped.
    const hold = setInterval(() => undefined, 1000);
    try {
      await Promise.all(
        this.slots.map(async (slot) => {
          if (slot.timer !== null) clearTimeout(slot.timer);
          for (const job of slot.jobs.splice(0)) job.reject(new Error('MathVerifier closed'));
          await slot.worker.terminate();
        }),
      );
    } finally {
      clearInterval(hold);
    }
  }

  private submit(op: WorkerRequest['op'], gold: string, text: string, call: VerifyCallOptions): Promise<MathVerdict> {
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return Promise.reject(new RangeError(`MathVerifier: timeoutMs must be a positive number, got ${timeoutMs}`));
    if (this.closed) return Promise.reject(new Error('MathVerifier is closed'));
    if (this.broken !== null) return Promise.reject(new Error(`MathVerifier: workers cannot start: ${this.broken}`));
    if (typeof gold !== 'string' || typeof text !== 'string') {
      return Promise.reject(new TypeError('MathVerifier: gold and answer/completion must be strings'));
    }
    return new Promise<MathVerdict>((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, op, gold, text, opts: this.opts }, timeoutMs, cells: null, cell: 0, resolve, reject });
      this.scheduleDispatch();
    });
  }

  /**
   * Dispatch at the end of this event-loop turn rather than now: the checks submitted meanwhile (the samples of one
   * request, of the requests read in the same turn) go out together.
   */
  private scheduleDispatch(): void {
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    setImmediate(() => {
      this.dispatchPending = false;
      if (!this.closed) this.dispatch();
    });
  }

  private spawn(): Slot {
    const worker = startWorker(this.workerEntry);
    const slot: Slot = { worker, ready: false, jobs: [], timer: null, slow: false };
    if (this.queue.length === 0) worker.unref();
    worker.on('message', (msg: WorkerReply) => this.onMessage(slot, msg));
    worker.on('error', (err: Error) => this.onFailure(slot, `worker failed: ${err.message}`, false));
    worker.on('exit', (code) => this.onFailure(slot, `worker exited with code ${code}`, false));
    return slot;
  }

  /**
   * Share the queue among the idle workers, at most maxBatch checks to a message; then give each busy worker with
   * one message in flight (and no slow check) its next one, so that it finds it waiting when it finishes.
   */
  private dispatch(): void {
    if (this.queue.length > 0) {
      this.share(this.slots.filter((s) => s.ready && s.jobs.length === 0));
      this.share(this.slots.filter((s) => s.ready && !s.slow && s.jobs.length > 0 && (s.jobs[0] as Job).cells === (s.jobs.at(-1) as Job).cells));
    }
    this.updateRefs();
  }

  /** An even share of the queue for each of `slots`, so that one does not take all while another waits. */
  private share(slots: Slot[]): void {
    let left = slots.length;
    for (const slot of slots) {
      if (this.queue.length === 0) return;
      const jobs = this.queue.splice(0, Math.min(this.maxBatch, Math.ceil(this.queue.length / left--)));
      // A fresh buffer per message: a worker may still be skipping the taken-back tail of its previous one.
      const cells = new Int32Array(new SharedArrayBuffer(4 * jobs.length));
      jobs.forEach((j, k) => {
        j.cells = cells;
        j.cell = k;
      });
      const idle = slot.jobs.length === 0;
      slot.jobs.push(...jobs);
      this.batches++;
      this.batchedChecks += jobs.length;
      if (idle) this.arm(slot);
      slot.worker.postMessage({ reqs: jobs.map((j) => j.req), cells } satisfies WorkerBatch);
    }
  }

  /**
   * The deadline of the slot's running check (its first). It starts when the worker reaches the check (when the
   * one before it was answered), so a check never pays for the others in its message.
   */
  private arm(slot: Slot): void {
    const job = slot.jobs[0] as Job;
    const deadline = (ms: number): NodeJS.Timeout => setTimeout(() => this.onFailure(slot, `timeout after ${job.timeoutMs} ms`, true), ms);
    if (job.timeoutMs <= SLOW_CHECK_MS) {
      slot.timer = deadline(job.timeoutMs);
      return;
    }
    // Once it counts as slow, the checks behind it (sent with it, or after it) go back to the queue and no more are
    // sent to this worker; then its deadline runs on.
    slot.timer = setTimeout(() => {
      slot.slow = true;
      this.takeBack(slot);
      slot.timer = deadline(job.timeoutMs - SLOW_CHECK_MS);
      this.dispatch();
    }, SLOW_CHECK_MS);
  }

  /**
   * Take back the checks sent to the slot that the worker has not started (all but the running one, unless the
   * worker has just moved on) and put them at the head of the queue, in order.
   */
  private takeBack(slot: Slot): void {
    const [running, ...behind] = slot.jobs;
    const back = behind.filter((j) => j.cells !== null && Atomics.compareExchange(j.cells, j.cell, CELL_WAITING, CELL_TAKEN_BACK) === CELL_WAITING);
    if (back.length === 0) return;
    slot.jobs = [running as Job, ...behind.filter((j) => !back.includes(j))];
    this.queue.unshift(...back);
    this.requeued += back.length;
  }

  /**
   * Keep the process alive while work is queued or in flight (a worker may still be starting), or while someone
   * awaits warm(); idle workers and the idle spare are unref'd so that an open verifier never holds a finished
   * program open.
   */
  private updateRefs(): void {
    const waiting = this.queue.length > 0;
    const warming = this.warmWaiters.length > 0;
    for (const slot of this.slots) {
      if (waiting || slot.jobs.length > 0 || (warming && !slot.ready)) slot.worker.ref();
      else slot.worker.unref();
    }
    if (this.spare !== null) {
      if (warming && !this.spare.ready) this.spare.worker.ref();
      else this.spare.worker.unref();
    }
  }

  /**
   * Start the spare in the background when none is kept. At the pool's start it waits for the workers to be up
   * (so as not to slow them down); after a replacement it starts at once: under a steady stream of timeouts every
   * moment counts.
   */
  private startSpare(afterReplacement = false): void {
    if (!this.spareOn || !this.spareArmed || this.spare !== null || this.closed || this.broken !== null) return;
    if (!afterReplacement && this.slots.some((s) => !s.ready)) return;
    this.spare = this.spawn();
    this.updateRefs(); // an idle spare never holds the process open (unless someone awaits warm())
  }

  private checkWarm(): void {
    if (this.warmWaiters.length === 0) return;
    const spareUp = !this.spareOn || !this.spareArmed || (this.spare !== null && this.spare.ready);
    if (!this.slots.every((s) => s.ready) || !spareUp) return;
    for (const w of this.warmWaiters.splice(0)) w.resolve();
    this.updateRefs();
  }

  private onMessage(slot: Slot, msg: WorkerReply): void {
    if (msg.kind === 'ready') {
      slot.ready = true;
      this.startupFailures = 0;
      if (slot !== this.spare) this.dispatch();
      this.startSpare();
      this.checkWarm();
      return;
    }
    const job = slot.jobs[0];
    if (job === undefined || job.req.id !== msg.id) return;
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.slow = false;
    slot.jobs.shift();
    if (slot.jobs.length > 0) this.arm(slot); // the worker has moved on to the next check it was sent
    if (msg.kind === 'done') job.resolve(msg.verdict);
    else job.resolve(failedVerdict(job.req.gold, `verifier error: ${msg.message}`, false));
    // Its message is done (none left, or the next belongs to the following message): room for another (and an idle
    // worker no longer holds the process open).
    if (slot.jobs.length === 0 || slot.jobs[0]?.cells !== job.cells) this.dispatch();
  }

  /**
   * Timeout, crash or exit: answer the running check (the first of its message: the worker answers in order), put
   * the checks behind it back at the head of the queue (they have not started; they start afresh, with their own
   * deadlines, elsewhere), replace the worker, carry on with the queue.
   */
  private onFailure(slot: Slot, reason: string, timedOut: boolean): void {
    if (this.closed) return;
    if (slot === this.spare) return this.onSpareFailure(slot);
    const index = this.slots.indexOf(slot);
    if (index < 0) return; // an old worker's late exit event
    const [job, ...behind] = slot.jobs;
    slot.jobs = [];
    this.discard(slot);
    // The worker is gone: whatever it had not answered (started or not) runs again elsewhere.
    this.queue.unshift(...behind);
    this.requeued += behind.length;
    if (!slot.ready && ++this.startupFailures >= 3) {
      this.broken = reason;
      this.slots.splice(index, 1);
      if (this.spare !== null) this.discard(this.spare);
      this.spare = null;
      for (const queued of this.queue.splice(0)) queued.reject(new Error(`MathVerifier: workers cannot start: ${reason}`));
      for (const w of this.warmWaiters.splice(0)) w.reject(new Error(`MathVerifier: workers cannot start: ${reason}`));
      return;
    }
    this.replaced++;
    this.spareArmed = true;
    const spare = this.spare;
    if (spare !== null) {
      // The spare takes the slot at once (if it is still starting, it is still ahead of a fresh thread).
      this.spare = null;
      if (spare.ready) this.replacedWarm++;
      this.slots[index] = spare;
    } else {
      this.slots[index] = this.spawn();
    }
    this.startSpare(true);
    if (job !== undefined) job.resolve(failedVerdict(job.req.gold, reason, timedOut));
    this.dispatch();
  }

  /** The spare died (it has no job): start another unless spares keep failing to start. */
  private onSpareFailure(slot: Slot): void {
    this.discard(slot);
    this.spare = null;
    if (!slot.ready && ++this.startupFailures >= 3) {
      this.spareOn = false; // the pool works on without one
      this.checkWarm();
      return;
    }
    this.startSpare(true);
  }

  /** Stop a worker that is no longer part of the pool; its late events are ignored. */
  private discard(slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
  }
}
