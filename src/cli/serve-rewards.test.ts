// src/cli/serve-rewards.test.ts — `r1 serve-rewards` config: file, then flags; bad values name their field.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveServiceConfig, serveRewards } from './serve-rewards.js';

test('the config file is read, flags override it, and defaults fill the rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-serve-rewards-'));
  try {
    const file = join(dir, 'rewards.yaml');
    writeFileSync(file, 'rewards:\n  - { name: accuracy }\n  - { name: language, weight: 0.1, target: zh }\nmaxNewTokens: 4096\ncode: { limits: { wallMs: 3000 } }\n');
    const c = resolveServiceConfig({ config: file, workers: '4' });
    assert.deepEqual(c.rewards, [{ name: 'accuracy', weight: 1 }, { name: 'language', weight: 0.1, target: 'zh' }]);
    assert.equal(c.maxNewTokens, 4096);
    assert.equal(c.workers, 4);
    assert.equal(c.code.limits?.wallMs, 3000);
    assert.equal(c.maxQueue, 4096);
    const flags = resolveServiceConfig({ config: file, reward: ['accuracy:2', 'format'] });
    assert.deepEqual(flags.rewards.map((r) => [r.name, r.weight]), [['accuracy', 2], ['format', 1]]);
    writeFileSync(file, 'rewards: [{ name: accuracy, weight: -1 }]\nworkerz: 2\n');
    assert.throws(() => resolveServiceConfig({ config: file }), (e: Error) => e.message.includes(file) && /rewards\.0\.weight/.test(e.message) && /unknown setting "workerz"/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad flags exit 2 with a message before anything starts', async () => {
  let err = '';
  let code = 0;
  await serveRewards({ reward: ['speed'] }, { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, setExitCode: (c) => (code = c), onSignal: () => () => undefined, env: {} });
  assert.equal(code, 2);
  assert.match(err, /^r1 serve-rewards: .*invalid config\n  - rewards\.0\.name: /);
});
