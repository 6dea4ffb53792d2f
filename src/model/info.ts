// src/model/info.ts — a model config resolved from a preset name, an r1ts config file, a Hugging Face config.json or a
// checkpoint folder, and its summary (parameter counts, KV-cache size) for `r1 model info`. Pure: returns data.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelConfig, isPresetName, mhaDims, parseModelConfig, preset } from './config.js';
import { fromHfConfig, hfArchitectureOf } from './checkpoint/hf-config.js';
import { checkHfWeights, type WeightsReport } from './checkpoint/hf.js';
import { type ParamCounts, countFormula, countFromSpecs } from './params.js';
import { importLlamaGguf } from './gguf/llama.js';
import { isGgufFile } from './load.js';

/** Resolves `spec`: preset name | llama GGUF file | folder with config.json | r1ts config JSON | HF config.json. */
export function resolveModelConfig(spec: string): { config: ModelConfig; source: string; dir?: string } {
  if (isPresetName(spec)) return { config: preset(spec), source: `preset ${spec}` };
  if (isGgufFile(spec)) return { config: importLlamaGguf(spec).config, source: `${spec} (GGUF)` };
  let file = spec;
  if (existsSync(spec) && statSync(spec).isDirectory()) file = join(spec, 'config.json');
  if (!existsSync(file)) throw new Error(`${spec}: not a preset name (tiny-dense, tiny-moe-mla, reference, deepseek-v3) and no such file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${(err as Error).message})`);
  }
  const dir = file !== spec ? { dir: spec } : {};
  if (json !== null && typeof json === 'object' && 'model_type' in json) return { config: fromHfConfig(json, file).config, source: `${file} (Hugging Face config)`, ...dir };
  return { config: parseModelConfig(json, file), source: file };
}

export interface ModelInfo {
  source: string;
  architecture: string;
  config: ModelConfig;
  /** Closed-form counts. */
  formula: ParamCounts;
  /** Counts from summing every parameter shape (agrees with formula). */
  fromShapes: ParamCounts;
  /** Floats the KV cache stores per token per layer, and bytes per token for the whole model (F32). */
  kvFloatsPerTokenLayer: number;
  kvBytesPerToken: number;
}

export function modelInfo(config: ModelConfig, source: string): ModelInfo {
  const a = config.attention;
  const kv = a.kind === 'mha' ? 2 * mhaDims(config).nKvHeads * mhaDims(config).headDim : a.kvLoraRank + a.qkRopeHeadDim;
  let architecture: string;
  try {
    architecture = hfArchitectureOf(config);
  } catch {
    architecture = 'r1ts (MHA + MoE: no HF layout)';
  }
  return {
    source, architecture, config,
    formula: countFormula(config),
    fromShapes: countFromSpecs(config),
    kvFloatsPerTokenLayer: kv,
    kvBytesPerToken: kv * config.nLayers * 4,
  };
}

/** 671026404352 -> "671.03B". */
export function humanCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/**
 * The weight headers of a checkpoint folder checked against its config (cheap: no tensor data is read);
 * null when the folder holds no weights. A corrupt header throws, naming the file.
 */
export function checkFolderWeights(dir: string, config: ModelConfig): WeightsReport | null {
  if (!existsSync(join(dir, 'model.safetensors')) && !existsSync(join(dir, 'model.safetensors.index.json'))) return null;
  return checkHfWeights(dir, config);
}

/** One line about a folder's weights for formatModelInfo. */
export function formatWeights(w: WeightsReport | null): string {
  if (w === null) return 'weights:          none in this folder (config only)';
  const dtypes = Object.entries(w.dtypes).map(([d, n]) => `${n} ${d}`).join(', ');
  const head = `weights:          ${w.files.length} file${w.files.length === 1 ? '' : 's'}, ${w.tensors} tensors (${dtypes}), ${(w.bytes / 1e6).toFixed(1)} MB`;
  return w.problems.length === 0 ? `${head}; headers match the config` : `${head}; DO NOT MATCH the config:\n  ${w.problems.join('\n  ')}`;
}

/** Human-readable lines for the terminal. */
export function formatModelInfo(i: ModelInfo): string {
  const c = i.config;
  const a = c.attention;
  const attn = a.kind === 'mha'
    ? `${mhaDims(c).nKvHeads === c.nHeads ? 'MHA' : 'GQA'} ${c.nHeads} heads / ${mhaDims(c).nKvHeads} kv heads, head dim ${mhaDims(c).headDim}${a.qkvBias ? ', q/k/v bias' : ''}${a.qkNorm ? ', per-head q/k RMSNorm' : ''}`
    : `MLA ${c.nHeads} heads, q rank ${a.qLoraRank ?? 'none'}, kv rank ${a.kvLoraRank}, qk ${a.qkNopeHeadDim}+${a.qkRopeHeadDim} (rope), v ${a.vHeadDim}`;
  const m = c.mlp;
  const ffn = m.kind === 'dense'
    ? `SwiGLU ${c.intermediate}`
    : `DeepSeekMoE: ${m.firstKDenseReplace} dense layers (SwiGLU ${c.intermediate}), then ${m.nSharedExperts} shared + ${m.nRoutedExperts} routed experts (width ${m.moeIntermediate}), top-${m.expertsPerToken} ${m.gating}${m.nGroup > 1 ? ` in ${m.topkGroup}/${m.nGroup} groups` : ''}, aux-loss-free bias γ=${m.biasUpdateSpeed}${m.seqAuxAlpha > 0 ? `, seq balance α=${m.seqAuxAlpha}` : ''}`;
  const f = i.formula;
  const same = JSON.stringify(i.formula) === JSON.stringify(i.fromShapes);
  return [
    `model:            ${i.source}`,
    `layout:           ${i.architecture}`,
    `dims:             vocab ${c.vocabSize}, hidden ${c.hidden}, ${c.nLayers} layers, max seq ${c.maxSeqLen}, rope θ ${c.ropeTheta}${c.ropeScaling ? ` (${c.ropeScaling.type} scaling ×${c.ropeScaling.factor})` : ''}, ${c.tieEmbeddings ? 'tied' : 'untied'} embeddings`,
    `attention:        ${attn}`,
    `feed-forward:     ${ffn}`,
    `total params:     ${humanCount(f.total)} (${f.total.toLocaleString('en-US')})`,
    `active per token: ${humanCount(f.activePerToken)} (${f.activePerToken.toLocaleString('en-US')})`,
    ...(c.mtpDepth > 0 ? [`MTP modules:      ${c.mtpDepth} (+${humanCount(f.mtp)} params)`] : []),
    ...(f.buffers > 0 ? [`routing biases:   ${f.buffers.toLocaleString('en-US')} (buffers, not trained by gradient)`] : []),
    `KV cache:         ${i.kvFloatsPerTokenLayer} floats per token per layer, ${i.kvBytesPerToken.toLocaleString('en-US')} bytes per token (F32)`,
    `check:            closed-form counts ${same ? 'equal' : 'DIFFER FROM'} the sum over parameter shapes`,
  ].join('\n');
}
