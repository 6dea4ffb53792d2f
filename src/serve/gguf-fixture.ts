// src/serve/gguf-fixture.ts — test fixture: a tiny llama GGUF whose greedy and sampled replies are known in advance,
// for the GGUF server tests. Every layer's output projections are zero, so the residual stream is the current
// token's embedding; chain tokens embed as distinct unit vectors and the head maps each to its successor with a
// margin of ~30 logits, so from the prompt's last token ("\n") the model writes exactly
// `<think>` REASONING `</think>` ANSWER, then <|im_end|> (end of generation) — or, with `loop`, repeats ANSWER
// until its token budget runs out. The tokenizer carries the R1 tokens and ChatML's, and a ChatML chat template
// whose generation prompt opens the reasoning block.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRefBackend } from '../backend/index.js';
import { ggufTokenizerOf } from '../tokenizer/index.js';
import { exportLlamaGguf, parseModelConfig, Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { R1_ADDED_TOKENS, R1_TOKENS, Tokenizer, trainTokenizer } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';

/** ChatML, opening the reasoning block in the generation prompt (as newer R1 distill templates do). */
export const CHATML_THINK_TEMPLATE =
  "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}";
/** The same without opening the block: the model writes its own <think>. */
export const CHATML_TEMPLATE =
  "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

export const CHAIN_REASONING = 'Let me add two and three';
export const CHAIN_ANSWER = 'The answer is five';

export interface ChainGguf {
  file: string;
  /** Generated tokens up to and including </think>. */
  reasoningTokens: number;
  /** Tokens of one full reply, end-of-generation token included (not `loop`). */
  replyTokens: number;
}

export function makeChainGguf(opts: { loop?: boolean; name?: string } = {}): ChainGguf {
  const corpus = [`${CHAIN_REASONING}. ${CHAIN_ANSWER}.`, 'What is 2 + 3? Please reason step by step.', 'You are a careful assistant.'];
  const extra = ['<|im_start|>', '<|im_end|>'];
  // Repeated so that every word of the reply becomes one token (the chain needs distinct tokens).
  let tok = trainTokenizer(Array.from({ length: 10 }, () => corpus).flat(), { vocabSize: 360, addedTokens: [...R1_ADDED_TOKENS, ...extra.map((content) => ({ content, special: true }))] });
  tok = new Tokenizer({ ...tok.spec, chatTemplate: CHATML_THINK_TEMPLATE, specialNames: { ...tok.spec.specialNames, eos: '<|im_end|>' } });
  const id = (s: string): number => tok.addedTokenId(s);
  const plain = (s: string): number[] => tok.encode(s, { allowedAdded: 'none' });
  const [nl] = plain('\n');
  const reasoning = plain(CHAIN_REASONING), answer = plain(CHAIN_ANSWER);
  const chain = [nl!, id(R1_TOKENS.thinkStart), ...reasoning, id(R1_TOKENS.thinkEnd), ...answer];
  if (plain('\n').length !== 1 || new Set(chain).size !== chain.length) throw new Error('makeChainGguf: the chain tokens must be distinct');
  const next = new Map<number, number>();
  for (let i = 0; i + 1 < chain.length; i++) next.set(chain[i]!, chain[i + 1]!);
  next.set(chain.at(-1)!, opts.loop ? answer[0]! : id('<|im_end|>'));

  const H = 64, V = tok.vocabSize;
  if (next.size > H) throw new Error('makeChainGguf: more chain tokens than hidden units');
  const config = parseModelConfig({ vocabSize: V, hidden: H, nLayers: 1, nHeads: 4, intermediate: 128, maxSeqLen: 8192, tieEmbeddings: false, attention: { kind: 'mha', nKvHeads: 4 } });
  const model = new Transformer(createEngine(createRefBackend()), config, new Rng(5));
  const w = model.stateDict();
  const data = (name: string): Float32Array => {
    const t = w.get(name);
    if (!t) throw new Error(`makeChainGguf: no weight ${name}`);
    return t.data;
  };
  data('model.layers.0.self_attn.o_proj.weight').fill(0);
  data('model.layers.0.mlp.down_proj.weight').fill(0);
  data('model.norm.weight').fill(1);
  const emb = data('model.embed_tokens.weight').fill(0); // (V, H)
  const head = data('lm_head.weight').fill(0); // (V, H)
  [...next.keys()].forEach((t, k) => {
    emb[t * H + k] = 1; // RMSNorm makes it sqrt(H) = 8
    head[next.get(t)! * H + k] = 4; // logit 32 for the successor, 0 for every other token
  });
  const dir = mkdtempSync(join(tmpdir(), 'r1-chain-gguf-'));
  const file = join(dir, `${opts.name ?? 'chain'}.gguf`);
  exportLlamaGguf(file, config, w, ggufTokenizerOf(tok), { dtype: 'F32', name: 'r1ts-chain' });
  return { file, reasoningTokens: 2 + reasoning.length, replyTokens: chain.length };
}

/** Writes `text` to a temporary .jinja file (for --chat-template). */
export function templateFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'r1-template-')), 'chat.jinja');
  writeFileSync(file, text);
  return file;
}
