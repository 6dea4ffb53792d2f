// src/tasks/difficulty.ts — difficulty knobs from typed objects or CLI specs like "hard,digits=4,operators=+-*".

import { z } from 'zod';

/**
 * Build a difficulty from a preset and overrides. `spec` is a comma-separated list of at most one preset name
 * and any number of `key=value` overrides (values are strings; the task's schema coerces them). An empty spec
 * gives `defaultPreset`. Throws an Error naming the bad part on unknown presets, keys or values.
 */
export function parseDifficultySpec<T extends object>(
  taskName: string,
  spec: string,
  presets: Readonly<Record<string, T>>,
  defaultPreset: string,
  schema: z.ZodType<T>,
): T {
  let preset: string | null = null;
  const overrides: Record<string, string> = {};
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (!(part in presets)) {
        throw new Error(`${taskName}: unknown difficulty preset "${part}" (expected one of ${Object.keys(presets).join(', ')})`);
      }
      if (preset !== null) throw new Error(`${taskName}: more than one difficulty preset in "${spec}"`);
      preset = part;
    } else {
      const key = part.slice(0, eq).trim();
      if (key === '') throw new Error(`${taskName}: difficulty override "${part}" has no key`);
      overrides[key] = part.slice(eq + 1).trim();
    }
  }
  const base = presets[preset ?? defaultPreset];
  if (base === undefined) throw new Error(`${taskName}: default preset "${defaultPreset}" is missing`);
  return resolveDifficulty(taskName, { ...base, ...overrides }, schema);
}

/** Validate a (possibly partial, possibly string-valued) difficulty with the task's schema; clear errors. */
export function resolveDifficulty<T>(taskName: string, value: unknown, schema: z.ZodType<T>): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`${taskName}: bad difficulty: ${z.prettifyError(r.error)}`);
  return r.data;
}
