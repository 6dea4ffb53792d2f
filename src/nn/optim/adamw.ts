// src/nn/optim/adamw.ts — AdamW (Loshchilov & Hutter 2019, decoupled weight decay), fused over the flat parameter
// buffer: one kernel call for the decayed prefix, one for the rest. Gradient clipping is folded into the same pass
// as a gradient scale.

import { z } from 'zod';
import type { Backend } from '../../contract/kernels.js';
import type { FlatParameters } from '../parameters.js';

export const AdamWConfigSchema = z.object({
  /** Learning rate (the default; step() may pass the scheduled value). */
  lr: z.number().positive(),
  /** First-moment decay. */
  beta1: z.number().min(0).lt(1).default(0.9),
  /** Second-moment decay. */
  beta2: z.number().min(0).lt(1).default(0.95),
  /** Denominator epsilon. */
  eps: z.number().positive().default(1e-8),
  /** Decoupled weight decay, applied to ndim >= 2 parameters only. */
  weightDecay: z.number().min(0).default(0.1),
});
export type AdamWConfig = z.infer<typeof AdamWConfigSchema>;

export class AdamW {
  readonly config: AdamWConfig;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Steps taken so far (bias correction uses t). */
  t = 0;

  constructor(private readonly backend: Backend, private readonly flat: FlatParameters, config: z.input<typeof AdamWConfigSchema>) {
    const parsed = AdamWConfigSchema.safeParse(config);
    if (!parsed.success) throw new RangeError(`AdamW config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    this.config = parsed.data;
    this.m = backend.allocate ? backend.allocate(flat.params.length) : new Float32Array(flat.params.length);
    this.v = backend.allocate ? backend.allocate(flat.params.length) : new Float32Array(flat.params.length);
  }

  /** One update of every parameter; lr overrides the configured rate (schedules), gradScale comes from clipping. */
  step(lr = this.config.lr, gradScale = 1): void {
    if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`AdamW.step: bad learning rate ${lr}`);
    this.t++;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const { params, grads, decayEnd } = this.flat;
    const end = params.length;
    const b = this.backend;
    if (decayEnd > 0) {
      b.adamw(params.subarray(0, decayEnd), grads.subarray(0, decayEnd), this.m.subarray(0, decayEnd), this.v.subarray(0, decayEnd), lr, beta1, beta2, eps, weightDecay, this.t, gradScale);
    }
    if (end > decayEnd) {
      b.adamw(params.subarray(decayEnd), grads.subarray(decayEnd), this.m.subarray(decayEnd), this.v.subarray(decayEnd), lr, beta1, beta2, eps, 0, this.t, gradScale);
    }
  }

  /** The optimizer state for checkpoints: step count and both moment buffers (live views, not copies). */
  state(): { t: number; m: Float32Array; v: Float32Array } {
    return { t: this.t, m: this.m, v: this.v };
  }

  /** Restores a state() saved from an optimizer over the same parameters (sizes must match). */
  load(state: { t: number; m: ArrayLike<number>; v: ArrayLike<number> }, source = 'optimizer state'): void {
    const n = this.flat.params.length;
    if (!Number.isInteger(state.t) || state.t < 0) throw new RangeError(`${source}: step count ${state.t} is not a non-negative integer`);
    if (state.m.length !== n || state.v.length !== n) throw new RangeError(`${source}: moments hold ${state.m.length}/${state.v.length} values; the model has ${n} parameters`);
    this.m.set(state.m);
    this.v.set(state.v);
    this.t = state.t;
  }

  /** Zeroes the flat gradient buffer (call before each backward pass). */
  zeroGrad(): void {
    this.backend.fill(this.flat.grads, 0);
  }
}
