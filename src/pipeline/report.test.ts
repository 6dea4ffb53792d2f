// src/pipeline/report.test.ts — what writeReport says about directories it cannot report on.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from './report.js';

test('writeReport on an r1 eval output directory says where its report is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-report-'));
  try {
    assert.throws(() => writeReport(join(dir, 'nope')), /nope: no such directory/);
    assert.throws(() => writeReport(dir), /not a pipeline run directory \(no preset\.json\)$/);
    writeFileSync(join(dir, 'run.json'), '{}');
    writeFileSync(join(dir, 'samples.jsonl'), '');
    assert.throws(() => writeReport(dir), /an r1 eval output directory, not a pipeline run directory \(no preset\.json\): its report is summary\.md and summary\.html, which rerunning the same r1 eval command rewrites/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
