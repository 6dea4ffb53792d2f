// src/cli/model.ts — `r1 model info <config.json|preset|checkpoint dir|x.gguf>`: total and active-per-token parameter counts
// (the 671B / 37B figure of DeepSeek-V3/R1 with `r1 model info deepseek-v3`) and, for a checkpoint folder, its weight
// headers checked against the config; `r1 model export-gguf <checkpoint dir> <out.gguf>`: a dense checkpoint (Llama,
// Qwen2, Qwen3 layouts) as a GGUF file llama.cpp runs. Thin: the work is in src/model.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { createRefBackend } from '../backend/index.js';
import type { WeightsReport } from '../model/checkpoint/hf.js';
import { exportLlamaGguf, ggufArchOf, isGgufFile, loadModel } from '../model/index.js';
import { checkFolderWeights, formatModelInfo, formatWeights, modelInfo, resolveModelConfig } from '../model/info.js';
import { createEngine } from '../tensor/index.js';
import { ggufTokenizerOf, loadTokenizer } from '../tokenizer/index.js';
import { flagErrors } from './flags.js';

const infoFlags = z.object({ json: z.boolean().default(false) });
const exportFlags = z.strictObject({
  dtype: z.enum(['f32', 'f16']).default('f16'),
  name: z.string().min(1).optional(),
  force: z.boolean().default(false),
});

/** `r1 model export-gguf`: exit 2 for usage errors, 1 for a checkpoint that cannot be written as GGUF. */
function exportGguf(dir: string, out: string, raw: Record<string, unknown>): void {
  const flags = exportFlags.safeParse(raw);
  const fail = (code: number, message: string): void => {
    process.stderr.write(`r1 model export-gguf: ${message}\n`);
    process.exitCode = code;
  };
  if (!flags.success) return fail(2, flagErrors(flags.error, raw));
  if (!out.endsWith('.gguf')) return fail(2, `the output file should end in .gguf, got ${JSON.stringify(out)}`);
  if (existsSync(out) && !flags.data.force) return fail(2, `${out} exists; pass --force to replace it`);
  if (existsSync(out) && !statSync(out).isFile()) return fail(2, `${out} exists and is not a file`);
  if (isGgufFile(dir)) return fail(2, `${dir} is already a GGUF file; give a checkpoint folder (config.json, model.safetensors, tokenizer.json)`);
  if (!existsSync(join(dir, 'model.safetensors')) && !existsSync(join(dir, 'model.safetensors.index.json'))) {
    // A training run's folder holds its own config.json (the trainer's): point at the model inside it.
    const final = join(dir, 'final');
    return fail(2, `${dir} holds no model.safetensors${existsSync(join(final, 'config.json')) ? `: it is a training run; its model is in ${final}` : ': give a checkpoint folder (config.json, model.safetensors, tokenizer.json)'}`);
  }
  try {
    // Any backend reads weights; the reference one needs nothing native.
    const { model } = loadModel(dir, createEngine(createRefBackend()));
    const arch = ggufArchOf(model.config);
    const tok = loadTokenizer(dir);
    const dtype = flags.data.dtype === 'f16' ? 'F16' : 'F32';
    exportLlamaGguf(out, model.config, model.stateDict(), ggufTokenizerOf(tok, model.config.vocabSize), { dtype, name: flags.data.name ?? dir.replace(/\/+$/, '').split('/').pop() ?? 'r1ts' });
    const mb = (statSync(out).size / 1e6).toFixed(1);
    process.stdout.write(`wrote ${out}: ${arch} GGUF, ${dtype} weights (norms F32), ${model.config.nLayers} layers, vocabulary ${model.config.vocabSize}${tok.spec.chatTemplate !== undefined ? ', with its chat template' : ''}, ${mb} MB\n`);
  } catch (err) {
    fail(1, (err as Error).message);
  }
}

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
  model
    .command('export-gguf')
    .description('write a dense checkpoint (Llama, Qwen2 or Qwen3 layout) as a GGUF file for llama.cpp')
    .argument('<checkpoint>', 'checkpoint folder (config.json, model.safetensors, tokenizer.json), e.g. runs/r1/final')
    .argument('<out>', 'the GGUF file to write (.gguf)')
    .option('--dtype <type>', 'storage of the weight matrices: f16 (half the size) or f32 (exact)', 'f16')
    .option('--name <name>', "general.name in the file (default: the checkpoint folder's name)")
    .option('--force', 'replace the output file if it exists')
    .action((dir: string, out: string, raw: Record<string, unknown>) => exportGguf(dir, out, raw));
}
