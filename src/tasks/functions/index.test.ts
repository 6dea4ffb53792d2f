// src/tasks/functions/index.test.ts — the functions task: generation, split, wording, difficulty specs, and the
// checker run for real in the sandbox on right, wrong, partly right and hostile programs.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../util/rng.js';
import { splitOfKey } from '../split.js';
import type { TaskItem } from '../types.js';
import { getTask, getTaskByName } from '../registry.js';
import {
  checkFunction,
  createFunctionsTask,
  FUNCTION_TEST_INPUTS,
  functionQuestion,
  functionSolution,
  functionsAnswerKey,
  functionsDifficultyFromSpec,
  functionsMeta,
  functionTests,
  functionWorked,
  functionsTask,
  pythonExpression,
  VerdictCache,
  type FunctionStep,
} from './index.js';

/** A hand-made item: f(x) = x * 3 + 2. */
function itemOf(steps: FunctionStep[], lang: 'en' | 'zh' = 'en'): TaskItem {
  const expression = pythonExpression(steps);
  return {
    id: `t-${expression}`,
    question: functionQuestion(steps, lang),
    gold: `def f(x): return ${expression}`,
    meta: { expression, steps, tests: functionTests(steps), io: 'call', lang, key: expression },
  };
}
const TIMES3PLUS2 = itemOf([{ op: '*', n: 3 }, { op: '+', n: 2 }]);
const zero = (code: string): string => `<think> Times 3, plus 2. </think> <answer> ${code} </answer>`;
const fenced = (code: string, lang = 'python'): string => `<think>\nTimes 3, plus 2.\n</think>\n<answer>\n\`\`\`${lang}\n${code}\n\`\`\`\n</answer>`;

test('the Python expression makes left-to-right order explicit, and the tests include negative and zero inputs', () => {
  assert.equal(pythonExpression([{ op: '*', n: 3 }, { op: '+', n: 2 }]), 'x * 3 + 2');
  assert.equal(pythonExpression([{ op: '+', n: 3 }, { op: '*', n: 2 }]), '(x + 3) * 2');
  assert.equal(pythonExpression([{ op: '-', n: 1 }, { op: '*', n: 2 }, { op: '-', n: 4 }, { op: '*', n: 5 }]), '((x - 1) * 2 - 4) * 5');
  assert.equal(pythonExpression([{ op: '-', n: 1 }, { op: '-', n: 2 }]), 'x - 1 - 2');
  assert.ok(FUNCTION_TEST_INPUTS.includes(0) && FUNCTION_TEST_INPUTS.some((x) => x < 0));
  assert.deepEqual(functionTests([{ op: '+', n: 3 }, { op: '*', n: 2 }]).map((t) => (t.kind === 'call' ? [t.fn, t.args, t.expected] : null)), [
    ['f', [-2], 2],
    ['f', [0], 6],
    ['f', [1], 8],
    ['f', [5], 16],
  ]);
});

test('questions: short, regular, parallel in English and Chinese', () => {
  const steps: FunctionStep[] = [{ op: '*', n: 3 }, { op: '+', n: 2 }];
  assert.equal(functionQuestion(steps, 'en'), 'Write a Python function f(x) that returns x times 3, then plus 2.');
  assert.equal(functionQuestion(steps, 'zh'), '写一个 Python 函数 f(x)，返回 x 乘以 3，再加 2。');
  assert.equal(functionQuestion([{ op: '-', n: 7 }], 'en'), 'Write a Python function f(x) that returns x minus 7.');
  assert.equal(functionQuestion([{ op: '-', n: 7 }], 'zh'), '写一个 Python 函数 f(x)，返回 x 减 7。');
  assert.throws(() => functionQuestion([], 'en'), /at least one operation/);
});

test('difficulty specs: ranges, presets, clear errors', () => {
  assert.deepEqual(functionsDifficultyFromSpec('ops=1..2,max=9,zh=0.3'), { ops: [1, 2], max: 9, zh: 0.3 });
  assert.deepEqual(functionsDifficultyFromSpec('hard'), { ops: [2, 3], max: 9 });
  assert.deepEqual(functionsDifficultyFromSpec(''), { ops: [1, 2], max: 9 });
  assert.deepEqual(functionsDifficultyFromSpec('easy,ops=3,max=5'), { ops: [3, 3], max: 5 });
  assert.throws(() => functionsDifficultyFromSpec('ops=3..1'), /functions: bad difficulty.*empty/s);
  assert.throws(() => functionsDifficultyFromSpec('ops=two'), /functions: bad difficulty.*range like 1\.\.3/s);
  assert.throws(() => functionsDifficultyFromSpec('ops=1..9'), /functions: bad difficulty/);
  assert.throws(() => functionsDifficultyFromSpec('max=0'), /functions: bad difficulty.*max/s);
  assert.throws(() => functionsDifficultyFromSpec('zh=2'), /functions: bad difficulty.*zh/s);
  assert.throws(() => functionsDifficultyFromSpec('digits=3'), /functions: bad difficulty/);
  assert.throws(() => functionsDifficultyFromSpec('trivial'), /unknown difficulty preset "trivial"/);
  assert.throws(() => createFunctionsTask({ reward: 'most' as 'fraction' }), /functions: bad options: reward/);
});

test('generation: deterministic per seed, items = the stream, and within the difficulty', async () => {
  const t = functionsTask({ ops: [2, 3], max: 4 });
  const a = await t.items({ split: 'train', n: 50, seed: 9 });
  assert.deepEqual(a, await t.items({ split: 'train', n: 50, seed: 9 }));
  assert.notDeepEqual(a.map((i) => i.question), (await t.items({ split: 'train', n: 50, seed: 10 })).map((i) => i.question));
  const fromStream: TaskItem[] = [];
  for (const it of t.stream({ split: 'train', seed: 9 })) if (fromStream.push(it) >= 50) break;
  assert.deepEqual(fromStream, a);
  for (const it of a) {
    const m = functionsMeta(it);
    assert.ok(m.steps.length >= 2 && m.steps.length <= 3, it.question);
    assert.ok(m.steps.every((s) => s.n >= 1 && s.n <= 4), it.question);
    assert.equal(it.gold, `def f(x): return ${m.expression}`);
    assert.equal(functionSolution(it), it.gold);
    assert.equal(it.question, functionQuestion(m.steps, m.lang));
  }
  assert.equal(new Set(a.map((i) => i.id)).size, a.length, 'ids are unique');
});

test('split: held-out problems never appear in training, whatever the seed or the language', async () => {
  const t = createFunctionsTask({ difficulty: 'medium,zh=0.5' });
  const held = await t.items({ split: 'heldout', n: 300, seed: 1 });
  const heldKeys = new Set(held.map((i) => functionsMeta(i).expression));
  assert.ok(heldKeys.size > 20, `only ${heldKeys.size} distinct held-out problems`);
  for (const seed of [1, 2, 3]) {
    const train = await t.items({ split: 'train', n: 2000, seed });
    for (const it of train) assert.ok(!heldKeys.has(functionsMeta(it).expression), `${it.question} is held out`);
  }
  for (const it of held) assert.equal(splitOfKey(functionsMeta(it).expression), 'heldout');
  assert.deepEqual((await t.items({ split: 'test', n: 5, seed: 1 })).map((i) => i.question), held.slice(0, 5).map((i) => i.question));
});

test('zh sets the share of Chinese questions, and only the language changes with it', async () => {
  const lang = (q: string): 'zh' | 'en' => (/\p{Script=Han}/u.test(q) ? 'zh' : 'en');
  const mixed = await createFunctionsTask({ difficulty: 'zh=0.3' }).items({ split: 'train', n: 2000, seed: 4 });
  const share = mixed.filter((i) => lang(i.question) === 'zh').length / mixed.length;
  assert.ok(share > 0.26 && share < 0.34, `Chinese share ${share}`);
  for (const it of mixed) assert.equal(functionsMeta(it).lang, lang(it.question));
  const english = await createFunctionsTask({}).items({ split: 'train', n: 2000, seed: 4 });
  assert.ok(english.every((i) => lang(i.question) === 'en'));
  assert.deepEqual(english.map((i) => i.gold), mixed.map((i) => i.gold), 'the same problems in the same order');
  const chinese = await createFunctionsTask({ difficulty: 'zh=1' }).items({ split: 'train', n: 50, seed: 4 });
  assert.ok(chinese.every((i) => lang(i.question) === 'zh'));
});

test('prompts: the R1-Zero template keeps the question (and its Chinese full stop); boxed asks for a python block', () => {
  const en = createFunctionsTask().prompt(TIMES3PLUS2, 'r1-zero');
  assert.ok(en.endsWith('User: Write a Python function f(x) that returns x times 3, then plus 2. Assistant:'));
  const zh = createFunctionsTask().prompt(itemOf([{ op: '+', n: 4 }], 'zh'), 'r1-zero');
  assert.ok(zh.endsWith('User: 写一个 Python 函数 f(x)，返回 x 加 4。 Assistant:'));
  assert.match(createFunctionsTask().prompt(TIMES3PLUS2, 'boxed'), /step by step.*```python block\.$/s);
});

test('worked solutions: plain prose in the question language, a correct check, then the code', async () => {
  const rng = new Rng(1);
  const en = functionWorked(TIMES3PLUS2, 'en', rng);
  assert.match(en, /^Start with x, then times 3, then plus 2\. Check x = (\d): \1 \* 3 = (-?\d+), \2 \+ 2 = (-?\d+)\. So f\(\1\) = \3\.\ndef f\(x\): return x \* 3 \+ 2$/);
  const c = Number(/Check x = (\d)/.exec(en)?.[1]);
  assert.ok(en.includes(`So f(${c}) = ${c * 3 + 2}.`));
  const zh = functionWorked(TIMES3PLUS2, 'zh', rng);
  assert.match(zh, /^从 x 开始，先乘以 3，再加 2。验算 x = (\d)：\1 \* 3 = -?\d+，-?\d+ \+ 2 = -?\d+。所以 f\(\1\) = -?\d+。\ndef f\(x\): return x \* 3 \+ 2$/);
  assert.equal(functionWorked(itemOf([{ op: '-', n: 7 }]), 'zh', new Rng(2)).split('\n')[0]?.startsWith('从 x 开始，减 7。'), true);
  const items = await createFunctionsTask({ difficulty: 'extreme,zh=0.5' }).items({ split: 'train', n: 30 });
  for (const it of items) {
    const w = functionWorked(it, functionsMeta(it).lang, rng);
    assert.ok(!/<\/?(think|answer)>/.test(w), w);
    assert.equal(w.split('\n').at(-1), functionSolution(it));
    const [, x, y] = /f\((\d)\) = (-?\d+)/.exec(w) ?? [];
    const m = functionsMeta(it);
    assert.equal(Number(y), m.steps.reduce((v, s) => (s.op === '+' ? v + s.n : s.op === '-' ? v - s.n : v * s.n), Number(x)), w);
  }
  assert.throws(() => functionWorked({ id: 'x', question: 'q', gold: 'g' }, 'en', rng), /functions: item x has no valid meta/);
});

test('check: the canonical solutions pass every test in the sandbox, in every form a completion may take', async () => {
  const t = createFunctionsTask({ difficulty: 'extreme,zh=0.5' });
  for (const it of await t.items({ split: 'heldout', n: 4, seed: 3 })) {
    const r = await t.check(it, zero(functionSolution(it)));
    assert.deepEqual([r.correct, r.score, r.extracted], [true, 1, it.gold], `${it.question}: ${r.reason}`);
  }
  const code = 'def f(x): return x * 3 + 2';
  const forms = {
    'plain def in <answer>': zero(code),
    'fenced block in <answer>': fenced(code),
    'untagged fence': fenced(code, ''),
    'two-line def in <answer>': zero('\ndef f(x):\n    y = x * 3\n    return y + 2\n'),
    'R1 chat: fence after </think>': `<think>\nok\n</think>\nHere it is.\n\`\`\`python\n${code}\n\`\`\``,
    'no tags (a base model, scored leniently)': 'Start with x, then times 3, then plus 2.\ndef f(x): return x*3+2\nQuestion: next',
    'inline code, Chinese full stop': '<think>好</think><answer>`def f(x): return x * 3 + 2`。</answer>',
    'worked solution, no tags': functionWorked(TIMES3PLUS2, 'zh', new Rng(5)),
  };
  for (const [form, completion] of Object.entries(forms)) {
    const r = await checkFunction(TIMES3PLUS2, completion);
    assert.deepEqual([r.correct, r.score], [true, 1], `${form}: ${r.reason}`);
  }
  const r = await checkFunction(TIMES3PLUS2, fenced(code));
  assert.equal(r.reason, 'fenced: all 4 tests passed');
});

test('check: wrong, partly right, misplaced and malformed programs', async () => {
  const wrong = await checkFunction(TIMES3PLUS2, zero('def f(x): return x * 2 - 3'));
  assert.deepEqual([wrong.correct, wrong.score], [false, 0]);
  assert.equal(wrong.reason, 'plain: 0/4 tests passed; first failure: f(-2): wrong result');
  // Right except for negative x: 3 of 4 tests.
  const partly = 'def f(x): return abs(x) * 3 + 2';
  const p = await checkFunction(TIMES3PLUS2, zero(partly));
  assert.deepEqual([p.correct, p.score, p.extracted], [false, 0.75, partly]);
  assert.match(p.reason ?? '', /^plain: 3\/4 tests passed; first failure: f\(-2\): wrong result$/);
  assert.equal((await checkFunction(TIMES3PLUS2, zero(partly), { reward: 'all-pass' })).score, 0);
  // A fence wins over a plain def; only the part after the reasoning counts.
  assert.equal((await checkFunction(TIMES3PLUS2, `<think>x</think><answer>def f(x): return 0\n\`\`\`python\ndef f(x): return x * 3 + 2\n\`\`\`</answer>`)).score, 1);
  const inThink = await checkFunction(TIMES3PLUS2, '<think> def f(x): return x * 3 + 2 </think> <answer> 5 </answer>');
  assert.deepEqual([inThink.score, inThink.extracted, inThink.reason], [0, null, 'no code found']);
  const unclosed = await checkFunction(TIMES3PLUS2, '<think> def f(x): return x * 3 + 2');
  assert.equal(unclosed.reason, 'no code found');
  const g = await checkFunction(TIMES3PLUS2, zero('def g(x): return x * 3 + 2'));
  assert.match(g.reason ?? '', /0\/4 tests passed; first failure: f\(-2\): exception: NameError: function f is not defined/);
  const syntax = await checkFunction(TIMES3PLUS2, zero('def f(x): return x * * 3'));
  assert.match(syntax.reason ?? '', /0\/4 tests passed; first failure: f\(-2\): runtime error.*SyntaxError/);
  const long = await checkFunction(TIMES3PLUS2, zero(`def f(x): return x * 3 + 2 ${'+ 0 '.repeat(3000)}`));
  assert.deepEqual([long.score, long.reason], [0, 'code longer than 10000 characters']);
  await assert.rejects(checkFunction({ id: 'q1', question: 'q', gold: 'g', meta: {} }, zero('def f(x): return x')), /functions: item q1 has no valid meta/);
});

test('check: hostile programs are stopped by the sandbox and score 0', async () => {
  const hang = await checkFunction(TIMES3PLUS2, zero('\ndef f(x):\n    while True:\n        pass\n'));
  assert.deepEqual([hang.score, hang.correct], [0, false]);
  assert.match(hang.reason ?? '', /0\/4 tests passed; first failure: f\(-2\): time limit/);
  const flood = await checkFunction(TIMES3PLUS2, fenced("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\ndef f(x): return x * 3 + 2"));
  assert.deepEqual([flood.score, flood.correct], [0, false]);
  assert.match(flood.reason ?? '', /first failure: f\(-2\): output limit/);
});

test('the task remembers repeatable verdicts of a program on the same tests, never limit failures', async () => {
  const t = createFunctionsTask();
  const first = await t.check(TIMES3PLUS2, zero('def f(x): return abs(x) * 3 + 2'));
  const again = await t.check(TIMES3PLUS2, fenced('def f(x): return abs(x) * 3 + 2'));
  assert.equal(first.reason, 'plain: 3/4 tests passed; first failure: f(-2): wrong result');
  assert.deepEqual({ ...again, reason: '' }, { ...first, reason: '' });
  assert.equal(again.reason, 'fenced: 3/4 tests passed; first failure: f(-2): wrong result (cached)');
  // Another item (other tests), or all-pass scoring, is another verdict.
  const other = await t.check(itemOf([{ op: '+', n: 1 }]), zero('def f(x): return abs(x) * 3 + 2'));
  assert.doesNotMatch(other.reason ?? '', /cached/);
  const flood = fenced("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)");
  await t.check(TIMES3PLUS2, flood);
  assert.doesNotMatch((await t.check(TIMES3PLUS2, flood)).reason ?? '', /cached/, 'a limit failure is not remembered');
  const none = createFunctionsTask({ cacheSize: 0 });
  await none.check(TIMES3PLUS2, zero('def f(x): return x'));
  assert.doesNotMatch((await none.check(TIMES3PLUS2, zero('def f(x): return x'))).reason ?? '', /cached/);
  assert.throws(() => createFunctionsTask({ cacheSize: -1 }), /functions: bad options: cacheSize/);
  const c = new VerdictCache(2);
  const v = { correct: true, score: 1, extracted: 'a' };
  c.set('a', v);
  c.set('b', v);
  c.set('c', v);
  assert.deepEqual([c.size, c.get('a'), c.get('c')], [2, undefined, v]);
});

test('answerKey: programs equal up to whitespace vote together; different programs do not', () => {
  const k = functionsAnswerKey;
  assert.equal(k('def f(x): return x * 3 + 2'), 'def f(x):return x*3+2');
  assert.equal(k('def f(x):\n    return x*3 + 2\n'), k('def  f( x ) :  return x * 3+2'));
  assert.equal(k('\tdef f(x):\n\t\treturn x * 3 + 2'), k('def f(x): return x * 3 + 2'));
  assert.notEqual(k('def f(x): return x * 3 + 2'), k('def f(x): return 3 * x + 2'));
  // Indentation is structure: these two programs differ (y is returned inside or after the if).
  const a = 'def f(x):\n    y = 0\n    if x:\n        y = 1\n        return y\n    return 2';
  const b = 'def f(x):\n    y = 0\n    if x:\n        y = 1\n    return y\n    return 2';
  assert.notEqual(k(a), k(b));
  assert.equal(k(a), k(a.replace(/ {4}/g, '  ')));
  assert.notEqual(k("def f(x): return 'a b'"), k("def f(x): return 'ab'"));
  assert.equal(createFunctionsTask().answerKey?.(' def f(x):  return x+1 '), 'def f(x):return x+1');
});

test('registry: functions by name, with a difficulty spec or knobs, and checker options', async () => {
  const byName = getTaskByName('functions', { difficulty: 'ops=2..2,max=3' });
  for (const it of await byName.items({ split: 'train', n: 20 })) assert.equal(functionsMeta(it).steps.length, 2);
  const typed = getTask('functions', { difficulty: { ops: [1, 1] }, reward: 'all-pass' });
  assert.equal(typed.name, 'functions');
  assert.equal((await typed.check(TIMES3PLUS2, zero('def f(x): return abs(x) * 3 + 2'))).score, 0);
  assert.throws(() => getTaskByName('functions', { dataDir: '/x' }), /synthetic: it reads no data folder/);
});
