// bench/header.ts — the facts every benchmark prints first (the same as `r1 doctor`'s engine part: Node, OS, CPU
// model and vector flags, backend, OpenBLAS version and core type, pool threads, engine variables), so that figures
// from different machines can be compared honestly.

import { engineFacts, formatEngineFacts } from '../src/backend/index.js';

/** Prints the benchmark's title and the machine/engine facts, then a blank line. */
export function printBenchHeader(title: string, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): void {
  write(title);
  for (const line of formatEngineFacts(engineFacts())) write(line);
  write('');
}
