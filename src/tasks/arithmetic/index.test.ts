import test from 'node:test';
import assert from 'node:assert/strict';
import { arithmeticDifficultyFromSpec, arithmeticTask, evaluateChain, parseArithmeticAnswer } from './index.js';
import { evaluateExpression } from '../countdown/expression.js';

test('evaluateChain applies * and / before + and -', () => {
  assert.equal(evaluateChain([2n, 3n, 4n], ['+', '*']).toString(), '14');
  assert.equal(evaluateChain([10n, 4n, 3n], ['-', '-']).toString(), '3');
  assert.equal(evaluateChain([1n, 3n, 6n], ['/', '*']).toString(), '2');
  assert.equal(evaluateChain([7n, 2n], ['/']).toString(), '7/2');
});

test('generated gold equals an independent evaluation of the expression', async () => {
  const task = arithmeticTask({ digits: 4, operands: 4, operators: ['+', '-', '*', '/'] });
  for (const it of await task.items({ split: 'train', n: 100, seed: 3 })) {
    const expr = String(it.meta?.['expression']);
    assert.match(expr, /^\d{4}( [-+*/] \d{4}){3}$/);
    assert.ok(it.question.includes(expr));
    assert.equal(evaluateExpression(expr).value.toString(), it.gold, expr);
  }
});

test('check accepts equivalent spellings of the exact value and rejects others', async () => {
  const task = arithmeticTask();
  const [it] = await task.items({ split: 'train', n: 1, seed: 9 });
  assert.ok(it);
  const gold = BigInt(it.gold);
  const withCommas = gold.toLocaleString('en-US');
  for (const c of [`<answer>${gold}</answer>`, `<answer>${withCommas}</answer>`, `\\boxed{${gold}}`, `<answer>x = ${gold}</answer>`, `<think>..</think>Answer: ${gold}.`]) {
    assert.equal((await task.check(it, c)).correct, true, c);
  }
  for (const c of [`<answer>${gold + 1n}</answer>`, `<think>${gold}</think><answer>0</answer>`, 'no answer', `<answer>${gold}0</answer>`]) {
    assert.equal((await task.check(it, c)).correct, false, c);
  }
  assert.equal(parseArithmeticAnswer('\\frac{6}{4}')?.toString(), '3/2');
  assert.equal(task.answerKey?.(' 1,000 '), '1000');
});

test('zh: a share of questions asked in Chinese, the same problems and checker; no draw when it is 0', async () => {
  const plain = await arithmeticTask({ digits: 1, operands: 3, operators: ['+', '-'] }).items({ split: 'train', n: 50, seed: 4 });
  const zero = await arithmeticTask({ digits: 1, operands: 3, operators: ['+', '-'], zh: 0 }).items({ split: 'train', n: 50, seed: 4 });
  assert.deepEqual(zero, plain);
  const task = arithmeticTask(arithmeticDifficultyFromSpec('digits=1,operands=3,operators=+-,zh=0.5'));
  const mixed = await task.items({ split: 'train', n: 200, seed: 4 });
  const zh = mixed.filter((it) => it.question.startsWith('计算 '));
  assert.ok(zh.length > 70 && zh.length < 130, `${zh.length} of 200 in Chinese`);
  for (const it of zh.slice(0, 10)) {
    assert.ok(it.question.includes(String(it.meta?.['expression'])) && it.question.endsWith('请给出准确的整数结果。'), it.question);
    assert.equal((await task.check(it, `答案是 \\boxed{${it.gold}}。`)).correct, true);
  }
  assert.throws(() => arithmeticDifficultyFromSpec('zh=2'), /zh/);
});

test('difficulty specs: presets, overrides and clear errors', () => {
  assert.deepEqual(arithmeticDifficultyFromSpec('hard'), { digits: 5, operands: 4, operators: ['+', '-', '*'] });
  assert.deepEqual(arithmeticDifficultyFromSpec('easy,digits=4,operators=*/'), { digits: 4, operands: 2, operators: ['*', '/'] });
  assert.throws(() => arithmeticDifficultyFromSpec('insane'), /unknown difficulty preset "insane"/);
  assert.throws(() => arithmeticDifficultyFromSpec('digits=0'), /digits/);
  assert.throws(() => arithmeticDifficultyFromSpec('operators=^'), /operators/);
  assert.throws(() => arithmeticDifficultyFromSpec('depth=3'), /depth/);
});
