// src/eval/http-agent.ts — the connection pool endpoint requests go through. Node's fetch (undici) gives up on a
// response whose headers take more than 300 s (UND_ERR_HEADERS_TIMEOUT) or whose body pauses as long, whatever the
// request's own deadline: a non-streamed reasoning request to a server that answers only when generation ends (vLLM,
// SGLang, r1 serve) routinely takes longer, and was then retried from scratch, paid again, until it gave up. Requests
// here use a pool of the same class with those limits off; the client's per-attempt timeout (--timeout) bounds them.

/** Where undici keeps the process's global dispatcher (the same key across undici copies and Node versions). */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** fetch's own dispatcher type (undici's Dispatcher), as Node's RequestInit names it. */
export type Dispatcher = NonNullable<RequestInit['dispatcher']>;
type DispatcherClass = new (opts: { headersTimeout: number; bodyTimeout: number }) => Dispatcher;

let pool: Dispatcher | null | undefined;

/**
 * A dispatcher for fetch's `dispatcher` option without undici's header and body timeouts, or null where fetch has
 * none to derive it from (another runtime): requests then keep fetch's defaults.
 */
export function patientDispatcher(): Dispatcher | null {
  if (pool !== undefined) return pool;
  const g = globalThis as unknown as Record<symbol, unknown>;
  // fetch installs its global dispatcher on its first call; a data: URL needs no network.
  if (g[GLOBAL_DISPATCHER] === undefined) void fetch('data:,').catch(() => {});
  const current = g[GLOBAL_DISPATCHER];
  pool = null;
  if (typeof current === 'object' && current !== null) {
    try {
      pool = new (current.constructor as DispatcherClass)({ headersTimeout: 0, bodyTimeout: 0 });
    } catch {
      pool = null;
    }
  }
  return pool;
}
