// bench/args.ts — the benchmarks' command-line helpers: `--name N` as a positive integer, or a list `--name 1,16`, or a default.

/** The positive integer after `--name` on the command line, or `def` when the flag is absent. */
export function positiveIntArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

/** The comma-separated positive integers after `--name` (e.g. `--batches 1,16,128`), or `def` when the flag is absent. */
export function positiveIntListArg(name: string, def: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const raw = process.argv[i + 1] ?? '';
  const v = raw.split(',').map((x) => Number(x.trim()));
  if (raw.trim() === '' || v.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`--${name} needs positive integers separated by commas, got "${raw}"`);
  return v;
}
