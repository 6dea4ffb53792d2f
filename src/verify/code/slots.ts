// src/verify/code/slots.ts — how many sandboxed runs this process lets run at once.
//
// The wall-clock limit only means something when a run gets a CPU: callers score whole batches at once (the
// accuracy reward runs every sample of a GRPO batch together, each with `concurrency` runs), and 64 programs
// needing 0.3 s of CPU each, started together on 2 cores, all hit the 5 s wall-clock limit. Runs past the limit
// wait here, before their temp dir, process and timer exist, so a verdict does not depend on the batch size.

import { availableParallelism } from 'node:os';

/** Environment variable that sets the number of sandboxed runs at once (default: the CPUs this process may use). */
export const SLOTS_ENV = 'R1_SANDBOX_SLOTS';

/** The slot count R1_SANDBOX_SLOTS asks for, or the CPU count when unset; a bad value is an error naming it. */
export function slotsFromEnv(value: string | undefined, cpus: number = availableParallelism()): number {
  if (value === undefined || value === '') return Math.max(1, cpus);
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${SLOTS_ENV}=${value} is not a positive integer (sandboxed runs at once)`);
  return Number(value);
}

/** A counting semaphore with FIFO hand-over that also records the most runs it ever let through at once. */
export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most runs in flight at once since the last resetPeak(). */
  peak = 0;

  constructor(private limitValue: number) {
    Slots.check(limitValue);
  }

  get limit(): number {
    return this.limitValue;
  }

  /** Runs in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Change the limit; waiting runs start at once when it grows. */
  setLimit(n: number): void {
    Slots.check(n);
    this.limitValue = n;
    while (this.active < this.limitValue && this.waiting.length > 0) this.grant(this.waiting.shift() as () => void);
  }

  resetPeak(): void {
    this.peak = this.active;
  }

  /** Run `fn` once a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.limitValue) this.grant();
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      this.active--;
      if (this.active < this.limitValue && this.waiting.length > 0) this.grant(this.waiting.shift() as () => void);
    }
  }

  private grant(wake?: () => void): void {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    wake?.();
  }

  private static check(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`sandbox slots must be a positive integer, got ${n}`);
  }
}

let shared: Slots | null = null;

/** The process-wide slots every sandboxed run takes (sized from R1_SANDBOX_SLOTS on first use). */
export function sandboxSlots(): Slots {
  shared ??= new Slots(slotsFromEnv(process.env[SLOTS_ENV]));
  return shared;
}

/** Set how many sandboxed runs this process lets run at once (overrides R1_SANDBOX_SLOTS). */
export function setSandboxSlots(n: number): void {
  if (shared === null) shared = new Slots(n);
  else shared.setLimit(n);
}
