// src/cli/eval.ts — `r1 eval`: evaluate a local checkpoint or an OpenAI-compatible endpoint on benchmarks; thin:
// validates flags with zod, wires the source, draws progress, prints the table.

import { Command, Option } from 'commander';
import { join } from 'node:path';
import { z } from 'zod';
import { getTaskByName, listTasks, taskInfo } from '../tasks/registry.js';
import type { Task } from '../tasks/types.js';
import { EndpointSource, ENDPOINT_DEFAULTS } from '../eval/endpoint.js';
import { localModelSource } from '../eval/local-model.js';
import { localModelName, requireLocalSource, type LocalSourceFactory } from '../eval/local-source.js';
import { prepareOutDir } from '../eval/results.js';
import { flagErrors } from './flags.js';
import { Progress } from './progress.js';
import { DEFAULT_PRICING, loadPricingFile, resolvePrice, type PricingTable } from '../eval/pricing.js';
import { EvalInterrupted, EVAL_DEFAULTS, runEval, type EvalProgress } from '../eval/runner.js';
import { renderMarkdown } from '../eval/report.js';
import type { SampleSource } from '../eval/types.js';
import { sandboxInfo, type SandboxInfo } from '../verify/code/index.js';

/** The task names the registry knows (a name it does not know is reported by getTask). */
const INFO_NAMES = new Set(listTasks().map((t) => t.name as string));

/** Everything `r1 eval` touches outside its flags; injectable so tests run it in-process. */
export interface EvalCliDeps {
  /** Benchmark/task by name (difficulty applies to synthetic tasks); throws clearly for unknown names. */
  getTask: (name: string, opts: { difficulty?: string; unsafeSandbox?: boolean }) => Task;
  /** How code runs are isolated here (for the warning every run under the rlimits fallback prints). */
  sandboxInfo?: () => Promise<SandboxInfo>;
  /** Local-model source (default: load a Hugging Face checkpoint folder and generate with the native engine). */
  localSource: LocalSourceFactory | undefined;
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(s: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  setExitCode: (code: number) => void;
}

const DEFAULT_KEY_VARS = ['OPENAI_API_KEY', 'DEEPSEEK_API_KEY'] as const;

const int = (min: number) => z.coerce.number().int().min(min);
const price = z.coerce.number().nonnegative().optional();

/** The flags as zod sees them (commander hands over strings); types derive from here. */
export const EvalFlagsSchema = z
  .object({
    model: z.string().min(1).optional(),
    endpoint: z.string().min(1).optional(),
    apiModel: z.string().min(1).optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    bench: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string()).min(1, 'give at least one benchmark')),
    k: int(1),
    limit: int(1).optional(),
    seed: int(0).max(0xffffffff),
    out: z.string().min(1).optional(),
    concurrency: int(1),
    temperature: z.coerce.number().min(0).max(2),
    topP: z.coerce.number().gt(0).max(1),
    maxTokens: int(1),
    difficulty: z.string().min(1).optional(),
    pricing: z.string().min(1).optional(),
    priceInputHit: price,
    priceInputMiss: price,
    priceOutput: price,
    nMode: z.enum(['native', 'repeat']),
    timeout: z.coerce.number().positive(),
    maxRetries: int(0),
    progress: z.boolean(),
    kvCache: z.enum(['f32', 'f16']).optional(),
    chatTemplate: z.string().min(1).optional(),
    unsafeSandbox: z.boolean().optional(),
  })
  .superRefine((f, ctx) => {
    if ((f.model === undefined) === (f.endpoint === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of --model <checkpoint> or --endpoint <url>' });
    }
    if (f.endpoint !== undefined && f.chatTemplate !== undefined) {
      ctx.addIssue({ code: 'custom', message: '--chat-template applies to a local --model (an endpoint renders its own template)', path: ['chatTemplate'] });
    }
    if (f.endpoint !== undefined && f.apiModel === undefined) {
      ctx.addIssue({ code: 'custom', message: '--endpoint needs --api-model <name> (e.g. deepseek-reasoner)', path: ['apiModel'] });
    }
  });
export type EvalFlags = z.infer<typeof EvalFlagsSchema>;

/** The API key: from --api-key-env (which must then be set), else OPENAI_API_KEY, else DEEPSEEK_API_KEY, else none. */
export function apiKeyFrom(env: EvalCliDeps['env'], name: string | undefined): string | undefined {
  if (name !== undefined) {
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`environment variable ${name} (named by --api-key-env) is not set`);
    return v;
  }
  for (const n of DEFAULT_KEY_VARS) {
    const v = env[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

function safeDirName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'model';
}

/** The evaluation stopped on Ctrl-C, its finished work saved. */
class EvalStopped extends Error {}

async function execute(flags: EvalFlags, deps: EvalCliDeps): Promise<void> {
  // The output directory, the benchmarks and their files are checked before any work (loading a model, sending
  // requests) is spent: a misspelled benchmark or a missing data file is not found after a long model load.
  const outDir = flags.out ?? join('runs', 'eval', safeDirName(flags.endpoint !== undefined ? flags.apiModel! : localModelName(flags.model!)));
  prepareOutDir(outDir);
  const tasks = flags.bench.map((name) =>
    deps.getTask(name, { ...(flags.difficulty !== undefined ? { difficulty: flags.difficulty } : {}), ...(flags.unsafeSandbox ? { unsafeSandbox: true } : {}) }),
  );
  try {
    for (const t of tasks) await t.items({ split: 'test', ...(flags.limit !== undefined ? { n: flags.limit } : {}) });
    await evaluate(flags, deps, outDir, tasks);
  } finally {
    // Tasks may hold verifier worker threads; release them so the process can exit.
    await Promise.allSettled(tasks.map((t) => t.close?.()));
  }
}

async function evaluate(flags: EvalFlags, deps: EvalCliDeps, outDir: string, tasks: readonly Task[]): Promise<void> {
  let retries = 0;
  const warned = new Set<string>();
  let lastProgress: EvalProgress | null = null;
  // Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise; waits show as countdowns.
  const progress = flags.progress ? new Progress(deps.stderr, { unit: 'samples' }) : null;
  let source: SampleSource;
  if (flags.endpoint !== undefined) {
    source = new EndpointSource({
      ...ENDPOINT_DEFAULTS,
      baseUrl: flags.endpoint,
      model: flags.apiModel!,
      apiKey: apiKeyFrom(deps.env, flags.apiKeyEnv),
      nMode: flags.nMode,
      concurrency: flags.concurrency,
      maxRetries: flags.maxRetries,
      timeoutMs: flags.timeout * 1000,
      onEvent: (e) => {
        if (e.kind === 'retry') {
          retries++;
          if (lastProgress !== null) onProgress(lastProgress); // the retry count on the line
          // A server's Retry-After is always announced: it can be minutes, during which nothing else moves.
          if (e.serverAsked) progress?.wait(e.delayMs, `server asked to retry later: ${e.reason}`, true);
          else progress?.wait(e.delayMs, `retry ${e.attempt}: ${e.reason}`);
        } else if (e.kind === 'warning' && !warned.has(e.message)) {
          // Each distinct warning once: a server with a malformed usage block would repeat it every sample.
          warned.add(e.message);
          deps.stderr.write(`r1 eval: warning: ${e.message}\n`);
        }
      },
    });
  } else {
    source = await requireLocalSource(deps.localSource)({ checkpoint: flags.model!, seed: flags.seed, kvDtype: flags.kvCache, ...(flags.chatTemplate !== undefined ? { chatTemplate: flags.chatTemplate } : {}) });
  }
  if (flags.unsafeSandbox === true && tasks.some((t) => t.name === 'code')) {
    // Said on every run that uses the fallback, never silently.
    const info = await (deps.sandboxInfo ?? sandboxInfo)();
    if (info.isolation === 'rlimits') {
      deps.stderr.write(`r1 eval: WARNING: code runs WITHOUT bubblewrap (${info.reason ?? 'unavailable'}); rlimits only, so its rewards can be gamed: ${info.limitations.join('; ')}\n`);
    }
  }
  const table: PricingTable = { ...DEFAULT_PRICING, ...(flags.pricing ? loadPricingFile(flags.pricing, source.model) : {}) };
  const price = resolvePrice(source.model, table, {
    ...(flags.priceInputHit !== undefined ? { cacheHitInput: flags.priceInputHit } : {}),
    ...(flags.priceInputMiss !== undefined ? { cacheMissInput: flags.priceInputMiss } : {}),
    ...(flags.priceOutput !== undefined ? { output: flags.priceOutput } : {}),
  });

  const onProgress = (p: EvalProgress): void => {
    lastProgress = p;
    progress?.update({
      label: p.bench,
      done: p.done,
      total: p.total,
      resumed: p.resumed,
      fields: [
        ['acc', p.done ? `${((100 * p.correct) / p.done).toFixed(1)}%` : '–'],
        ['retries', retries],
      ],
    });
  };
  const ctl = new AbortController();
  const onSigint = (): void => ctl.abort(new Error('interrupted (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  try {
    const summary = await runEval({
      benches: tasks,
      source,
      k: flags.k,
      ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
      seed: flags.seed,
      temperature: flags.temperature,
      topP: flags.topP,
      maxTokens: flags.maxTokens,
      outDir,
      concurrency: flags.concurrency,
      price,
      onProgress,
      signal: ctl.signal,
    });
    progress?.stop();
    deps.stdout.write(renderMarkdown(summary));
    deps.stdout.write(`\nResults in ${outDir} (samples.jsonl, summary.json, summary.md, summary.html)\n`);
  } catch (err) {
    progress?.stop();
    if (err instanceof EvalInterrupted) {
      deps.stdout.write(renderMarkdown(err.summary));
      throw new EvalStopped(`interrupted; the summary of the ${err.summary.interrupted?.items ?? 0} finished items is in ${outDir}/summary.md, finished samples are saved in ${outDir}; rerun the same command to resume`);
    }
    if (ctl.signal.aborted) throw new EvalStopped(`interrupted; finished samples are saved in ${outDir}, rerun the same command to resume`);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** Build the `eval` subcommand; `deps` replaces the process's environment and streams (tests). */
export function createEvalCommand(partial: Partial<EvalCliDeps> = {}): Command {
  const deps: EvalCliDeps = {
    getTask: (name, o) =>
      getTaskByName(name, {
        ...(o.difficulty !== undefined && taskInfo(name).kind === 'synthetic' ? { difficulty: o.difficulty } : {}),
        ...(o.unsafeSandbox === true && taskInfo(name).kind === 'code' ? { unsafeSandbox: true } : {}),
      }),
    localSource: localModelSource,
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    ...partial,
  };
  const cmd = new Command('eval')
    .description('evaluate a model: pass@1 over k samples, unbiased pass@k, cons@k, format rate, tokens and cost')
    .option('--model <checkpoint>', 'local Hugging Face checkpoint folder to evaluate (config.json, model.safetensors, tokenizer.json)')
    .option('--endpoint <url>', 'OpenAI-compatible base URL, e.g. https://api.deepseek.com/v1')
    .option('--api-model <name>', 'model name to request from the endpoint, e.g. deepseek-reasoner')
    .option('--api-key-env <NAME>', 'environment variable holding the API key (default: OPENAI_API_KEY, then DEEPSEEK_API_KEY)')
    .requiredOption('--bench <list>', 'comma-separated benchmarks/tasks, e.g. gsm8k,math500,aime24,amc23,countdown')
    .option('-k <n>', 'samples per item', String(EVAL_DEFAULTS.k))
    .option('--limit <n>', 'evaluate only the first N items of each benchmark')
    .option('--seed <s>', 'base seed for sampling', String(EVAL_DEFAULTS.seed))
    .option('--out <dir>', 'output directory (reuse it to resume); default runs/eval/<model>')
    .option('--concurrency <c>', 'requests in flight at once', String(EVAL_DEFAULTS.concurrency))
    .option('--temperature <t>', 'sampling temperature (DeepSeek-R1: 0.6)', String(EVAL_DEFAULTS.temperature))
    .option('--top-p <p>', 'nucleus sampling mass (DeepSeek-R1: 0.95)', String(EVAL_DEFAULTS.topP))
    .option('--max-tokens <n>', 'max generated tokens per sample (DeepSeek-R1: 32768)', String(EVAL_DEFAULTS.maxTokens))
    .option('--difficulty <spec>', 'difficulty of synthetic tasks: a preset (easy, medium, hard, extreme) or knobs, e.g. "easy,digits=4"')
    .option('--pricing <file>', 'JSON prices in USD per million tokens: {"cacheHitInput","cacheMissInput","output"} or {model: {...}}')
    .option('--price-input-hit <usd>', 'USD per million cache-hit input tokens')
    .option('--price-input-miss <usd>', 'USD per million cache-miss input tokens')
    .option('--price-output <usd>', 'USD per million output tokens')
    .addOption(new Option('--n-mode <mode>', 'send n in one request (native) or one request per sample (repeat)').choices(['native', 'repeat']).default('repeat'))
    .option('--timeout <seconds>', 'per-request timeout', String(ENDPOINT_DEFAULTS.timeoutMs / 1000))
    .option('--max-retries <n>', 'retries on 429/5xx/timeouts', String(ENDPOINT_DEFAULTS.maxRetries))
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else a line every 10 s)')
    .option('--unsafe-sandbox', 'let code tasks run under the rlimits fallback when bubblewrap is unavailable (rewards can then be gamed; see the README)')
    .option('--chat-template <file>', "local models: Jinja chat template to prompt with instead of the checkpoint's own (default: its tokenizer_config.json / chat_template.jinja template, else DeepSeek-R1's)")
    .option('--kv-cache <dtype>', 'local models: KV-cache storage, f32 or f16 (default: f16 for MHA/GQA models — half the memory and faster large batches, ~3 significant digits — and f32 for MLA)')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = EvalFlagsSchema.safeParse(raw);
      if (!parsed.success) {
        deps.stderr.write(`r1 eval: ${flagErrors(parsed.error, raw)}\n`);
        deps.setExitCode(2);
        return;
      }
      // --difficulty shapes synthetic tasks only: given for benchmarks alone, it would be silently ignored.
      const known = parsed.data.bench.map((name) => INFO_NAMES.has(name) ? taskInfo(name) : null);
      if (parsed.data.difficulty !== undefined && known.every((i) => i !== null && i.kind !== 'synthetic')) {
        deps.stderr.write(`r1 eval: --difficulty applies to synthetic tasks; ${parsed.data.bench.join(', ')} ${parsed.data.bench.length > 1 ? 'have' : 'has'} fixed problems\n`);
        deps.setExitCode(2);
        return;
      }
      try {
        await execute(parsed.data, deps);
      } catch (err) {
        deps.stderr.write(`r1 eval: ${(err as Error).message}\n`);
        // Stopped by Ctrl-C: 128 + SIGINT, as `r1 start` and `r1 pipeline` exit.
        deps.setExitCode(err instanceof EvalStopped ? 130 : 1);
      }
    });
  return cmd;
}

export function register(program: Command): void {
  program.addCommand(createEvalCommand());
}
