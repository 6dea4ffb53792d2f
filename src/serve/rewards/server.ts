// src/serve/rewards/server.ts — `r1 serve-rewards` as a Fastify app: POST /v1/rewards (typed native API),
// POST /get_reward (OpenRLHF's remote reward protocol), GET /health. Every request is validated, admitted into
// the bounded queue (503 when full), scored by RewardScorer, and answered within the deadline (504 otherwise).

import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { acceptJsonOnly, ApiError, installJsonErrors, requireApiKey } from '../http-common.js';
import { openRlhfResponse, samplesOfOpenRlhf } from './openrlhf.js';
import { RewardScorer, SampleError, type TokenCounter } from './scorer.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { openRlhfRequestSchema, rewardsRequestSchema, type RewardResult, type RewardsResponse, type ServiceConfig, type WireSample } from './wire.js';
import type { RewardSpec } from '../../train/config.js';
import type { ProcessStats } from './procs.js';

export interface RewardServerOptions {
  config: ServiceConfig;
  /** When set, every route but /health needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Request body limit in bytes (default: the config's bodyLimitMb). */
  bodyLimit?: number;
  /** Counts completion tokens for the overlong penalty (default: the config's `tokenizer`, loaded here, if any). */
  countTokens?: TokenCounter;
  /** Where the server's own messages go (errors it could not answer cleanly, prompts not found). */
  log?: (line: string) => void;
  /**
   * One of several server processes (`--procs`): its index, and every process's stats for /health (asked of the
   * primary), so that any process answers for the whole service.
   */
  cluster?: { index: number; processes: () => Promise<ProcessStats[]> };
}

export interface RewardServer {
  app: FastifyInstance;
  scorer: RewardScorer;
  /** This process's stats (/health; the primary of several processes asks each for them). */
  stats(): ProcessStats;
  /** Stop taking requests, finish the open ones, stop the workers. */
  close(): Promise<void>;
}

/** zod issues as one line naming each field. */
function invalid(err: z.ZodError): ApiError {
  const detail = err.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}` : i.message}`);
  return new ApiError(400, 'invalid_request_error', 'invalid_request', detail.slice(0, 8).join('; ') + (detail.length > 8 ? `; and ${detail.length - 8} more` : ''));
}

/** A token counter from a tokenizer.json or a directory holding one (errors name the file). */
export function tokenCounter(path: string): TokenCounter {
  let tok: ReturnType<typeof loadTokenizer>;
  try {
    tok = loadTokenizer(path);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.includes(path) ? `tokenizer: ${msg}` : `tokenizer ${path}: ${msg}`);
  }
  // Added tokens (</think>, end tokens) count as the one token each the model emitted.
  return (text) => tok.encode(text).length;
}

export function buildRewardServer(opts: RewardServerOptions): RewardServer {
  const log = opts.log ?? (() => undefined);
  const countTokens = opts.countTokens ?? (opts.config.tokenizer !== undefined ? tokenCounter(opts.config.tokenizer) : undefined);
  const scorer = new RewardScorer(opts.config, countTokens);
  const bodyLimit = opts.bodyLimit ?? Math.floor(opts.config.bodyLimitMb * 1024 * 1024);
  const app = Fastify({ bodyLimit, logger: false });
  acceptJsonOnly(app);
  installJsonErrors(app, (err, req) => log(`${req.method} ${req.url}: ${err.stack ?? err.message}`));
  if (opts.apiKey !== undefined) requireApiKey(app, opts.apiKey, ['/health']);
  let served = 0;
  const stats = (): ProcessStats => ({ index: opts.cluster?.index ?? 0, pid: process.pid, queued: scorer.queued, maxQueue: opts.config.maxQueue, served, mathPool: scorer.mathPool() });

  /** Admit, score within the deadline, release when the work (not the request) ends. */
  const run = async (samples: WireSample[], specs?: RewardSpec[]): Promise<RewardResult[]> => {
    const release = scorer.admit(samples.length);
    let work: Promise<RewardResult[]>;
    try {
      work = scorer.score(samples, specs);
    } catch (e) {
      release();
      throw e;
    }
    void work.then(release, release);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ApiError(504, 'timeout_error', 'deadline_exceeded', `not scored within the ${opts.config.deadlineMs} ms deadline (the service is busy): retry`)),
        opts.config.deadlineMs,
      );
    });
    try {
      return await Promise.race([work, deadline]);
    } catch (e) {
      if (e instanceof SampleError) throw new ApiError(400, 'invalid_request_error', 'invalid_sample', e.message);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };

  app.get('/health', async () => {
    // What a client must keep a request within: samples (this process's share of the queue; every process has at
    // least this much) and body bytes.
    const base = { status: 'ok', tokenizer: opts.config.tokenizer ?? null, rewards: opts.config.rewards, maxSamplesPerRequest: opts.config.maxQueue, bodyLimit };
    if (opts.cluster === undefined) {
      return { ...base, queued: scorer.queued, maxQueue: opts.config.maxQueue, workers: opts.config.workers, served, mathPool: scorer.mathPool() };
    }
    // Several processes: the service's totals, this process's pool, and every process.
    const processes = await opts.cluster.processes();
    const sum = (f: (p: ProcessStats) => number): number => processes.reduce((a, p) => a + f(p), 0);
    return {
      ...base,
      maxSamplesPerRequest: Math.min(...processes.map((p) => p.maxQueue)),
      queued: sum((p) => p.queued),
      maxQueue: sum((p) => p.maxQueue),
      workers: sum((p) => p.mathPool.workers),
      served: sum((p) => p.served),
      mathPool: scorer.mathPool(),
      process: opts.cluster.index,
      processes,
    };
  });

  app.post('/v1/rewards', async (req): Promise<RewardsResponse> => {
    const body = rewardsRequestSchema.safeParse(req.body);
    if (!body.success) throw invalid(body.error);
    const results = await run(body.data.samples, body.data.rewards);
    served++;
    return { results };
  });

  app.post('/get_reward', async (req) => {
    const body = openRlhfRequestSchema.safeParse(req.body);
    if (!body.success) throw invalid(body.error);
    let samples: WireSample[];
    try {
      const converted = samplesOfOpenRlhf(body.data, opts.config.endTokens, { needsLabels: opts.config.rewards.some((r) => r.name === 'accuracy' && r.weight !== 0) });
      samples = converted.samples;
      const some = (ids: number[]): string => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}`;
      if (converted.promptMissing.length > 0) log(`/get_reward: prompt not found in query ${some(converted.promptMissing)}: scored the whole query`);
      if (converted.promptTruncated.length > 0) log(`/get_reward: query ${some(converted.promptTruncated)} holds only the end of its prompt (truncated from the left): cut after it`);
    } catch (e) {
      if (e instanceof SampleError) throw new ApiError(400, 'invalid_request_error', 'invalid_label', e.message);
      throw e;
    }
    const results = await run(samples);
    served++;
    return openRlhfResponse(results, Object.keys(results[0]?.components ?? {}));
  });

  return {
    app,
    scorer,
    stats,
    async close() {
      await app.close();
      await scorer.close();
    },
  };
}
