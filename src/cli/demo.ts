// src/cli/demo.ts — `r1 demo`: trains a tiny char-level GPT on a built-in text through the engine and prints the
// falling loss and a sample (the job `npm start` runs until the full pipeline lands). Thin: flags → src/nn.

import type { Command } from 'commander';
import { z } from 'zod';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { sampleText, trainCharModel } from '../nn/index.js';
import { Rng } from '../util/rng.js';
import { flagErrors } from './flags.js';

export const DemoFlagsSchema = z.object({
  steps: z.coerce.number().int().min(1).max(100_000),
  seed: z.coerce.number().int().min(0),
  backend: z.enum(['native', 'ref']),
  every: z.coerce.number().int().min(1),
});
export type DemoFlags = z.infer<typeof DemoFlagsSchema>;

export interface DemoDeps {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  setExitCode: (code: number) => void;
}

export function runDemo(raw: unknown, deps: DemoDeps): void {
  const parsed = DemoFlagsSchema.safeParse(raw);
  if (!parsed.success) {
    deps.stderr.write(`r1 demo: ${flagErrors(parsed.error, (raw ?? {}) as Record<string, unknown>)}\n`);
    deps.setExitCode(2);
    return;
  }
  const flags = parsed.data;
  let backend: Backend;
  if (flags.backend === 'native') {
    if (!nativeAvailable()) {
      deps.stderr.write('r1 demo: the native addon is not built (run `npm rebuild`); use --backend ref for the slow TypeScript engine\n');
      deps.setExitCode(1);
      return;
    }
    backend = createNativeBackend();
  } else backend = createRefBackend();
  const info = backend.info;
  const gemm = info.blas === 'portable' ? 'portable GEMM (slower, still correct)' : info.blasCore ? `${info.blas} (${info.blasCore} kernels)` : info.blas;
  deps.stdout.write(`engine: ${info.name} backend, ${gemm}, ${info.threads} thread(s)\n`);
  const t0 = Date.now();
  const res = trainCharModel(backend, {
    steps: flags.steps,
    seed: flags.seed,
    onStep: (s, loss, lr) => {
      if (s % flags.every === 0 || s === flags.steps - 1) deps.stdout.write(`step ${String(s).padStart(5)}  loss ${loss.toFixed(4)}  lr ${lr.toExponential(2)}\n`);
    },
  });
  const secs = (Date.now() - t0) / 1000;
  const first = res.losses[0]!;
  const last = res.losses[res.losses.length - 1]!;
  deps.stdout.write(`trained ${flags.steps} steps in ${secs.toFixed(1)} s: loss ${first.toFixed(3)} -> ${last.toFixed(3)}\n`);
  deps.stdout.write(`sample: ${JSON.stringify('the ' + sampleText(res, 'the ', 60, new Rng(flags.seed + 1)))}\n`);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('train a tiny char-level GPT on a built-in text and print the falling loss')
    .option('--steps <n>', 'training steps', '600')
    .option('--seed <n>', 'random seed', '1')
    .option('--backend <name>', 'native | ref', 'native')
    .option('--every <n>', 'print the loss every n steps', '50')
    .action((opts: Record<string, unknown>) => {
      runDemo(opts, { stdout: process.stdout, stderr: process.stderr, setExitCode: (c) => (process.exitCode = c) });
    });
}
