import test from 'node:test';
import assert from 'node:assert/strict';
import { chainOfThought, countWords, languageConsistency, languageReward, questionLanguage } from './language.js';

test('counts Latin words, Han characters and other scripts, ignoring math, code and numbers', () => {
  assert.deepEqual(countWords('We add 12 and 30 to get $x^2 + \\frac{a}{b}$ `const zz = 1`'), { latin: 5, han: 0, other: 0 });
  assert.deepEqual(countWords('我们计算 the sum'), { latin: 2, han: 4, other: 0 });
  assert.deepEqual(countWords('Let x be n. Пусть'), { latin: 2, han: 0, other: 1 });
  assert.deepEqual(countWords('\\[ \\int_0^1 f \\] ```py\nprint("hello world")\n```'), { latin: 0, han: 0, other: 0 });
});

test('eq. 7 is computed over the chain of thought only', async () => {
  const mixed = '<think>First we 计算 the total.</think> 答案是 5';
  assert.equal(chainOfThought(mixed), 'First we 计算 the total.');
  assert.equal(languageConsistency(mixed, 'en'), 4 / 6);
  assert.equal(languageConsistency(mixed, 'zh'), 2 / 6);
  const scores = await languageReward({ target: 'en' }).score([
    { prompt: 'p', completion: '<think>Pure English reasoning here.</think> 答案' },
    { prompt: 'p', completion: '<think>$1+1=2$</think> 2' },
    { prompt: 'p', completion: 'truncated reasoning without a close tag 还有' },
  ]);
  assert.deepEqual(scores, [1, null, 5 / 7]);
  assert.throws(() => languageReward({ target: 'fr' as never }), /unsupported target language "fr"/);
});

test("target 'question': the reasoning is scored against the language its question is asked in", async () => {
  assert.equal(questionLanguage('计算 3 + 4。请给出准确的整数结果。'), 'zh');
  assert.equal(questionLanguage('Compute 3 + 4. Give the exact integer value.'), 'en');
  const item = (question: string) => ({ id: question, question, gold: '7' });
  const scores = await languageReward({ target: 'question' }).score([
    { prompt: 'p', item: item('计算 3 + 4。'), completion: '<think>我们从左到右计算。3 + 4 = 7。</think> 7' },
    { prompt: 'p', item: item('计算 3 + 4。'), completion: '<think>We add: 3 + 4 = 7.</think> 7' },
    { prompt: 'p', item: item('Compute 3 + 4.'), completion: '<think>We add: 3 + 4 = 7.</think> 7' },
    { prompt: 'p', item: item('Compute 3 + 4.'), completion: '<think>We 计算 it.</think> 7' },
    { prompt: '计算 3 + 4。', completion: '<think>我们计算。</think> 7' },
  ]);
  assert.deepEqual(scores, [1, 0, 1, 2 / 4, 1]);
});
