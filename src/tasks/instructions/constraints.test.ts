import test from 'node:test';
import assert from 'node:assert/strict';
import {
  answerRegion,
  checkInstructions,
  cleanAnswer,
  containsWord,
  instructionsAnswerKey,
  parseInstructionSpec,
  splitItems,
  wordCount,
  type Constraint,
  type InstructionSpec,
} from './constraints.js';
import type { CategoryName } from './vocab.js';

/** [constraint, an answer that keeps it, an answer that breaks it, what the failure reason must say]. */
type Case = [Constraint, string, string, RegExp];

function run(cases: Case[], category: CategoryName, lang: 'en' | 'zh'): void {
  for (const [c, good, bad, why] of cases) {
    const spec: InstructionSpec = { category, lang, constraints: [c] };
    const ok = checkInstructions(spec, cleanAnswer(good));
    assert.equal(ok.correct, true, `${c.kind} should hold on ${JSON.stringify(good)}: ${ok.reason}`);
    assert.match(ok.reason, /topic and 1 constraint hold/);
    const no = checkInstructions(spec, cleanAnswer(bad));
    assert.equal(no.correct, false, `${c.kind} should fail on ${JSON.stringify(bad)}`);
    assert.deepEqual(no.failed.length, 1, `${c.kind}: only this constraint fails on ${JSON.stringify(bad)}: ${no.reason}`);
    assert.match(no.reason, new RegExp(`^${c.kind}: `), no.reason);
    assert.match(no.reason, why, no.reason);
  }
}

test('each constraint kind holds and fails, English answers', () => {
  run(
    [
      [{ kind: 'language', lang: 'en' }, 'I like red and blue.', '我喜欢 red 和蓝色。', /are English \(need 90%\)/],
      [{ kind: 'language', lang: 'zh' }, '我喜欢红色。', 'I like 红色.', /are Chinese/],
      [{ kind: 'max-words', n: 3 }, 'red, blue, green', 'red, blue, green, white', /4 words \(at most 3\)/],
      [{ kind: 'include', word: 'please' }, 'Please take red.', 'Take red.', /"please" is missing/],
      [{ kind: 'include', word: 'blue' }, 'BLUE and red', 'bluest red', /"blue" is missing/],
      [{ kind: 'exclude', word: 'red' }, 'reddish blue, green', 'blue, Red, green', /uses "red"/],
      [{ kind: 'end-with', text: 'thank you' }, 'red, blue. Thank  you!', 'thank you: red, blue', /does not end with "thank you"/],
      [{ kind: 'end-with', text: 'done' }, 'red and blue, done.', 'red, blue, undone', /does not end with "done"/],
      [{ kind: 'lowercase' }, 'red, blue and green.', 'red, Blue', /uppercase letter "B"/],
      [{ kind: 'count', n: 3 }, 'Red, blue, and green.', 'red, blue', /2 comma-separated items \(need exactly 3\)/],
      [{ kind: 'count', n: 2 }, 'red, blue', 'red, table', /item "table" names no colors/],
      [{ kind: 'count', n: 2 }, 'gray, blue', 'red, RED', /"red" is named twice/],
    ],
    'colors',
    'en',
  );
});

test('each constraint kind holds and fails, Chinese answers', () => {
  run(
    [
      [{ kind: 'language', lang: 'zh' }, '我喜欢猫和狗。', 'cat and dog 狗', /are Chinese/],
      [{ kind: 'language', lang: 'en' }, 'cats and dogs', '猫和狗 and dogs', /are English/],
      // Han characters count one word each: 猫，狗，鸟 is 3 words; 猫和狗和鸟 is 5.
      [{ kind: 'max-words', n: 3 }, '猫，狗，鸟', '猫和狗和鸟', /5 words \(at most 3\)/],
      [{ kind: 'include', word: '喜欢' }, '我喜欢猫', '我爱猫', /"喜欢" is missing/],
      [{ kind: 'exclude', word: '狗' }, '猫和鸟', '猫和小狗', /uses "狗"/],
      [{ kind: 'end-with', text: '谢谢' }, '猫，狗。谢谢！', '谢谢，猫和狗', /does not end with "谢谢"/],
      [{ kind: 'lowercase' }, '猫和 dog', '猫和 Dog', /uppercase letter "D"/],
      [{ kind: 'count', n: 3 }, '猫、狗、鸟。', '猫，狗', /2 comma-separated items/],
      [{ kind: 'count', n: 2 }, '小猫，兔子', '猫，桌子', /item "桌子" names no animals/],
      [{ kind: 'count', n: 2 }, '猫，dog', '猫，狗，鱼', /3 comma-separated items/],
    ],
    'animals',
    'zh',
  );
  // A member named in both languages is still one member.
  const twice = checkInstructions({ category: 'animals', lang: 'zh', constraints: [{ kind: 'count', n: 2 }] }, '猫，cat');
  assert.match(twice.reason, /"cat" is named twice/);
});

test('the topic rule: an answer must name something from the requested category, in either language', () => {
  const spec: InstructionSpec = { category: 'days', lang: 'en', constraints: [{ kind: 'lowercase' }] };
  assert.equal(checkInstructions(spec, 'monday').correct, true);
  assert.equal(checkInstructions(spec, '星期天').correct, true);
  const off = checkInstructions(spec, 'i do not know');
  assert.equal(off.correct, false);
  assert.deepEqual(off.failed, ['topic: names no days of the week']);
  // Several failures are all named.
  const two = checkInstructions({ category: 'numbers', lang: 'en', constraints: [{ kind: 'lowercase' }, { kind: 'max-words', n: 1 }] }, 'Hello there');
  assert.deepEqual(two.failed.map((f) => f.split(':')[0]), ['topic', 'lowercase', 'max-words']);
  // Digits name numbers, but only whole: 10 is ten, not one.
  assert.equal(checkInstructions({ category: 'numbers', lang: 'en', constraints: [{ kind: 'count', n: 2 }] }, '10, 3').correct, true);
  assert.match(checkInstructions({ category: 'numbers', lang: 'en', constraints: [{ kind: 'count', n: 2 }] }, '10, 10').reason, /"ten" is named twice/);
});

test('word count: Han characters one each, Latin words and numbers one each', () => {
  assert.equal(wordCount('I like red, blue.'), 4);
  assert.equal(wordCount("don't stop"), 2);
  assert.equal(wordCount('我喜欢红色'), 5);
  assert.equal(wordCount('我喜欢 red 和 blue 1 2'), 8);
  assert.equal(wordCount('  ,.;  '), 0);
});

test('answer region: the <answer> block, else after </think>, else all; never the reasoning', () => {
  assert.deepEqual(answerRegion('<think>red</think> <answer>blue</answer>'), { answer: 'blue', source: 'answer-tag' });
  assert.deepEqual(answerRegion('<think>red</think>\n\nblue'), { answer: '\n\nblue', source: 'after-think' });
  assert.deepEqual(answerRegion('blue'), { answer: 'blue', source: 'plain' });
  assert.deepEqual(answerRegion('<think>red, the answer is red'), { answer: null, reason: 'no answer: the reasoning block never closed' });
});

test('cleaning defeats invisible characters and full-width letters; items split on three comma styles', () => {
  assert.equal(cleanAnswer('r\u200Bed'), 'red');
  assert.equal(cleanAnswer('ｒｅｄ'), 'red');
  assert.equal(cleanAnswer(' \\boxed{red, blue} '), 'red, blue');
  assert.equal(cleanAnswer('<answer>red</answer'), 'red</answer');
  assert.equal(containsWord(cleanAnswer('b\u200Dlue\u2060 sky'), 'blue'), true);
  assert.deepEqual(splitItems('red, blue，green、 "white".'), ['red', 'blue', 'green', 'white']);
  assert.deepEqual(splitItems('red,,blue,'), ['red', 'blue']);
});

test('answer keys normalize case, comma style, spacing and closing punctuation', () => {
  assert.equal(instructionsAnswerKey('Red,Blue ， green!'), 'red, blue, green');
  assert.equal(instructionsAnswerKey('  red,  blue.'), instructionsAnswerKey('RED, blue'));
  assert.notEqual(instructionsAnswerKey('red, blue'), instructionsAnswerKey('blue, red'));
  assert.equal(instructionsAnswerKey('猫、狗。'), '猫, 狗');
});

test('a bad gold spec is a clear error naming the item', () => {
  assert.throws(() => parseInstructionSpec('red', 'item x-1'), /instructions: item x-1: gold is not JSON/);
  assert.throws(() => parseInstructionSpec('{"category":"colors","lang":"en","constraints":[{"kind":"shout"}]}', 'item x-2'), /item x-2: bad constraint spec/);
  assert.throws(() => parseInstructionSpec('{"category":"planets","lang":"en","constraints":[{"kind":"lowercase"}]}'), /category/);
  assert.deepEqual(parseInstructionSpec('{"category":"colors","lang":"zh","constraints":[{"kind":"count","n":2}]}'), {
    category: 'colors',
    lang: 'zh',
    constraints: [{ kind: 'count', n: 2 }],
  });
});
