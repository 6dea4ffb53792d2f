// bench/generate.ts — `npm run bench:generate`: decode throughput (tokens/s) of r1ts generate() at batch 1, 16 and 64
// on the issue-3 reference model (Llama-style, hidden 256, 4 layers, 4 heads, SwiGLU 1024, vocab 512; random init,
// seeded), next to the same weights as an F32 GGUF in llama.cpp (node-llama-cpp) and as a Llama checkpoint in Python
// transformers generate() when importable — all measured in this run, ratios printed.
// Workload: B distinct 9-token prompts, 256 new tokens each, greedy, EOS ignored; wall time of the whole call
// (prefill included); median of R1_BENCH_RUNS runs (default 3) after a warm-up. r1ts runs twice: with its default
// f32 KV cache and with kvDtype 'f16' (llama.cpp's default KV type, so the like-for-like comparison).
// Child mode (`generate.js --llama-child <model.gguf> <plan.json>`) runs the llama.cpp side in its own process with
// UV_THREADPOOL_SIZE=1: with libuv's default pool, llama.cpp's threads fight the pool on a 2-core machine.
// llama.cpp runs with flash attention on, its faster setting here (measured: batch 64 2,830 vs 1,970 tok/s without,
// batch 1 540 vs 450), and its default F16 KV cache.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNativeBackend, createRefBackend, nativeAvailable, userEnv } from '../src/backend/index.js';
import { createEngine } from '../src/tensor/index.js';
import { exportLlamaGguf, preset, saveModelAsHf, Transformer, byteLevelVocab, type KvDtype } from '../src/model/index.js';
import { DecoderWeights, generate } from '../src/generate/index.js';
import { Rng } from '../src/util/rng.js';
import { openLlamaCpp } from './llama-cpp.js';
import { printBenchHeader } from './header.js';
import { formatSpread, median, spreadOf, tooWide } from '../src/util/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
const PROMPT_LEN = 9;
const NEW_TOKENS = Number(process.env.R1_BENCH_NEW_TOKENS ?? 256);
const RUNS = Number(process.env.R1_BENCH_RUNS ?? 3);
const BATCHES = [1, 16, 64];

interface Plan {
  prompts: number[][];
  newTokens: number;
  runs: number;
  /** llama.cpp threads per batch size (1 thread is fastest at batch 1 on 2 cores, 2 threads for batches). */
  configs: { batch: number; threads: number }[];
}

interface Row {
  batch: number;
  tokPerSec: number | null;
  note?: string;
  /** The timed runs (any unit): their spread says whether the median can be trusted. */
  times?: number[];
}

function root(): string {
  let dir = here;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench/generate: package.json not found');
    dir = up;
  }
  return dir;
}

// ---- llama.cpp child ------------------------------------------------------------------------------------------------

async function llamaChild(modelPath: string, planPath: string): Promise<void> {
  const llama = await openLlamaCpp();
  if (!llama) return;
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as Plan;
  const model = await llama.loadModel({ modelPath });
  const rows: Row[] = [];
  for (const { batch, threads } of plan.configs) {
    const ctx = await model.createContext({
      contextSize: PROMPT_LEN + plan.newTokens + 16, sequences: batch, threads, batchSize: Math.max(batch * PROMPT_LEN, 64), flashAttention: true,
    });
    const seqs = Array.from({ length: batch }, () => ctx.getSequence());
    const once = async (newTokens: number): Promise<number> => {
      for (const s of seqs) await s.clearHistory();
      const t0 = performance.now();
      await Promise.all(seqs.map(async (s, b) => {
        let n = 0;
        // Greedy; EOG tokens are yielded and generation goes on (the workload ignores EOS).
        for await (const _tok of s.evaluate(plan.prompts[b]!.map((t) => t as import('node-llama-cpp').Token), { temperature: 0, yieldEogToken: true })) {
          if (++n >= newTokens) break;
        }
      }));
      return performance.now() - t0;
    };
    await once(8);
    const times: number[] = [];
    for (let r = 0; r < plan.runs; r++) times.push(await once(plan.newTokens));
    rows.push({ batch, tokPerSec: (batch * plan.newTokens) / (median(times) / 1000), note: `${threads} thread${threads > 1 ? 's' : ''}`, times });
    for (const s of seqs) s.dispose();
    await ctx.dispose();
  }
  await model.dispose();
  await llama.dispose();
  process.stdout.write(JSON.stringify({ status: 'ok', rows, threadpool: process.env.UV_THREADPOOL_SIZE ?? 'default' }) + '\n');
}

// ---- main ------------------------------------------------------------------------------------------------------------

function runLlama(work: string, file: string, plan: Plan): { rows: Row[] } | { skip: string } {
  const planFile = join(work, 'plan-llama.json');
  writeFileSync(planFile, JSON.stringify(plan));
  const child = fromSource ? ['--import', 'tsx', join(here, 'generate.ts')] : [join(here, 'generate.js')];
  const r = spawnSync(process.execPath, [...child, '--llama-child', file, planFile], { encoding: 'utf8', timeout: 1_200_000, env: { ...userEnv(), UV_THREADPOOL_SIZE: '1' } });
  try {
    const res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { status: string; reason?: string; rows?: Row[] };
    if (res.status === 'ok' && res.rows) return { rows: res.rows };
    return { skip: res.reason ?? res.status };
  } catch {
    return { skip: `llama.cpp child failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
}

function runTransformers(work: string, dir: string, plan: Plan): { rows: Row[]; version: string } | { skip: string } {
  const planFile = join(work, 'plan-hf.json');
  writeFileSync(planFile, JSON.stringify(plan));
  const python = process.env.PYTHON ?? 'python3';
  const r = spawnSync(python, [join(root(), 'bench', 'generate_hf.py'), dir, planFile], { encoding: 'utf8', timeout: 1_200_000, env: { ...userEnv(), OMP_NUM_THREADS: '2' } });
  if (r.error) return { skip: `cannot run ${python} (${r.error.message})` };
  try {
    const res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { status: string; reason?: string; rows?: Row[]; transformers?: string };
    if (res.status === 'ok' && res.rows) return { rows: res.rows, version: res.transformers ?? '?' };
    return { skip: res.reason ?? res.status };
  } catch {
    return { skip: `python failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
}

function runOurs(model: Transformer, weights: DecoderWeights | undefined, plan: Plan, kvDtype: KvDtype): Row[] {
  return plan.configs.map(({ batch }) => {
    const prompts = plan.prompts.slice(0, batch);
    const once = (newTokens: number): number => {
      const t0 = performance.now();
      const r = generate(model, prompts, { maxNewTokens: newTokens, sampling: { temperature: 0 }, maxBatch: batch, kvDtype, ...(weights ? { weights } : {}) });
      const ms = performance.now() - t0;
      if (r.sequences.some((s) => s.tokens.length !== newTokens)) throw new Error('bench: a sequence stopped early');
      return ms;
    };
    once(8);
    const times: number[] = [];
    for (let i = 0; i < plan.runs; i++) times.push(once(plan.newTokens));
    return { batch, tokPerSec: (batch * plan.newTokens) / (median(times) / 1000), times };
  });
}

const fmt = (x: number | null | undefined): string => (x == null ? '—' : Math.round(x).toLocaleString('en-US'));
const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : '—');

async function main(): Promise<void> {
  const useNative = nativeAvailable();
  const engine = createEngine(useNative ? createNativeBackend() : createRefBackend());
  const model = new Transformer(engine, preset('reference'), new Rng(1234));
  const rng = new Rng(99);
  const maxB = Math.max(...BATCHES);
  const plan: Plan = {
    prompts: Array.from({ length: maxB }, () => Array.from({ length: PROMPT_LEN }, () => rng.int(0, model.config.vocabSize - 2))),
    newTokens: NEW_TOKENS,
    runs: RUNS,
    configs: BATCHES.map((batch) => ({ batch, threads: batch === 1 ? 1 : 2 })),
  };
  const info = engine.backend.info;
  printBenchHeader(`bench:generate — reference model (hidden 256, 4 layers, 4 heads, SwiGLU 1024, vocab 512), ${PROMPT_LEN}-token prompts, ${NEW_TOKENS} new tokens, greedy, EOS ignored, median of ${RUNS}`);
  process.stdout.write(`r1ts backend: ${info.name} (${info.blas}, ${info.threads} threads)\n`);
  const work = mkdtempSync(join(tmpdir(), 'r1ts-bench-generate-'));
  try {
    const gguf = join(work, 'reference-F32.gguf');
    exportLlamaGguf(gguf, model.config, model.stateDict(), byteLevelVocab(model.config.vocabSize), { dtype: 'F32', name: 'r1ts-reference' });
    const hfDir = join(work, 'reference-hf');
    saveModelAsHf(hfDir, model, { bosId: model.config.vocabSize - 1, eosId: model.config.vocabSize - 1 });
    // One batch size at a time, the three engines back to back, so a change in machine load hits all of them alike.
    // Weights packed for the fused path once, outside the timing (as the baselines load theirs once).
    const weights = DecoderWeights.supports(model) ? new DecoderWeights(model) : undefined;
    const table: { batch: number; ours: number | null; ours16: number | null; llama: number | null; hf: number | null }[] = [];
    let hfVersion = '';
    const skips = new Set<string>();
    let noisy = false;
    for (const cfg of plan.configs) {
      const one: Plan = { ...plan, configs: [cfg] };
      const oursRow = runOurs(model, weights, one, 'f32')[0]!;
      const ours16Row = runOurs(model, weights, one, 'f16')[0]!;
      const ours = oursRow.tokPerSec;
      const ours16 = ours16Row.tokPerSec;
      const l = runLlama(work, gguf, one);
      if ('skip' in l) skips.add(`llama.cpp skipped: ${l.skip}`);
      const h = runTransformers(work, hfDir, one);
      if ('skip' in h) skips.add(`transformers skipped: ${h.skip}`);
      else hfVersion = h.version;
      const row = { batch: cfg.batch, ours, ours16, llama: 'rows' in l ? l.rows[0]?.tokPerSec ?? null : null, hf: 'rows' in h ? h.rows[0]?.tokPerSec ?? null : null };
      table.push(row);
      process.stdout.write(`batch ${cfg.batch}: r1ts ${fmt(row.ours)} (f32 KV) / ${fmt(row.ours16)} (f16 KV), llama.cpp ${fmt(row.llama)}, transformers ${fmt(row.hf)} tok/s\n`);
      // The spread of each engine's runs: a wide one means the machine was busy and the ratios are not to be trusted.
      const spreads: [string, number[] | undefined][] = [['r1ts f32', oursRow.times], ['r1ts f16', ours16Row.times], ['llama.cpp', 'rows' in l ? l.rows[0]?.times : undefined], ['transformers', 'rows' in h ? h.rows[0]?.times : undefined]];
      const measured = spreads.filter((x): x is [string, number[]] => (x[1]?.length ?? 0) > 0);
      process.stdout.write(`  runs: ${measured.map(([name, t]) => `${name} ${formatSpread(spreadOf(t))}`).join('; ')}\n`);
      noisy ||= measured.some(([, t]) => tooWide(spreadOf(t)));
    }
    for (const s of skips) process.stdout.write(`${s}\n`);
    if (noisy) process.stdout.write('some runs varied too much to trust (the machine was busy): rerun when it is quiet, or with more R1_BENCH_RUNS\n');
    process.stdout.write('\n| batch | r1ts f32 KV | r1ts f16 KV | llama.cpp F32 (f16 KV) | transformers | f32 KV / best baseline | f16 KV / best baseline |\n');
    process.stdout.write('|---:|---:|---:|---:|---:|---:|---:|\n');
    for (const r of table) {
      const best = Math.max(r.llama ?? 0, r.hf ?? 0) || null;
      process.stdout.write(`| ${r.batch} | ${fmt(r.ours)} | ${fmt(r.ours16)} | ${fmt(r.llama)} | ${fmt(r.hf)} | ${ratio(r.ours, best)} | ${ratio(r.ours16, best)} |\n`);
    }
    const at = (b: number) => table.find((r) => r.batch === b);
    const b1 = at(1), b64 = at(64);
    process.stdout.write(`\nllama.cpp: batch 1 with 1 thread, batches 16/64 with 2 threads (UV_THREADPOOL_SIZE=1), flash attention on. transformers${hfVersion ? ` ${hfVersion}` : ''}: torch 2 threads.\n`);
    const best64 = Math.max(b64?.llama ?? 0, b64?.hf ?? 0) || null;
    process.stdout.write(`goal batch 1: >= 1.0x llama.cpp — ${ratio(b1?.ours, b1?.llama)} (f32 KV), ${ratio(b1?.ours16, b1?.llama)} (f16 KV)\n`);
    process.stdout.write(`goal batch 64: >= 3x the better baseline — ${ratio(b64?.ours, best64)} (f32 KV), ${ratio(b64?.ours16, best64)} (f16 KV, llama.cpp's own KV setting)\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--llama-child') {
  llamaChild(process.argv[3]!, process.argv[4]!).catch((err: unknown) => {
    process.stdout.write(JSON.stringify({ status: 'error', reason: (err as Error).message }) + '\n');
    process.exitCode = 1;
  });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:generate failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
