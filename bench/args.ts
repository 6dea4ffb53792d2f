// bench/args.ts — the benchmarks' one command-line helper: `--name N` as a positive integer, or a default.

/** The positive integer after `--name` on the command line, or `def` when the flag is absent. */
export function positiveIntArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}
