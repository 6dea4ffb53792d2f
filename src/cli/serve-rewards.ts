// src/cli/serve-rewards.ts — `r1 serve-rewards`: the R1 reward stack as an HTTP service for distributed RL engines
// (OpenRLHF's --remote_rm_url, verl through examples/verl_reward.py). Thin: the work is in src/serve/rewards.

import cluster from 'node:cluster';
import type { Command } from 'commander';
import { mergeConfig, parseConfig, readConfigFile } from '../train/config.js';
import { sandboxInfo, type SandboxInfo } from '../verify/code/index.js';
import { buildRewardServer, serviceConfigSchema, type ServiceConfig } from '../serve/rewards/index.js';
import { PROC_ENV, processConfig, processPeers, superviseRewards } from '../serve/rewards/procs.js';

export interface ServeRewardsCliDeps {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  setExitCode(code: number): void;
  /** Calls `handler` on SIGINT/SIGTERM; returns a function that removes it. */
  onSignal(handler: () => void): () => void;
  env: NodeJS.ProcessEnv;
}

const defaultDeps: ServeRewardsCliDeps = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (c) => (process.exitCode = c),
  onSignal(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
  env: process.env,
};

type Raw = Record<string, string | boolean | string[] | undefined>;

const num = (s: unknown): number | undefined => (typeof s === 'string' ? Number(s) : undefined);

/** The service config: the config file (if any), then the flags given. Throws one message naming each bad field. */
export function resolveServiceConfig(raw: Raw): ServiceConfig {
  const source = typeof raw.config === 'string' ? raw.config : 'r1 serve-rewards flags';
  const base = typeof raw.config === 'string' ? readConfigFile(raw.config) : {};
  const rewards = (raw.reward as string[] | undefined)?.map((r) => {
    const i = r.indexOf(':');
    return i < 0 ? { name: r } : { name: r.slice(0, i), weight: Number(r.slice(i + 1)) };
  });
  const flags: Record<string, unknown> = {
    rewards,
    workers: num(raw.workers),
    maxQueue: num(raw.maxQueue),
    bodyLimitMb: num(raw.bodyLimitMb),
    procs: num(raw.procs),
    deadlineMs: num(raw.deadlineMs),
    maxNewTokens: num(raw.maxNewTokens),
    mathTimeoutMs: num(raw.mathTimeoutMs),
    tokenizer: typeof raw.tokenizer === 'string' ? raw.tokenizer : undefined,
    ...(raw.unsafeSandbox === true && { code: { unsafeSandbox: true } }),
  };
  return parseConfig(serviceConfigSchema, mergeConfig(base, flags), source);
}

/** The start-up lines: where it listens and what it serves. */
function banner(deps: ServeRewardsCliDeps, config: ServiceConfig, host: string, port: number, keyed: boolean, sandbox: SandboxInfo): void {
  const list = config.rewards.map((r) => `${r.name}${'style' in r ? `(${r.style})` : ''}×${r.weight}`).join(' + ');
  deps.stdout.write(`r1 serve-rewards: listening on http://${host}:${port} (POST /get_reward for OpenRLHF, POST /v1/rewards, GET /health)\n`);
  const procs = config.procs > 1 ? `; processes: ${config.procs} (math workers and queue shared among them)` : '';
  deps.stdout.write(`  rewards: ${list}; math workers: ${config.workers}; queue: ${config.maxQueue} samples; body limit: ${config.bodyLimitMb} MiB; deadline: ${config.deadlineMs} ms${procs}${keyed ? "; API key required (OpenRLHF's client sends none)" : ''}\n`);
  if (config.rewards.some((r) => r.name === 'overlong')) {
    deps.stdout.write(`  overlong: ${config.tokenizer !== undefined ? `samples without completionTokens are counted with the tokenizer ${config.tokenizer}` : 'applies only to samples that give completionTokens (OpenRLHF sends none: pass --tokenizer to count them)'}\n`);
  }
  const codeOff = sandbox.isolation === 'rlimits' && !config.code.unsafeSandbox;
  deps.stdout.write(`  code sandbox: ${codeOff ? `none (${sandbox.reason ?? 'bubblewrap unavailable'}): code samples are answered 500; install bubblewrap (or allow user namespaces for unshare) or pass --unsafe-sandbox` : sandbox.isolation}\n`);
}

export async function serveRewards(raw: Raw, deps: ServeRewardsCliDeps = defaultDeps): Promise<void> {
  let config: ServiceConfig;
  let port: number;
  try {
    config = resolveServiceConfig(raw);
    port = Number(raw.port ?? 5000);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer in [0, 65535], got ${String(raw.port)}`);
  } catch (err) {
    deps.stderr.write(`r1 serve-rewards: ${(err as Error).message}\n`);
    deps.setExitCode(2);
    return;
  }
  const host = typeof raw.host === 'string' ? raw.host : '127.0.0.1';
  const apiKey = typeof raw.apiKey === 'string' ? raw.apiKey : deps.env.R1_REWARDS_API_KEY;
  const keyed = apiKey !== undefined && apiKey !== '';
  const sandbox = await sandboxInfo();
  // Several processes: this one supervises them (each re-runs this command as a cluster worker, below).
  if (config.procs > 1 && cluster.isPrimary) {
    const code = await superviseRewards({
      procs: config.procs,
      onListening: (bound) => banner(deps, config, host, bound, keyed, sandbox),
      log: (l) => deps.stderr.write(`r1 serve-rewards: ${l}\n`),
      onSignal: deps.onSignal,
    });
    deps.setExitCode(code);
    return;
  }
  const index = cluster.isWorker ? Number(deps.env[PROC_ENV] ?? 0) : 0;
  const tell = (m: object): void => void process.send?.(m);
  const prefix = cluster.isWorker ? `r1 serve-rewards [process ${index}]` : 'r1 serve-rewards';
  let server: ReturnType<typeof buildRewardServer>;
  try {
    server = buildRewardServer({
      config: processConfig(config, index),
      ...(keyed && { apiKey }),
      log: (l) => deps.stderr.write(`${prefix}: ${l}\n`),
      ...(cluster.isWorker && { cluster: { index, processes: processPeers(() => server.stats()) } }),
    });
  } catch (err) {
    if (cluster.isWorker) tell({ r1: 'failed', message: (err as Error).message });
    deps.stderr.write(`${prefix}: ${(err as Error).message}\n`);
    deps.setExitCode(2);
    return;
  }
  try {
    await server.app.listen({ host, port });
  } catch (err) {
    const message = `cannot listen on ${host}:${port}: ${(err as Error).message}`;
    if (cluster.isWorker) tell({ r1: 'failed', message });
    else deps.stderr.write(`${prefix}: ${message}\n`);
    await server.close();
    deps.setExitCode(1);
    return;
  }
  const addr = server.app.server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  if (cluster.isWorker) tell({ r1: 'listening', port: bound });
  else banner(deps, config, host, bound, keyed, sandbox);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      // A second signal stops a lone server at once; a process of several finishes its requests whatever comes (a
      // Ctrl-C reaches it and its primary, which then sends SIGTERM).
      if (!cluster.isWorker) {
        off();
        deps.stderr.write('r1 serve-rewards: shutting down (finishing open requests)\n');
      }
      process.off('disconnect', stop);
      const done = (): void => {
        off();
        // A process of several lets go of its primary's channel, which would keep it alive.
        if (cluster.isWorker && process.connected) process.disconnect();
        resolve();
      };
      void server.close().then(done, done);
    };
    const off = deps.onSignal(stop);
    // A process of several stops with its primary.
    if (cluster.isWorker) process.on('disconnect', stop);
  });
}

export function register(program: Command, deps: ServeRewardsCliDeps = defaultDeps): void {
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  program
    .command('serve-rewards')
    .description('serve the R1 rewards over HTTP for OpenRLHF (--remote_rm_url http://HOST:PORT/get_reward) and verl (examples/verl_reward.py)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free one)', '5000')
    .option('--config <file>', 'service config, JSON or YAML (rewards, maxNewTokens, defaultTask, code limits, maxQueue, deadlineMs, ...)')
    .option('--api-key <key>', "require Authorization: Bearer <key> (default: $R1_REWARDS_API_KEY; none when unset; OpenRLHF's client sends no key)")
    .option('--workers <n>', 'math verifier worker threads, and code programs checked at once')
    .option('--reward <name[:weight]>', 'reward: accuracy, format, tag-count, language, overlong, repetition (repeatable; replaces the config list)', collect)
    .option('--max-new-tokens <n>', "the trainer's completion budget (the overlong penalty's L_max)")
    .option('--math-timeout-ms <n>', 'time budget of one math check')
    .option('--tokenizer <path>', "tokenizer.json or a checkpoint directory: counts completion tokens for the overlong penalty when a sample gives none (OpenRLHF's requests)")
    .option('--max-queue <n>', 'samples in flight before requests are answered 503 (also the most one request may carry)')
    .option('--body-limit-mb <n>', 'largest request body in MiB, answered 413 past it (default 16)')
    .option('--procs <n>', 'server processes on the port, each with its own event loop and a share of the workers and the queue (default 1)')
    .option('--deadline-ms <n>', 'requests not scored within this time are answered 504')
    .option('--unsafe-sandbox', 'run code under the rlimits fallback when bubblewrap is unavailable (rewards can then be gamed; see the README)')
    .action(async (o: Raw) => serveRewards(o, deps));
}
