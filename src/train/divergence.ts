// src/train/divergence.ts — a run that has diverged stops instead of finishing "successfully" with NaN weights. A
// step is bad when its loss is not finite or an update was skipped for a non-finite gradient (run.ts): its weights
// are not worth a checkpoint (none is written at a bad step), and after MAX_BAD_STEPS bad steps in a row, or when
// the run ends on a bad step, the trainer throws DivergedError: no final/ is written, the checkpoints kept are the
// ones from before.

import { join } from 'node:path';

/** Bad steps in a row after which a run is stopped as diverged. */
export const MAX_BAD_STEPS = 3;

/** A checkpoint a run wrote or resumed from. */
export interface CheckpointRef {
  dir: string;
  step: number;
}

export class DivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DivergedError';
  }
}

/** Follows a run's steps: how many bad ones in a row, from which step, with what loss. */
export class DivergenceWatch {
  #streak = 0;
  #first = 0;
  #loss = 0;
  #skipped = 0;

  /** Records step `step` (1-based); returns whether it was bad. */
  record(step: number, loss: number, skippedUpdates: number): boolean {
    const bad = !Number.isFinite(loss) || skippedUpdates > 0;
    if (!bad) {
      this.#streak = 0;
      this.#skipped = 0;
      return false;
    }
    if (this.#streak === 0) this.#first = step;
    this.#streak++;
    this.#loss = loss;
    this.#skipped += skippedUpdates;
    return true;
  }

  /** The last step recorded was good (or none was): its weights may be checkpointed. */
  get healthy(): boolean {
    return this.#streak === 0;
  }

  /** MAX_BAD_STEPS bad steps in a row: stop now. */
  get tripped(): boolean {
    return this.#streak >= MAX_BAD_STEPS;
  }

  /**
   * The error that stops the run at `step`; `last` is the newest checkpoint it wrote or resumed from, `cause` what
   * went wrong when it was not a loss or a gradient.
   */
  error(out: string, step: number, last: CheckpointRef | null, cause?: string): DivergedError {
    const steps = this.#first === step ? `step ${step}` : `steps ${this.#first}-${step}`;
    const skipped = this.#skipped > 0 ? `, ${this.#skipped} update${this.#skipped > 1 ? 's' : ''} skipped for a non-finite gradient` : '';
    const what = cause !== undefined ? `${steps}: ${cause}` : `${steps} had a non-finite loss or gradient (loss ${this.#loss}${skipped})`;
    let where: string;
    if (last === null) where = 'No checkpoint was written before it';
    else {
      // Checkpoint s holds the weights after step s, which step s + 1 trains from.
      const suspect = last.step === this.#first - 1 ? `; step ${this.#first} went wrong from its weights, so they may be the diverged ones` : '';
      where = `The newest checkpoint, from before it, is ${last.dir} (step ${last.step}${suspect})`;
    }
    return new DivergedError(
      `training diverged: ${what}; stopped at step ${step} without writing ${join(out, 'final')}. ${where}. ` +
        'Lower the learning rate (optim.lr, --lr), or check the data and the starting model, and start a new run.',
    );
  }
}
