// src/verify/math/extract.test.ts — answer extraction: priority order, nested braces, tags, lines, fallbacks.

import test from 'node:test';
import assert from 'node:assert/strict';
import { extractAnswer, lastBoxed, matchBrace } from './extract.js';

const ex = (text: string, priority?: Parameters<typeof extractAnswer>[1]) => extractAnswer(text, priority);

test('boxed: the last box, nested braces, \\fbox and \\boxed 5', () => {
  assert.deepEqual(ex('first \\boxed{1}, then \\boxed{2}.'), { answer: '2', method: 'boxed' });
  assert.deepEqual(ex('$\\boxed{\\frac{1}{\\sqrt{2}}}$'), { answer: '\\frac{1}{\\sqrt{2}}', method: 'boxed' });
  assert.deepEqual(ex('so \\fbox{7} it is'), { answer: '7', method: 'boxed' });
  assert.deepEqual(ex('so $\\boxed 5$.'), { answer: '5', method: 'boxed' });
  assert.deepEqual(ex('set \\boxed{\\{1, 2\\}} done'), { answer: '\\{1, 2\\}', method: 'boxed' });
  assert.equal(lastBoxed('\\boxedx{3}'), null, 'a longer command is not \\boxed');
  // A truncated last box falls back to the complete one before it.
  assert.deepEqual(ex('\\boxed{4} and then \\boxed{\\frac{1}{2'), { answer: '4', method: 'boxed' });
});

test('matchBrace skips escaped braces and reports unbalanced input', () => {
  assert.equal(matchBrace('{a\\}b}', 0), 5);
  assert.equal(matchBrace('{{}', 0), -1);
});

test('answer tags, answer lines, GSM8K markers, last number', () => {
  assert.deepEqual(ex('<think>2+2=4</think> <answer> 4 </answer>'), { answer: '4', method: 'answer-tag' });
  assert.deepEqual(ex('<answer>1</answer> then <ANSWER>The answer is 9.</ANSWER>'), { answer: '9', method: 'answer-tag' });
  assert.deepEqual(ex('Work.\nAnswer: 12\n'), { answer: '12', method: 'answer-line' });
  assert.deepEqual(ex('**Final Answer:** $x = 3.5$. I hope it is correct.'), { answer: 'x = 3.5', method: 'answer-line' });
  assert.deepEqual(ex('The final answer is 3.5. Done.'), { answer: '3.5', method: 'answer-line' });
  assert.deepEqual(ex('The answer is:\n\n  \\frac{3}{4}'), { answer: '\\frac{3}{4}', method: 'answer-line' });
  assert.deepEqual(ex('She makes 9 * 2 = <<9*2=18>>18.\n#### 1,018'), { answer: '1,018', method: 'gsm8k' });
  assert.deepEqual(ex('we get 3 apples and then 1,250.75 dollars'), { answer: '1,250.75', method: 'last-number' });
  assert.deepEqual(ex('ratio 3/4'), { answer: '3/4', method: 'last-number' });
  assert.deepEqual(ex('down to -12.'), { answer: '-12', method: 'last-number' });
  assert.equal(ex('no numbers at all'), null);
  assert.equal(ex(''), null);
});

test('priority: default order, custom order, and empty candidates skipped', () => {
  const text = '<answer>7</answer> Answer: 8 \\boxed{9} #### 10 and 11';
  assert.deepEqual(ex(text), { answer: '9', method: 'boxed' });
  assert.deepEqual(ex(text, { priority: ['gsm8k', 'boxed'] }), { answer: '10 and 11', method: 'gsm8k' });
  assert.deepEqual(ex(text, { priority: ['answer-tag'] }), { answer: '7', method: 'answer-tag' });
  assert.deepEqual(ex(text, { priority: ['last-number'] }), { answer: '11', method: 'last-number' });
  assert.deepEqual(ex('\\boxed{ } so 5', {}), { answer: '5', method: 'last-number' });
  assert.equal(ex('Answer: 3', { priority: [] }), null);
  assert.throws(() => ex('x', { priority: ['nope' as 'boxed'] }), /unknown method "nope"/);
});

test('hostile completions: long, many unclosed boxes and tags, long whitespace runs', () => {
  assert.equal(ex('\\boxed{'.repeat(20000) + '1'.repeat(10), { priority: ['boxed'] }), null);
  assert.equal(ex('<answer>'.repeat(20000), { priority: ['answer-tag'] }), null);
  assert.deepEqual(ex(`answer${' '.repeat(100000)}x`, { priority: ['answer-line'] }), null);
  const long = ex(`\\boxed{${'9'.repeat(100000)}}`);
  assert.equal(long?.method, 'boxed');
  assert.equal(long?.answer.length, 2000, 'answers are capped');
});

test('math spans, answer phrases, the committed region', () => {
  assert.deepEqual(ex('So the probability is $\\frac{2}{5}$.'), { answer: '\\frac{2}{5}', method: 'latex-span' });
  assert.deepEqual(ex('Since $x = 5$, the perimeter is 20 cm.'), { answer: '20', method: 'last-number' });
  assert.deepEqual(ex('The value of $n$ is 7.'), { answer: '7', method: 'last-number' }, 'a lone variable is not an answer');
  assert.deepEqual(ex('The solutions are $x = 1$ and $x = -1$.'), { answer: 'x = 1, x = -1', method: 'latex-span' });
  assert.deepEqual(ex('We get\n\\begin{align*}\nx &= 2 + 3 \\\\\n&= 5\n\\end{align*}'), { answer: '5', method: 'latex-span' });
  assert.deepEqual(ex('所以答案是 $12$。'), { answer: '12', method: 'answer-line' });
  assert.deepEqual(ex('**Answer:**\n\n$$12$$'), { answer: '12', method: 'answer-line' });
  assert.deepEqual(ex('The roots are $\\boxed{2}$ and $\\boxed{3}$.'), { answer: '2, 3', method: 'boxed' });
  const minerva = 'Final Answer: The final answer is $7$. I hope it is correct.\n\nProblem: x?\nFinal Answer: The final answer is $4$. I hope it is correct.';
  assert.deepEqual(ex(minerva), { answer: '7', method: 'answer-line' });
  assert.deepEqual(ex('The answer is 12.<|im_end|>\n<|im_start|>user\nand 5+5?'), { answer: '12', method: 'answer-line' });
  assert.deepEqual(ex('So \\boxed{8}.\n\nQuestion: 3 x 3?\nAnswer: \\boxed{9}'), { answer: '8', method: 'boxed' });
  assert.deepEqual(ex('So it is 35 percent.'), { answer: '35%', method: 'last-number' });
  assert.deepEqual(ex('She pays 3500,25 euros'), { answer: '3500,25', method: 'last-number' });
});

test('false positives: names with digits, formulas, spans that hold the digit', () => {
  assert.equal(ex('The code QX7B opens the lock.'), null);
  assert.equal(ex('The polynomial is x^2 + 3'), null);
  assert.deepEqual(ex('Thus $\\frac{3-\\sqrt{2}}{7}$'), { answer: '\\frac{3-\\sqrt{2}}{7}', method: 'latex-span' });
  assert.deepEqual(ex('so $\\frac{1}{ + $ and then 4'), { answer: '4', method: 'last-number' });
});

test('hostile completions for the phrase and span scanners stay fast and bounded', () => {
  assert.equal(ex(`final answer is${' '.repeat(100000)}`, { priority: ['answer-line'] }), null);
  assert.equal(ex(`\nProblem${' '.repeat(100000)}x \\boxed{`, { priority: ['boxed'] }), null);
  assert.equal(ex('$'.repeat(100000), { priority: ['latex-span'] }), null);
  assert.equal(ex('$x$ '.repeat(50000), { priority: ['latex-span'] }), null);
  assert.deepEqual(ex(`${'\\( '.repeat(30000)}1`, { priority: ['last-number'] }), { answer: '1', method: 'last-number' });
});
