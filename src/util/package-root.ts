// src/util/package-root.ts — finds the r1ts package folder (the nearest package.json above a file), so code and
// tests resolve repository paths the same way from src/ (tsx) and from dist/ (compiled).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `from` (default: this module's folder) that holds a package.json. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json found above ${from}`);
    dir = up;
  }
}
