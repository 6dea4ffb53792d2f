// src/cli/init.test.ts — `r1 init` end to end by spawning the real `r1` entry point: a checkpoint from a preset and a
// trained tokenizer, and its option errors (an unknown preset, --tokenizer with --corpus, a vocabulary the corpus
// cannot reach).

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '../tokenizer/index.js';
import { r1 } from './r1.case.test.js';


function withCorpus(fn: (dir: string, corpus: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1-init-'));
  try {
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, 'hello world, hello tokenizer\nthe tokenizer learns the world\n');
    fn(dir, corpus);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('r1 init: a checkpoint with a trained tokenizer; a corpus too small for --vocab-size gets a notice naming the size reached', () => {
  withCorpus((dir, corpus) => {
    const ok = r1(['init', join(dir, 'a'), '--corpus', corpus, '--vocab-size', '268']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^r1 init: .*: [\d,]+ parameters, vocabulary 268\n$/);
    assert.doesNotMatch(ok.stderr, /notice/);
    const big = r1(['init', join(dir, 'b'), '--corpus', corpus, '--vocab-size', '100000']);
    assert.equal(big.code, 0, big.stderr);
    const size = loadTokenizer(join(dir, 'b')).vocabSize;
    assert.ok(size < 100000);
    assert.match(big.stdout, new RegExp(`vocabulary ${size}\\n$`));
    assert.match(big.stderr, new RegExp(`^r1 init: notice: the tokenizer reached ${size} tokens, not --vocab-size 100000: .*corpus\\.txt has no more repeated pairs to merge`, 'm'));
  });
});

test('r1 init: option errors exit 2 in one line naming the flag; nothing is written', () => {
  withCorpus((dir, corpus) => {
    const out = join(dir, 'ckpt');
    const cases: [string[], RegExp][] = [
      [['--preset', 'bogus', '--corpus', corpus], /^r1 init: --preset bogus: neither a preset \(tiny-dense, tiny-moe-mla, reference, deepseek-v3\) nor a model config JSON file\n$/],
      [['--corpus', corpus, '--tokenizer', dir], /^r1 init: give --tokenizer \(use an existing tokenizer\) or --corpus \(train one on a text file\), not both\n$/],
      [['--corpus', join(dir, 'missing.txt')], /^r1 init: --corpus .*missing\.txt: cannot read it \(ENOENT\)\n$/],
      [['--corpus', corpus, '--vocab-size', '100', '--seed', 'x'], /^r1 init: --vocab-size must be at least 266 \(256 bytes \+ the R1 tokens \+ merges\); --seed: must be a number, got "x"\n$/],
    ];
    for (const [args, message] of cases) {
      const r = r1(['init', out, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(existsSync(out), false, `${args.join(' ')}: no checkpoint`);
    }
  });
});
