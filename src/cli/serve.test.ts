// src/cli/serve.test.ts — the real `r1 serve` process: flags, `r1 eval --endpoint` against it (cache hits reported),
// a GGUF served through llama.cpp (--gguf), and a graceful SIGTERM that lets an in-flight stream finish.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAIN_ANSWER, CHAIN_REASONING, CHATML_TEMPLATE, makeChainGguf, templateFile } from '../serve/gguf-fixture.js';

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));
const argvOf = (args: string[]): string[] => [...(fromSource ? ['--import', 'tsx'] : []), main, ...args];

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  closed: Promise<number | null>;
}

/** Starts `r1 serve` and resolves once it prints its address. */
function startServe(args: string[]): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argvOf(['serve', '--port', '0', ...args]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, stderr: () => err, closed });
    });
    void closed.then((code) => reject(new Error(`r1 serve exited ${code}: ${err}`)));
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argvOf(args), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENAI_API_KEY: 'sk-test' } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('r1 serve: usage errors exit 2 (no model, two models, --model without a value)', async () => {
  assert.equal((await run(['serve'])).code, 2);
  const both = await run(['serve', '--demo', '--model', 'x']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /exactly one of --model <checkpoint>, --gguf <file> or --demo/);
  assert.equal((await run(['serve', '--gguf', 'x.gguf', '--model', 'y'])).code, 2);
  assert.equal((await run(['serve', '--model'])).code, 2);
  assert.equal((await run(['serve', '--gguf'])).code, 2);
  const threads = await run(['serve', '--demo', '--threads', '1']);
  assert.equal(threads.code, 2);
  assert.match(threads.stderr, /--threads applies to --gguf/);
  const cors = await run(['serve', '--demo', '--cors-origin', 'https://chat.example.com/']);
  assert.equal(cors.code, 2);
  assert.match(cors.stderr, /--cors-origin: "https:\/\/chat\.example\.com\/" is not an origin .*did you mean https:\/\/chat\.example\.com\?/);
  // Bad values: one line naming each flag as typed.
  const bad = await run(['serve', '--demo', '--max-batch', '0', '--max-queue', '-1', '--prefix-cache-mb', 'x', '--rate-limit', '-1', '--body-limit-kb', '0', '--api-key', '']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'r1 serve: --api-key: must not be empty; --max-batch: must be at least 1, got 0; --max-queue: must be at least 0, got -1; '
    + '--prefix-cache-mb: must be a number, got "x"; --body-limit-kb: must be at least 1, got 0; --rate-limit: must be at least 0, got -1\n');
  const context = await run(['serve', '--demo', '--context', '100000']);
  assert.equal(context.code, 2);
  assert.match(context.stderr, /^r1 serve: --context 100000 is more than the model's 2048-token context \(leave --context out to use all of it\)$/m);
});

test('r1 serve --gguf: a GGUF through llama.cpp, prompted with --chat-template, answers with the reasoning split; a missing file exits 1', async () => {
  const gguf = makeChainGguf();
  const tpl = templateFile(CHATML_TEMPLATE);
  const srv = await startServe(['--gguf', gguf.file, '--chat-template', tpl, '--max-batch', '2', '--context', '256', '--threads', '1']);
  try {
    assert.match(srv.stderr(), /GGUF chain\.gguf through llama\.cpp .*2 sequences of 256 tokens; --chat-template /);
    const body = JSON.stringify({ model: 'chain.gguf', messages: [{ role: 'user', content: 'What is 2 + 3?' }] });
    const res = await fetch(`${srv.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const r = (await res.json()) as { choices: { message: { content: string; reasoning_content: string }; finish_reason: string }[] };
    assert.deepEqual(r.choices[0], { index: 0, message: { role: 'assistant', content: CHAIN_ANSWER, reasoning_content: CHAIN_REASONING }, logprobs: null, finish_reason: 'stop' });
  } finally {
    srv.child.kill('SIGTERM');
    await srv.closed;
    rmSync(dirname(gguf.file), { recursive: true, force: true });
    rmSync(dirname(tpl), { recursive: true, force: true });
  }
  const missing = await run(['serve', '--gguf', join(tmpdir(), 'no-such-model.gguf')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no-such-model\.gguf/);
});

test('`r1 eval --endpoint … --api-model deepseek-reasoner` against `r1 serve --demo` works and reports cache hits; --cors-origin', async () => {
  const srv = await startServe(['--demo', '--context', '256', '--max-batch', '8', '--api-key', 'sk-test', '--cors-origin', 'https://a.example, https://b.example:8443']);
  const out = mkdtempSync(join(tmpdir(), 'r1-serve-eval-'));
  try {
    assert.match(srv.stderr(), /DEMO: a seeded, UNTRAINED reference-size model/);
    // Only the listed origins get CORS headers (browsers refuse the others' pages the reply).
    const preflight = (origin: string): Promise<Response> => fetch(`${srv.url}/v1/chat/completions`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    for (const origin of ['https://a.example', 'https://b.example:8443']) {
      const r = await preflight(origin);
      assert.equal(r.headers.get('access-control-allow-origin'), origin);
      assert.match(r.headers.get('access-control-allow-headers') ?? '', /authorization/);
    }
    assert.equal((await preflight('https://c.example')).headers.get('access-control-allow-origin'), null);
    const res = await run(['eval', '--endpoint', `${srv.url}/v1`, '--api-model', 'deepseek-reasoner', '--bench', 'arithmetic', '-k', '2', '--limit', '3', '--max-tokens', '8', '--concurrency', '1', '--out', out, '--no-progress']);
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { benches: { bench: string; usage: { cacheHitTokens: number; cacheMissTokens: number; promptTokens: number } }[] };
    const u = summary.benches[0]!.usage;
    assert.ok(u.cacheHitTokens > 0, `cache hits reported: ${JSON.stringify(u)}`);
    assert.equal(u.cacheHitTokens + u.cacheMissTokens, u.promptTokens);
  } finally {
    srv.child.kill('SIGTERM');
    await srv.closed;
    rmSync(out, { recursive: true, force: true });
  }
});

test('SIGTERM: the server stops accepting, lets an in-flight stream finish, and exits 0', async () => {
  const srv = await startServe(['--demo', '--context', '256', '--max-batch', '4', '--grace', '30']);
  const body = JSON.stringify({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'hi' }], max_tokens: 60, seed: 5, stream: true });
  const res = await fetch(`${srv.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = dec.decode((await reader.read()).value);
  srv.child.kill('SIGTERM');
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value);
  }
  assert.match(text, /"finish_reason":"(stop|length)"/);
  assert.match(text, /data: \[DONE\]\n\n$/);
  assert.equal(await srv.closed, 0, srv.stderr());
  assert.match(srv.stderr(), /SIGTERM: finishing 1 in-flight request/);
  assert.match(srv.stderr(), /r1 serve: stopped/);
});
