// src/nn/optim/schedule.ts — learning-rate schedule: linear warmup, then cosine decay to a floor (nanoGPT get_lr).

import { z } from 'zod';

export const CosineScheduleSchema = z
  .object({
    /** Peak learning rate reached at the end of warmup. */
    maxLr: z.number().positive(),
    /** Floor reached at totalSteps and held after. */
    minLr: z.number().min(0),
    /** Linear warmup steps (from maxLr/warmupSteps up to maxLr). */
    warmupSteps: z.number().int().min(0),
    /** Step at which the decay reaches minLr. */
    totalSteps: z.number().int().positive(),
  })
  .refine((c) => c.minLr <= c.maxLr, { message: 'minLr must be <= maxLr' })
  .refine((c) => c.warmupSteps <= c.totalSteps, { message: 'warmupSteps must be <= totalSteps' });
export type CosineSchedule = z.infer<typeof CosineScheduleSchema>;

/** Returns lr(step) for 0-based steps. */
export function cosineWithWarmup(config: CosineSchedule): (step: number) => number {
  const parsed = CosineScheduleSchema.safeParse(config);
  if (!parsed.success) throw new RangeError(`cosine schedule: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const { maxLr, minLr, warmupSteps, totalSteps } = parsed.data;
  return (step: number): number => {
    if (step < warmupSteps) return (maxLr * (step + 1)) / warmupSteps;
    if (step >= totalSteps) return minLr;
    const span = totalSteps - warmupSteps;
    const ratio = span === 0 ? 1 : (step - warmupSteps) / span;
    return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (maxLr - minLr);
  };
}
