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

test('sandboxInfo: states the isolation and says why when it is the fallback', async () => {
  const auto = await sandboxInfo();
  assert.ok(auto.isolation === 'bubblewrap' || (auto.isolation === 'rlimits' && (auto.reason ?? '').length > 0));
  assert.equal(auto.limitations.length === 0, auto.isolation === 'bubblewrap');
  const forced = await sandboxInfo({ isolation: 'rlimits' });
  assert.equal(forced.isolation, 'rlimits');
  assert.equal(forced.reason, 'rlimits forced by option');
});
