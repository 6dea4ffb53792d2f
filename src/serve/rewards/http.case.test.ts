// src/serve/rewards/http.case.test.ts — helpers shared by the reward service's HTTP suites: a server on an
// ephemeral loopback port, a JSON POST, and JSON as Python's json.dumps writes it (what OpenRLHF's client sends).

import { buildRewardServer, type RewardServer } from './server.js';
import { serviceConfigSchema, type ServiceConfigInput } from './wire.js';

export async function startServer(config: ServiceConfigInput, extra: { apiKey?: string; bodyLimit?: number } = {}): Promise<{ server: RewardServer; url: string }> {
  const server = buildRewardServer({ config: serviceConfigSchema.parse(config), ...extra });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = server.app.server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no address');
  return { server, url: `http://127.0.0.1:${addr.port}` };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), headers: res.headers };
}

/** JSON as Python's json.dumps writes it (what `requests`/`aiohttp` send): ", " and ": " separators, non-ASCII escaped. */
export function pythonJson(v: unknown): string {
  const str = (s: string): string => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (v === null) return 'null';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${str(k)}: ${pythonJson(x)}`).join(', ')}}`;
}

