// src/cli/pipeline.ts — `r1 pipeline [stages…]`, `r1 start` (what `npm start` runs: every stage, then the report)
// and `r1 report RUN_DIR`. Thin: flags → src/pipeline, with a progress line and Ctrl-C as checkpoint-and-stop.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chatCompletionsUrl } from '../eval/endpoint.js';
import { pipelinePreset, runPipeline, STAGES, StageInterrupted, writeReport, type StageContext, type StageName } from '../pipeline/index.js';
import type { StepMetrics } from '../train/index.js';
import { Progress } from './progress.js';
import { stepFields } from './train.js';

type Raw = Record<string, string | boolean | undefined>;

interface Deps {
  stdout: { write(s: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  setExitCode: (code: number) => void;
}

const processDeps = (): Deps => ({ stdout: process.stdout, stderr: process.stderr, setExitCode: (c) => (process.exitCode = c) });


export async function runStages(stages: readonly StageName[], raw: Raw, deps: Deps): Promise<void> {
  let ctx: StageContext;
  let stopBar = (): void => {};
  try {
    if (raw.quick && raw.preset !== undefined && raw.preset !== 'quick') throw new Error(`--quick and --preset ${String(raw.preset)} disagree: give one`);
    const preset = pipelinePreset(raw.quick ? 'quick' : String(raw.preset ?? 'default'));
    const apiKey = typeof raw.teacherKeyEnv === 'string' ? process.env[raw.teacherKeyEnv] : undefined;
    if (typeof raw.teacherKeyEnv === 'string' && !apiKey) throw new Error(`--teacher-key-env ${raw.teacherKeyEnv}: the variable is not set`);
    if ((raw.teacherEndpoint === undefined) !== (raw.teacherModel === undefined)) throw new Error('--teacher-endpoint and --teacher-model go together');
    if (raw.teacherKeyEnv !== undefined && raw.teacherEndpoint === undefined) throw new Error('--teacher-key-env is the key of a --teacher-endpoint: give the endpoint and --teacher-model too');
    // Checked now, not when the distill stage starts after hours of training.
    if (typeof raw.teacherEndpoint === 'string') chatCompletionsUrl(raw.teacherEndpoint);
    if (typeof raw.chatTemplate === 'string' && !existsSync(raw.chatTemplate)) throw new Error(`--chat-template ${raw.chatTemplate}: no such file`);
    const tty = deps.stderr.isTTY === true;
    const t0 = Date.now();
    // One progress line per trainer run (stage part), with its own step count and ETA.
    let bar: { part: string; progress: Progress; first: number } | null = null;
    stopBar = (): void => bar?.progress.stop();
    ctx = {
      preset, runDir: resolve(String(raw.out ?? `runs/${preset.name}`)),
      log: (m) => void deps.stderr.write(`${tty ? '\r\x1b[K' : ''}[${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}\n`),
      onMetrics: (part: string, m: StepMetrics, total: number) => {
        if (bar?.part !== part) {
          bar?.progress.stop();
          bar = { part, progress: new Progress(deps.stderr, { unit: 'steps' }), first: m.step - 1 };
        }
        bar.progress.update({ label: part, done: m.step, total, resumed: bar.first, fields: stepFields(m) });
      },
      inputs: {
        ...(typeof raw.base === 'string' ? { base: resolve(raw.base) } : {}),
        ...(typeof raw.zero === 'string' ? { zero: resolve(raw.zero) } : {}),
        ...(typeof raw.r1 === 'string' ? { r1: resolve(raw.r1) } : {}),
        ...(typeof raw.studentBase === 'string' ? { studentBase: resolve(raw.studentBase) } : {}),
      },
      ...(typeof raw.chatTemplate === 'string' ? { chatTemplate: resolve(raw.chatTemplate) } : {}),
      ...(typeof raw.teacherEndpoint === 'string' ? { teacher: { baseUrl: raw.teacherEndpoint, model: String(raw.teacherModel), ...(apiKey ? { apiKey } : {}) } } : {}),
    };
  } catch (err) {
    deps.stderr.write(`r1 pipeline: ${(err as Error).message}\n`);
    deps.setExitCode(2);
    return;
  }
  const controller = new AbortController();
  const onSig = (): void => {
    if (controller.signal.aborted) process.exit(130);
    deps.stderr.write('\nr1 pipeline: stopping after this step (the stage resumes when rerun; again to force)\n');
    controller.abort();
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  try {
    ctx.signal = controller.signal;
    const records = await runPipeline(ctx, stages);
    stopBar();
    const rep = writeReport(ctx.runDir);
    const wall = Object.values(records).reduce((a, r) => a + (r?.wallSeconds ?? 0), 0);
    deps.stdout.write(`\n${rep.summary}\n\nstages took ${wall.toFixed(0)} s; report: ${rep.html} (markdown: ${rep.markdown})\n`);
  } catch (err) {
    if (err instanceof StageInterrupted) {
      deps.stderr.write(`r1 pipeline: interrupted in ${err.message}; rerun the same command to resume\n`);
      deps.setExitCode(130);
    } else {
      deps.stderr.write(`r1 pipeline: ${(err as Error).message}\n`);
      deps.setExitCode(1);
    }
  } finally {
    stopBar();
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

function parseStages(names: string[]): StageName[] {
  if (names.length === 0) return [...STAGES];
  for (const n of names) if (!(STAGES as readonly string[]).includes(n)) throw new Error(`unknown stage "${n}" (stages: ${STAGES.join(', ')})`);
  return names as StageName[];
}

export function register(program: Command, deps: Deps = processDeps()): void {
  const opts = (c: Command): Command =>
    c.option('--preset <name>', 'quick | default (default: default)')
      .option('--quick', 'the quick preset (a minute or so)')
      .option('--out <dir>', 'run directory (default runs/<preset>)')
      .option('--base <dir>', 'use this checkpoint as the base model')
      .option('--zero <dir>', 'use this checkpoint as the R1-Zero model')
      .option('--r1 <dir>', 'use this checkpoint as the R1 model (the distillation teacher)')
      .option('--student-base <dir>', 'use this checkpoint as the student\'s base')
      .option('--chat-template <file>', "Jinja chat template every stage prompts and trains with instead of each checkpoint's own")
      .option('--teacher-endpoint <url>', 'an OpenAI-compatible endpoint as the distillation teacher')
      .option('--teacher-model <name>', 'the teacher endpoint\'s model')
      .option('--teacher-key-env <var>', 'environment variable holding the teacher\'s API key');
  opts(program.command('pipeline [stages...]').description(`run R1 stages (${STAGES.join(', ')}; all by default) in one run directory, then write the report`))
    .action(async (names: string[], o: Raw) => {
      let stages: StageName[];
      try {
        stages = parseStages(names);
      } catch (err) {
        deps.stderr.write(`r1 pipeline: ${(err as Error).message}\n`);
        deps.setExitCode(2);
        return;
      }
      await runStages(stages, o, deps);
    });
  opts(program.command('start').description('the R1 story in miniature: base → R1-Zero → R1 → distillation → evaluation → report'))
    .action(async (o: Raw) => runStages(STAGES, o, deps));
  program.command('report <runDir>').description('(re)write report.html and report.md of a pipeline run')
    .action((dir: string) => {
      try {
        const r = writeReport(resolve(dir));
        deps.stdout.write(`${r.summary}\n\nreport: ${r.html}\n`);
      } catch (err) {
        deps.stderr.write(`r1 report: ${(err as Error).message}\n`);
        deps.setExitCode(1);
      }
    });
}
