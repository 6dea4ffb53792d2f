// src/cli/model.ts — `r1 model info <config.json|preset|checkpoint dir|x.gguf>`: total and active-per-token parameter counts
// (the 671B / 37B figure of DeepSeek-V3/R1 with `r1 model info deepseek-v3`) and, for a checkpoint folder, its weight
// headers checked against the config. Thin: the work is in src/model/info.ts.

import type { Command } from 'commander';
import { z } from 'zod';
import type { WeightsReport } from '../model/checkpoint/hf.js';
import { checkFolderWeights, formatModelInfo, formatWeights, modelInfo, resolveModelConfig } from '../model/info.js';

const infoFlags = z.object({ json: z.boolean().default(false) });

export function register(program: Command): void {
  const model = program.command('model').description('inspect model configs and checkpoints');
  model
    .command('info')
    .description('print a model config and its total / active-per-token parameter counts')
    .argument('<model>', 'preset (tiny-dense, tiny-moe-mla, reference, deepseek-v3), r1ts or Hugging Face config.json, or checkpoint folder')
    .option('--json', 'machine-readable output')
    .action((spec: string, raw: Record<string, unknown>) => {
      const flags = infoFlags.safeParse(raw);
      if (!flags.success) {
        process.stderr.write(`r1 model info: ${z.prettifyError(flags.error)}\n`);
        process.exitCode = 2;
        return;
      }
      let resolved;
      try {
        resolved = resolveModelConfig(spec);
      } catch (err) {
        process.stderr.write(`r1 model info: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const info = modelInfo(resolved.config, resolved.source);
      // A checkpoint folder: its weight headers too (cheap), so corrupt or mismatched weights are caught here.
      let weights: WeightsReport | null = null;
      if (resolved.dir !== undefined) {
        try {
          weights = checkFolderWeights(resolved.dir, resolved.config);
        } catch (err) {
          process.stderr.write(`r1 model info: ${(err as Error).message}\n`);
          process.exitCode = 1;
          return;
        }
      }
      if (flags.data.json) {
        process.stdout.write(JSON.stringify({ source: info.source, architecture: info.architecture, config: info.config, params: info.formula, paramsFromShapes: info.fromShapes, kvBytesPerToken: info.kvBytesPerToken, ...(resolved.dir !== undefined ? { weights } : {}) }, null, 2) + '\n');
      } else process.stdout.write(formatModelInfo(info) + (resolved.dir !== undefined ? `\n${formatWeights(weights)}` : '') + '\n');
      if (weights !== null && weights.problems.length > 0) process.exitCode = 1;
    });
}
