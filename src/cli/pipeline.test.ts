// src/cli/pipeline.test.ts — `r1 pipeline` / `r1 report` refusals on the real entry point (spawned): conflicting
// presets and a run directory that does not exist are one clear line each.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { r1 } from './r1.case.test.js';

test('r1 pipeline refuses --quick with another --preset and bad teacher flags up front; r1 report names a missing directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-pipeline-cli-'));
  try {
    const clash = r1(['pipeline', '--quick', '--preset', 'default', '--out', join(dir, 'run'), 'eval']);
    assert.equal(clash.code, 2);
    assert.equal(clash.stderr.trim(), 'r1 pipeline: --quick and --preset default disagree: give one');
    // Teacher flags are checked before any stage runs (the base would otherwise train first).
    const badUrl = r1(['pipeline', '--quick', '--out', join(dir, 'run'), 'base', 'distill', '--teacher-endpoint', 'ftp://h/v1', '--teacher-model', 'm']);
    assert.equal(badUrl.code, 2);
    assert.equal(badUrl.stderr.trim(), 'r1 pipeline: endpoint URL "ftp://h/v1" must use http or https');
    const keyAlone = r1(['pipeline', '--quick', '--out', join(dir, 'run'), 'eval', '--teacher-key-env', 'PATH']);
    assert.equal(keyAlone.code, 2);
    assert.equal(keyAlone.stderr.trim(), 'r1 pipeline: --teacher-key-env is the key of a --teacher-endpoint: give the endpoint and --teacher-model too');
    assert.ok(!existsSync(join(dir, 'run')), 'nothing written');
    const missing = r1(['report', join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), `r1 report: ${join(dir, 'nope')}: no such directory`);
    const notRun = r1(['report', dir]);
    assert.match(notRun.stderr, /not a pipeline run directory \(no preset\.json\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
