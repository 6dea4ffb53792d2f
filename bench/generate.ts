// bench/generate.ts — `npm run bench:generate`: decode throughput (tokens/s) of r1ts generate() at batch 1, 16 and 64
// at two sizes — the issue-3 reference model (Llama-style, hidden 256, 4 layers, 4 heads, SwiGLU 1024, vocab 512,
// 3.45M parameters: it fits in cache and flatters every engine) and a larger one (hidden 768, 6 layers, 12 heads,
// SwiGLU 2048, vocab 8192, untied head, 55M parameters); random init, seeded — next to the same weights as an F32
// GGUF in llama.cpp (node-llama-cpp) and as a Llama checkpoint in Python transformers generate() when importable,
// all measured in this run, ratios printed.
// Workload: B distinct 9-token prompts, 256 new tokens each, greedy, EOS ignored; wall time of the whole call
// (prefill included); median of R1_BENCH_RUNS runs (default 3) after a warm-up. r1ts runs twice: with an f32 and
// with an f16 KV cache (llama.cpp's default KV type); the table marks r1ts's default.
// Flags: --sizes reference,large  --batches 1,16,64  --baselines all|llama|none (a focused run: r1ts alone, or
// against llama.cpp only). --steps: a decode-step micro-benchmark instead (r1ts only, no baselines): the ms of one
// decode step at batch 64 over rows at contexts 121-153 (the full workload's average context, 137), f32 and f16
// KV alternating, for comparing kernel changes quickly. --threads 1: every engine on one thread, and each row also
// reports tokens per CPU-second, which compares the engines' work per token on a machine busy with other processes.
// Child mode (`generate.js --llama-child <model.gguf> <plan.json>`) runs the llama.cpp side in its own process with
// UV_THREADPOOL_SIZE=1: with libuv's default pool, llama.cpp's threads fight the pool on a 2-core machine.
// llama.cpp runs with flash attention on, its faster setting here (measured: batch 64 2,830 vs 1,970 tok/s without,
// batch 1 540 vs 450), and its default F16 KV cache.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNativeBackend, createRefBackend, nativeAvailable, userEnv } from '../src/backend/index.js';
import { createEngine, type Engine } from '../src/tensor/index.js';
import {
  exportLlamaGguf, parseModelConfig, preset, saveModelAsHf, Transformer, byteLevelVocab, DEFAULT_KV_DTYPE, type KvDtype, type ModelConfig,
} from '../src/model/index.js';
import { DecoderWeights, DenseDecoder, generate } from '../src/generate/index.js';
import { Rng } from '../src/util/rng.js';
import { openLlamaCpp } from './llama-cpp.js';
import { printBenchHeader } from './header.js';
import { formatSpread, median, spreadOf, tooWide } from '../src/util/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
const PROMPT_LEN = 9;
const NEW_TOKENS = Number(process.env.R1_BENCH_NEW_TOKENS ?? 256);
const RUNS = Number(process.env.R1_BENCH_RUNS ?? 3);

/** The benchmark's model sizes. */
const SIZES = {
  reference: {
    title: 'reference model (hidden 256, 4 layers, 4 heads, SwiGLU 1024, vocab 512, 3.45M parameters)',
    config: (): ModelConfig => preset('reference'),
  },
  large: {
    title: 'large model (hidden 768, 6 layers, 12 heads, SwiGLU 2048, vocab 8192, untied head, 55M parameters)',
    config: (): ModelConfig => parseModelConfig({
      vocabSize: 8192, hidden: 768, nLayers: 6, nHeads: 12, intermediate: 2048, maxSeqLen: 2048, attention: { kind: 'mha' },
    }, 'bench:generate large'),
  },
} as const;
type SizeName = keyof typeof SIZES;

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
  /** Tokens per second of the process's CPU time (user + system, all threads), median over the runs. */
  cpuTokPerSec?: number;
}

/** Runs fn, returning its wall ms and the process's CPU ms (all threads) it took. */
async function timed(fn: () => unknown): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
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
    const once = async (newTokens: number): Promise<{ ms: number; cpuMs: number }> => {
      for (const s of seqs) await s.clearHistory();
      return timed(() => Promise.all(seqs.map(async (s, b) => {
        let n = 0;
        // Greedy; EOG tokens are yielded and generation goes on (the workload ignores EOS).
        for await (const _tok of s.evaluate(plan.prompts[b]!.map((t) => t as import('node-llama-cpp').Token), { temperature: 0, yieldEogToken: true })) {
          if (++n >= newTokens) break;
        }
      })));
    };
    await once(8);
    const runs: { ms: number; cpuMs: number }[] = [];
    for (let r = 0; r < plan.runs; r++) runs.push(await once(plan.newTokens));
    const times = runs.map((x) => x.ms);
    rows.push({
      batch, tokPerSec: (batch * plan.newTokens) / (median(times) / 1000), note: `${threads} thread${threads > 1 ? 's' : ''}`, times,
      cpuTokPerSec: (batch * plan.newTokens) / (median(runs.map((x) => x.cpuMs)) / 1000),
    });
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
    const once = (newTokens: number): { ms: number; cpuMs: number } => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = generate(model, prompts, { maxNewTokens: newTokens, sampling: { temperature: 0 }, maxBatch: batch, kvDtype, ...(weights ? { weights } : {}) });
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (r.sequences.some((s) => s.tokens.length !== newTokens)) throw new Error('bench: a sequence stopped early');
      return { ms, cpuMs: (c.user + c.system) / 1000 };
    };
    once(8);
    const runs: { ms: number; cpuMs: number }[] = [];
    for (let i = 0; i < plan.runs; i++) runs.push(once(plan.newTokens));
    const times = runs.map((x) => x.ms);
    return { batch, tokPerSec: (batch * plan.newTokens) / (median(times) / 1000), times, cpuTokPerSec: (batch * plan.newTokens) / (median(runs.map((x) => x.cpuMs)) / 1000) };
  });
}

const fmt = (x: number | null | undefined): string => (x == null ? '—' : Math.round(x).toLocaleString('en-US'));
const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : '—');

function newModel(engine: Engine, size: SizeName): Transformer {
  return new Transformer(engine, SIZES[size].config(), new Rng(1234));
}

/**
 * The decode-step micro-benchmark: ms per decode step of `batch` rows (each row's cache prefilled with 121 random
 * tokens, then 32 steps: contexts 121-153), f32 and f16 KV alternating over `runs` repetitions.
 */
function stepBench(engine: Engine, sizes: SizeName[], batch: number, runs: number): void {
  const CTX = 121, STEPS = 32;
  for (const size of sizes) {
    const model = newModel(engine, size);
    if (!DecoderWeights.supports(model)) throw new Error('bench --steps: the model has no fused decode path');
    const weights = new DecoderWeights(model);
    const rng = new Rng(5);
    const V = model.config.vocabSize;
    const kvs: KvDtype[] = ['f32', 'f16'];
    const setups = kvs.map((kv) => {
      const cache = model.newCache(batch, CTX + STEPS + 1, kv);
      const dec = new DenseDecoder(weights, cache, batch);
      dec.prefill(Array.from({ length: batch }, (_, b) => ({ slot: b, rest: Array.from({ length: CTX }, () => rng.int(0, V - 1)) })));
      return { kv, cache, dec, times: [] as number[] };
    });
    const ids = new Int32Array(batch);
    const rows = Int32Array.from({ length: batch }, (_, b) => b);
    for (let r = 0; r <= runs; r++) {
      for (const s of setups) {
        s.cache.lengths.fill(CTX);
        const t0 = performance.now();
        for (let t = 0; t < STEPS; t++) {
          for (let b = 0; b < batch; b++) ids[b] = (t * 7 + b * 13) % V;
          s.dec.step(ids, rows, batch);
        }
        if (r > 0) s.times.push((performance.now() - t0) / STEPS); // repetition 0 warms up
      }
    }
    for (const s of setups) {
      const m = median(s.times);
      process.stdout.write(`${size} batch ${batch} ${s.kv} KV: ${m.toFixed(2)} ms per step (${fmt((batch * 1000) / m)} tok/s), ${formatSpread(spreadOf(s.times))}\n`);
    }
    const [a, b] = setups.map((s) => median(s.times));
    process.stdout.write(`${size}: f16 / f32 step speed ${(a! / b!).toFixed(2)}x\n`);
  }
}

interface TableRow { batch: number; ours: number | null; ours16: number | null; llama: number | null; hf: number | null; cpu?: { ours?: number; ours16?: number; llama?: number } }

/** One size: every batch, the engines back to back; prints the rows as they come and returns the table. */
function benchSize(engine: Engine, size: SizeName, batches: number[], baselines: 'all' | 'llama' | 'none', oneThread: boolean): TableRow[] {
  const model = newModel(engine, size);
  const rng = new Rng(99);
  const maxB = Math.max(...batches);
  const plan: Plan = {
    prompts: Array.from({ length: maxB }, () => Array.from({ length: PROMPT_LEN }, () => rng.int(0, model.config.vocabSize - 2))),
    newTokens: NEW_TOKENS,
    runs: RUNS,
    configs: batches.map((batch) => ({ batch, threads: batch === 1 || oneThread ? 1 : 2 })),
  };
  process.stdout.write(`\n${SIZES[size].title}\n`);
  const work = mkdtempSync(join(tmpdir(), 'r1ts-bench-generate-'));
  try {
    const gguf = join(work, `${size}-F32.gguf`);
    const hfDir = join(work, `${size}-hf`);
    if (baselines !== 'none') exportLlamaGguf(gguf, model.config, model.stateDict(), byteLevelVocab(model.config.vocabSize), { dtype: 'F32', name: `r1ts-${size}` });
    if (baselines === 'all') saveModelAsHf(hfDir, model, { bosId: model.config.vocabSize - 1, eosId: model.config.vocabSize - 1 });
    // One batch size at a time, the engines back to back, so a change in machine load hits all of them alike.
    // Weights packed for the fused path once, outside the timing (as the baselines load theirs once).
    const weights = DecoderWeights.supports(model) ? new DecoderWeights(model) : undefined;
    const table: TableRow[] = [];
    const skips = new Set<string>();
    let noisy = false;
    for (const cfg of plan.configs) {
      const one: Plan = { ...plan, configs: [cfg] };
      const oursRow = runOurs(model, weights, one, 'f32')[0]!;
      const ours16Row = runOurs(model, weights, one, 'f16')[0]!;
      const l = baselines !== 'none' ? runLlama(work, gguf, one) : { skip: 'not run (--baselines none)' };
      if ('skip' in l) skips.add(`llama.cpp skipped: ${l.skip}`);
      const h = baselines === 'all' ? runTransformers(work, hfDir, one) : { skip: `not run (--baselines ${baselines})` };
      if ('skip' in h) skips.add(`transformers skipped: ${h.skip}`);
      else hfVersion = h.version;
      const lrow = 'rows' in l ? l.rows[0] : undefined;
      const row: TableRow = {
        batch: cfg.batch, ours: oursRow.tokPerSec, ours16: ours16Row.tokPerSec, llama: lrow?.tokPerSec ?? null, hf: 'rows' in h ? h.rows[0]?.tokPerSec ?? null : null,
        cpu: { ...(oursRow.cpuTokPerSec ? { ours: oursRow.cpuTokPerSec } : {}), ...(ours16Row.cpuTokPerSec ? { ours16: ours16Row.cpuTokPerSec } : {}), ...(lrow?.cpuTokPerSec ? { llama: lrow.cpuTokPerSec } : {}) },
      };
      table.push(row);
      process.stdout.write(`batch ${cfg.batch}: r1ts ${fmt(row.ours)} (f32 KV) / ${fmt(row.ours16)} (f16 KV), llama.cpp ${fmt(row.llama)}, transformers ${fmt(row.hf)} tok/s\n`);
      // Tokens per CPU-second (all threads): with one thread each this compares the engines' work per token even when
      // other processes take turns on the cores (wall time then measures the machine's load as much as the engine).
      process.stdout.write(`  per CPU-second: r1ts ${fmt(row.cpu?.ours)} (f32 KV) / ${fmt(row.cpu?.ours16)} (f16 KV), llama.cpp ${fmt(row.cpu?.llama)} tokens\n`);
      // The spread of each engine's runs: a wide one means the machine was busy and the ratios are not to be trusted.
      const spreads: [string, number[] | undefined][] = [['r1ts f32', oursRow.times], ['r1ts f16', ours16Row.times], ['llama.cpp', 'rows' in l ? l.rows[0]?.times : undefined], ['transformers', 'rows' in h ? h.rows[0]?.times : undefined]];
      const measured = spreads.filter((x): x is [string, number[]] => (x[1]?.length ?? 0) > 0);
      process.stdout.write(`  runs: ${measured.map(([name, t]) => `${name} ${formatSpread(spreadOf(t))}`).join('; ')}\n`);
      noisy ||= measured.some(([, t]) => tooWide(spreadOf(t)));
    }
    for (const s of skips) process.stdout.write(`${s}\n`);
    if (noisy) process.stdout.write('some runs varied too much to trust (the machine was busy): rerun when it is quiet, or with more R1_BENCH_RUNS\n');
    return table;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

let hfVersion = '';

function printTable(size: SizeName, table: TableRow[]): void {
  const mark = (kv: KvDtype): string => (kv === DEFAULT_KV_DTYPE ? ' (default)' : '');
  process.stdout.write(`\n${SIZES[size].title}\n`);
  process.stdout.write(`| batch | r1ts f32 KV${mark('f32')} | r1ts f16 KV${mark('f16')} | llama.cpp F32 (f16 KV) | transformers | f32 KV / best baseline | f16 KV / best baseline |\n`);
  process.stdout.write('|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of table) {
    const best = Math.max(r.llama ?? 0, r.hf ?? 0) || null;
    process.stdout.write(`| ${r.batch} | ${fmt(r.ours)} | ${fmt(r.ours16)} | ${fmt(r.llama)} | ${fmt(r.hf)} | ${ratio(r.ours, best)} | ${ratio(r.ours16, best)} |\n`);
  }
  if (table.some((r) => r.cpu?.llama)) {
    process.stdout.write('per CPU-second (tokens): | batch | r1ts f32 KV | r1ts f16 KV | llama.cpp | f32 / llama.cpp | f16 / llama.cpp |\n');
    for (const r of table) process.stdout.write(`| ${r.batch} | ${fmt(r.cpu?.ours)} | ${fmt(r.cpu?.ours16)} | ${fmt(r.cpu?.llama)} | ${ratio(r.cpu?.ours, r.cpu?.llama)} | ${ratio(r.cpu?.ours16, r.cpu?.llama)} |\n`);
  }
  const at = (b: number) => table.find((r) => r.batch === b);
  const b1 = at(1), b64 = at(64);
  const dflt = (r: TableRow | undefined): number | null | undefined => (DEFAULT_KV_DTYPE === 'f16' ? r?.ours16 : r?.ours);
  if (b1) process.stdout.write(`goal batch 1: >= 1.0x llama.cpp — ${ratio(dflt(b1), b1.llama)} with the default ${DEFAULT_KV_DTYPE} KV (f32 ${ratio(b1.ours, b1.llama)}, f16 ${ratio(b1.ours16, b1.llama)})\n`);
  if (b64) {
    const best64 = Math.max(b64.llama ?? 0, b64.hf ?? 0) || null;
    process.stdout.write(`goal batch 64: >= 3x the better baseline — ${ratio(dflt(b64), best64)} with the default ${DEFAULT_KV_DTYPE} KV (f32 ${ratio(b64.ours, best64)}, f16 ${ratio(b64.ours16, best64)})\n`);
  }
}

function listArg<T extends string | number>(raw: string | undefined, fallback: T[], parse: (s: string) => T, ok: (x: T) => boolean, what: string): T[] {
  if (raw === undefined) return fallback;
  const xs = raw.split(',').map((s) => parse(s.trim()));
  for (const x of xs) if (!ok(x)) throw new Error(`bench:generate: bad ${what} ${String(x)}`);
  return xs;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, batches: { type: 'string' }, baselines: { type: 'string' }, steps: { type: 'boolean' }, threads: { type: 'string' } } });
  const oneThread = values.threads === '1';
  if (values.threads !== undefined && !oneThread) throw new Error(`bench:generate: --threads takes only 1 (default: the pool's threads; llama.cpp 1 thread at batch 1, else 2)`);
  // One thread for r1ts too: the pool reads R1_THREADS when it starts (first parallel call, below).
  if (oneThread) process.env.R1_THREADS = '1';
  const sizes = listArg<SizeName>(values.sizes, ['reference', 'large'], (s) => s as SizeName, (s) => s in SIZES, 'size (reference | large)');
  const batches = listArg(values.batches, [1, 16, 64], Number, (b) => Number.isInteger(b) && b >= 1 && b <= 256, 'batch');
  const baselines = values.baselines ?? 'all';
  if (baselines !== 'all' && baselines !== 'llama' && baselines !== 'none') throw new Error(`bench:generate: --baselines must be all, llama or none, got ${baselines}`);
  const useNative = nativeAvailable();
  const engine = createEngine(useNative ? createNativeBackend() : createRefBackend());
  const info = engine.backend.info;
  if (values.steps) {
    const batch = Math.max(...batches);
    printBenchHeader(`bench:generate --steps — decode steps at batch ${batch}, contexts 121-153, median of ${RUNS} after a warm-up; r1ts default KV: ${DEFAULT_KV_DTYPE}`);
    process.stdout.write(`r1ts backend: ${info.name} (${info.blas}, ${info.threads} threads)\n`);
    stepBench(engine, sizes, batch, RUNS);
    return;
  }
  printBenchHeader(`bench:generate — ${sizes.join(' and ')} size, ${PROMPT_LEN}-token prompts, ${NEW_TOKENS} new tokens, greedy, EOS ignored, median of ${RUNS}; r1ts default KV: ${DEFAULT_KV_DTYPE}`);
  process.stdout.write(`r1ts backend: ${info.name} (${info.blas}, ${info.threads} threads)\n`);
  const tables = sizes.map((size) => [size, benchSize(engine, size, batches, baselines, oneThread)] as const);
  for (const [size, table] of tables) printTable(size, table);
  process.stdout.write(`\nllama.cpp: ${oneThread ? 'every batch with 1 thread (--threads 1)' : 'batch 1 with 1 thread, larger batches with 2 threads'} (UV_THREADPOOL_SIZE=1), flash attention on. transformers${hfVersion ? ` ${hfVersion}` : ''}: torch 2 threads.\n`);
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
