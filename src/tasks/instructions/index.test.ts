import test from 'node:test';
import assert from 'node:assert/strict';
import { checkInstructionsCompletion, instructionsDifficultyFromSpec, instructionsTask, referenceAnswer } from './index.js';
import { CONSTRAINT_KINDS, parseInstructionSpec, type Constraint, type InstructionSpec } from './constraints.js';
import { FILLER_WORDS } from './vocab.js';
import { getTaskByName, listTasks, taskInfo } from '../registry.js';
import { splitOfKey } from '../split.js';
import type { TaskItem } from '../types.js';
import { Rng } from '../../util/rng.js';

function find<K extends Constraint['kind']>(spec: InstructionSpec, kind: K): Extract<Constraint, { kind: K }> | undefined {
  return spec.constraints.find((c) => c.kind === kind) as Extract<Constraint, { kind: K }> | undefined;
}

function item(spec: InstructionSpec, id = 'instructions-test'): TaskItem {
  return { id, question: 'q', gold: JSON.stringify(spec) };
}

test('every generated item is satisfiable: its reference answer passes in both completion styles', async () => {
  const rng = new Rng(11);
  const seen = new Set<string>();
  for (const difficulty of ['easy', 'medium', 'hard', 'extreme', 'extreme,lang=zh', 'hard,lang=en,kinds=count|max-words|include|exclude']) {
    const task = getTaskByName('instructions', { difficulty });
    for (const split of ['train', 'heldout'] as const) {
      for (const it of await task.items({ split, n: 60, seed: 3 })) {
        const spec = parseInstructionSpec(it.gold, it.id);
        for (const ans of [referenceAnswer(spec), referenceAnswer(spec, rng)]) {
          seen.add(ans);
          for (const completion of [`<think>我想想 which ones.</think> <answer>${ans}</answer>`, `<think>\nhmm\n</think>\n\n${ans}`]) {
            const r = await task.check(it, completion);
            assert.equal(r.correct, true, `${difficulty} ${it.question} -> ${ans}: ${r.reason}`);
            assert.equal(r.score, 1);
            assert.equal(r.extracted, ans);
          }
        }
      }
    }
  }
  assert.ok(seen.size > 300, `reference answers vary: ${seen.size}`);
  // The reference answer is not a trivial pass: the same answer fails a different item's constraints often.
  const items = await instructionsTask({ constraints: 2 }).items({ split: 'train', n: 100, seed: 5 });
  let crossPasses = 0;
  for (let i = 0; i < items.length; i++) {
    const other = items[(i + 1) % items.length] as TaskItem;
    const ans = referenceAnswer(parseInstructionSpec(other.gold));
    if (checkInstructionsCompletion(items[i] as TaskItem, ans).correct) crossPasses++;
  }
  assert.ok(crossPasses < 20, `an answer for another item passed ${crossPasses} of 100`);
});

test('generation covers every kind, both prompt languages and cross-language answers; questions state the constraints', async () => {
  const items = await instructionsTask(instructionsDifficultyFromSpec('extreme')).items({ split: 'train', n: 300, seed: 1 });
  const kinds = new Set<string>();
  const pairs = new Set<string>();
  for (const it of items) {
    const spec = parseInstructionSpec(it.gold, it.id);
    assert.equal(spec.constraints.length, 3);
    for (const c of spec.constraints) kinds.add(c.kind);
    const promptLang = it.meta?.['promptLang'];
    pairs.add(`${String(promptLang)}->${spec.lang}`);
    if (promptLang !== spec.lang) assert.deepEqual(find(spec, 'language'), { kind: 'language', lang: spec.lang }, it.question);
    if (spec.lang === 'zh') assert.equal(find(spec, 'lowercase'), undefined, it.question);
    const mw = find(spec, 'max-words');
    if (mw !== undefined) {
      assert.ok(it.question.includes(String(mw.n)), it.question);
      // The counting rule for Chinese is stated wherever it applies.
      if (spec.lang === 'zh') assert.match(it.question, /each Chinese character counts as one word|每个汉字算一个词/);
    }
  }
  assert.deepEqual([...kinds].sort(), [...CONSTRAINT_KINDS].sort());
  assert.deepEqual([...pairs].sort(), ['en->en', 'en->zh', 'zh->en', 'zh->zh']);
  const easy = await instructionsTask().items({ split: 'train', n: 50, seed: 1 });
  assert.ok(easy.every((it) => parseInstructionSpec(it.gold).constraints.length === 1));
});

test('deterministic for a seed; other seeds give other items', async () => {
  const task = instructionsTask({ constraints: 2 });
  const a = await task.items({ split: 'train', n: 30, seed: 42 });
  const b = await instructionsTask({ constraints: 2 }).items({ split: 'train', n: 30, seed: 42 });
  assert.deepEqual(a, b);
  const c = await task.items({ split: 'train', n: 30, seed: 43 });
  assert.notDeepEqual(a.map((x) => x.question), c.map((x) => x.question));
  assert.equal(new Set(a.map((x) => x.id)).size, 30);
  // items() is the head of stream().
  const head: TaskItem[] = [];
  for (const x of task.stream({ split: 'train', seed: 42 })) if (head.push(x) >= 5) break;
  assert.deepEqual(head, a.slice(0, 5));
});

test('train and held-out are disjoint, even in a small problem space', async () => {
  // One kind, English only: 5 categories x 5 requests x 3 counts = 75 problems, so repeats are common.
  const small = instructionsTask({ constraints: 1, lang: 'en', kinds: ['count'] });
  const train = new Set<string>();
  let drawn = 0;
  for (const seed of [1, 2, 3]) for (const it of await small.items({ split: 'train', n: 200, seed })) (train.add(it.question), drawn++);
  assert.ok(train.size < drawn, 'expected repeats within train');
  for (const seed of [1, 2, 3]) {
    for (const it of await small.items({ split: 'heldout', n: 20, seed })) {
      assert.equal(train.has(it.question), false, `held-out problem also in train: ${it.question}`);
      assert.equal(splitOfKey(String(it.meta?.['key'])), 'heldout');
    }
  }
  for (const q of train) assert.equal(splitOfKey(q), 'train');
  // The full space: no question of 200 held-out items appears among 2000 training items.
  const big = instructionsTask({ constraints: 2 });
  const trainBig = new Set((await big.items({ split: 'train', n: 2000, seed: 9 })).map((x) => x.question));
  for (const it of await big.items({ split: 'test', n: 200, seed: 9 })) assert.equal(trainBig.has(it.question), false, it.question);
});

test('the registry lists the task and builds it from a spec', async () => {
  const info = listTasks().find((t) => t.name === 'instructions');
  assert.ok(info);
  assert.equal(info.kind, 'synthetic');
  assert.deepEqual(info.splits, ['train', 'heldout']);
  assert.equal(taskInfo('instructions').defaultSplit, 'train');
  const zh = getTaskByName('instructions', { difficulty: 'hard,lang=zh' });
  for (const it of await zh.items({ split: 'train', n: 20, seed: 0 })) {
    assert.equal(it.meta?.['promptLang'], 'zh');
    assert.match(it.question, /^[^a-zA-Z]*[\u4e00-\u9fff]/u);
  }
  assert.throws(() => getTaskByName('instructions', { difficulty: 'lang=fr' }), /instructions: bad difficulty/);
  assert.throws(() => getTaskByName('instructions', { dataDir: '/x' }), /synthetic: it reads no data folder/);
});

test('difficulty specs: presets, kinds lists, and impossible combinations named', () => {
  assert.deepEqual(instructionsDifficultyFromSpec('easy'), { constraints: 1, lang: 'en', kinds: [...CONSTRAINT_KINDS] });
  assert.deepEqual(instructionsDifficultyFromSpec('constraints=2,lang=zh,kinds=count|include'), { constraints: 2, lang: 'zh', kinds: ['count', 'include'] });
  assert.throws(() => instructionsDifficultyFromSpec('kinds=shout'), /kinds/);
  assert.throws(() => instructionsDifficultyFromSpec('constraints=4'), /constraints/);
  assert.throws(
    () => instructionsTask(instructionsDifficultyFromSpec('constraints=2,lang=zh,kinds=lowercase|include')),
    /constraints=2 needs as many kinds usable in Chinese answers; kinds=lowercase\|include give 1/,
  );
});

test('prompts: the R1-Zero template keeps a Chinese question mark; the boxed style is the request alone', async () => {
  const task = instructionsTask({ lang: 'mixed', constraints: 1 });
  const items = await task.items({ split: 'train', n: 40, seed: 2 });
  const en = items.find((x) => x.meta?.['promptLang'] === 'en');
  const zh = items.find((x) => x.meta?.['promptLang'] === 'zh');
  assert.ok(en && zh);
  assert.match(task.prompt(en, 'r1-zero'), /^A conversation between User and Assistant\. .* User: .*[a-z"][.?] Assistant:$/s);
  assert.ok(task.prompt(zh, 'r1-zero').endsWith(`User: ${zh.question} Assistant:`));
  assert.equal(task.prompt(zh, 'boxed'), zh.question);
  assert.equal(task.prompt(en, 'boxed').includes('boxed'), false);
});

test('checks read the committed answer, never the reasoning; empty and unclosed answers score 0', async () => {
  const spec: InstructionSpec = { category: 'colors', lang: 'en', constraints: [{ kind: 'include', word: FILLER_WORDS.en[0] as string }] };
  const it = item(spec);
  assert.equal(checkInstructionsCompletion(it, '<think>I like red.</think> <answer>blue</answer>').correct, false);
  assert.match(checkInstructionsCompletion(it, '<think>I like red.</think> <answer>blue</answer>').reason ?? '', /^answer-tag: include: "like" is missing/);
  assert.equal(checkInstructionsCompletion(it, '<think>blue</think> I like red.').correct, true);
  assert.deepEqual(checkInstructionsCompletion(it, '<think>I like red.</think>   '), { correct: false, score: 0, extracted: null, reason: 'after-think: empty answer' });
  assert.deepEqual(checkInstructionsCompletion(it, '<think>I like red.</think><answer> \u200B </answer>'), { correct: false, score: 0, extracted: null, reason: 'answer-tag: empty answer' });
  assert.equal(checkInstructionsCompletion(it, '<think>I like red and I never stop').reason, 'no answer: the reasoning block never closed');
  assert.equal(checkInstructionsCompletion(it, 'I like red.').reason, 'plain: topic and 1 constraint hold');
  assert.throws(() => checkInstructionsCompletion({ id: 'bad-1', question: 'q', gold: '42' }, 'red'), /item bad-1: bad constraint spec/);
});

test('hostile input: huge completions and odd Unicode get a verdict, never an exception', async () => {
  const spec: InstructionSpec = {
    category: 'animals',
    lang: 'en',
    constraints: [{ kind: 'count', n: 2 }, { kind: 'end-with', text: 'thank you' }, { kind: 'max-words', n: 20 }, { kind: 'exclude', word: 'dog' }],
  };
  const it = item(spec);
  const huge = checkInstructionsCompletion(it, 'cat, '.repeat(1_000_000));
  assert.equal(huge.correct, false);
  assert.equal(huge.reason, 'plain: answer longer than 2000 characters');
  // A megabyte of reasoning before a short answer is fine: only the answer is read.
  assert.equal(checkInstructionsCompletion(it, `<think>${'dog '.repeat(300_000)}</think> cat, bird. thank you`).correct, true);
  // Punctuation runs at the limit, separators only, lone surrogates, bidi and combining marks, NUL.
  const odd: [string, boolean][] = [
    [`${'…'.repeat(1_999)}a`, false],
    [`${'$'.repeat(1_000)}${'.'.repeat(999)}`, false],
    [',，、'.repeat(600), false],
    ['\uD800cat\uDC00, bird\u202E thank you', true],
    ['c\u0301at, b\u0000ird thank you', false], // NFKC composes c + acute into ć: no "cat"
    ['🐱, 🐶 thank you', false],
    ['\\boxed{\\boxed{cat, bird. thank you}}', false],
  ];
  for (const [o, want] of odd) {
    const r = checkInstructionsCompletion(it, o);
    assert.equal(r.correct, want, `${JSON.stringify(o.slice(0, 30))}: ${r.reason}`);
    assert.equal(r.score, Number(want));
    assert.ok((r.reason ?? '').length < 400, r.reason);
  }
  // A zero-width joiner does not hide a forbidden word; full-width letters are read as letters.
  assert.match(checkInstructionsCompletion(it, 'cat, d\u200Dog. thank you').reason ?? '', /exclude: uses "dog"/);
  assert.equal(checkInstructionsCompletion(it, 'ｃａｔ, bird. ｔｈａｎｋ ｙｏｕ').correct, true);
});
