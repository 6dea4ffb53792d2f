// src/cli/train.ts — `r1 sft` and `r1 grpo` (`r1 init` is in init.ts): thin. Flags and an optional config file (JSON or YAML; flags
// win) → one validated config → the trainer in src/train, with a live progress line, SIGINT/SIGTERM turned into a
// checkpoint-and-stop (a second one ends the process at once), and `--dry-run` printing the resolved config. A closed
// output pipe does not end a run: the trainer goes on writing its files.

import type { Command } from 'commander';
import { Progress } from './progress.js';
import {
  mergeConfig, MetricsStream, parseGrpoConfig, parseSftConfig, readConfigFile, trainGrpo, trainSft, type CheckpointRef, type StepMetrics,
} from '../train/index.js';
import { guardClosedPipes } from '../util/closed-pipe.js';
import { flagName } from './flags.js';

export interface TrainCliDeps {
  stdout: { write(s: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  setExitCode: (code: number) => void;
  /**
   * Process signals to honour (SIGINT/SIGTERM); injectable for tests. The returned function removes the handler,
   * which gives the signals back their default action: end the process at once.
   */
  onSignal: (handler: () => void) => () => void;
}

const processDeps = (): TrainCliDeps => ({
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (c) => (process.exitCode = c),
  onSignal: (h) => {
    process.on('SIGINT', h);
    process.on('SIGTERM', h);
    return () => {
      process.off('SIGINT', h);
      process.off('SIGTERM', h);
    };
  },
});

/** A numeric flag's value; a value that is not a number is a usage error naming the flag (`--steps: must be a number`). */
function num(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) throw new Error(`${flag}: must be a number, got ${JSON.stringify(s)}`);
  return v;
}

/** The flag that sets a config path, for messages when the settings came from flags alone. */
function trainerFlag(path: readonly PropertyKey[]): string {
  const key = path.map(String).join('.');
  if (key === 'optim.lr') return '--lr';
  if (key === 'optim.warmupSteps') return '--warmup';
  if (key.startsWith('tasks')) return '--task';
  if (key.startsWith('rewards')) return '--reward';
  return path.length > 0 ? flagName(String(path[0])) : 'flags';
}

/** "name" or "name:weight" (reward) / "name:difficulty" (task). */
function splitSpec(s: string): [string, string | undefined] {
  const i = s.indexOf(':');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

const f = (x: number | null | undefined, d = 3): string => (x === null || x === undefined ? '-' : x.toFixed(d));

/** What the progress line shows of a step: reward, accuracy, length and KL (GRPO), or the losses (SFT). */
export function stepFields(m: StepMetrics): [string, string][] {
  if (m.reward !== undefined) return [['reward', f(m.reward)], ['acc', f(m.accuracy)], ['len', f(m.lengthMean, 1)], ['kl', f(m.kl, 4)]];
  return [['loss', f(m.loss)], ...(m.heldoutLoss !== undefined ? [['held-out', f(m.heldoutLoss)] as [string, string]] : [])];
}

type Raw = Record<string, string | boolean | string[] | undefined>;

/** Config file (if any) merged with the flags that were given. */
function resolveInput(raw: Raw, flagValues: Record<string, unknown>): Record<string, unknown> {
  const base = typeof raw.config === 'string' ? readConfigFile(raw.config) : {};
  return mergeConfig(base, flagValues);
}

async function runTrainer(kind: 'sft' | 'grpo', raw: Raw, deps: TrainCliDeps): Promise<void> {
  const source = typeof raw.config === 'string' ? raw.config : 'flags';
  // With a config file, its setting names; with flags alone, the flags'.
  const flagOf = typeof raw.config === 'string' ? undefined : trainerFlag;
  let config;
  try {
    const optim = { lr: num(raw.lr as string, '--lr'), warmupSteps: num(raw.warmup as string, '--warmup') };
    if (kind === 'grpo') {
      const tasks = (raw.task as string[] | undefined)?.map((t) => {
        const [name, difficulty] = splitSpec(t);
        return { name, ...(difficulty ? { difficulty } : {}) };
      });
      const rewards = (raw.reward as string[] | undefined)?.map((r) => {
        const [name, w] = splitSpec(r);
        return { name, ...(w !== undefined ? { weight: Number(w) } : {}) };
      });
      config = parseGrpoConfig(resolveInput(raw, {
        model: raw.model, chatTemplate: raw.chatTemplate, out: raw.out, steps: num(raw.steps as string, '--steps'), seed: num(raw.seed as string, '--seed'), tasks, rewards,
        groupSize: num(raw.groupSize as string, '--group-size'), promptsPerStep: num(raw.promptsPerStep as string, '--prompts-per-step'), maxNewTokens: num(raw.maxNewTokens as string, '--max-new-tokens'),
        beta: num(raw.beta as string, '--beta'), temperature: num(raw.temperature as string, '--temperature'), promptStyle: raw.promptStyle, allowTestSplit: raw.allowTestSplit,
        checkpointEvery: num(raw.checkpointEvery as string, '--checkpoint-every'), evalEvery: num(raw.evalEvery as string, '--eval-every'), optim,
      }), source, flagOf);
    } else {
      config = parseSftConfig(resolveInput(raw, {
        model: raw.model, chatTemplate: raw.chatTemplate, out: raw.out, data: raw.data, steps: num(raw.steps as string, '--steps'), seed: num(raw.seed as string, '--seed'),
        batchSize: num(raw.batchSize as string, '--batch-size'), gradAccum: num(raw.gradAccum as string, '--grad-accum'), format: raw.format,
        packing: raw.packing, checkpointEvery: num(raw.checkpointEvery as string, '--checkpoint-every'), evalEvery: num(raw.evalEvery as string, '--eval-every'), optim,
      }), source, flagOf);
    }
  } catch (err) {
    deps.stderr.write(`r1 ${kind}: ${(err as Error).message}\n`);
    deps.setExitCode(2);
    return;
  }
  if (raw.dryRun) {
    deps.stdout.write(JSON.stringify(config, null, 2) + '\n');
    return;
  }
  // Progress and notices must never end a run: a closed pipe is absorbed (the run goes on, its files complete).
  const pipes = guardClosedPipes([deps.stdout, deps.stderr]);
  const out = (s: string): void => pipes.write(deps.stdout, s);
  const err = (s: string): void => pipes.write(deps.stderr, s);
  const metrics = new MetricsStream();
  const bar = new Progress(deps.stderr, { unit: 'steps' });
  let resumed: number | null = null;
  metrics.subscribe((m) => {
    resumed ??= m.step - 1;
    bar.update({ label: `r1 ${kind}`, done: m.step, total: config.steps, resumed, fields: stepFields(m) });
  });
  let lastCheckpoint: CheckpointRef | null = null;
  const onCheckpoint = (ck: CheckpointRef): void => void (lastCheckpoint = ck);
  // The first SIGINT/SIGTERM stops the run at the end of the step in flight, with a checkpoint. The handler then
  // removes itself: a second signal ends the process at once through the signal's default action, which needs no
  // turn of the event loop (a step is long synchronous work) and so takes effect immediately.
  const controller = new AbortController();
  const off = deps.onSignal(() => {
    off();
    bar.stop();
    const kept = lastCheckpoint === null
      ? 'there is no checkpoint yet, so --resume would start over'
      : `the newest checkpoint, ${lastCheckpoint.dir} (step ${lastCheckpoint.step}), is intact and --resume continues from it`;
    // Which step that is, the trainer says when it stops: a signal that comes between two steps stops the run
    // before the next one starts.
    err(`\nr1 ${kind}: stopping at the end of the step in flight to write a checkpoint; press Ctrl-C again to stop now without one (${kept})\n`);
    controller.abort();
  });
  const log = (msg: string): void => err(`r1 ${kind}: ${msg}\n`);
  try {
    const common = { resume: raw.resume === true, signal: controller.signal, metrics, log, onCheckpoint };
    const res = kind === 'grpo'
      ? await trainGrpo({ config: config as ReturnType<typeof parseGrpoConfig>, ...common })
      : await trainSft({ config: config as ReturnType<typeof parseSftConfig>, ...common });
    bar.stop();
    if (res.interrupted) {
      err(`r1 ${kind}: interrupted at step ${res.steps}; checkpoint ${res.modelDir} (continue with --resume)\n`);
      deps.setExitCode(130);
      return;
    }
    out(`r1 ${kind}: ${res.steps} steps done; model in ${res.modelDir}; metrics in ${config.out}/metrics.jsonl\n`);
  } catch (e) {
    bar.stop();
    err(`r1 ${kind}: ${(e as Error).message}\n`);
    deps.setExitCode(1);
  } finally {
    off();
    pipes.release();
  }
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function register(program: Command, deps: TrainCliDeps = processDeps()): void {
  const common = (c: Command): Command =>
    c.option('--config <file>', 'config file (JSON or YAML); flags override it')
      .option('--model <dir>', 'checkpoint folder to start from (Hugging Face layout with tokenizer.json)')
      .option('--chat-template <file>', "Jinja chat template to prompt and train with instead of the checkpoint's own")
      .option('--out <dir>', 'run directory (metrics.jsonl, checkpoints/, final/)')
      .option('--steps <n>', 'optimizer steps')
      .option('--seed <n>', 'random seed')
      .option('--lr <x>', 'peak learning rate')
      .option('--warmup <n>', 'warmup steps')
      .option('--checkpoint-every <n>', 'checkpoint every n steps')
      .option('--eval-every <n>', 'held-out evaluation every n steps')
      .option('--resume', 'continue the run in --out from its newest intact checkpoint')
      .option('--dry-run', 'print the resolved config and exit');
  common(program.command('sft').description('supervised fine-tuning (chat, prompt/completion or text JSONL)'))
    .option('--data <file>', 'training data (JSONL)')
    .option('--batch-size <n>', 'sequences per micro-batch')
    .option('--grad-accum <n>', 'micro-batches per step')
    .option('--format <f>', 'chat | text: how prompt/completion data is rendered')
    .option('--packing', 'pack short examples into full rows')
    .action(async (o: Raw) => runTrainer('sft', o, deps));
  common(program.command('grpo').description('GRPO reinforcement learning with rule-based rewards (DeepSeek-R1)'))
    .option('--task <name[:difficulty]>', 'task in the prompt mix (repeatable)', collect)
    .option('--reward <name[:weight]>', 'reward: accuracy, format, tag-count, language, overlong, repetition (repeatable)', collect)
    .option('--group-size <G>', 'completions per prompt')
    .option('--prompts-per-step <n>', 'prompts per step')
    .option('--max-new-tokens <n>', 'completion budget')
    .option('--beta <x>', 'KL coefficient (0 = no reference model)')
    .option('--temperature <x>', 'sampling temperature')
    .option('--prompt-style <s>', 'r1-zero | r1-zero-think | chat')
    .option('--allow-test-split', 'train on tasks that have only a test split (benchmarks), less a held-out part')
    .action(async (o: Raw) => runTrainer('grpo', o, deps));
}
