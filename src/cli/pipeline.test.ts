// src/cli/pipeline.test.ts — `r1 pipeline` / `r1 report` refusals on the real entry point (spawned): conflicting
// presets and a run directory that does not exist are one clear line each.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { r1 } from './r1.case.test.js';

test('r1 pipeline refuses --quick with another --preset; r1 report names a missing directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-pipeline-cli-'));
  try {
    const clash = r1(['pipeline', '--quick', '--preset', 'default', '--out', join(dir, 'run'), 'eval']);
    assert.equal(clash.code, 2);
    assert.equal(clash.stderr.trim(), 'r1 pipeline: --quick and --preset default disagree: give one');
    const missing = r1(['report', join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), `r1 report: ${join(dir, 'nope')}: no such directory`);
    const notRun = r1(['report', dir]);
    assert.match(notRun.stderr, /not a pipeline run directory \(no preset\.json\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
