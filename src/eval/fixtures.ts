// src/eval/fixtures.ts — test fixtures shared by eval's tests: a tiny addition task (implements Task; checks the
// last \boxed{} after the reasoning, like the real math tasks) and a tiny random checkpoint folder.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRefBackend } from '../backend/index.js';
import { exportLlamaGguf, parseModelConfig, preset, saveModelAsHf, Transformer } from '../model/index.js';
import type { CheckResult, PromptStyle, Task, TaskItem } from '../tasks/types.js';
import { createEngine } from '../tensor/index.js';
import { ggufTokenizerOf, R1_ADDED_TOKENS, saveTokenizer, Tokenizer, trainTokenizer } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';

/** Items "add-i": What is a + b? with small numbers derived from i. */
export function additionTask(name = 'addition', size = 5): Task {
  const all: TaskItem[] = Array.from({ length: size }, (_, i) => ({
    id: `add-${i}`,
    question: `What is ${i + 2} + ${2 * i + 3}?`,
    gold: String(3 * i + 5),
  }));
  return {
    name,
    description: 'test fixture: add two small integers',
    async items({ n }) {
      return all.slice(0, n ?? all.length);
    },
    prompt(item: TaskItem, style: PromptStyle): string {
      return style === 'boxed' ? `${item.question}\nPlease reason step by step, and put your final answer within \\boxed{}.` : item.question;
    },
    async check(item: TaskItem, completion: string): Promise<CheckResult> {
      const final = completion.includes('</think>') ? completion.slice(completion.lastIndexOf('</think>')) : completion;
      const m = [...final.matchAll(/\\boxed\{([^}]*)\}/g)].at(-1);
      if (!m) return { correct: false, score: 0, extracted: null, reason: 'no answer found' };
      const extracted = m[1]!.trim();
      const correct = Number(extracted) === Number(item.gold);
      return { correct, score: correct ? 1 : 0, extracted };
    },
    answerKey: (a: string) => a.replace(/\s+/g, ''),
    equivalent: async (a: string, b: string) => Number(a) === Number(b) && !Number.isNaN(Number(a)),
  };
}

/** The two numbers of an addition prompt, or null. */
export function addends(prompt: string): [number, number] | null {
  const m = /What is (\d+) \+ (\d+)\?/.exec(prompt);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * A checkpoint folder: tiny-dense with the tokenizer's vocabulary size (plus `padVocab` ids with no text, as
 * padded vocabularies have), random weights, tokenizer.json beside. `chat`: a foreign chat template saved in its
 * tokenizer_config.json, with its control tokens added after R1's (e.g. ChatML's <|im_start|>, <|im_end|>), and
 * `eos` naming the tokenizer's EOS.
 */
export function makeCheckpoint(padVocab = 0, chat?: { template: string; tokens: string[]; eos?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'r1-ckpt-'));
  const corpus = ['What is 2 + 3? Please reason step by step, and put your final answer within \\boxed{}.', 'The answer is 5.'];
  let tok = trainTokenizer(corpus, { vocabSize: 300, ...(chat ? { addedTokens: [...R1_ADDED_TOKENS, ...chat.tokens.map((content) => ({ content, special: true }))] } : {}) });
  if (chat) tok = new Tokenizer({ ...tok.spec, chatTemplate: chat.template, ...(chat.eos ? { specialNames: { ...tok.spec.specialNames, eos: chat.eos } } : {}) });
  const config = parseModelConfig({ ...preset('tiny-dense'), vocabSize: tok.vocabSize + padVocab, maxSeqLen: 256 });
  const model = new Transformer(createEngine(createRefBackend()), config, new Rng(11));
  saveModelAsHf(dir, model);
  saveTokenizer(tok, dir);
  return dir;
}

/**
 * The model and tokenizer of makeCheckpoint() as one llama GGUF file (returned path; its folder is temporary), with
 * the R1 chat template in tokenizer.chat_template, or `chatTemplate` (no extra tokens).
 */
export function makeGgufCheckpoint(chatTemplate?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'r1-gguf-'));
  const corpus = ['What is 2 + 3? Please reason step by step, and put your final answer within \\boxed{}.', 'The answer is 5.'];
  let tok = trainTokenizer(corpus, { vocabSize: 300 });
  if (chatTemplate !== undefined) tok = new Tokenizer({ ...tok.spec, chatTemplate });
  const config = parseModelConfig({ ...preset('tiny-dense'), vocabSize: tok.vocabSize, maxSeqLen: 256 });
  const model = new Transformer(createEngine(createRefBackend()), config, new Rng(11));
  const file = join(dir, 'tiny.gguf');
  exportLlamaGguf(file, config, model.stateDict(), ggufTokenizerOf(tok));
  return file;
}
