// src/eval/endpoint.ts — a SampleSource for any OpenAI-compatible Chat Completions endpoint (DeepSeek API, vLLM,
// SGLang, OpenRouter, r1ts's own server). Plain fetch rather than the `openai` package: its built-in retry uses
// unseeded jitter and its types drop the non-standard fields we need (reasoning_content, prompt_cache_hit_tokens),
// and fetch keeps r1ts free of a large dependency for one POST.

import { z } from 'zod';
import { patientDispatcher } from './http-agent.js';
import { backoffMs, Limiter, linkedSignal, parseRetryAfter, RETRYABLE_STATUS, sleep, type BackoffOptions } from './retry.js';
import type { Completion, SampleOptions, SampleSource } from './types.js';
import { errorMessage, redactSecrets, toCompletions, WireErrorSchema, WireResponseSchema, type ChatRequestBody } from './wire.js';

/**
 * How n samples per prompt are requested: 'native' sends one request with `n` (OpenAI, vLLM); 'repeat' sends n
 * requests with n = 1 and seeds seed, seed+1, … (DeepSeek's API ignores `n`; also finer-grained resume).
 */
export type NMode = 'native' | 'repeat';

/** Events the client reports to an optional logger (never containing the API key). */
export type EndpointEvent =
  | { kind: 'retry'; attempt: number; delayMs: number; reason: string; /** The wait is the server's Retry-After. */ serverAsked: boolean }
  | { kind: 'give-up'; attempts: number; reason: string }
  /** Something odd but survivable in a response (e.g. a malformed usage block). */
  | { kind: 'warning'; message: string };

export interface EndpointOptions {
  /** Base URL, e.g. https://api.deepseek.com/v1 (…/chat/completions is appended unless already there). */
  baseUrl: string;
  /** Model name sent as `model`. */
  model: string;
  /** Bearer token; omitted from requests when undefined. Held privately, never logged or serialized. */
  apiKey?: string;
  nMode: NMode;
  /** Requests in flight at once (>= 1). */
  concurrency: number;
  /** Retries after the first attempt (>= 0). */
  maxRetries: number;
  /** Per-attempt timeout for the whole request and response body (ms). */
  timeoutMs: number;
  backoff: BackoffOptions;
  /** Longest server-requested Retry-After that is honored (ms); longer requests are capped to this. */
  maxRetryAfterMs: number;
  /** Send `seed` in requests (servers that honor it, like vLLM, then sample reproducibly). */
  sendSeed: boolean;
  /** Receives retry events; the client itself never prints. */
  onEvent?: (e: EndpointEvent) => void;
  /** Injectable wait, for tests that check delays without waiting them out. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Defaults for everything except where to send requests. */
export const ENDPOINT_DEFAULTS = {
  nMode: 'repeat',
  concurrency: 8,
  maxRetries: 6,
  timeoutMs: 600_000,
  backoff: { baseMs: 1_000, maxMs: 60_000 },
  maxRetryAfterMs: 300_000,
  sendSeed: true,
} as const satisfies Omit<EndpointOptions, 'baseUrl' | 'model'>;

/** A request that failed for good: HTTP status (when there was a response) and the server's message. */
export class EndpointError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'EndpointError';
  }
}

/** The chat-completions URL for a base URL; only http(s) is accepted. */
export function chatCompletionsUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`endpoint URL "${baseUrl}" is not a valid URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint URL "${baseUrl}" must use http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses such a URL with an error that quotes it whole; never repeat the password.
    url.username = '';
    url.password = '';
    throw new Error(`endpoint URL ${url.toString()} carries credentials (user:password@), which are neither sent nor shown: give the API key in an environment variable (--api-key-env)`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/chat/completions') ? path : `${path}/chat/completions`;
  return url.toString();
}

export class EndpointSource implements SampleSource {
  readonly label: string;
  readonly model: string;
  readonly #apiKey: string | undefined;
  readonly #url: string;
  readonly #opts: EndpointOptions;
  readonly #limiter: Limiter;
  #requests = 0;

  constructor(opts: EndpointOptions) {
    if (!Number.isInteger(opts.maxRetries) || opts.maxRetries < 0) throw new RangeError(`maxRetries must be an integer >= 0, got ${opts.maxRetries}`);
    if (!(opts.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${opts.timeoutMs}`);
    this.#url = chatCompletionsUrl(opts.baseUrl);
    this.#apiKey = opts.apiKey;
    this.#opts = opts;
    this.#limiter = new Limiter(opts.concurrency);
    this.model = opts.model;
    const u = new URL(this.#url);
    this.label = `endpoint ${opts.model} @ ${u.origin}`;
  }

  /** HTTP attempts made so far (retries included). */
  get requestCount(): number {
    return this.#requests;
  }

  /** Never serialize the key (results files store the source's public fields only). */
  toJSON(): { label: string; model: string } {
    return { label: this.label, model: this.model };
  }

  async complete(prompts: readonly string[], opts: SampleOptions): Promise<Completion[][]> {
    if (!Number.isInteger(opts.n) || opts.n < 1) throw new RangeError(`n must be a positive integer, got ${opts.n}`);
    const out: Completion[][] = prompts.map(() => []);
    // Jobs: (prompt, first sample index, how many). After a permanent failure no new job starts; jobs already
    // in flight finish (their samples are paid for and reported through onCompletion).
    const jobs: { p: number; first: number; count: number }[] = [];
    prompts.forEach((_, p) => {
      if (this.#opts.nMode === 'native') jobs.push({ p, first: 0, count: opts.n });
      else for (let j = 0; j < opts.n; j++) jobs.push({ p, first: j, count: 1 });
    });
    let failure: unknown = null;
    const link = linkedSignal(opts.signal);
    const inner: SampleOptions = { ...opts, signal: link.signal };
    const settled = await Promise.allSettled(
      jobs.map((job) =>
        this.#limiter.run(async () => {
          if (failure !== null) throw failure;
          try {
            const seed = (opts.seed + job.first) >>> 0;
            const got = await this.#request(prompts[job.p]!, job.count, seed, inner);
            got.forEach((c, i) => {
              out[job.p]![job.first + i] = c;
              opts.onCompletion?.(job.p, job.first + i, c);
            });
          } catch (err) {
            if (failure === null) failure = err;
            throw err;
          }
        }, link.signal),
      ),
    ).finally(link.dispose);
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (rejected) throw failure ?? rejected.reason;
    return out;
  }

  /** One chat request with retries; returns exactly `n` completions. */
  async #request(prompt: string, n: number, seed: number, opts: SampleOptions): Promise<Completion[]> {
    const body: ChatRequestBody = {
      model: this.model,
      messages: [{ role: 'user', content: prompt }],
      temperature: opts.temperature,
      top_p: opts.topP,
      max_tokens: opts.maxTokens,
    };
    if (n > 1) body.n = n;
    if (this.#opts.sendSeed) body.seed = seed;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    const wait = this.#opts.sleep ?? sleep;
    const json = JSON.stringify(body);

    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(json, headers, opts.signal);
      if (outcome.ok) {
        const completions = toCompletions(outcome.response, (message) => this.#opts.onEvent?.({ kind: 'warning', message }));
        if (completions.length !== n) {
          throw new EndpointError(
            `endpoint returned ${completions.length} choices for n=${n}; it may not support n > 1 (use --n-mode repeat)`,
            200,
            false,
          );
        }
        return completions;
      }
      const err = outcome.error;
      if (!err.retryable || attempt >= this.#opts.maxRetries) {
        if (err.retryable) this.#opts.onEvent?.({ kind: 'give-up', attempts: attempt + 1, reason: err.message });
        throw err.retryable ? new EndpointError(`${err.message} (gave up after ${attempt + 1} attempt${attempt === 0 ? '' : 's'})`, err.status, true) : err;
      }
      const asked = outcome.retryAfterMs;
      const delayMs = asked !== null ? Math.min(asked, this.#opts.maxRetryAfterMs) : backoffMs(attempt, this.#opts.backoff, seed);
      this.#opts.onEvent?.({ kind: 'retry', attempt: attempt + 1, delayMs, reason: err.message, serverAsked: asked !== null });
      await wait(delayMs, opts.signal);
    }
  }

  /** Strings never to repeat from a server's answer. */
  #secrets(): string[] {
    return this.#apiKey !== undefined ? [this.#apiKey] : [];
  }

  /** One HTTP attempt under the per-attempt timeout. */
  async #attempt(
    json: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<
    { ok: true; response: z.infer<typeof WireResponseSchema> } | { ok: false; error: EndpointError; retryAfterMs: number | null }
  > {
    this.#requests++;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('timeout')), this.#opts.timeoutMs);
    const onAbort = (): void => timeout.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let status: number;
    let text: string;
    let retryAfterMs: number | null;
    try {
      const dispatcher = patientDispatcher();
      const res = await fetch(this.#url, { method: 'POST', headers, body: json, signal: timeout.signal, ...(dispatcher !== null ? { dispatcher } : {}) });
      status = res.status;
      retryAfterMs = parseRetryAfter(res.headers);
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.signal.aborted) {
        return { ok: false, error: new EndpointError(`request timed out after ${this.#opts.timeoutMs} ms`, null, true), retryAfterMs: null };
      }
      // Only transient network failures are retried; fetch refusing the request (a "bad port", a bad URL) or a
      // name that does not resolve would fail the same way every time.
      const transient = isTransientNetworkError(err);
      const reason = `network error: ${redactSecrets(describeNetworkError(err), this.#secrets())}${transient ? '' : ' (not retried)'}`;
      return { ok: false, error: new EndpointError(reason, null, transient), retryAfterMs: null };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (status < 200 || status >= 300) {
      const hint = status === 401 || status === 403 ? ' (check the API key variable named by --api-key-env)' : '';
      const error = new EndpointError(`endpoint answered HTTP ${status}: ${errorMessage(text, this.#secrets())}${hint}`, status, RETRYABLE_STATUS.has(status));
      return { ok: false, error, retryAfterMs };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      const head = redactSecrets(text.length > 200 ? `${text.slice(0, 200)}…` : text, this.#secrets());
      throw new EndpointError(`endpoint returned malformed JSON (HTTP ${status}): ${JSON.stringify(head)}`, status, false);
    }
    const parsed = WireResponseSchema.safeParse(raw);
    if (!parsed.success && WireErrorSchema.safeParse(raw).success) {
      // An error reported in a 200 body (some gateways and proxies do): the server's message, retried like a 5xx.
      const error = new EndpointError(`endpoint answered HTTP ${status} with an error: ${errorMessage(text, this.#secrets())}`, status, true);
      return { ok: false, error, retryAfterMs };
    }
    if (!parsed.success) {
      throw new EndpointError(
        `endpoint response is not a chat completion (HTTP ${status}):\n${z.prettifyError(parsed.error)}`,
        status,
        false,
      );
    }
    return { ok: true, response: parsed.data };
  }
}

/** Error codes of failures that may pass: connections reset, refused (a server restarting), timed out, unreachable. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH', 'EHOSTDOWN',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** Whether a fetch failure is worth retrying: its cause carries a transient network error code. */
export function isTransientNetworkError(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown; errors?: { code?: unknown }[] } };
  const codes = [e.code, e.cause?.code, ...(e.cause?.errors ?? []).map((x) => x.code)];
  return codes.some((c) => typeof c === 'string' && TRANSIENT_CODES.has(c));
}

function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'fetch failed'} (${cause})` : (e.message ?? String(err));
}
