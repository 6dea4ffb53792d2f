// src/serve/rewards/procs.ts — `r1 serve-rewards --procs N`: N server processes on one port (node:cluster; the
// primary hands out connections), each with its own HTTP event loop and its share of the math workers, the queue and
// the code programs. The primary serves nothing itself: it starts the processes, restarts one that dies, relays the
// /health question to every process (so that each answers for the whole service), and stops them on a signal.

import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import type { PoolStats } from '../../verify/math/index.js';
import type { ServiceConfig } from './wire.js';

/** One server process as /health reports it. */
export interface ProcessStats {
  index: number;
  pid: number;
  /** Samples admitted and not yet scored, and this process's bound on them (its share of maxQueue). */
  queued: number;
  maxQueue: number;
  /** Reward requests answered (/v1/rewards and /get_reward). */
  served: number;
  mathPool: PoolStats;
}

/** The environment variable that tells a forked process its index. */
export const PROC_ENV = 'R1_REWARDS_PROC';

/** Process `index`'s share of `total` over `procs` (the first ones take the remainder). */
export function shareOf(total: number, procs: number, index: number): number {
  return Math.floor(total / procs) + (index < total % procs ? 1 : 0);
}

/** The config of process `index`: its share of the math workers, the queue and the code programs (at least 1 each). */
export function processConfig(config: ServiceConfig, index: number): ServiceConfig {
  const n = config.procs;
  if (n === 1) return config;
  const share = (total: number): number => Math.max(1, shareOf(total, n, index));
  return { ...config, workers: share(config.workers), maxQueue: share(config.maxQueue), code: { ...config.code, concurrency: share(config.code.concurrency ?? config.workers) } };
}

/** Messages between the primary and its processes (over the cluster's IPC channel). */
type ToPrimary =
  | { r1: 'listening'; port: number }
  | { r1: 'failed'; message: string }
  | { r1: 'stats?'; id: number }
  | { r1: 'stats='; id: string; stats: ProcessStats };
type ToProcess = { r1: 'stats'; id: string } | { r1: 'stats!'; id: number; processes: ProcessStats[] };

/** How long the primary waits for every process's stats before answering with those it has. */
const STATS_WAIT_MS = 1000;

/**
 * In a forked process: answer the primary's stats questions with `own()`, and ask it for every process's stats
 * (the /health route), over the cluster's channel (process.send).
 */
export function processPeers(own: () => ProcessStats): () => Promise<ProcessStats[]> {
  let next = 1;
  const waiting = new Map<number, (all: ProcessStats[]) => void>();
  process.on('message', (m: ToProcess) => {
    if (m === null || typeof m !== 'object') return;
    if (m.r1 === 'stats') process.send?.({ r1: 'stats=', id: m.id, stats: own() } satisfies ToPrimary);
    else if (m.r1 === 'stats!') {
      waiting.get(m.id)?.(m.processes);
      waiting.delete(m.id);
    }
  });
  return () =>
    new Promise<ProcessStats[]>((resolve) => {
      const id = next++;
      // The primary always answers (with the stats it has after STATS_WAIT_MS); if the channel is gone, answer alone.
      const alone = setTimeout(() => {
        waiting.delete(id);
        resolve([own()]);
      }, 2 * STATS_WAIT_MS);
      waiting.set(id, (all) => {
        clearTimeout(alone);
        resolve(all);
      });
      if (process.send?.({ r1: 'stats?', id } satisfies ToPrimary) !== true) {
        clearTimeout(alone);
        waiting.delete(id);
        resolve([own()]);
      }
    });
}

export interface SuperviseOptions {
  procs: number;
  /** Called once every process listens, with the port they share. */
  onListening(port: number): void;
  log(line: string): void;
  /** Calls `handler` on SIGINT/SIGTERM; returns a function that removes it. */
  onSignal(handler: () => void): () => void;
}

/** Restarts allowed within RESTART_WINDOW_MS before the primary gives up (a process that keeps dying). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * The primary: fork `procs` processes (each re-runs this command, with PROC_ENV set), report when all listen,
 * restart one that dies, stop them all on a signal. Resolves with the exit code: 0 after a signal, 1 when a process
 * cannot start (its message logged) or keeps dying.
 */
export function superviseRewards(opts: SuperviseOptions): Promise<number> {
  const byIndex = new Map<number, ClusterWorker>();
  const listening = new Set<number>();
  const restarts: number[] = [];
  const asks = new Map<string, { asker: ClusterWorker; askerId: number; got: Map<number, ProcessStats>; timer: NodeJS.Timeout }>();
  let stopping = false;
  let announced = false;
  let nextAsk = 1;
  return new Promise<number>((resolve) => {
    let code = 0;
    const stopAll = (exitCode: number): void => {
      if (stopping) return;
      stopping = true;
      code = exitCode;
      off();
      for (const w of byIndex.values()) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGTERM');
      if (byIndex.size === 0) resolve(code);
    };
    const off = opts.onSignal(() => {
      opts.log('shutting down (the processes finish their open requests)');
      stopAll(0);
    });
    const answer = (key: string): void => {
      const a = asks.get(key);
      if (a === undefined) return;
      clearTimeout(a.timer);
      asks.delete(key);
      const processes = [...a.got.values()].sort((x, y) => x.index - y.index);
      if (a.asker.isConnected()) a.asker.send({ r1: 'stats!', id: a.askerId, processes } satisfies ToProcess);
    };
    const fork = (index: number): void => {
      const w = cluster.fork({ [PROC_ENV]: String(index) });
      byIndex.set(index, w);
      w.on('message', (m: ToPrimary) => {
        if (m === null || typeof m !== 'object') return;
        if (m.r1 === 'listening') {
          listening.add(index);
          if (!announced && listening.size === opts.procs) {
            announced = true;
            opts.onListening(m.port);
          }
        } else if (m.r1 === 'failed') {
          opts.log(`process ${index}: ${m.message}`);
          stopAll(1);
        } else if (m.r1 === 'stats?') {
          const key = `${index}:${nextAsk++}`;
          const timer = setTimeout(() => answer(key), STATS_WAIT_MS);
          asks.set(key, { asker: w, askerId: m.id, got: new Map(), timer });
          for (const peer of byIndex.values()) if (peer.isConnected()) peer.send({ r1: 'stats', id: key } satisfies ToProcess);
        } else if (m.r1 === 'stats=') {
          const a = asks.get(m.id);
          if (a === undefined) return;
          a.got.set(m.stats.index, m.stats);
          if (a.got.size >= [...byIndex.values()].filter((p) => p.isConnected()).length) answer(m.id);
        }
      });
      w.on('exit', (exitCode, signal) => {
        if (byIndex.get(index) === w) byIndex.delete(index);
        if (stopping) {
          if (byIndex.size === 0) resolve(code);
          return;
        }
        const wasListening = listening.delete(index);
        const now = Date.now();
        restarts.push(now);
        while (restarts.length > 0 && (restarts[0] as number) < now - RESTART_WINDOW_MS) restarts.shift();
        if (!wasListening && !announced) {
          opts.log(`process ${index} exited (${signal ?? `code ${exitCode}`}) before listening`);
          stopAll(1);
        } else if (restarts.length > MAX_RESTARTS) {
          opts.log(`process ${index} exited (${signal ?? `code ${exitCode}`}); ${restarts.length} exits within ${RESTART_WINDOW_MS / 1000} s: giving up`);
          stopAll(1);
        } else {
          opts.log(`process ${index} exited (${signal ?? `code ${exitCode}`}): starting it again`);
          fork(index);
        }
      });
    };
    for (let i = 0; i < opts.procs; i++) fork(i);
  });
}
