// src/cli/tokenizer.ts — `r1 tokenizer train|encode|decode`: train a byte-level BPE tokenizer on text or JSONL
// files and save it as Hugging Face files; encode text to ids and decode ids to text. Thin: flags → src/tokenizer.

import { Command, Option } from 'commander';
import { Progress } from './progress.js';
import { readFileSync } from 'node:fs';
import { flagErrors } from './flags.js';
import { prepareOutDir } from './out-dir.js';
import { z } from 'zod';
import { GPT2_PATTERN, LLAMA3_PATTERN, loadTokenizer, saveTokenizer, trainTokenizer } from '../tokenizer/index.js';

/** Everything the command touches outside its flags; injectable so tests run it in-process. */
export interface TokenizerCliDeps {
  stdout: { write(s: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** All of standard input, read when no text/ids are given on the command line. */
  readStdin: () => string;
  setExitCode: (code: number) => void;
}

const PATTERNS = { llama3: LLAMA3_PATTERN, gpt2: GPT2_PATTERN } as const;

export const TrainFlagsSchema = z.object({
  input: z.array(z.string().min(1)).min(1, 'give at least one --input file'),
  out: z.string().min(1),
  vocabSize: z.coerce.number().int().min(265).max(2_000_000),
  minFrequency: z.coerce.number().int().min(1),
  pattern: z.enum(['llama3', 'gpt2']),
  field: z.array(z.string().min(1)).optional(),
  progress: z.boolean(),
});
export const EncodeFlagsSchema = z.object({
  tokenizer: z.string().min(1),
  text: z.string().optional(),
  added: z.boolean(),
  format: z.enum(['ids', 'json', 'tokens']),
});
export const DecodeFlagsSchema = z.object({
  tokenizer: z.string().min(1),
  skipSpecial: z.boolean(),
  ids: z.array(z.coerce.number().int().nonnegative()),
});

/**
 * The texts of a training file: each JSONL line's string fields (all, or those named by --field), or the
 * whole file for any other extension.
 */
export function readTrainingTexts(path: string, fields: readonly string[] | undefined): string[] {
  const text = readFileSync(path, 'utf8');
  if (!path.endsWith('.jsonl')) return [text];
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof row !== 'object' || row === null) throw new Error(`${path}:${i + 1}: expected a JSON object`);
    const rec = row as Record<string, unknown>;
    for (const [k, v] of Object.entries(rec)) if (typeof v === 'string' && (!fields || fields.includes(k))) out.push(v);
  });
  return out;
}

function fail(deps: TokenizerCliDeps, sub: string, err: unknown, code: number, raw: Record<string, unknown> = {}): void {
  const msg = err instanceof z.ZodError ? flagErrors(err, raw) : (err as Error).message;
  deps.stderr.write(`r1 tokenizer ${sub}: ${msg}\n`);
  deps.setExitCode(code);
}

/** Build the `tokenizer` command; `partial` replaces the process's streams (tests). */
export function createTokenizerCommand(partial: Partial<TokenizerCliDeps> = {}): Command {
  const deps: TokenizerCliDeps = {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: () => readFileSync(0, 'utf8'),
    setExitCode: (code) => {
      process.exitCode = code;
    },
    ...partial,
  };
  const cmd = new Command('tokenizer').description('byte-level BPE tokenizer: train, encode, decode (Hugging Face tokenizer.json)');

  cmd
    .command('train')
    .description('train on text or JSONL files and write tokenizer.json + tokenizer_config.json')
    .requiredOption('--input <files...>', 'training files (.jsonl: string fields of each row; otherwise the whole file)')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--vocab-size <n>', 'total vocabulary: 256 bytes + merges + added tokens', '32000')
    .option('--min-frequency <n>', 'merge only pairs seen at least this often', '2')
    .addOption(new Option('--pattern <name>', 'pre-tokenizer regex').choices(['llama3', 'gpt2']).default('llama3'))
    .option('--field <names...>', 'JSONL fields to read (default: every string field)')
    .option('--no-progress', 'no progress bar')
    .action((raw: Record<string, unknown>) => {
      const parsed = TrainFlagsSchema.safeParse(raw);
      if (!parsed.success) return fail(deps, 'train', parsed.error, 2, raw);
      const f = parsed.data;
      try {
        const t0 = performance.now();
        prepareOutDir(f.out);
        const texts = f.input.flatMap((p) => readTrainingTexts(p, f.field));
        if (texts.every((t) => t === '')) {
          throw new Error(f.field ? `no text to train on: no line of ${f.input.join(', ')} has a string field ${f.field.map((x) => `"${x}"`).join(' or ')}` : `no text to train on: ${f.input.join(', ')} ${f.input.length > 1 ? 'are' : 'is'} empty`);
        }
        const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
        // A bar on a terminal, a plain line every few seconds otherwise (CI logs, nohup).
        const progress = f.progress ? new Progress(deps.stderr, { unit: 'merges' }) : null;
        const tok = trainTokenizer(texts, {
          vocabSize: f.vocabSize,
          minFrequency: f.minFrequency,
          pattern: PATTERNS[f.pattern],
          onProgress: (p) => {
            if (p.phase === 'merge') progress?.update({ label: 'tokenizer', done: p.done, total: p.total });
          },
        });
        progress?.stop();
        const paths = saveTokenizer(tok, f.out);
        const secs = (performance.now() - t0) / 1000;
        deps.stdout.write(
          `trained on ${(bytes / 1e6).toFixed(2)} MB in ${secs.toFixed(1)} s: ${tok.spec.merges.length} merges, vocabulary ${tok.vocabSize}` +
            (tok.vocabSize < f.vocabSize ? ` (fewer than ${f.vocabSize}: no more pairs reach --min-frequency)` : '') +
            `\nwrote ${paths.tokenizerJson} and ${paths.tokenizerConfigJson}\n`,
        );
      } catch (err) {
        fail(deps, 'train', err, 1);
      }
    });

  cmd
    .command('encode')
    .description('print the token ids of --text (or of standard input)')
    .requiredOption('--tokenizer <path>', 'directory with tokenizer.json, or the file itself')
    .option('--text <text>', 'text to encode (default: read standard input)')
    .option('--no-added', 'treat added-token text such as <think> as ordinary text')
    .addOption(new Option('--format <format>', 'ids (space-separated), json, or tokens (one per line)').choices(['ids', 'json', 'tokens']).default('ids'))
    .action((raw: Record<string, unknown>) => {
      const parsed = EncodeFlagsSchema.safeParse(raw);
      if (!parsed.success) return fail(deps, 'encode', parsed.error, 2, raw);
      const f = parsed.data;
      try {
        const tok = loadTokenizer(f.tokenizer);
        const ids = tok.encode(f.text ?? deps.readStdin(), { allowedAdded: f.added ? 'all' : 'none' });
        if (f.format === 'json') deps.stdout.write(JSON.stringify(ids) + '\n');
        else if (f.format === 'ids') deps.stdout.write(ids.join(' ') + '\n');
        else for (const id of ids) deps.stdout.write(`${id}\t${JSON.stringify(tok.decode([id]))}\n`);
      } catch (err) {
        fail(deps, 'encode', err, 1);
      }
    });

  cmd
    .command('decode')
    .description('print the text of token ids given as arguments (or on standard input, separated by spaces or commas)')
    .requiredOption('--tokenizer <path>', 'directory with tokenizer.json, or the file itself')
    .option('--skip-special', 'leave out special tokens (BOS, EOS, padding, roles)')
    .argument('[ids...]', 'token ids')
    .action((ids: string[], raw: Record<string, unknown>) => {
      const list = ids.length > 0 ? ids : deps.readStdin().split(/[\s,[\]]+/).filter((s) => s !== '');
      const bad = list.find((x) => !/^\d+$/.test(x));
      if (bad !== undefined) return fail(deps, 'decode', new Error(`token ids are non-negative integers, got ${JSON.stringify(bad)}`), 2);
      const parsed = DecodeFlagsSchema.safeParse({ ...raw, skipSpecial: raw['skipSpecial'] === true, ids: list });
      if (!parsed.success) return fail(deps, 'decode', parsed.error, 2, raw);
      try {
        const tok = loadTokenizer(parsed.data.tokenizer);
        deps.stdout.write(tok.decode(parsed.data.ids, { skipSpecialTokens: parsed.data.skipSpecial }) + '\n');
      } catch (err) {
        fail(deps, 'decode', err, 1);
      }
    });
  return cmd;
}

export function register(program: Command): void {
  program.addCommand(createTokenizerCommand());
}
