// src/tasks/benchmarks/data-dir.ts — where the benchmark JSONL files live: an explicit path, else $R1_DATA_DIR,
// else ../shared/data next to the package root (found by walking up to package.json, so it works from src/
// under tsx and from dist/ after tsc alike).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../util/package-root.js';

/** Where each benchmark file comes from (original repository and path), for error messages and docs. */
export const BENCHMARK_SOURCES: Readonly<Record<string, string>> = {
  'gsm8k-test.jsonl': 'https://github.com/openai/grade-school-math (grade_school_math/data/test.jsonl)',
  'math500-test.jsonl': 'https://github.com/hkust-nlp/simpleRL-reason (examples/simplelr_math_eval/data/math500/test.jsonl)',
  'aime24-test.jsonl': 'https://github.com/QwenLM/Qwen2.5-Math (evaluation/data/aime24/test.jsonl)',
  'amc23-test.jsonl': 'https://github.com/QwenLM/Qwen2.5-Math (evaluation/data/amc23/test.jsonl)',
};

export { packageRoot };

/** The benchmark data folder: `explicit`, else env R1_DATA_DIR, else <package root>/../shared/data. */
export function resolveDataDir(explicit?: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const fromEnv = env['R1_DATA_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(packageRoot(), '..', 'shared', 'data');
}

/** Where to get the files, one line each (for error messages and help text). */
export function downloadHelp(): string {
  return Object.entries(BENCHMARK_SOURCES)
    .map(([file, src]) => `  ${file}: ${src}`)
    .join('\n');
}

/**
 * The path of one benchmark file, or an Error naming the folder, how to point r1 elsewhere and where to
 * download the files.
 */
export function benchmarkFile(dataDir: string, file: string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return path;
  const what = existsSync(dataDir) ? `benchmark file not found: ${path}` : `benchmark data folder not found: ${dataDir}`;
  throw new Error(
    `${what}\nPut the JSONL files there or set R1_DATA_DIR to their folder. Download them from:\n${downloadHelp()}`,
  );
}
