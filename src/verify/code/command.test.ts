// src/verify/code/command.test.ts — the sandbox argv: what is bound, what is limited, what environment is passed.

import test from 'node:test';
import assert from 'node:assert/strict';
import { buildCommand, type CommandSpec } from './command.js';
import { DEFAULT_LIMITS } from './types.js';

const spec: CommandSpec = {
  mode: 'bubblewrap',
  tools: { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' },
  uid: 23456,
  nproc: 32,
  limits: { ...DEFAULT_LIMITS, cpuSeconds: 3, memoryMb: 256 },
  workDir: '/tmp/r1-code-abc',
  rootEntries: [
    { path: '/bin', kind: 'symlink', target: 'usr/bin' },
    { path: '/lib64', kind: 'dir' },
  ],
  extraRoBinds: ['/opt/node'],
  argv: ['/usr/bin/python3', '-I', '-B', '/tmp/r1-code-abc/main.py'],
};

test('bubblewrap: per-run uid, rlimits, namespaces, only system trees bound read-only', () => {
  const plan = buildCommand(spec);
  const all = [plan.file, ...plan.args];
  assert.equal(plan.file, '/usr/bin/setpriv');
  assert.ok(all.includes('--reuid=23456') && all.includes('--clear-groups'));
  for (const f of ['--cpu=3:4', `--data=${256 * 1024 * 1024}`, '--nproc=32', '--core=0']) assert.ok(all.includes(f), f);
  for (const f of ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv']) assert.ok(all.includes(f), f);
  const binds: string[] = [];
  all.forEach((a, i) => {
    if (a === '--ro-bind' || a === '--bind') binds.push(all[i + 1] as string);
  });
  assert.deepEqual(binds, ['/usr', '/lib64', '/opt/node', '/tmp/r1-code-abc']);
  assert.ok(!all.includes('--bind'), 'nothing of the host is bound writable');
  assert.ok(all.includes('--remount-ro'));
  assert.deepEqual(all.slice(-4), spec.argv);
  assert.deepEqual(Object.keys(plan.env).sort(), ['HOME', 'LANG', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'TMPDIR']);
});

test('bubblewrap: /dev is the minimal device set, remounted read-only (no unlimited writable /dev/shm tmpfs)', () => {
  const all = buildCommand(spec).args;
  const dev = all.findIndex((a, i) => a === '--dev' && all[i + 1] === '/dev');
  const ro = all.findIndex((a, i) => a === '--remount-ro' && all[i + 1] === '/dev');
  assert.ok(dev >= 0 && ro > dev, 'remount-ro /dev after --dev /dev');
  assert.ok(!all.some((a, i) => a === '--tmpfs' && all[i + 1] === '/dev/shm'));
  // The only writable tmpfs is the size-limited scratch /tmp.
  const tmpfs = all.flatMap((a, i) => (a === '--tmpfs' ? [[all[i - 2], all[i - 1], all[i + 1]]] : []));
  assert.deepEqual(tmpfs, [['--size', String(32 << 20), '/tmp']]);
});

test('rlimits: no namespaces, no-new-privs, cwd is the temp dir; without a uid no setpriv', () => {
  const plan = buildCommand({ ...spec, mode: 'rlimits' });
  assert.ok(plan.args.includes('--no-new-privs'));
  assert.ok(!plan.args.includes('--unshare-all'));
  assert.equal(plan.cwd, '/tmp/r1-code-abc');
  assert.equal(plan.env.HOME, '/tmp/r1-code-abc');
  const shared = buildCommand({ ...spec, mode: 'rlimits', uid: undefined });
  assert.equal(shared.file, '/usr/bin/prlimit');
  assert.throws(() => buildCommand({ ...spec, tools: { ...spec.tools, setpriv: null } }), /setpriv/);
});
