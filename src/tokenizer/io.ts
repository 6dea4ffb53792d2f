// src/tokenizer/io.ts — load and save tokenizers as Hugging Face files (tokenizer.json + tokenizer_config.json),
// with atomic writes and errors that name the file.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseTokenizerConfig, parseTokenizerJson, toTokenizerConfigJson, toTokenizerJson, TokenizerFileError, type TokenizerConfigInfo } from './hf-json.js';
import { Tokenizer } from './tokenizer.js';
import { writeFileAtomic as writeBytesAtomic } from '../util/atomic.js';

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TokenizerFileError(path, '', `cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TokenizerFileError(path, '', `not valid JSON (${(e as Error).message}); the file may be truncated`);
  }
}

/** Build a Tokenizer from a parsed tokenizer.json; every error names `source`. */
export function tokenizerFromJson(json: unknown, source: string, config: TokenizerConfigInfo = {}): Tokenizer {
  const spec = parseTokenizerJson(json, source, config);
  try {
    return new Tokenizer(spec, source);
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.startsWith(source)) throw e;
    throw new TokenizerFileError(source, '', msg);
  }
}

/**
 * Load a tokenizer from a directory (tokenizer.json, plus tokenizer_config.json and chat_template.jinja when
 * present) or from a tokenizer.json path (its directory is searched for the same companions). As in transformers,
 * chat_template.jinja takes priority over a `chat_template` in tokenizer_config.json.
 */
export function loadTokenizer(path: string): Tokenizer {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const file = isDir ? join(path, 'tokenizer.json') : path;
  const dir = isDir ? path : dirname(path);
  const json = readJson(file);
  // Without tokenizer_config.json a chat template sees no named special tokens (bos_token, eos_token, …), as in
  // transformers; BOS/EOS for generation are still found (the R1 names, when the vocabulary has them).
  let config: TokenizerConfigInfo = { templateTokens: {} };
  const configPath = join(dir, 'tokenizer_config.json');
  if (existsSync(configPath)) config = parseTokenizerConfig(readJson(configPath), configPath);
  if (config.chatTemplate !== undefined) config = { ...config, chatTemplateSource: `${dir} (tokenizer_config.json)` };
  const jinjaPath = join(dir, 'chat_template.jinja');
  if (existsSync(jinjaPath)) {
    let text: string;
    try {
      text = readFileSync(jinjaPath, 'utf8');
    } catch (e) {
      throw new TokenizerFileError(jinjaPath, '', `cannot read: ${(e as Error).message}`);
    }
    config = { ...config, chatTemplate: text, chatTemplateSource: `${dir} (chat_template.jinja)` };
  }
  return tokenizerFromJson(json, file, config);
}

/** Write `data` to `path` atomically (the checkpoints' writer: a temp file in the same folder, fsync, rename). */
export function writeFileAtomic(path: string, data: string): void {
  writeBytesAtomic(path, [new TextEncoder().encode(data)]);
}

/** Save as tokenizer.json + tokenizer_config.json in `dir` (which must exist); returns the two paths. */
export function saveTokenizer(tok: Tokenizer, dir: string): { tokenizerJson: string; tokenizerConfigJson: string } {
  const tokenizerJson = join(dir, 'tokenizer.json');
  const tokenizerConfigJson = join(dir, 'tokenizer_config.json');
  writeFileAtomic(tokenizerJson, JSON.stringify(toTokenizerJson(tok.spec), null, 2) + '\n');
  writeFileAtomic(tokenizerConfigJson, JSON.stringify(toTokenizerConfigJson(tok.spec), null, 2) + '\n');
  return { tokenizerJson, tokenizerConfigJson };
}
