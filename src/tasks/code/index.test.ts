// src/tasks/code/index.test.ts — the code task: problem set, split, prompts, and checks against references.

import test from 'node:test';
import assert from 'node:assert/strict';
import { CODE_HELDOUT_COUNT, CODE_PROBLEMS, checkCode, codeTask, createCodeTask, heldoutSlugs } from './index.js';
import { JAVASCRIPT_REFERENCES, PYTHON_REFERENCES } from './references.js';

const fenced = (lang: string, code: string): string => `<think>\nEasy.\n</think>\n<answer>\n\`\`\`${lang}\n${code}\`\`\`\n</answer>`;

test('problem set: about twenty problems, unique slugs, both test styles, every one has a reference', () => {
  assert.ok(CODE_PROBLEMS.length >= 20);
  assert.equal(new Set(CODE_PROBLEMS.map((p) => p.slug)).size, CODE_PROBLEMS.length);
  assert.ok(CODE_PROBLEMS.some((p) => p.tests[0]?.kind === 'stdio') && CODE_PROBLEMS.some((p) => p.tests[0]?.kind === 'call'));
  for (const p of CODE_PROBLEMS) {
    assert.ok(p.tests.length >= 2, `${p.slug} has too few tests`);
    assert.ok(PYTHON_REFERENCES[p.slug], `${p.slug} has no reference`);
  }
});

test('split: fixed by content, disjoint, complete; seeds reorder but never move a problem', async () => {
  const train = await codeTask.items({ split: 'train' });
  const held = await codeTask.items({ split: 'heldout' });
  assert.equal(held.length, CODE_HELDOUT_COUNT);
  assert.equal(train.length + held.length, CODE_PROBLEMS.length);
  const trainIds = new Set(train.map((i) => i.id));
  for (const i of held) assert.ok(!trainIds.has(i.id));
  assert.deepEqual(new Set(held.map((i) => i.meta?.slug)), heldoutSlugs());
  assert.deepEqual((await codeTask.items({ split: 'test' })).map((i) => i.id), held.map((i) => i.id));
  const a = await codeTask.items({ split: 'train', seed: 7 });
  const b = await codeTask.items({ split: 'train', seed: 7 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.map((i) => i.id), train.map((i) => i.id), 'a seed reorders');
  assert.deepEqual(new Set(a.map((i) => i.id)), trainIds);
  assert.equal((await codeTask.items({ split: 'train', n: 3, seed: 7 })).length, 3);
  await assert.rejects(codeTask.items({ split: 'train', n: -1 }), /non-negative/);
});

test('prompts: statement, the kind of program, and where the code goes, in both styles', async () => {
  const [item] = await codeTask.items({ split: 'train', n: 1 });
  assert.ok(item);
  const r1 = codeTask.prompt(item, 'r1-zero');
  assert.ok(r1.startsWith('A conversation between User and Assistant.'));
  assert.ok(r1.includes(item.question) && r1.includes('```python'));
  const boxed = codeTask.prompt(item, 'boxed');
  assert.ok(boxed.includes('step by step') && boxed.includes('```python'));
});

test('every Python reference passes all its tests through check (the tests are right)', async () => {
  const items = [...(await codeTask.items({ split: 'train' })), ...(await codeTask.items({ split: 'heldout' }))];
  for (const item of items) {
    const slug = item.meta?.slug as string;
    const r = await codeTask.check(item, fenced('python', PYTHON_REFERENCES[slug] as string));
    assert.deepEqual([slug, r.correct, r.score], [slug, true, 1], `${slug}: ${r.reason}`);
  }
});

test('JavaScript answers are run as JavaScript (by the fence tag)', async () => {
  const all = [...(await codeTask.items({ split: 'train' })), ...(await codeTask.items({ split: 'heldout' }))];
  for (const [slug, code] of Object.entries(JAVASCRIPT_REFERENCES)) {
    const item = all.find((i) => i.meta?.slug === slug);
    assert.ok(item);
    const r = await codeTask.check(item, fenced('javascript', code));
    assert.equal(r.score, 1, `${slug}: ${r.reason}`);
  }
});

test('partial credit, all-pass mode, code only in <think>, no code at all', async () => {
  const all = [...(await codeTask.items({ split: 'train' })), ...(await codeTask.items({ split: 'heldout' }))];
  const fib = all.find((i) => i.meta?.slug === 'fibonacci');
  assert.ok(fib);
  // Right for n < 2 only: 2 of 4 tests.
  const half = 'def fibonacci(n):\n    return n if n < 2 else -1\n';
  const r = await checkCode(fib, fenced('python', half));
  assert.equal(r.score, 0.5);
  assert.equal(r.correct, false);
  assert.match(r.reason ?? '', /2\/4 tests passed/);
  const strict = await createCodeTask({ reward: 'all-pass' }).check(fib, fenced('python', half));
  assert.equal(strict.score, 0);
  const inThink = await checkCode(fib, `<think>\n\`\`\`python\n${PYTHON_REFERENCES.fibonacci}\`\`\`\n</think>\nI give up.`);
  assert.deepEqual([inThink.score, inThink.extracted, inThink.reason], [0, null, 'no code block found']);
  assert.throws(() => createCodeTask({ reward: 'most' as 'fraction' }), /reward/);
  await assert.rejects(checkCode({ id: 'x', question: 'q', gold: '' }, 'code'), /meta\.tests/);
});

test('the code task takes the explicit fallback opt-in (unsafeSandbox) and type-checks it', () => {
  assert.doesNotThrow(() => createCodeTask({ unsafeSandbox: true }));
  assert.throws(() => createCodeTask({ unsafeSandbox: 'yes' as unknown as boolean }), /code task: bad options: unsafeSandbox/);
});
