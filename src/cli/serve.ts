// src/cli/serve.ts — `r1 serve`: a deepseek-reasoner-compatible chat API and chat page for a local checkpoint
// (a folder, or a llama GGUF file loaded into the native engine), any GGUF through llama.cpp (--gguf), or the
// untrained demo model. Thin: flags → an engine (src/serve) → buildServer → listen; SIGTERM and SIGINT stop
// accepting, let in-flight requests finish for a grace period, then cancel the rest.

import type { Command } from 'commander';
import { z } from 'zod';
import { buildServer, MODEL_ALIAS, type ServeOptions } from '../serve/app.js';
import { ContextTooLongError, type ChatEngine } from '../serve/engine.js';
import { checkpointEngine, demoEngine, DEMO_BANNER, ggufEngine, type EngineTuning } from '../serve/models.js';
import { flagErrors } from './flags.js';

const int = (lo: number, hi: number): z.ZodCoercedNumber => z.coerce.number().int().min(lo).max(hi);

export const ServeFlagsSchema = z.object({
  model: z.string().min(1).optional(),
  gguf: z.string().min(1).optional(),
  demo: z.boolean().optional(),
  chatTemplate: z.string().min(1).optional(),
  threads: int(1, 1024).optional(),
  host: z.string().min(1),
  port: int(0, 65535),
  apiKey: z.string().min(1).optional(),
  apiKeyEnv: z.string().min(1).optional(),
  maxBatch: int(1, 1024).optional(),
  maxQueue: int(0, 100_000),
  context: int(2, 1 << 20).optional(),
  prefixCacheMb: int(0, 1 << 20),
  seed: int(0, 2 ** 32 - 1),
  bodyLimitKb: int(1, 1 << 20),
  rateLimit: int(0, 1_000_000),
  timeout: int(1, 86_400),
  grace: int(0, 3600),
  corsOrigin: z.string().min(1).default('*'),
});
export type ServeFlags = z.infer<typeof ServeFlagsSchema>;

export interface ServeDeps {
  env: NodeJS.ProcessEnv;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

class UsageError extends Error {}

/** --cors-origin: `*` (any origin) or comma-separated origins, each exactly as a browser sends it (scheme://host[:port]). */
export function parseCorsOrigin(value: string): '*' | string[] {
  if (value.trim() === '*') return '*';
  const origins = value.split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const x of origins) {
    let origin: string | null = null;
    try {
      origin = new URL(x).origin;
    } catch {
      // not a URL
    }
    if (origin !== x) throw new UsageError(`--cors-origin: "${x}" is not an origin (scheme://host[:port], no path or trailing slash)${origin && origin !== 'null' ? `; did you mean ${origin}?` : ''}`);
  }
  if (origins.length === 0) throw new UsageError('--cors-origin: give * or at least one origin');
  return origins;
}

/** Rows decoded at once when --max-batch is not given: r1ts's batch, or llama.cpp sequences (each holds its own KV). */
const DEFAULT_BATCH = { local: 64, gguf: 8 } as const;

async function engineFor(flags: ServeFlags, deps: ServeDeps): Promise<{ engine: ChatEngine; banner: string | null }> {
  const chosen = [flags.model !== undefined, flags.gguf !== undefined, flags.demo === true].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('give exactly one of --model <checkpoint>, --gguf <file> or --demo');
  if (flags.demo && flags.chatTemplate !== undefined) throw new UsageError('--chat-template applies to --model and --gguf, not to --demo');
  if (flags.gguf === undefined && flags.threads !== undefined) throw new UsageError('--threads applies to --gguf (llama.cpp); r1ts\'s engine takes OPENBLAS_NUM_THREADS');
  if (flags.gguf !== undefined) {
    const engine = await ggufEngine(flags.gguf, {
      slots: flags.maxBatch ?? DEFAULT_BATCH.gguf, maxQueue: flags.maxQueue, seed: flags.seed,
      log: (line) => deps.stderr.write(`r1 serve: ${line}\n`),
      ...(flags.context !== undefined ? { context: flags.context } : {}),
      ...(flags.chatTemplate !== undefined ? { chatTemplateFile: flags.chatTemplate } : {}),
      ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    });
    return { engine, banner: null };
  }
  const tuning: EngineTuning = {
    slots: flags.maxBatch ?? DEFAULT_BATCH.local, maxQueue: flags.maxQueue, prefixCacheBytes: flags.prefixCacheMb * 2 ** 20, seed: flags.seed,
    ...(flags.context !== undefined ? { context: flags.context } : {}),
  };
  if (flags.demo) return { engine: demoEngine({ ...tuning, context: flags.context ?? 1024 }), banner: DEMO_BANNER };
  return { engine: checkpointEngine(flags.model!, tuning, flags.chatTemplate), banner: null };
}

export async function runServe(raw: Record<string, unknown>, deps: ServeDeps): Promise<number> {
  const parsed = ServeFlagsSchema.safeParse(raw);
  if (!parsed.success) {
    deps.stderr.write(`r1 serve: ${flagErrors(parsed.error, raw)}\n`);
    return 2;
  }
  const flags = parsed.data;
  let apiKey = flags.apiKey;
  if (flags.apiKeyEnv !== undefined) {
    apiKey = deps.env[flags.apiKeyEnv];
    if (!apiKey) {
      deps.stderr.write(`r1 serve: ${flags.apiKeyEnv} (named by --api-key-env) is not set\n`);
      return 2;
    }
  }
  let corsOrigin: '*' | string[];
  try {
    corsOrigin = parseCorsOrigin(flags.corsOrigin);
  } catch (err) {
    deps.stderr.write(`r1 serve: ${(err as Error).message}\n`);
    return 2;
  }
  let engine: ChatEngine, banner: string | null;
  try {
    ({ engine, banner } = await engineFor(flags, deps));
  } catch (err) {
    if (err instanceof ContextTooLongError) {
      deps.stderr.write(`r1 serve: --context ${err.context} is more than the model's ${err.modelContext}-token context (leave --context out to use all of it)\n`);
      return 2;
    }
    deps.stderr.write(`r1 serve: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  const opts: ServeOptions = {
    bodyLimit: flags.bodyLimitKb * 1024, generationTimeoutMs: flags.timeout * 1000, rateLimitPerMinute: flags.rateLimit, corsOrigin,
    log: (line) => deps.stderr.write(`${line}\n`),
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
  const app = buildServer(engine, opts);
  let address: string;
  try {
    address = await app.listen({ host: flags.host, port: flags.port });
  } catch (err) {
    deps.stderr.write(`r1 serve: cannot listen on ${flags.host}:${flags.port}: ${(err as Error).message}\n`);
    await engine.close();
    return 1;
  }
  if (banner) deps.stderr.write(`r1 serve: ${banner}\n`);
  deps.stderr.write(`r1 serve: ${engine.description}; model id "${engine.modelId}" (alias "${MODEL_ALIAS}"), context ${engine.context} tokens${apiKey ? ', API key required' : ''}\n`);
  deps.stdout.write(`r1 serve: listening on ${address} (chat page ${address}/, API ${address}/v1)\n`);

  // Graceful shutdown: stop accepting, let in-flight requests finish for `grace` seconds, then cancel the rest.
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      deps.stderr.write(`r1 serve: ${sig}: finishing ${engine.load().active + engine.load().waiting} in-flight request(s) (up to ${flags.grace} s)\n`);
      const timer = setTimeout(() => void engine.close(), flags.grace * 1000);
      void app.close().finally(() => {
        clearTimeout(timer);
        void engine.close().finally(resolve);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  deps.stderr.write('r1 serve: stopped\n');
  return 0;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description(`serve a model over a deepseek-reasoner-compatible chat API (/v1/chat/completions) and a chat page at /`)
    .option('--model <checkpoint>', "Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json) or llama F32/F16 GGUF file, on r1ts's engine")
    .option('--gguf <file>', 'any GGUF model llama.cpp runs (R1 distills, quantized files), through node-llama-cpp')
    .option('--chat-template <file>', "Jinja chat template to prompt with instead of the model's own (--model, --gguf)")
    .option('--threads <n>', "--gguf: llama.cpp threads (default: the machine's math cores; use fewer on a busy machine)")
    .option('--demo', 'serve a seeded, untrained reference-size model (random replies; for trying the API)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '8000')
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on the API')
    .option('--api-key-env <NAME>', 'read the required API key from this environment variable')
    .option('--max-batch <n>', `requests decoded at once (continuous batching; default ${DEFAULT_BATCH.local}, with --gguf ${DEFAULT_BATCH.gguf} llama.cpp sequences)`)
    .option('--max-queue <n>', 'requests that may wait for a decode slot before new ones get 503', '256')
    .option('--context <tokens>', 'tokens per request, prompt and reply (default: the model\'s; --gguf: the model\'s up to 4096; the demo: 1024)')
    .option('--prefix-cache-mb <mb>', 'memory for the KV of repeated prompt prefixes (0 = off; --gguf reuses each sequence\'s own KV instead)', '256')
    .option('--seed <s>', 'seeds the sampling of requests that send no seed', '0')
    .option('--body-limit-kb <kb>', 'largest request body', '1024')
    .option('--rate-limit <n>', 'requests per minute per client address (0 = unlimited)', '0')
    .option('--timeout <seconds>', 'longest a request may take; a generation cut by it ends with finish_reason "length", one still waiting for a slot gets 503', '600')
    .option('--grace <seconds>', 'on SIGTERM, how long in-flight requests may finish', '10')
    .option('--cors-origin <origins>', 'origins browser pages may call the API from (CORS): * (any) or comma-separated, e.g. https://chat.example.com', '*')
    .action(async (raw: Record<string, unknown>) => {
      const code = await runServe(raw, { env: process.env, stdout: process.stdout, stderr: process.stderr });
      process.exitCode = code;
    });
}
