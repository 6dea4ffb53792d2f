// bench/llama-cpp.ts — opens llama.cpp through node-llama-cpp for the benchmark and interop children: CPU only,
// never building from source, quiet. Returns null (after printing the children's one-line "skipped" JSON) when
// the package is not installed.

import type { Llama } from 'node-llama-cpp';

export async function openLlamaCpp(): Promise<Llama | null> {
  let mod: typeof import('node-llama-cpp');
  try {
    mod = await import('node-llama-cpp');
  } catch (err) {
    process.stdout.write(JSON.stringify({ status: 'skipped', reason: `node-llama-cpp is not installed (${(err as Error).message})` }) + '\n');
    return null;
  }
  return mod.getLlama({ gpu: false, build: 'never', logLevel: mod.LlamaLogLevel.error, progressLogs: false });
}
