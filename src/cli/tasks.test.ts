// src/cli/tasks.test.ts — `r1 tasks` end to end by spawning the real `r1` entry point (tsx from source, node
// from dist), checking output, determinism against the library, and exit codes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getTask } from '../tasks/registry.js';
import { checkCountdownAnswer } from '../tasks/countdown/index.js';
import { resolveDataDir } from '../tasks/benchmarks/data-dir.js';
import { parseInstructionSpec } from '../tasks/instructions/index.js';

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));

function r1(args: string[], env: Record<string, string> = {}) {
  const argv = fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('r1 tasks list --json lists every task', () => {
  const r = r1(['tasks', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const tasks = JSON.parse(r.stdout) as { name: string; kind: string }[];
  assert.deepEqual(tasks.map((t) => t.name), ['arithmetic', 'countdown', 'knights', 'instructions', 'gsm8k', 'math500', 'aime24', 'amc23', 'code', 'functions']);
});

test('r1 tasks sample countdown -n 3 --seed 7 --json: same items as the library, valid solutions', async () => {
  const r = r1(['tasks', 'sample', 'countdown', '-n', '3', '--seed', '7', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; prompt: string; gold: string; meta: { numbers: number[]; target: number; solution: string } });
  assert.equal(rows.length, 3);
  const lib = await getTask('countdown').items({ split: 'train', n: 3, seed: 7 });
  assert.deepEqual(rows.map((x) => x.id), lib.map((x) => x.id));
  for (const row of rows) {
    assert.match(row.prompt, /^A conversation between User and Assistant\. .* Assistant:$/s);
    assert.equal(checkCountdownAnswer(row.meta.numbers, row.meta.target, row.meta.solution).correct, true);
  }
});

test('text output with held-out split, difficulty preset and boxed style', () => {
  const r = r1(['tasks', 'sample', 'knights', '-n', '2', '--split', 'heldout', '--difficulty', 'hard', '--style', 'boxed']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.match(/^── knights-heldout-s0-\d+-[0-9a-f]{8} ──$/gm)?.length, 2);
  assert.equal(r.stdout.match(/Please reason step by step, and put your final answer within \\boxed\{\}\./g)?.length, 2);
  assert.equal(r.stdout.match(/You meet 5 inhabitants/g)?.length, 2);
  assert.match(r.stdout, /^gold: \w+ is a (knight|knave), /m);
});

test('r1 tasks sample instructions --json: the library\'s items, each gold a constraint spec', async () => {
  const r = r1(['tasks', 'sample', 'instructions', '-n', '3', '--difficulty', 'hard', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; gold: string });
  const lib = await getTask('instructions', { difficulty: 'hard' }).items({ split: 'train', n: 3, seed: 0 });
  assert.deepEqual(rows.map((x) => x.id), lib.map((x) => x.id));
  for (const row of rows) assert.equal(parseInstructionSpec(row.gold, row.id).constraints.length, 2);
});

test('usage errors exit 2; a missing data folder exits 1 naming the path and sources', () => {
  const bad = r1(['tasks', 'sample', 'sudoku', '--difficulty', 'hard']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown task "sudoku" \(known: arithmetic/);
  // A bad flag value: one line, naming the flag as typed.
  const n = r1(['tasks', 'sample', 'countdown', '-n', 'abc', '--style', 'plain']);
  assert.equal(n.code, 2);
  assert.equal(n.stderr, 'r1 tasks: -n: must be a number, got "abc"; --style: must be one of r1-zero, boxed, got "plain"\n');
  const missing = r1(['tasks', 'sample', 'amc23', '-n', '1'], { R1_DATA_DIR: '/nonexistent/r1-data' });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /benchmark data folder not found: \/nonexistent\/r1-data/);
  assert.match(missing.stderr, /QwenLM\/Qwen2\.5-Math/);
});

const dataDir = resolveDataDir();
test('benchmark sampling reads the data folder', { skip: existsSync(dataDir) ? false : `benchmark data folder ${dataDir} is absent` }, () => {
  const r = r1(['tasks', 'sample', 'amc23', '-n', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const row = JSON.parse(r.stdout) as { id: string; gold: string };
  assert.deepEqual([row.id, row.gold], ['amc23-0', '27']);
});
