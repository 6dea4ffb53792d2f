// src/util/probe.ts — optional tools the project can use when present: Python modules (interop checks and
// benchmark baselines) and npm packages (node-llama-cpp). Each probe reports what it found, never throws.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A Python interpreter and, per module, its version or why it does not import. */
export interface PythonProbe {
  /** The interpreter command tried. */
  command: string;
  /** Its version ('3.11.2'), or null when it does not run. */
  version: string | null;
  error?: string;
  modules: Record<string, { ok: true; version: string } | { ok: false; error: string }>;
}

const PROBE = `
import importlib, json, sys
out = {"version": sys.version.split()[0], "modules": {}}
for name in sys.argv[1:]:
    try:
        m = importlib.import_module(name)
        out["modules"][name] = {"ok": True, "version": str(getattr(m, "__version__", "unknown"))}
    except Exception as e:
        out["modules"][name] = {"ok": False, "error": type(e).__name__ + ": " + str(e)[:200]}
print(json.dumps(out))
`;

/** Imports each module in one Python process (a real import: a broken install shows as an error). */
export function probePython(modules: readonly string[], command = process.env.PYTHON ?? 'python3', timeoutMs = 120_000): Promise<PythonProbe> {
  return new Promise((resolve) => {
    execFile(command, ['-c', PROBE, ...modules], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => {
      try {
        const out = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { version: string; modules: PythonProbe['modules'] };
        resolve({ command, version: out.version, modules: out.modules });
      } catch {
        const reason = err ? err.message.split('\n')[0]! : 'no output';
        resolve({ command, version: null, error: reason, modules: Object.fromEntries(modules.map((m) => [m, { ok: false as const, error: `${command} does not run (${reason})` }])) });
      }
    });
  });
}

/** The installed version of an npm package as seen from `fromDir` (node_modules lookup upwards); null when absent. */
export function packageVersion(name: string, fromDir: string = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const pj = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(pj)) {
      try {
        return String((JSON.parse(readFileSync(pj, 'utf8')) as { version?: unknown }).version ?? 'unknown');
      } catch {
        return 'unreadable package.json';
      }
    }
    if (dirname(dir) === dir) return null;
  }
}
