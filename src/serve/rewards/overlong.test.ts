// src/serve/rewards/overlong.test.ts — the overlong penalty for samples that carry no token count (OpenRLHF sends
// none): with a tokenizer (`--tokenizer`, config `tokenizer`) the service counts the completion's tokens; without
// one the component is null. Over real HTTP on a loopback port, against the trainer's in-process composite.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTokenizer, trainTokenizer, type Tokenizer } from '../../tokenizer/index.js';
import { overlongPenalty } from '../../reward/index.js';
import { buildReward, scoreRewards } from '../../train/grpo/rewards.js';
import type { RewardSpec } from '../../train/config.js';
import { serveRewards } from '../../cli/serve-rewards.js';
import { buildRewardServer, type RewardServer } from './server.js';
import { serviceConfigSchema } from './wire.js';
import { post, pythonJson, startServer } from './http.case.test.js';
import type { RewardResult } from './wire.js';

const MAX = 24;
const CACHE = 8;
const SPECS: RewardSpec[] = [
  { name: 'format', weight: 1, style: 'r1-zero' },
  { name: 'overlong', weight: 0.5, cacheTokens: CACHE },
];
const PROMPT = 'A conversation between User and Assistant. User: add. Assistant:';

let dir: string;
let tok: Tokenizer;
let counted: RewardServer;
let countedUrl: string;
let plain: RewardServer;
let plainUrl: string;
/** Completions with counts below the window, inside the ramp, and past the budget. */
let completions: string[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r1-rewards-tok-'));
  tok = trainTokenizer(['<think> so the sum is seven </think> <answer> 7 </answer> and then some more words to learn'], { vocabSize: 300 });
  saveTokenizer(tok, dir); // a directory holding tokenizer.json, as an r1ts checkpoint does
  const words = (k: number): string => `<think> ${'so '.repeat(k)}</think> <answer> 7 </answer>`;
  const byCount = Array.from({ length: 40 }, (_, k) => words(k)).map((c) => ({ c, n: tok.encode(c).length }));
  const pick = (ok: (n: number) => boolean): string => {
    const hit = byCount.find((x) => ok(x.n));
    assert.ok(hit, 'a completion of the wanted length');
    return hit.c;
  };
  completions = [pick((n) => n <= MAX - CACHE), pick((n) => n > MAX - CACHE && n < MAX), pick((n) => n > MAX)];
  ({ server: counted, url: countedUrl } = await startServer({ rewards: SPECS, maxNewTokens: MAX, workers: 1, tokenizer: dir }));
  ({ server: plain, url: plainUrl } = await startServer({ rewards: SPECS, maxNewTokens: MAX, workers: 1 }));
});
after(async () => {
  await counted.close();
  await plain.close();
  rmSync(dir, { recursive: true, force: true });
});

test('with a tokenizer, samples without completionTokens are counted: the trainer composite on the same counts', async () => {
  const samples = completions.map((completion) => ({ prompt: PROMPT, completion }));
  const r = await post(`${countedUrl}/v1/rewards`, { samples: [...samples, { ...samples[2], completionTokens: 3 }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const results = r.json.results as RewardResult[];
  const counts = completions.map((c) => tok.encode(c).length);
  const expected = counts.map((n) => overlongPenalty(n, { maxTokens: MAX, cacheTokens: CACHE }));
  assert.deepEqual(results.slice(0, 3).map((x) => x.components['overlong']), expected);
  assert.equal(expected[0], 0);
  assert.ok((expected[1] as number) < 0 && (expected[1] as number) > -1, 'the middle one is on the ramp');
  assert.equal(expected[2], -1);
  assert.equal(results[3]?.components['overlong'], 0, 'a count the sample gives wins over the tokenizer');
  // The same function as the trainer's, given the counts.
  const local = await scoreRewards(buildReward(SPECS, MAX), completions.map((completion, i) => ({ prompt: PROMPT, completion, completionTokens: counts[i] as number })));
  assert.deepEqual(results.slice(0, 3).map((x) => x.total), local.totals);
  const health = (await (await fetch(`${countedUrl}/health`)).json()) as { tokenizer: string | null };
  assert.equal(health.tokenizer, dir);
});

test("OpenRLHF's requests (no token counts) get the overlong penalty when the service has a tokenizer", async () => {
  const body = pythonJson({ query: completions.map((c) => PROMPT + c + '<|im_end|>'), prompts: completions.map(() => PROMPT), labels: completions.map(() => null) });
  const withTok = await post(`${countedUrl}/get_reward`, body);
  assert.equal(withTok.status, 200, JSON.stringify(withTok.json));
  const expected = completions.map((c) => overlongPenalty(tok.encode(c).length, { maxTokens: MAX, cacheTokens: CACHE }));
  assert.deepEqual(withTok.json.extra_logs.overlong, expected);
  // Without a tokenizer the penalty does not apply (sent as 0 in extra_logs; the native API says null).
  const without = await post(`${plainUrl}/get_reward`, body);
  assert.deepEqual(without.json.extra_logs.overlong, [0, 0, 0]);
  assert.notDeepEqual(without.json.rewards, withTok.json.rewards);
  const native = await post(`${plainUrl}/v1/rewards`, { samples: [{ prompt: PROMPT, completion: completions[2] }] });
  assert.equal((native.json.results as RewardResult[])[0]?.components['overlong'], null);
});

test('a tokenizer that cannot be loaded is an error naming the file; the CLI exits 2 before listening', async () => {
  const bad = join(dir, 'broken.json');
  writeFileSync(bad, '{"model": ');
  assert.throws(() => buildRewardServer({ config: serviceConfigSchema.parse({ tokenizer: bad }) }), (e: Error) => e.message.includes(bad) && /not valid JSON/.test(e.message));
  let err = '';
  let out = '';
  let code = 0;
  const missing = join(dir, 'nope', 'tokenizer.json');
  await serveRewards({ tokenizer: missing, port: '0' }, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, setExitCode: (c) => (code = c), onSignal: () => () => undefined, env: {} });
  assert.equal(code, 2);
  assert.equal(out, '');
  assert.ok(err.includes(missing) && /cannot read/.test(err), err);
});
