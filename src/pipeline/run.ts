// src/pipeline/run.ts — the whole miniature in order (base → zero → r1 → distill → eval → report), each stage
// skipped when its marker says it finished, timed in wall and CPU seconds for the cost table.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../tokenizer/index.js';
import { evaluateModel, type EvalResult } from './evaluate.js';
import type { PipelinePreset } from './presets.js';
import { mixTasks, openModel, requireCheckpoint, stageBase, stageDistill, stageModel, stageR1, stageZero, task, generalTask, type StageContext } from './stages.js';

export const STAGES = ['base', 'zero', 'r1', 'distill', 'eval'] as const;
export type StageName = (typeof STAGES)[number];

export interface StageRecord {
  done: boolean;
  wallSeconds: number;
  cpuSeconds: number;
}

/** The models the evaluation compares, with the prompt style each was trained for ('r1-zero': the preset's zeroPrompt). */
export const EVALUATED = [
  { key: 'base', label: 'base (pretrained)', style: 'r1-zero' },
  { key: 'zero', label: 'R1-Zero (GRPO from base)', style: 'r1-zero' },
  { key: 'zeroLang', label: 'R1-Zero with the language reward', style: 'r1-zero' },
  { key: 'r1rl1NoLang', label: 'R1 reasoning RL without the language reward', style: 'chat' },
  { key: 'r1rl1', label: 'R1 reasoning RL with the language reward', style: 'chat' },
  { key: 'r1', label: 'R1 (cold start, RL, SFT, RL)', style: 'chat' },
  { key: 'studentSft', label: 'student distilled from R1', style: 'chat' },
  { key: 'studentRl', label: 'student by RL alone', style: 'r1-zero' },
] as const;

export interface EvalRecord extends EvalResult {
  model: string;
  label: string;
}

const recordsFile = (runDir: string): string => join(runDir, 'stages.json');

export function readStages(runDir: string): Partial<Record<StageName, StageRecord>> {
  const f = recordsFile(runDir);
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Partial<Record<StageName, StageRecord>>;
  } catch (err) {
    throw new Error(`${f}: cannot read the stage records (${(err as Error).message}); delete it to rerun every stage`);
  }
}

/**
 * Evaluates every model of EVALUATED whose stage has finished, on each task, resuming from eval.json. Returns false
 * when some model had no checkpoint yet (its stage not run): the eval stage then stays open, so that a later run
 * evaluates it once it exists.
 */
async function stageEval(ctx: StageContext): Promise<boolean> {
  const p = ctx.preset;
  const missing = new Set<string>();
  const file = join(ctx.runDir, 'eval.json');
  const done: EvalRecord[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EvalRecord[]) : [];
  // Each model on each reasoning task: the main task, then the mix's families.
  for (const t of [task(p), ...mixTasks(p).map((m) => m.task)]) {
    // Distinct problems: a small family's held-out pool (Countdown with two one-digit numbers has ~25) is drawn
    // with repeats, which would only spend time on the same problems.
    const drawn = await t.items({ split: 'heldout', n: p.eval.items, seed: p.seed });
    const byQuestion = new Map<string, (typeof drawn)[number]>();
    for (const item of drawn) if (!byQuestion.has(item.question)) byQuestion.set(item.question, item);
    const items = [...byQuestion.values()];
    for (const m of EVALUATED) {
      if (done.some((d) => d.model === m.key && d.task === t.name)) continue;
      // The language reward's ablation runs in one place only (the preset's languageAblation).
      if ((m.key === 'zeroLang' && p.r1.languageAblation !== 'zero') || (m.key === 'r1rl1NoLang' && p.r1.languageAblation !== 'r1')) continue;
      const dir = stageModel(ctx, m.key);
      if (!existsSync(join(dir, 'config.json'))) {
        ctx.log(`eval: ${m.label}: no checkpoint at ${dir}; skipped`);
        missing.add(m.label);
        continue;
      }
      const r = await evaluateModel(openModel(dir, ctx.chatTemplate), t, items, { k: p.eval.k, style: m.style === 'r1-zero' ? p.zeroPrompt : m.style, maxNewTokens: p.maxNewTokens, seed: p.seed + 101 });
      done.push({ ...r, model: m.key, label: m.label });
      writeFileAtomic(file, JSON.stringify(done, null, 1) + '\n');
      ctx.log(`eval: ${m.label}, ${t.name}: pass@1 ${(100 * r.pass1Lenient).toFixed(1)}% lenient, ${(100 * r.pass1Strict).toFixed(1)}% strict, cons@${p.eval.k} ${(100 * r.consK).toFixed(1)}%`);
    }
  }
  // General prompts (rule-checked instructions) before and after the final all-scenario RL round.
  const g = generalTask(p);
  const gItems = await g.items({ split: 'heldout', n: Math.min(32, p.eval.items), seed: p.seed });
  for (const m of GENERAL_EVALUATED) {
    if (done.some((d) => d.model === m.key)) continue;
    const dir = stageModel(ctx, m.stage);
    if (!existsSync(join(dir, 'config.json'))) {
      missing.add(m.label);
      continue;
    }
    const r = await evaluateModel(openModel(dir), g, gItems, { k: Math.min(4, p.eval.k), style: 'chat', maxNewTokens: p.maxNewTokens, seed: p.seed + 102 });
    done.push({ ...r, model: m.key, label: m.label });
    writeFileAtomic(file, JSON.stringify(done, null, 1) + '\n');
    ctx.log(`eval: ${m.label}: instructions followed ${(100 * r.pass1Strict).toFixed(1)}%`);
  }
  if (missing.size > 0) ctx.log(`eval: not done: ${missing.size} model${missing.size > 1 ? 's' : ''} had no checkpoint (${[...missing].join('; ')}); run their stages, then eval again`);
  return missing.size === 0;
}

/** The general-prompt evaluation: R1 before and after its final RL round. */
export const GENERAL_EVALUATED = [
  { key: 'general:r1sft', stage: 'r1sft', label: 'R1 before the final RL round' },
  { key: 'general:r1', stage: 'r1', label: 'R1 after the final RL round' },
] as const;

/** A stage's work; one that returns false is not done yet (it ran, but what it needs was missing). */
const RUNNERS: Record<StageName, (ctx: StageContext) => Promise<void | boolean>> = { base: stageBase, zero: stageZero, r1: stageR1, distill: stageDistill, eval: stageEval };

/** Runs the given stages in order; a stage whose marker says done is skipped. */
export async function runPipeline(ctx: StageContext, stages: readonly StageName[] = STAGES): Promise<Partial<Record<StageName, StageRecord>>> {
  mkdirSync(ctx.runDir, { recursive: true });
  const presetFile = join(ctx.runDir, 'preset.json');
  if (existsSync(presetFile)) {
    const before = JSON.parse(readFileSync(presetFile, 'utf8')) as PipelinePreset;
    if (JSON.stringify(before) !== JSON.stringify(ctx.preset)) throw new Error(`${ctx.runDir}: holds a run of preset "${before.name}" with other settings; choose another --out`);
  } else writeFileSync(presetFile, JSON.stringify(ctx.preset, null, 1) + '\n');
  for (const [k, dir] of Object.entries(ctx.inputs)) if (dir) requireCheckpoint(dir, `--${k}`);
  const records = readStages(ctx.runDir);
  for (const name of stages) {
    if (records[name]?.done) {
      ctx.log(`${name}: done earlier; skipped`);
      continue;
    }
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    ctx.log(`${name}: starting`);
    let done = false;
    try {
      done = (await RUNNERS[name](ctx)) !== false;
    } finally {
      // An interrupted attempt's time counts too: the attempt that finishes the stage adds to it.
      const cpu = process.cpuUsage(cpu0);
      const prev = records[name];
      records[name] = {
        done,
        wallSeconds: (prev?.wallSeconds ?? 0) + (performance.now() - wall0) / 1000,
        cpuSeconds: (prev?.cpuSeconds ?? 0) + (cpu.user + cpu.system) / 1e6,
      };
      writeFileAtomic(recordsFile(ctx.runDir), JSON.stringify(records, null, 1) + '\n');
    }
  }
  return records;
}
