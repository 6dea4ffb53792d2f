// src/verify/code/probe.test.ts — the probe's helpers: per-run uids, binds for interpreters outside /usr, info.

import test from 'node:test';
import assert from 'node:assert/strict';
import { outsideUsr, pickUid, releaseUid } from './probe.js';
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
