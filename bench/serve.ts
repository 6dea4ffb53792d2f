// bench/serve.ts — `npm run bench:serve`: `r1 serve --demo` (the reference-size model) under 1, 16 and 64 concurrent
// streaming clients from autocannon: aggregate decode throughput (completion tokens/s, from each reply's usage chunk)
// and p50/p99 time to first token (the server sends its headers with the first token, so time to headers is TTFT).
// The baseline, measured in the same run on the same weights: generate() at batch 1, 16 and 64 (bench:generate's
// workload). Targets (issue 14): p99 TTFT <= 100 ms at 16 streams; throughput at 64 streams >= 0.8x generate's batch 64.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { printBenchHeader } from './header.js';
import { DecoderWeights, generate } from '../src/generate/index.js';
import { demoParts } from '../src/serve/models.js';
import { encodeChat } from '../src/tokenizer/index.js';
import { median, quantile } from '../src/util/stats.js';

const NEW_TOKENS = 64;
const DURATION_S = Number(process.env.BENCH_SERVE_SECONDS ?? 10);
const STREAMS = [1, 16, 64];
const QUESTION = 'What is 2 + 3? Please reason step by step, and put your final answer within \\boxed{}.';

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'serve', '--demo', '--port', '0', '--max-batch', '64', '--max-queue', '64', '--context', '512', '--prefix-cache-mb', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`r1 serve exited ${code}`)));
  });
}

interface Load { streams: number; tokPerSec: number; replies: number; ttftP50: number; ttftP99: number; errors: number }

async function load(url: string, streams: number): Promise<Load> {
  const ttft: number[] = [];
  let tokens = 0, replies = 0;
  const body = JSON.stringify({
    model: 'deepseek-reasoner', messages: [{ role: 'user', content: QUESTION }], max_tokens: NEW_TOKENS, temperature: 0,
    stream: true, stream_options: { include_usage: true },
  });
  const res = await autocannon({
    url: `${url}/v1/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json' }, body,
    connections: streams, pipelining: 1, duration: DURATION_S, timeout: 120,
    setupClient: (client) => {
      let sent = 0, text = '';
      // autocannon's client emits 'request' as it writes each request (its typings list only some events).
      (client as unknown as NodeJS.EventEmitter).on('request', () => {
        sent = performance.now();
        text = '';
      });
      client.on('headers', () => ttft.push(performance.now() - sent));
      client.on('body', (b: Buffer) => (text += b.toString()));
      client.on('response', () => {
        const m = /"completion_tokens":(\d+)/.exec(text);
        if (m) {
          tokens += Number(m[1]);
          replies++;
        }
      });
    },
  });
  ttft.sort((a, b) => a - b);
  return { streams, tokPerSec: tokens / DURATION_S, replies, ttftP50: quantile(ttft, 0.5), ttftP99: quantile(ttft, 0.99), errors: res.errors + res.non2xx };
}

/** generate()'s decode throughput at `batch` (greedy, NEW_TOKENS each, the chat prompt the server renders). */
function baseline(batch: number): number {
  const { model, tokenizer } = demoParts(0);
  const prompt = encodeChat(tokenizer, [{ role: 'user', content: QUESTION }], { addGenerationPrompt: true, literalContent: true });
  const weights = DecoderWeights.supports(model) ? new DecoderWeights(model) : undefined;
  const once = (): { ms: number; tokens: number } => {
    const t0 = performance.now();
    const r = generate(model, Array.from({ length: batch }, () => prompt), { maxNewTokens: NEW_TOKENS, sampling: { temperature: 0 }, maxBatch: batch, ...(weights ? { weights } : {}) });
    return { ms: performance.now() - t0, tokens: r.sequences.reduce((s, g) => s + g.tokens.length, 0) };
  };
  once();
  const runs = [once(), once(), once()];
  return median(runs.map((r) => r.tokens / (r.ms / 1000)));
}

printBenchHeader(`bench:serve — r1 serve --demo (reference-size model) under concurrent streams; ${NEW_TOKENS} new tokens per reply, greedy, ${DURATION_S} s per level`);
const { child, url } = await startServer();
const rows: { load: Load; base: number }[] = [];
try {
  // Warm up the server (first requests pack weights, grow buffers).
  await load(url, 4);
  for (const streams of STREAMS) {
    // Baseline and server back to back per level, so a change in machine load hits both alike.
    const base = baseline(streams);
    rows.push({ load: await load(url, streams), base });
  }
} finally {
  child.kill('SIGTERM');
}
const f = (x: number, d = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
console.log('| streams | serve tok/s | generate() batch tok/s | ratio | replies | TTFT p50 ms | TTFT p99 ms | errors |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { load: l, base } of rows) {
  console.log(`| ${l.streams} | ${f(l.tokPerSec)} | ${f(base)} | ${(l.tokPerSec / base).toFixed(2)}x | ${l.replies} | ${f(l.ttftP50, 1)} | ${f(l.ttftP99, 1)} | ${l.errors} |`);
}
const at16 = rows.find((r) => r.load.streams === 16)!, at64 = rows.find((r) => r.load.streams === 64)!;
console.log('');
console.log(`p99 TTFT at 16 streams: ${f(at16.load.ttftP99, 1)} ms (target <= 100 ms: ${at16.load.ttftP99 <= 100 ? 'met' : 'NOT met'})`);
console.log(`throughput at 64 streams: ${(at64.load.tokPerSec / at64.base).toFixed(2)}x generate()'s batch 64 (target >= 0.80x: ${at64.load.tokPerSec / at64.base >= 0.8 ? 'met' : 'NOT met'})`);
