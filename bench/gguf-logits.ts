// bench/gguf-logits.ts — child process of check-interop: teacher-forced logits of a GGUF model from llama.cpp via
// node-llama-cpp. Run with UV_THREADPOOL_SIZE=1 (set by the parent): with libuv's default pool, llama.cpp's threads
// fight the pool threads on a 2-core machine and run 10–30x slower.
// Usage: gguf-logits <model.gguf> <request.json {ids: number[][], vocab: number}> <out.f32>; prints one JSON line.

import { readFileSync, writeFileSync } from 'node:fs';
import { openLlamaCpp } from './llama-cpp.js';

async function main(): Promise<void> {
  const [modelPath, requestPath, outPath] = process.argv.slice(2);
  if (!modelPath || !requestPath || !outPath) throw new Error('usage: gguf-logits <model.gguf> <request.json> <out.f32>');
  const llama = await openLlamaCpp();
  if (!llama) return;
  const { ids, vocab } = JSON.parse(readFileSync(requestPath, 'utf8')) as { ids: number[][]; vocab: number };
  const model = await llama.loadModel({ modelPath });
  // An F32 KV cache: llama.cpp's default F16 cache alone moves logits by ~3e-3 on a random model.
  const kvType = (process.env.R1_GGUF_KV_TYPE ?? 'F32') as 'F32' | 'F16';
  const T = Math.max(...ids.map((r) => r.length));
  const ctx = await model.createContext({ contextSize: Math.max(64, T + 8), batchSize: Math.max(64, T + 8), threads: 1, sequences: ids.length, flashAttention: false, experimentalKvCacheKeyType: kvType, experimentalKvCacheValueType: kvType });
  const rows: Float32Array[] = [];
  for (const row of ids) {
    const seq = ctx.getSequence();
    const input: import('node-llama-cpp').ControlledEvaluateInputItem[] = row.map((t) => [t as import('node-llama-cpp').Token, { generateNext: { logits: true } }]);
    const res = await seq.controlledEvaluate(input);
    for (let i = 0; i < row.length; i++) {
      const lg = res[i]?.next?.logits;
      if (!lg) throw new Error(`no logits returned for position ${i}`);
      if (lg.size !== vocab) throw new Error(`llama.cpp returned ${lg.size} logits at position ${i}, expected ${vocab}`);
      const out = new Float32Array(vocab);
      for (const [tok, v] of lg) out[tok] = v;
      rows.push(out);
    }
    seq.dispose();
  }
  const all = new Float32Array(rows.reduce((s, r) => s + r.length, 0));
  let at = 0;
  for (const r of rows) {
    all.set(r, at);
    at += r.length;
  }
  writeFileSync(outPath, new Uint8Array(all.buffer));
  process.stdout.write(JSON.stringify({ status: 'ok', vocab: rows[0]?.length ?? 0, positions: rows.length, threadpool: process.env.UV_THREADPOOL_SIZE ?? 'default' }) + '\n');
  await ctx.dispose();
  await model.dispose();
  await llama.dispose();
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ status: 'error', reason: (err as Error).message }) + '\n');
  process.exitCode = 1;
});
