// src/generate/reasoning-stream.test.ts — tests: the streaming reasoning split equals splitReasoning on the whole text
// for every chunking (tags split across chunks never leak), R1's prompt-opened block, and held-back partial tags.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { splitReasoning } from './chat.js';
import { ReasoningStream, type ReasoningTags } from './reasoning-stream.js';

const R1: ReasoningTags = { open: '<think>', close: '</think>', startInside: true };

function streamed(text: string, tags: ReasoningTags, cuts: number[]): { reasoning: string; content: string; pieces: string[] } {
  const s = new ReasoningStream(tags);
  let reasoning = '', content = '';
  const pieces: string[] = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    const p = s.push(text.slice(at, cut));
    pieces.push(p.reasoning, p.content);
    reasoning += p.reasoning;
    content += p.content;
    at = cut;
  }
  const e = s.end();
  return { reasoning: reasoning + e.reasoning, content: content + e.content, pieces };
}

test('streamed deltas add up to splitReasoning of the whole text, for random texts and random chunkings', () => {
  const rng = new Rng(17);
  const words = ['a', 'Let', ' ', '\n', '2+2', '<', '>', '/', 'think', 'x ', '  \n', '</', '<th', 'ink>', '=4'];
  // Random text with '<' and tag fragments but no whole tag (those come from the shapes below).
  const rand = (k: number): string =>
    Array.from({ length: k }, () => words[rng.int(0, words.length - 1)]!).join('').replaceAll('<think>', '(think>').replaceAll('</think>', '</(think>');
  for (let i = 0; i < 3000; i++) {
    const inside = rng.next() < 0.5;
    const shape = rng.int(0, 3);
    let text: string;
    // Shapes with at most one tag pair, as a model writes them.
    if (inside) text = [rand(5), `${rand(6)}</think>${rand(5)}`, `\n<think>${rand(4)}</think>${rand(3)}`, rand(8)][shape]!;
    else text = [rand(5), `${rand(2)}<think>${rand(6)}</think>${rand(5)}`, `<think>${rand(4)}`, rand(3)][shape]!;
    // Random cut points, including inside tags.
    const cuts = Array.from({ length: rng.int(0, 8) }, () => rng.int(0, text.length)).sort((a, b) => a - b);
    const want = splitReasoning(text, inside);
    const got = streamed(text, { ...R1, startInside: inside }, cuts);
    assert.equal(got.reasoning, want.reasoning, `reasoning of ${JSON.stringify(text)} cut at ${cuts}`);
    assert.equal(got.content, want.content, `content of ${JSON.stringify(text)} cut at ${cuts}`);
  }
});

test('a close tag split over one-character chunks never leaks into either field', () => {
  const text = 'I add 2 and 2.\n</think>\n\nThe answer is \\boxed{4}.';
  const got = streamed(text, R1, Array.from({ length: text.length }, (_, i) => i));
  assert.equal(got.reasoning, 'I add 2 and 2.');
  assert.equal(got.content, 'The answer is \\boxed{4}.');
  for (const p of got.pieces) assert.ok(!p.includes('<') && !p.includes('>'), `piece ${JSON.stringify(p)}`);
});

test('text that only looks like a tag is released once it cannot be one', () => {
  const s = new ReasoningStream(R1);
  assert.deepEqual(s.push('x </th'), { reasoning: 'x', content: '' });
  assert.deepEqual(s.push('ought'), { reasoning: ' </thought', content: '' });
  assert.equal(s.mode, 'reasoning');
  assert.deepEqual(s.push('</think>  '), { reasoning: '', content: '' });
  assert.equal(s.mode, 'content');
  assert.deepEqual(s.push('ok  '), { reasoning: '', content: 'ok' });
  assert.deepEqual(s.end(), { reasoning: '', content: '' });
});

test('a prompt that did not open the block: text is the answer until <think>', () => {
  assert.deepEqual(streamed('Hello', { ...R1, startInside: false }, [2]), { reasoning: '', content: 'Hello', pieces: ['', 'He', '', 'llo'] });
  const got = streamed('<think>hmm</think>yes', { ...R1, startInside: false }, [3, 9]);
  assert.equal(got.reasoning, 'hmm');
  assert.equal(got.content, 'yes');
});
