// src/verify/code/probe.test.ts — the probe's helpers: per-run uids, binds for interpreters outside /usr, info.

import test from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hiddenFolders, outsideUsr, ownPackageRoot, pickUid, releaseUid } from './probe.js';
import { packageRoot } from '../../util/package-root.js';
import { sandboxInfo } from './info.js';

test('pickUid: in range, never handed out twice while in use', () => {
  const uids = Array.from({ length: 200 }, () => pickUid());
  assert.equal(new Set(uids).size, uids.length);
  for (const u of uids) assert.ok(u >= 20_000 && u < 60_000, String(u));
  for (const u of uids) releaseUid(u);
});

test('outsideUsr: interpreters under /usr need no bind; others bind their install prefix', () => {
  assert.deepEqual(outsideUsr('/usr/bin/python3.11'), []);
  assert.deepEqual(outsideUsr('/opt/node-v20/bin/node'), ['/opt/node-v20']);
});

test('hiddenFolders: folders inside a bound tree, as real paths; others skipped; bad paths named', () => {
  const base = mkdtempSync(join(tmpdir(), 'r1-hide-'));
  try {
    const tree = join(base, 'prefix');
    mkdirSync(join(tree, 'lib', 'pkg'), { recursive: true, mode: 0o755 });
    mkdirSync(join(base, 'elsewhere'), { mode: 0o755 });
    writeFileSync(join(tree, 'lib', 'file.txt'), 'x');
    symlinkSync(join(tree, 'lib', 'pkg'), join(base, 'link'));
    chmodSync(base, 0o755);
    assert.deepEqual(hiddenFolders([tree], [join(tree, 'lib', 'pkg')]), [join(tree, 'lib', 'pkg')]);
    assert.deepEqual(hiddenFolders([tree], [join(base, 'link')]), [join(tree, 'lib', 'pkg')], 'a link is followed');
    assert.deepEqual(hiddenFolders([tree], [join(base, 'elsewhere'), join(tree, 'missing')]), [], 'out of the trees or missing: nothing to hide');
    assert.throws(() => hiddenFolders([tree], ['lib/pkg']), /hide: "lib\/pkg" must be an absolute path/);
    assert.throws(() => hiddenFolders([tree], [join(tree, 'lib', 'file.txt')]), /is not a folder/);
    assert.throws(() => hiddenFolders([tree], [tree]), /whole tree/);
    // Behind a folder other users cannot search, a per-run uid cannot reach it (nor could the sandbox mount over it).
    chmodSync(join(tree, 'lib'), 0o700);
    assert.deepEqual(hiddenFolders([tree], [join(tree, 'lib', 'pkg')], true), []);
    assert.deepEqual(hiddenFolders([tree], [join(tree, 'lib', 'pkg')], false), [join(tree, 'lib', 'pkg')]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('ownPackageRoot: the package this verifier was loaded from (the folder that holds its package.json)', () => {
  assert.deepEqual(ownPackageRoot(), [packageRoot()]);
});

test('sandboxInfo: states the isolation and says why when it is not bubblewrap', async () => {
  const auto = await sandboxInfo({ isolation: 'auto' });
  assert.ok(auto.isolation === 'bubblewrap' || (auto.reason ?? '').length > 0);
  assert.equal(auto.limitations.length === 0, auto.isolation !== 'rlimits');
  assert.equal(auto.isolation, auto.backends?.bubblewrap === null ? 'bubblewrap' : auto.backends?.unshare === null ? 'unshare' : 'rlimits', 'auto prefers bubblewrap, then unshare');
  const forced = await sandboxInfo({ isolation: 'rlimits' });
  assert.equal(forced.isolation, 'rlimits');
  assert.equal(forced.reason, 'rlimits forced by option');
  const viaUnshare = await sandboxInfo({ isolation: 'unshare' });
  if (auto.backends?.unshare === null) assert.deepEqual([viaUnshare.isolation, viaUnshare.reason], ['unshare', 'unshare chosen by option']);
  else assert.match(viaUnshare.reason ?? '', /^unshare requested by option but unavailable: /);
});

test('R1_SANDBOX picks the backend sandboxInfo reports, and a bad value is named', async () => {
  const saved = process.env.R1_SANDBOX;
  try {
    process.env.R1_SANDBOX = 'unshare';
    const info = await sandboxInfo();
    assert.match(info.reason ?? '', /^unshare (chosen|requested) by R1_SANDBOX=unshare/);
    process.env.R1_SANDBOX = 'nsjail';
    await assert.rejects(sandboxInfo(), /R1_SANDBOX=nsjail is not an isolation/);
  } finally {
    if (saved === undefined) delete process.env.R1_SANDBOX;
    else process.env.R1_SANDBOX = saved;
  }
});
