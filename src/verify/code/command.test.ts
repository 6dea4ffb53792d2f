// src/verify/code/command.test.ts — the sandbox argv: what is bound, what is limited, what environment is passed.

import test from 'node:test';
import assert from 'node:assert/strict';
import { buildCommand, stackBytesFor, type CommandSpec } from './command.js';
import type { UnshareTools } from './unshare.js';

const unshareTools: UnshareTools = {
  unshare: '/usr/bin/unshare',
  mount: '/usr/bin/mount',
  umount: '/usr/bin/umount',
  pivotRoot: '/usr/sbin/pivot_root',
  setpriv: '/usr/bin/setpriv',
  sh: '/bin/sh',
};
import { DEFAULT_LIMITS } from './types.js';

const spec: CommandSpec = {
  mode: 'bubblewrap',
  tools: { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv', unshare: unshareTools },
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
  // The stack too: the caller's `ulimit -s` must not decide whether deep recursion passes.
  for (const f of ['--cpu=3:4', `--data=${256 * 1024 * 1024}`, '--nproc=32', '--core=0', `--stack=${8 << 20}`]) assert.ok(all.includes(f), f);
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
  assert.ok(plan.args.includes(`--stack=${8 << 20}`));
  assert.ok(plan.args.includes('--no-new-privs'));
  assert.ok(!plan.args.includes('--unshare-all'));
  assert.equal(plan.cwd, '/tmp/r1-code-abc');
  assert.equal(plan.env.HOME, '/tmp/r1-code-abc');
  const shared = buildCommand({ ...spec, mode: 'rlimits', uid: undefined });
  assert.equal(shared.file, '/usr/bin/prlimit');
  assert.throws(() => buildCommand({ ...spec, tools: { ...spec.tools, setpriv: null } }), /setpriv/);
});

test('unshare: per-run uid with no-new-privs, rlimits, every namespace, the program after the setup script', () => {
  const plan = buildCommand({ ...spec, mode: 'unshare' });
  const all = [plan.file, ...plan.args];
  assert.equal(plan.file, '/usr/bin/setpriv');
  assert.ok(all.includes('--reuid=23456') && all.includes('--no-new-privs'));
  for (const f of ['--cpu=3:4', `--data=${256 * 1024 * 1024}`, '--nproc=32', '--core=0']) assert.ok(all.includes(f), f);
  const u = all.indexOf('/usr/bin/unshare');
  assert.ok(u > all.indexOf('/usr/bin/prlimit'), 'unshare runs under the rlimits');
  for (const f of ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--net', '--ipc', '--uts', '--cgroup']) assert.ok(all.slice(u).includes(f), f);
  // sh -c SCRIPT NAME ARGV: the program's argv is passed as arguments, never spliced into the script.
  const sh = all.indexOf('/bin/sh', u);
  assert.equal(all[sh + 1], '-c');
  assert.equal(all[sh + 3], 'r1-sandbox');
  assert.deepEqual(all.slice(sh + 4), spec.argv);
  assert.equal(plan.cwd, '/');
  assert.equal(plan.env.HOME, '/tmp');
  assert.deepEqual(Object.keys(plan.env).sort(), ['HOME', 'LANG', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'TMPDIR']);
  assert.throws(() => buildCommand({ ...spec, mode: 'unshare', tools: { ...spec.tools, unshare: null } }), /unshare tools/);
});

test('unshare: the setup script builds a read-only root, a read-only minimal /dev, one size-limited tmpfs, and drops every capability', () => {
  const all = buildCommand({ ...spec, mode: 'unshare' }).args;
  const script = all[all.indexOf('-c') + 1] as string;
  const lines = script.split('\n');
  assert.equal(lines[0], 'set -eu', 'a failed setup step stops the run before the program starts');
  // Writable tmpfs mounts: only the scratch /tmp (size-limited); the root and /dev tmpfs are remounted read-only.
  const tmpfs = lines.filter((l) => / -t tmpfs /.test(l));
  assert.equal(tmpfs.length, 3);
  assert.match(tmpfs.find((l) => /r1-tmp/.test(l)) ?? '', new RegExp(`size=${32 << 20},`));
  const idx = (re: RegExp): number => lines.findIndex((l) => re.test(l));
  assert.ok(idx(/remount,bind,ro '\/tmp\/r1-code-abc\/\.root\/dev'$/) > idx(/r1-dev/), '/dev is remounted read-only after it is built');
  assert.ok(!/shm/.test(script), 'no /dev/shm');
  assert.ok(idx(/remount,bind,ro \/$/) > idx(/pivot_root/), 'the new root is read-only after the pivot');
  assert.ok(idx(/umount' -l \/\.old$/) > idx(/pivot_root/), "the host's tree is detached");
  // Read-only binds: /usr, the real /lib64 dir, the extra bind, and the run's folder; /bin is a symlink.
  const bound = lines.filter((l) => / --bind /.test(l) && !/\/dev\//.test(l)).map((l) => l.split(' ').at(-2));
  assert.deepEqual(bound, ["'/usr'", "'/lib64'", "'/opt/node'", "'/tmp/r1-code-abc'"]);
  for (const b of bound) assert.ok(lines.some((l) => l.includes('remount,bind,ro') && l.endsWith(`.root${(b as string).slice(1, -1)}'`)), `${b} read-only`);
  assert.ok(lines.includes("ln -s 'usr/bin' '/tmp/r1-code-abc/.root/bin'"));
  const run = lines.at(-2) as string;
  assert.match(run, /setpriv' --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- "\$@"$/);
  assert.ok(!run.startsWith('exec'), 'the shell stays pid 1 and waits for the program');
});

test('hidden folders: an empty read-only tmpfs over each, after the tree that holds it (bubblewrap and unshare)', () => {
  const hidden = ['/usr/lib/node_modules/r1ts'];
  const all = buildCommand({ ...spec, hidden }).args;
  const at = all.findIndex((a, i) => a === '--tmpfs' && all[i + 1] === hidden[0]);
  assert.deepEqual(all.slice(at - 2, at + 4), ['--size', '4096', '--tmpfs', hidden[0], '--remount-ro', hidden[0]]);
  assert.ok(at > all.findIndex((a, i) => a === '--ro-bind' && all[i + 1] === '/usr'), 'mounted over the bound /usr');
  const u = buildCommand({ ...spec, mode: 'unshare', hidden }).args;
  const lines = (u[u.indexOf('-c') + 1] as string).split('\n');
  const hide = lines.findIndex((l) => l.includes(' r1-hide '));
  assert.match(lines[hide] ?? '', /-t tmpfs -o size=4096,mode=0555,ro,nosuid,nodev r1-hide '\/tmp\/r1-code-abc\/\.root\/usr\/lib\/node_modules\/r1ts'$/);
  assert.ok(hide > lines.findIndex((l) => l.includes("--bind '/usr'")) && hide < lines.findIndex((l) => l.includes('pivot_root')));
  assert.ok(!buildCommand(spec).args.includes('/usr/lib/node_modules/r1ts'), 'nothing hidden unless asked');
});

test('stack limit: 8 MiB, or the caller\'s hard limit when lower (a run that dropped its uid cannot raise it)', () => {
  const limits = (hard: string): string => `Limit                     Soft Limit           Hard Limit           Units\nMax stack size            8388608              ${hard}            bytes\n`;
  assert.equal(stackBytesFor(limits('unlimited')), 8 << 20);
  assert.equal(stackBytesFor(limits('4194304')), 4194304);
  assert.equal(stackBytesFor(limits(String(1 << 30))), 8 << 20);
  assert.equal(stackBytesFor(''), 8 << 20);
  assert.ok(buildCommand({ ...spec, stackBytes: 4194304 }).args.includes('--stack=4194304'));
});
