// src/verify/code/unshare.ts — the second namespace backend: util-linux unshare plus a setup script (pure).
//
// For hosts without bubblewrap. `unshare` makes new user (the caller mapped to root), mount, pid, net, ipc, uts
// and cgroup namespaces; a small /bin/sh script, run as that namespace's root, builds the same view bubblewrap
// builds (a read-only root tmpfs holding only /usr, the /bin and /lib* links, /proc of the new pid namespace, a
// minimal read-only /dev, a size-limited scratch /tmp and the run's folder read-only), pivots into it, detaches
// the host's tree, and then runs the program as a child of that shell with every capability dropped
// (setpriv: empty bounding set, no-new-privs), so the program cannot mount, unmount or remount anything and
// stays uid 0 only inside the namespace (the host sees the caller's, or the per-run, uid).
//
// The shell stays pid 1 and waits: the program is pid 2, so signals such as SIGXCPU act on it normally (pid 1
// ignores signals it has no handler for), its status comes back as 128 + signal like bubblewrap's, and when it
// exits the shell exits and the kernel kills whatever else is left in the pid namespace (daemons included).

import type { CommandSpec, UnshareTools } from './types.js';

export type { UnshareTools } from './types.js';


/** Folder inside the run's temp dir on which the sandbox's root tmpfs is mounted (inside the namespace only). */
export const UNSHARE_ROOT_DIR = '.root';

/** Device nodes bound into the sandbox's /dev (as bubblewrap's --dev gives, without /dev/shm or ptys). */
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

/** Quote one word for /bin/sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Argv (from the unshare binary on) that runs `spec.argv` in the namespaces: unshare's flags, then
 * `sh -c SCRIPT r1-sandbox ARGV...` (the program's argv reaches the script as "$@", never spliced into it).
 */
export function unshareArgs(spec: CommandSpec, tools: UnshareTools, scratchBytes: number, hideBytes = 4096): string[] {
  const flags = ['--user', '--map-root-user', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child=SIGKILL', '--net', '--ipc', '--uts', '--cgroup'];
  return [tools.unshare, ...flags, '--', tools.sh, '-c', setupScript(spec, tools, scratchBytes, hideBytes), 'r1-sandbox', ...spec.argv];
}

/** The setup script (exported for tests). Any failed step ends the run before the program starts. */
export function setupScript(spec: CommandSpec, tools: UnshareTools, scratchBytes: number, hideBytes = 4096): string {
  const q = shQuote;
  const R = `${spec.workDir}/${UNSHARE_ROOT_DIR}`;
  const m = q(tools.mount);
  const roBind = (host: string, at: string): string[] => [
    `mkdir -p ${q(at)}`,
    `${m} --bind ${q(host)} ${q(at)}`,
    `${m} -o remount,bind,ro ${q(at)}`,
  ];
  const lines = [
    'set -eu',
    'PATH=/usr/bin:/bin',
    // The new root: a tiny tmpfs that only holds mount points and links; read-only once built.
    `${m} -t tmpfs -o size=1m,mode=0755,nosuid,nodev r1-root ${q(R)}`,
    `mkdir ${q(`${R}/proc`)} ${q(`${R}/dev`)} ${q(`${R}/tmp`)} ${q(`${R}/.old`)}`,
    ...roBind('/usr', `${R}/usr`),
  ];
  for (const e of spec.rootEntries) {
    if (e.kind === 'symlink') lines.push(`ln -s ${q(e.target)} ${q(R + e.path)}`);
    else lines.push(...roBind(e.path, R + e.path));
  }
  for (const p of spec.extraRoBinds) lines.push(...roBind(p, R + p));
  // Folders of those trees the program must not read: an empty read-only tmpfs over each.
  for (const p of spec.hidden ?? []) lines.push(`${m} -t tmpfs -o size=${hideBytes},mode=0555,ro,nosuid,nodev r1-hide ${q(R + p)}`);
  lines.push(
    // /proc of the new pid namespace: only the sandbox's own processes.
    `${m} -t proc -o nosuid,nodev,noexec proc ${q(`${R}/proc`)}`,
    // A minimal /dev on its own tmpfs, read-only: no /dev/shm, so no tmpfs outside the scratch limit.
    `${m} -t tmpfs -o size=64k,mode=0755,nosuid r1-dev ${q(`${R}/dev`)}`,
    `for d in ${DEVICES.join(' ')}; do : > ${q(`${R}/dev/`)}"$d"; ${m} --bind /dev/"$d" ${q(`${R}/dev/`)}"$d"; done`,
    `ln -s /proc/self/fd ${q(`${R}/dev/fd`)}`,
    `ln -s /proc/self/fd/0 ${q(`${R}/dev/stdin`)}`,
    `ln -s /proc/self/fd/1 ${q(`${R}/dev/stdout`)}`,
    `ln -s /proc/self/fd/2 ${q(`${R}/dev/stderr`)}`,
    `${m} -o remount,bind,ro ${q(`${R}/dev`)}`,
    // The only writable place: scratch that vanishes with the namespace and cannot grow past scratchBytes.
    `${m} -t tmpfs -o size=${scratchBytes},mode=1777,nosuid,nodev r1-tmp ${q(`${R}/tmp`)}`,
    // The run's folder, read-only, at its host path (it may lie under /tmp: bound after the scratch tmpfs).
    ...roBind(spec.workDir, R + spec.workDir),
    // Swap roots and drop the host's tree from this mount namespace.
    `cd ${q(R)}`,
    `${q(tools.pivotRoot)} . .old`,
    'cd /',
    `${q(tools.umount)} -l /.old`,
    'rmdir /.old',
    `${m} -o remount,bind,ro /`,
    'cd /tmp',
    'set +e',
    // Not exec: the shell stays pid 1 (see the header). Every capability goes before the program starts.
    `${q(tools.setpriv)} --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- "$@"`,
    'exit $?',
  );
  return lines.join('\n');
}
