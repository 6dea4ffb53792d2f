// src/pipeline/teacher.test.ts — distillation traces from an OpenAI-compatible teacher, against a real HTTP server on
// 127.0.0.1 that answers with chosen payloads: what rejection sampling keeps, and resuming after a failed run.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndpointSource, ENDPOINT_DEFAULTS } from '../eval/endpoint.js';
import { getTask } from '../tasks/registry.js';
import { endpointTraces, traceCompletion, withOpenThink } from './teacher.js';

type Reply = { status?: number; reasoning_content?: string; content: string; finish_reason?: string };

/** A server whose reply to each request is `reply(prompt, seed, requestIndex)`; it records (prompt, seed) pairs. */
async function server(reply: (prompt: string, seed: number, i: number) => Reply): Promise<{ url: string; seen: [string, number][]; close: () => Promise<void> }> {
  const seen: [string, number][] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const b = JSON.parse(body) as { messages: { content: string }[]; seed: number };
      const prompt = b.messages.at(-1)!.content;
      const r = reply(prompt, b.seed, seen.length);
      seen.push([prompt, b.seed]);
      if (r.status) return void res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: r.content } }));
      const message = { role: 'assistant', content: r.content, ...(r.reasoning_content !== undefined ? { reasoning_content: r.reasoning_content } : {}) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ index: 0, message, finish_reason: r.finish_reason ?? 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 7 } }));
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`, seen, close: () => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); }) };
}

const expr = (prompt: string): string => /Compute (.*?)\. Use/.exec(prompt)![1]!;
const value = (prompt: string): number => Function(`return (${expr(prompt)})`)() as number;
const source = (url: string) => new EndpointSource({ ...ENDPOINT_DEFAULTS, baseUrl: url, model: 'teacher', concurrency: 1, maxRetries: 0 });
const arithmetic = getTask('arithmetic', { difficulty: 'easy' });

test('an endpoint teacher: only finished, reasoned, correct, one-language, distinct traces are kept, in the R1 format', async () => {
  const draws = (await arithmetic.items({ split: 'train', n: 6, seed: 3 })).map((item) => ({ task: arithmetic, item }));
  const prompts = draws.map((d) => arithmetic.prompt(d.item, 'boxed'));
  // Each prompt (by its place) and seed (sample 0 or 1) gets one kind of reply.
  const kinds = ['good', 'truncated', 'mixed', 'no-reasoning', 'wrong', 'think-tags'];
  const srv = await server((prompt, seed) => {
    const v = value(prompt), e = expr(prompt);
    const kind = seed === 100 ? kinds[prompts.indexOf(prompt)]! : 'good';
    switch (kind) {
      case 'truncated': return { reasoning_content: `We compute ${e}, which gives ${v}.`, content: `The answer is \\boxed{${v}}. To double`, finish_reason: 'length' };
      case 'mixed': return { reasoning_content: `我们先算 ${e}，得到 ${v}。 So it is ${v}.`, content: `The answer is \\boxed{${v}}.` };
      case 'no-reasoning': return { content: `The answer is \\boxed{${v}}.` };
      case 'wrong': return { reasoning_content: `We compute ${e}, which gives ${v + 1}.`, content: `The answer is \\boxed{${v + 1}}.` };
      case 'think-tags': return { content: `<think>\nWe work out ${e}: it is ${v}.\n</think>\n\nThe answer is \\boxed{${v}}.` };
      // Sample 1 of every prompt repeats the same good text: a duplicate except where sample 0 was not kept.
      default: return { reasoning_content: `We compute ${e}, which gives ${v}.`, content: `The answer is \\boxed{${v}}.` };
    }
  });
  const dir = mkdtempSync(join(tmpdir(), 'r1-teacher-'));
  try {
    const { traces, stats } = await endpointTraces(source(srv.url), draws, { k: 2, seed: 100, temperature: 0.6, topP: 0.95, maxTokens: 64, samplesFile: join(dir, 'samples.jsonl') });
    assert.deepEqual(stats.rejected, { truncated: 1, noReasoning: 1, wrong: 1, unreadable: 1, duplicate: 1 });
    assert.equal(stats.samples, 12);
    assert.equal(stats.kept, 7);
    assert.equal(stats.promptTokens, 120);
    assert.equal(stats.completionTokens, 84);
    assert.equal(traces.length, 7);
    for (const t of traces) {
      assert.match(t.completion, /^<think>\n[\s\S]+\n<\/think>\n\nThe answer is \\boxed\{-?\d+\}\.$/);
      assert.ok(!/To double|我们/.test(t.completion), t.completion);
    }
    assert.equal(traces[5]!.completion, `<think>\nWe work out ${expr(prompts[5]!)}: it is ${value(prompts[5]!)}.\n</think>\n\nThe answer is \\boxed{${value(prompts[5]!)}}.`);
    assert.equal(traceCompletion({ reasoning: 'r', content: 'a' }), '<think>\nr\n</think>\n\na');
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a teacher run that fails part-way resumes: only the missing samples are asked for, with their own seeds', async () => {
  const draws = (await arithmetic.items({ split: 'train', n: 4, seed: 5 })).map((item) => ({ task: arithmetic, item }));
  const good = (prompt: string, seed: number): Reply => ({ reasoning_content: `Seed ${seed}: ${expr(prompt)} is ${value(prompt)}.`, content: `The answer is \\boxed{${value(prompt)}}.` });
  const dir = mkdtempSync(join(tmpdir(), 'r1-teacher-'));
  const opts = { k: 2, seed: 7, temperature: 0.6, topP: 0.95, maxTokens: 64 };
  // The whole run in one go, for comparison.
  const whole = await server(good);
  const fresh = await endpointTraces(source(whole.url), draws, { ...opts, samplesFile: join(dir, 'fresh.jsonl') });
  await whole.close();
  // The same run against a server that fails for good at its third request.
  const failing = await server((p, s, i) => (i === 2 ? { status: 400, content: 'bad request' } : good(p, s)));
  const file = join(dir, 'samples.jsonl');
  await assert.rejects(endpointTraces(source(failing.url), draws, { ...opts, samplesFile: file }), /HTTP 400/);
  await failing.close();
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);
  const healthy = await server(good);
  try {
    const resumed = await endpointTraces(source(healthy.url), draws, { ...opts, samplesFile: file });
    assert.equal(healthy.seen.length, 6, 'only the 6 missing samples are requested');
    assert.equal(resumed.stats.resumed, 2);
    assert.deepEqual(healthy.seen.map(([, s]) => s), [7, 7, 8, 8, 8, 8]);
    assert.deepEqual(resumed.traces, fresh.traces);
    assert.equal(resumed.traces.length, 8);
    // A line cut short by a crash is asked for again, not fatal.
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const cut = join(dir, 'cut.jsonl');
    (await import('node:fs')).writeFileSync(cut, [...lines.slice(0, 7), lines[7]!.slice(0, 20)].join('\n'));
    const logs: string[] = [];
    const again = await endpointTraces(source(healthy.url), draws, { ...opts, samplesFile: cut, log: (m) => logs.push(m) });
    assert.equal(healthy.seen.length, 7);
    assert.deepEqual(again.traces, fresh.traces);
    assert.ok(logs.some((l) => /1 unreadable line skipped/.test(l)), logs.join('\n'));
    // Another teacher's samples are never mixed in.
    const other = new EndpointSource({ ...ENDPOINT_DEFAULTS, baseUrl: healthy.url, model: 'other', concurrency: 1, maxRetries: 0 });
    await assert.rejects(endpointTraces(other, draws, { ...opts, samplesFile: file }), /samples\.jsonl holds samples of the teacher "teacher", not "other"/);
    assert.equal(healthy.seen.length, 7);
  } finally {
    await healthy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a teacher's trace trains balanced <think> tags whether or not the student's template opens the block, and is left out when too long", async () => {
  const { writeTemplateCheckpoints } = await import('../tokenizer/template-check.js');
  const { TOKENIZER_JSON } = await import('../tokenizer/template-expected.cases.js');
  const { loadTokenizer } = await import('../tokenizer/index.js');
  const { encodeSftRecord, parseSftLine } = await import('../train/sft/data.js');
  const dir = mkdtempSync(join(tmpdir(), 'r1-teacher-tpl-'));
  try {
    const folders = writeTemplateCheckpoints(dir, TOKENIZER_JSON);
    const rec = parseSftLine(JSON.stringify({ prompt: 'hi', completion: traceCompletion({ reasoning: 'r', content: 'The answer is 4.' }) }), 'f:1');
    for (const name of ['chatml', 'chatml-think']) {
      const tok = loadTokenizer(folders.get(name)!);
      const ex = encodeSftRecord(tok, rec, 'chat', false, 'f:1');
      const all = tok.decode(ex.ids), trained = tok.decode(ex.ids.filter((_, i) => ex.mask[i]));
      assert.ok(all.endsWith('<|im_start|>assistant\n<think>\nr\n</think>\n\nThe answer is 4.<|im_end|>\n'), `${name}: ${all}`);
      assert.equal(all.split('<think>').length, 2, `${name}: one opening tag`);
      assert.equal(trained, name === 'chatml' ? '<think>\nr\n</think>\n\nThe answer is 4.<|im_end|>\n' : 'r\n</think>\n\nThe answer is 4.<|im_end|>\n');
    }
    // A local teacher's sample that began inside the block: the same tokens where the student's template opens it too,
    // balanced tags where it does not.
    const sampled = 'r</think>\n\nThe answer is 4.';
    const think = loadTokenizer(folders.get('chatml-think')!), plain = loadTokenizer(folders.get('chatml')!);
    const enc = (tok: typeof think, completion: string) => encodeSftRecord(tok, parseSftLine(JSON.stringify({ prompt: 'hi', completion }), 'f:2'), 'chat', false, 'f:2');
    assert.deepEqual(enc(think, withOpenThink(sampled, true)).ids, enc(think, sampled).ids);
    assert.deepEqual(enc(think, withOpenThink('\n' + sampled, true)).ids, enc(think, '\n' + sampled).ids);
    assert.ok(plain.decode(enc(plain, withOpenThink(sampled, true)).ids).endsWith('<|im_start|>assistant\n<think>\nr</think>\n\nThe answer is 4.<|im_end|>\n'));
    assert.equal(withOpenThink(sampled, false), sampled);
    // A trace longer than the student's context is left out rather than cut before its answer.
    const { writeFileSync } = await import('node:fs');
    const { loadSftExamples } = await import('../train/sft/data.js');
    const file = join(dir, 'traces.jsonl');
    const long = traceCompletion({ reasoning: 'step '.repeat(200).trim(), content: 'The answer is 4.' });
    writeFileSync(file, [{ prompt: 'hi', completion: traceCompletion({ reasoning: 'r', content: 'The answer is 4.' }) }, { prompt: 'hi', completion: long }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const tok = loadTokenizer(folders.get('chatml')!);
    const cut = loadSftExamples(file, tok, { format: 'chat', trainOnPrompt: false, maxLen: 64 });
    assert.deepEqual([cut.examples.length, cut.truncated, cut.dropped], [2, 1, 0]);
    const dropped = loadSftExamples(file, tok, { format: 'chat', trainOnPrompt: false, maxLen: 64, long: 'drop' });
    assert.deepEqual([dropped.examples.length, dropped.truncated, dropped.dropped], [1, 0, 1]);
    assert.ok(tok.decode(dropped.examples[0]!.ids).endsWith('The answer is 4.<|im_end|>\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the distill stage refuses traces written by another teacher, and names a missing local teacher', async () => {
  const { pipelinePreset } = await import('./presets.js');
  const { stageDistill } = await import('./stages.js');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'r1-teacher-stage-'));
  try {
    mkdirSync(join(dir, 'distill'));
    writeFileSync(join(dir, 'distill', 'traces.jsonl'), JSON.stringify({ prompt: 'p', completion: '<think>\nr\n</think>\n\na' }) + '\n');
    writeFileSync(join(dir, 'distill', 'traces-source.json'), JSON.stringify({ source: 'our R1 model', teacherName: 'our R1 model', traces: 1, prompts: 1 }) + '\n');
    const ctx = { preset: pipelinePreset('quick'), runDir: dir, log: () => {}, inputs: {}, teacher: { baseUrl: 'http://127.0.0.1:9/v1', model: 'teacher' } };
    await assert.rejects(stageDistill(ctx), /traces\.jsonl holds traces of our R1 model, not of endpoint teacher/);
    // Without an endpoint, a run with no R1 model yet names the missing teacher.
    rmSync(join(dir, 'distill'), { recursive: true });
    await assert.rejects(stageDistill({ ...ctx, teacher: undefined }), /^Error: distill: the teacher \(the R1 model; or --teacher-endpoint\): .*r1[\\/]rl2[\\/]final is not a checkpoint folder \(no config\.json\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the report counts the endpoint teacher's samples, tokens and what was dropped", async () => {
  const { pipelinePreset } = await import('./presets.js');
  const { writeReport } = await import('./report.js');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'r1-teacher-report-'));
  try {
    mkdirSync(join(dir, 'distill'));
    writeFileSync(join(dir, 'preset.json'), JSON.stringify(pipelinePreset('quick')));
    const teacher = { samples: 48, resumed: 0, kept: 3, rejected: { truncated: 8, noReasoning: 0, wrong: 32, unreadable: 2, duplicate: 3 }, promptTokens: 4800, completionTokens: 96000.5 };
    writeFileSync(join(dir, 'distill', 'traces-source.json'), JSON.stringify({ source: 'endpoint m', teacherName: 'endpoint m', traces: 3, prompts: 24, teacher }));
    const md = readFileSync(writeReport(dir).markdown, 'utf8');
    assert.ok(md.includes("Distillation traces: endpoint m. The teacher's 48 samples (4,800 prompt and 96,001 completion tokens) kept 3; dropped: 8 cut at max_tokens, 32 wrong or missing answers, 2 mixing languages or repeating, 3 duplicates."), md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
