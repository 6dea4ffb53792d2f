// bench/tokenizer.ts — byte-level BPE speed: train on a 10 MB corpus (goal: under a minute) and encode it,
// with Python `tokenizers` (when importable) as the baseline measured in the same run on the same corpus.
// Run: npm run build && node dist/bench/tokenizer.js [--mb 10] [--vocab 32000]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Rng } from '../src/util/rng.js';
import { saveTokenizer, trainTokenizer } from '../src/tokenizer/index.js';
import { packageRoot } from '../src/util/package-root.js';
import { printBenchHeader } from './header.js';
import { formatSpread, spreadOf, tooWide } from '../src/util/stats.js';


function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

/**
 * A seeded corpus of about `bytes` UTF-8 bytes: the benchmark data files when present, then sentences of
 * words drawn Zipf-like from their vocabulary, with misspellings (new rare words, as real text has), numbers,
 * math, code-ish punctuation and some non-Latin text.
 */
function buildCorpus(bytes: number, seed: number): string[] {
  const dataDir = process.env['R1_DATA_DIR'] ?? resolve(packageRoot(), '..', 'shared', 'data');
  const docs: string[] = [];
  if (existsSync(dataDir)) {
    for (const f of ['gsm8k-test.jsonl', 'math500-test.jsonl', 'aime24-test.jsonl', 'amc23-test.jsonl']) {
      const p = join(dataDir, f);
      if (!existsSync(p)) continue;
      for (const line of readFileSync(p, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const o = JSON.parse(line) as Record<string, unknown>;
        docs.push(Object.values(o).filter((v): v is string => typeof v === 'string').join('\n'));
      }
    }
  }
  const rng = new Rng(seed);
  const real = [...new Set(docs.join(' ').match(/\p{L}+/gu) ?? [])];
  // A large made-up lexicon (syllable strings) stands in for the long tail of a natural-language vocabulary,
  // so that a 32k-token vocabulary can be learned (the benchmark files alone have ~10k distinct words).
  const onsets = ['', 'b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'st', 'tr', 'pl', 'ch', 'sh', 'th', 'gr'];
  const nuclei = ['a', 'e', 'i', 'o', 'u', 'ou', 'ea', 'ai', 'y'];
  const codas = ['', '', 'n', 'r', 's', 't', 'l', 'm', 'ng', 'ck', 'st', 'nd'];
  const lexicon = Array.from({ length: 300_000 }, () =>
    Array.from({ length: rng.int(1, 4) }, () => rng.pick(onsets) + rng.pick(nuclei) + rng.pick(codas)).join(''),
  );
  const words = real.length >= 1000 ? real : lexicon.slice(0, 20_000);
  const extra = ['数学问题的答案是', 'число', 'εξίσωση', 'solución', 'Größe', '😀', '∑', '√2', 'x^2 + y^2', '\\frac{1}{2}', '=> {', '});'];
  const out = [...docs];
  let size = docs.reduce((s, d) => s + Buffer.byteLength(d), 0);
  // Zipf-like: P(rank r) ∝ 1/r.
  const zipf = (list: string[]): string => list[Math.min(list.length - 1, Math.floor(Math.exp(rng.next() * Math.log(list.length))) - 1)] as string;
  while (size < bytes) {
    const parts: string[] = [];
    const n = rng.int(40, 200);
    for (let i = 0; i < n; i++) {
      const r = rng.next();
      let w: string;
      if (r < 0.5) w = zipf(words);
      else if (r < 0.8) w = zipf(lexicon);
      else if (r < 0.87) w = String(rng.int(0, 10 ** rng.int(1, 7)));
      else if (r < 0.92) {
        const base = zipf(words);
        const k = rng.int(0, base.length - 1);
        w = base.slice(0, k) + String.fromCharCode(97 + rng.int(0, 25)) + base.slice(k + 1);
      } else if (r < 0.95) w = rng.pick(extra);
      else w = rng.pick([',', '.', '?', ':', ';', '!', ' -', '(', ')', '$', '\n', '\n\n']);
      parts.push(w);
    }
    const s = parts.join(' ');
    out.push(s);
    size += Buffer.byteLength(s);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const mb = arg('mb', 10);
const vocabSize = arg('vocab', 32000);
const corpus = buildCorpus(mb * 1e6, 1234);
const totalBytes = corpus.reduce((s, d) => s + Buffer.byteLength(d), 0);
printBenchHeader('r1ts tokenizer bench');
console.log(`corpus: ${(totalBytes / 1e6).toFixed(1)} MB in ${corpus.length} documents; vocab ${vocabSize}`);

// 1. Training (one run: it is long enough to time reliably).
let countDone = 0;
const t0 = performance.now();
let tCount = 0;
const tok = trainTokenizer(corpus, {
  vocabSize,
  onProgress: (p) => {
    if (p.phase === 'merge' && tCount === 0) tCount = performance.now() - t0;
    if (p.phase === 'count') countDone = p.done;
  },
});
const trainS = (performance.now() - t0) / 1000;
console.log(`learned ${tok.spec.merges.length} merges (vocab ${tok.vocabSize})`);
console.log(`r1ts train: ${trainS.toFixed(1)} s (${countDone} docs; counting ${(tCount / 1000).toFixed(1)} s, merges ${(trainS - tCount / 1000).toFixed(1)} s) — goal < 60 s: ${trainS < 60 ? 'met' : 'NOT met'}`);

// 2. Encoding throughput, cold cache then warm (median of 3).
const fresh = trainTokenizer(corpus.slice(0, 1), { vocabSize: 300 }); // warm up JIT on a tiny one
fresh.encode('warm up');
let tokens = 0;
const tc = performance.now();
for (const d of corpus) tokens += tok.encode(d).length;
const coldS = (performance.now() - tc) / 1000;
const warm: number[] = [];
for (let r = 0; r < 3; r++) {
  const tw = performance.now();
  tok.encodeBatch(corpus);
  warm.push((performance.now() - tw) / 1000);
}
const warmS = median(warm);
console.log(`r1ts encode: ${tokens} tokens (${(totalBytes / tokens).toFixed(2)} bytes/token); cold ${(totalBytes / 1e6 / coldS).toFixed(1)} MB/s, warm ${(totalBytes / 1e6 / warmS).toFixed(1)} MB/s (${formatSpread(spreadOf(warm))})`);
if (tooWide(spreadOf(warm))) console.log('  the warm runs varied too much to trust (the machine was busy): rerun when it is quiet');

// 3. Baseline: Python `tokenizers` (Rust) on the same corpus, same regex and vocab size.
const probe = spawnSync('python3', ['-c', 'import tokenizers'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log('baseline skipped: python3 cannot import tokenizers');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-bench-tok-'));
  try {
    writeFileSync(join(dir, 'corpus.json'), JSON.stringify(corpus));
    saveTokenizer(tok, dir);
    const py = `
import json, sys, time, os
os.environ.setdefault("RAYON_NUM_THREADS", "2")
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers, Regex
d = sys.argv[1]
corpus = json.load(open(d + "/corpus.json"))
mine = json.load(open(d + "/tokenizer.json"))
pattern = mine["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
specials = [a["content"] for a in mine["added_tokens"]]
t = Tokenizer(models.BPE())
t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), "isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
t.decoder = decoders.ByteLevel()
tr = trainers.BpeTrainer(vocab_size=${vocabSize}, min_frequency=2, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
t0 = time.perf_counter(); t.train_from_iterator(corpus, tr); train_s = time.perf_counter() - t0
r = Tokenizer.from_file(d + "/tokenizer.json")
r.encode_batch(corpus[:10])
times = []
for _ in range(3):
    t0 = time.perf_counter(); r.encode_batch(corpus); times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"train_s": train_s, "encode_s": times[1]}))
`;
    const res = spawnSync('python3', ['-c', py, dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (res.status !== 0) {
      console.log(`baseline failed: ${res.stderr.trim().split('\n').slice(-1)[0]}`);
    } else {
      const b = JSON.parse(res.stdout.trim().split('\n').slice(-1)[0] as string) as { train_s: number; encode_s: number };
      console.log(`HF tokenizers (Rust, 2 threads): train ${b.train_s.toFixed(1)} s, encode ${(totalBytes / 1e6 / b.encode_s).toFixed(1)} MB/s (encode_batch)`);
      console.log(`ratio r1ts/HF: train time ${(trainS / b.train_s).toFixed(2)}x, encode speed ${(b.encode_s / warmS).toFixed(2)}x (warm)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
