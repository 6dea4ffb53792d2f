// src/util/probe.test.ts — probes of optional tools report what they find and never throw.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageVersion, probePython } from './probe.js';

test('packageVersion finds a package in node_modules above a folder, and null when absent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-probe-'));
  try {
    mkdirSync(join(dir, 'node_modules', 'some-pkg'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'some-pkg', 'package.json'), JSON.stringify({ name: 'some-pkg', version: '1.2.3' }));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    assert.equal(packageVersion('some-pkg', join(dir, 'a', 'b')), '1.2.3');
    assert.equal(packageVersion('no-such-package-r1ts', join(dir, 'a', 'b')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('probePython reports a missing interpreter per module, and a missing module as an import error', async () => {
  const none = await probePython(['json'], '/nonexistent/python3');
  assert.equal(none.version, null);
  assert.match(none.error!, /ENOENT|not found/);
  assert.equal(none.modules.json!.ok, false);
  const real = await probePython(['json', 'r1ts_no_such_module']);
  if (real.version === null) return; // no python3 here: covered above
  assert.match(real.version, /^\d+\.\d+/);
  assert.equal(real.modules.json!.ok, true);
  const missing = real.modules.r1ts_no_such_module!;
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.match(missing.error, /ModuleNotFoundError/);
});
