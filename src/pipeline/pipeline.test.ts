import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelinePreset } from './presets.js';
import { runPipeline, StageInterrupted, type StageContext, STAGES } from './index.js';
import { chatRecord, topUpFamilies } from './stages.js';
import { writeReport } from './report.js';
import { baseCorpus, chainSteps, countdownWorked, interleave, mixDocument, writtenSolution } from './corpus.js';
import { mixesLanguages } from './evaluate.js';
import { getTask } from '../tasks/registry.js';
import { Rng } from '../util/rng.js';

const apply = (op: string, a: number, b: number): number => (op === '+' ? a + b : op === '-' ? a - b : a * b);

test('the base corpus: worked answers in prose, English and Chinese, never a task problem in the rewarded tag format', async () => {
  assert.deepEqual(chainSteps('23 + 45 - 7'), ['23 + 40 = 63', '63 + 5 = 68', '68 - 7 = 61']);
  assert.deepEqual(chainSteps('50 - 30'), ['50 - 30 = 20']);
  assert.equal(chainSteps('2 * 3'), null);
  const t = getTask('arithmetic', { difficulty: 'digits=2,operands=2,operators=+-' });
  const items = await t.items({ split: 'train', n: 400, seed: 1 });
  const docs = baseCorpus(items, new Rng(1), { zhShare: 0.3, noteShare: 0.1, workedShare: 0.5, generalShare: 0 });
  const zh = docs.filter((d) => /答案是/.test(d)), en = docs.filter((d) => /The answer is/.test(d));
  assert.ok(zh.length > 60 && en.length > 200, `${zh.length} zh, ${en.length} en`);
  // The template's own words mention the tags; what matters is that no problem is answered in them.
  for (const d of docs) {
    const reply = d.slice(Math.max(0, d.lastIndexOf('Assistant:')));
    if (items.some((it) => d.includes(String(it.meta?.['expression'])))) assert.ok(!/<answer>|<think>/.test(reply), `a problem answered in the tag format: ${d}`);
    else assert.ok(!/[+-] \d/.test(reply), `a tagged note holds arithmetic: ${d}`);
  }
  // R1-Zero's template words surround notes only: a base meets the template, never a problem inside it.
  assert.ok(docs.some((d) => d.startsWith('A conversation between User and Assistant')), 'notes in the template\'s words');
  assert.ok(!docs.some((d) => d.startsWith('A conversation between User and Assistant') && /User: (Compute|计算)/.test(d)), 'no problem in the template\'s words');
  // Worked and terse answers both occur, in the preset's proportion.
  const worked = docs.filter((d) => (d.match(/=/g) ?? []).length >= 2 || /work it out|step|left to right|一步|从左到右|逐步/i.test(d)).length;
  assert.ok(worked > 0.3 * items.length && worked < 0.7 * items.length, `${worked} worked of ${items.length}`);
  // General requests with plain answers join when given.
  const general = await getTask('instructions', { difficulty: 'medium' }).items({ split: 'train', n: 50, seed: 1 });
  const withGeneral = baseCorpus(items, new Rng(1), { zhShare: 0.3, noteShare: 0.1, workedShare: 0.5, generalShare: 0.2 }, general);
  const generalDocs = withGeneral.filter((d) => general.some((g) => d.includes(g.question)));
  const plainGeneral = generalDocs.filter((d) => !/<think>|<answer>/.test(d));
  assert.ok(plainGeneral.length > 40 && plainGeneral.length === generalDocs.length, `${plainGeneral.length} plain of ${generalDocs.length} general documents`);
  // With noteSums, some notes are everyday counts that take one to three additions or subtractions in words: each step
  // is right and continues the last, the answer is the final result, and none is a task problem.
  const withSums = baseCorpus(items, new Rng(1), { zhShare: 0.3, noteShare: 0.3, noteSums: true, workedShare: 0.5, generalShare: 0 });
  const sums = withSums.map((d) => /<think> ((?:-?\d+ [+-] \d+ = -?\d+[.。] ?)+) <\/think> <answer> (-?\d+) <\/answer>$/.exec(d)).filter((m) => m !== null);
  assert.ok(sums.length > 10 && sums.some((m) => (m[1]!.match(/=/g) ?? []).length === 2), `${sums.length} sum notes`);
  // Half of them are temperatures, which go below zero.
  assert.ok(sums.some((m) => /degrees|气温/.test(m.input) && /= -\d/.test(m[1]!)), 'a temperature note below zero');
  for (const m of sums) {
    let last: number | null = null;
    for (const [, a, op, b, c] of m[1]!.matchAll(/(-?\d+) ([+-]) (\d+) = (-?\d+)/g)) {
      assert.equal(op === '+' ? Number(a) + Number(b) : Number(a) - Number(b), Number(c), m[1]);
      if (last !== null) assert.equal(Number(a), last);
      last = Number(c);
    }
    assert.equal(Number(m[2]), last);
    assert.ok(!items.some((it) => m.input.includes(String(it.meta?.['expression']))), m.input);
  }
  // notePlain: a share of the notes is written without the tags, the same kinds of content answered in prose.
  const plainNotes = (d: string[]): string[] => d.filter((x) => /degrees|气温|How many|几个|几条|几天|几个月|颜色/.test(x) && !items.some((it) => x.includes(String(it.meta?.['expression']))) && !general.some((g) => x.includes(g.question)) && !/<answer>/.test(x.slice(x.lastIndexOf('Assistant:') + 1)));
  assert.equal(plainNotes(withSums).length, 0);
  const halfPlain = baseCorpus(items, new Rng(1), { zhShare: 0.3, noteShare: 0.3, noteSums: true, notePlain: 0.5, workedShare: 0.5, generalShare: 0 });
  const plain = plainNotes(halfPlain), tagged = halfPlain.filter((x) => /<answer>/.test(x.slice(x.lastIndexOf('Assistant:') + 1)));
  assert.ok(plain.length > 0.35 * (plain.length + tagged.length) && plain.length < 0.65 * (plain.length + tagged.length), `${plain.length} plain of ${plain.length + tagged.length} notes`);
  for (const d of plain) assert.match(d, /(The answer is -?\S+\.|答案是 -?\S+。)$/);
  // restate: worked answers and arithmetic notes of several steps first write the whole chain, then its steps, whose
  // last result is the chain's value.
  const restatedDocs = baseCorpus(items, new Rng(1), { zhShare: 0.3, noteShare: 0.3, noteSums: true, notePlain: 0.5, restate: true, workedShare: 0.5, generalShare: 0 });
  let chains = 0;
  for (const d of restatedDocs) {
    const m = /(-?\d+(?: [+-] \d+)+)[.。] ?((?:-?\d+ [+-] \d+ = -?\d+[.。] ?)+)/.exec(d);
    if (!m) continue;
    chains++;
    const parts = m[1]!.split(' ');
    let v = Number(parts[0]);
    for (let k = 1; k < parts.length; k += 2) v = parts[k] === '+' ? v + Number(parts[k + 1]) : v - Number(parts[k + 1]);
    assert.equal(Number(/= (-?\d+)[.。] ?$/.exec(m[2]!)![1]), v, d);
  }
  assert.ok(chains > 150, `${chains} restated chains`);
  assert.ok(restatedDocs.some((d) => /<think> -?\d+ [+-] \d+ [+-] \d+[.。]/.test(d)) && restatedDocs.some((d) => /(Compute|计算) (\d+ [+-] \d+)[.。].*\2[.。] \d+ [+-] \d+ =/s.test(d)), 'restated chains in tagged notes and in worked answers');
  // noteOpeners: arithmetic notes open their reasoning as worked answers do, in the note's language.
  const opened = baseCorpus(items, new Rng(1), { zhShare: 0.3, noteShare: 0.3, noteSums: true, notePlain: 0.5, restate: true, noteOpeners: true, workedShare: 0.5, generalShare: 0 });
  const openedNotes = opened.filter((d) => /degrees|气温| had \d+ \w+ and |有\d+个.+，(又买了|送出了)/.test(d));
  assert.ok(openedNotes.length > 50 && openedNotes.every((d) => /(<think> |\? |？ ?|Assistant: )(Let us work it out\.|We compute step by step\.|Work from left to right\.|Step by step:|我们一步一步地算。|从左到右计算。|逐步计算：)/.test(d)), openedNotes.find((d) => !/(Let us|We compute|Work from|Step by|我们|从左到右|逐步)/.test(d)));
  assert.ok(!restatedDocs.filter((d) => /degrees|气温/.test(d)).some((d) => /Let us work it out|Step by step|逐步计算/.test(d)), 'no openers unless asked');
  // noteRules: which-sign notes — a try that misses, then the sign that makes the number, each checked; the answer is
  // the expression.
  const withRules = baseCorpus(items, new Rng(1), { zhShare: 0.3, noteShare: 0.3, noteSums: true, noteRules: true, workedShare: 0.5, generalShare: 0 });
  const rules = withRules.filter((d) => / into \d+ with one sign|用一个符号/.test(d));
  assert.ok(rules.length > 10 && rules.length < withRules.length / 10, `${rules.length} rule notes`);
  for (const d of rules) {
    const [, a, b, target] = /(\d+) and (\d+) into (\d+)|把(\d+)和(\d+)变成了(\d+)/.exec(d)!.filter((x) => x !== undefined).map(Number);
    const tries = [...d.matchAll(/(\d+) ([-+*]) (\d+) = (-?\d+)/g)];
    assert.ok(tries.length >= 1 && tries.every((m) => Number(m[1]) === a && Number(m[3]) === b && apply(m[2]!, a!, b!) === Number(m[4])), d);
    assert.equal(Number(tries.at(-1)![4]), target, d);
    assert.ok(tries.slice(0, -1).every((m) => Number(m[4]) !== target), d);
    const ans = /<answer> (\d+ [-+*] \d+) <\/answer>$|(?:The answer is |答案是 )(\d+ [-+*] \d+)[.。]$/.exec(d);
    assert.ok(ans && (ans[1] ?? ans[2]) === `${a} ${tries.at(-1)![2]} ${b}`, d);
  }
  // zhAnsweredInEnglish: a share of Chinese problems get an English worked answer (the mixing a base carries into RL);
  // at 0 none do, and every Chinese problem is answered in Chinese.
  const zhEn = (d: string[]): number => d.filter((x) => /计算/.test(x) && /The answer is/.test(x)).length;
  assert.equal(zhEn(docs), 0);
  const mixed = baseCorpus(items, new Rng(1), { zhShare: 0.3, zhAnsweredInEnglish: 0.5, noteShare: 0.1, workedShare: 0.5, generalShare: 0 });
  const zhWorked = mixed.filter((x) => /计算/.test(x) && (x.match(/=/g) ?? []).length >= 2).length;
  assert.ok(zhEn(mixed) > 0.3 * zhWorked && zhEn(mixed) < 0.7 * zhWorked, `${zhEn(mixed)} of ${zhWorked} worked Chinese problems answered in English`);
  // slip: a share of worked answers and arithmetic notes write one step wrong, then "Wait, …" / "等等，…" with the step
  // right; the chain goes on from the right value and ends on the gold. At 0 the corpus is the one without the option.
  const opts = { zhShare: 0.3, noteShare: 0.3, noteSums: true, notePlain: 0.5, restate: true, noteOpeners: true, workedShare: 0.5, generalShare: 0 };
  assert.deepEqual(baseCorpus(items, new Rng(1), { ...opts, slip: 0 }), opened);
  assert.ok(!opened.some((d) => /Wait, |等等，/.test(d)));
  const slipped = baseCorpus(items, new Rng(1), { ...opts, slip: 0.3 });
  const slips = slipped.filter((d) => /Wait, |等等，/.test(d));
  const slipWorked = slipped.filter((d) => /(Wait, |等等，)/.test(d) && /(The answer is|答案是)/.test(d)).length;
  assert.ok(slips.length > 40 && slipWorked > 20 && slips.length > slipWorked, `${slips.length} documents with a slip, ${slipWorked} of them answered in prose`);
  for (const d of slips) {
    const m = /(-?\d+ [+-] \d+) = (-?\d+)[.。] ?(?:Wait, |等等，)(-?\d+ [+-] \d+) = (-?\d+)[.。]/.exec(d);
    assert.ok(m, d);
    const [, lhs, wrong, again, right] = m!;
    assert.equal(lhs, again, d);
    const [x, op, y] = lhs!.split(' ');
    assert.equal(Number(right), op === '+' ? Number(x) + Number(y) : Number(x) - Number(y), d);
    assert.ok(Number(wrong) !== Number(right) && Math.abs(Number(wrong) - Number(right)) <= 2, d);
    // The step after the correction starts from the right value.
    const after = d.slice(d.indexOf(m![0]) + m![0].length);
    const next = /^ ?(-?\d+) [+-] \d+ = /.exec(after);
    if (next) assert.equal(Number(next[1]), Number(right), d);
  }
  // Each problem's worked answer is correct.
  for (const it of items.slice(0, 50)) assert.ok(docs.some((d) => d.includes(`${it.gold}.`) || d.includes(`${it.gold}。`)));
});

test('Countdown in the corpus: a miss, then the solution worked and checked, the expression last; documents interleave in order', async () => {
  const rng = new Rng(5);
  for (const spec of ['numbers=2,maxNumber=9,maxTarget=81', 'numbers=3,maxNumber=9,maxTarget=81']) {
    const t = getTask('countdown', { difficulty: spec });
    let worked = 0;
    for (const it of await t.items({ split: 'train', n: 60, seed: 2 })) {
      const doc = mixDocument('countdown', it, true, rng);
      assert.ok(doc.startsWith(it.question) || doc.includes(`: ${it.question}\n`), doc);
      const answer = doc.slice(doc.lastIndexOf('\n') + 1);
      // The document's own answer passes the task's checker, and every step it writes is right.
      assert.equal((await t.check(it, answer)).correct, true, answer);
      for (const [, a, op, b, c] of answer.matchAll(/(\d+) ([-+*/]) (\d+) = (-?\d+)/g)) {
        const v = op === '+' ? Number(a) + Number(b) : op === '-' ? Number(a) - Number(b) : op === '*' ? Number(a) * Number(b) : Number(a) / Number(b);
        assert.equal(v, Number(c), answer);
      }
      if (countdownWorked(String(it.meta?.['solution']), Number(it.meta?.['target']), rng)) {
        worked++;
        assert.match(answer, new RegExp(`That makes ${it.meta?.['target']}\\. The answer is `));
      }
    }
    assert.ok(worked > 40, `${worked} worked of 60 (${spec})`);
  }
  assert.equal(countdownWorked('7 / 2 * 4', 14, rng), null, 'a step off the whole numbers is not written out');
  assert.equal(mixDocument('countdown', { id: 'x', question: 'Q?', gold: '14', meta: { solution: '7 / 2 * 4', target: 14 } }, true, rng).endsWith('The answer is 7 / 2 * 4.'), true);
  // Cold-start solutions written from a problem's structure: in the question's language, right, checked by the task.
  const ar = getTask('arithmetic', { difficulty: 'digits=1,operands=3,operators=+-,zh=0.5' });
  const langs = new Set<string>();
  for (const it of await ar.items({ split: 'train', n: 20, seed: 3 })) {
    const w = writtenSolution('arithmetic', it, rng)!;
    const zh = /计算/.test(it.question);
    langs.add(zh ? 'zh' : 'en');
    assert.equal(w.answer, it.gold);
    assert.match(w.reasoning, zh ? /答案是 -?\d+。$/ : /The answer is -?\d+\.$/);
    assert.equal(/[a-z]{3,}/i.test(w.reasoning), !zh, w.reasoning);
    assert.equal((await ar.check(it, `${w.reasoning}</think>\n\nThe answer is \\boxed{${w.answer}}.`)).correct, true);
  }
  assert.deepEqual([...langs].sort(), ['en', 'zh']);
  const cd = (await getTask('countdown', { difficulty: 'numbers=2,maxNumber=9,maxTarget=81' }).items({ split: 'train', n: 1, seed: 3 }))[0]!;
  assert.equal(writtenSolution('countdown', cd, rng)!.answer, cd.meta?.['solution']);
  const kn = (await getTask('knights', { difficulty: 'easy' }).items({ split: 'train', n: 1, seed: 3 }))[0]!;
  assert.equal(writtenSolution('knights', kn, rng), null);
  // Functions: the corpus answers with the operations read off and one value checked, then the program (or the program
  // alone); the written cold-start solution's summary is a python block that passes the task's tests in the sandbox.
  const fn = getTask('functions', { difficulty: 'ops=1..2,max=9,zh=0.5' });
  const fnLangs = new Set<string>();
  for (const it of await fn.items({ split: 'train', n: 6, seed: 3 })) {
    const code = String(it.gold);
    const zh = /\p{Script=Han}/u.test(it.question);
    fnLangs.add(zh ? 'zh' : 'en');
    assert.ok(mixDocument('functions', it, true, rng).endsWith(`\n${code}`) && mixDocument('functions', it, false, rng).endsWith(code));
    const w = writtenSolution('functions', it, rng)!;
    assert.equal(w.answer, code);
    assert.ok(!w.reasoning.includes('def ') && /[a-z]{3,}/i.test(w.reasoning) === !zh, w.reasoning);
    const record = chatRecord(fn, it, w.reasoning, w.answer);
    assert.match(record.completion, /<\/think>\n\n```python\ndef f\(x\): return .*\n```$/);
    assert.equal((await fn.check(it, record.completion)).correct, true, record.completion);
  }
  assert.deepEqual([...fnLangs].sort(), ['en', 'zh']);
  await fn.close?.();
  const merged = interleave(['a', 'b', 'c', 'd'], ['X', 'Y'], new Rng(1));
  assert.deepEqual(merged.filter((d) => d === d.toLowerCase()), ['a', 'b', 'c', 'd']);
  assert.deepEqual(merged.filter((d) => d !== d.toLowerCase()), ['X', 'Y']);
});

test('the quick pipeline runs every stage, writes the report, resumes an interrupted stage and skips finished ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-pipeline-'));
  const logs: string[] = [];
  try {
    const preset = pipelinePreset('quick');
    const controller = new AbortController();
    let zeroSteps = 0;
    const ctx: StageContext = {
      preset, runDir: dir, inputs: {}, log: (m) => logs.push(m), signal: controller.signal,
      onMetrics: (part) => {
        if (part === 'zero/run' && ++zeroSteps === 3) controller.abort();
      },
    };
    // 1. Stopped in the middle of R1-Zero: the stage reports the interruption, its trainer left a checkpoint.
    await assert.rejects(runPipeline(ctx), (e: Error) => e instanceof StageInterrupted && e.message === 'zero/run');
    assert.ok(existsSync(join(dir, 'zero', 'run', 'checkpoints')));
    const partial = JSON.parse(readFileSync(join(dir, 'stages.json'), 'utf8'));
    assert.equal(partial.base.done, true);
    assert.ok(partial.zero.done === false && partial.zero.wallSeconds > 0, 'the interrupted attempt is recorded, not done');
    // 2. Rerun: base is skipped, zero resumes from its checkpoint, the rest runs.
    const records = await runPipeline({ ...ctx, signal: new AbortController().signal, onMetrics: () => {} });
    assert.ok(logs.includes('base: done earlier; skipped'));
    assert.ok(logs.some((l) => /^zero\/run: resumed from .*step-0000000\d/.test(l)), logs.join('\n'));
    for (const s of STAGES) assert.equal(records[s]?.done, true, s);
    const zeroMetrics = readFileSync(join(dir, 'zero', 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(zeroMetrics.map((m) => m.step), Array.from({ length: preset.zero.steps }, (_, i) => i + 1));
    // The effect this budget shows: R1-Zero takes up the rewarded format (the base rarely writes it), and its reward
    // rises over RL; held out, R1-Zero writes the format far more often than the base and scores no worse.
    const mean = (xs: { [k: string]: number }[], key: string): number => xs.reduce((a, m) => a + m[key]!, 0) / xs.length;
    const first = zeroMetrics.slice(0, 5), last = zeroMetrics.slice(-5);
    assert.ok(mean(first, 'formatRate') < 0.4 && mean(last, 'formatRate') > 0.8, `format ${mean(first, 'formatRate')} -> ${mean(last, 'formatRate')}`);
    assert.ok(mean(last, 'reward') > mean(first, 'reward') + 0.1, `reward ${mean(first, 'reward')} -> ${mean(last, 'reward')}`);
    // Pretraining did learn: the base's held-out loss fell.
    const baseMetrics = readFileSync(join(dir, 'base', 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(baseMetrics.at(-1).heldoutLoss < baseMetrics[0].loss * 0.8, `base loss ${baseMetrics[0].loss} -> held-out ${baseMetrics.at(-1).heldoutLoss}`);
    // 3. The report: self-contained HTML with inline SVG charts, and the same tables in markdown.
    const rep = writeReport(dir);
    const html = readFileSync(rep.html, 'utf8');
    assert.ok((html.match(/<svg /g) ?? []).length >= 5);
    assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(html), 'nothing fetched at view time');
    for (const label of ['base (pretrained)', 'R1-Zero (GRPO from base)', 'R1 (cold start, RL, SFT, RL)', 'student distilled from R1', 'student by RL alone']) {
      assert.ok(html.includes(label) && readFileSync(rep.markdown, 'utf8').includes(label), label);
    }
    const evals = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as { model: string; task: string; items: number; pass1Lenient: number; pass1Strict: number; consK: number; formatRate: number }[];
    // The cold start joins rejection-sampled R1-Zero outputs with solutions written in each question's language.
    const coldSource = JSON.parse(readFileSync(join(dir, 'r1', 'cold-start-source.json'), 'utf8')) as { written: number; sampled: number; records: number };
    assert.ok(coldSource.written > 0 && coldSource.records === coldSource.written + coldSource.sampled, JSON.stringify(coldSource));
    // Seven models on the main task and on the mix's Countdown, plus R1 before/after on general prompts.
    assert.equal(evals.length, 16);
    assert.deepEqual([...new Set(evals.map((e) => e.task))], ['arithmetic', 'countdown', 'instructions']);
    assert.equal(evals.filter((e) => e.task === 'countdown').length, 7);
    // Every RL stage drew the mix: Countdown prompts were sampled in R1-Zero's run, and the report tables them per task.
    for (const part of ['zero/run', 'r1/rl1', 'r1/rl2', 'distill/rl']) {
      const cfg = JSON.parse(readFileSync(join(dir, part, 'config.json'), 'utf8')) as { tasks: { name: string; weight: number }[] };
      assert.deepEqual(cfg.tasks.filter((t) => t.name !== 'instructions').map((t) => [t.name, Math.round(1000 * t.weight) / 1000]), (([cd, scale]) => [['arithmetic', Math.round(1000 * scale * (1 - cd)) / 1000], ['countdown', Math.round(1000 * scale * cd) / 1000]])([preset.mix[0]!.share, part === 'r1/rl2' ? 1 - preset.r1.general.share : 1]), part);
    }
    assert.match(readFileSync(rep.markdown, 'utf8'), /countdown pass@1 \| countdown cons@4/);
    // The report says what the corpus held beside the problems, as the preset set it.
    assert.match(readFileSync(rep.markdown, 'utf8'), /everyday notes \(facts, counts and temperatures, which sign turns two numbers into a third\), 50% of them marked up with <think>\/<answer> tags and the rest written in prose/);
    // The base corpus answers Countdown problems in prose too (never in tags).
    const corpus = readFileSync(join(dir, 'base-corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
    const countdown = corpus.filter((d) => d.includes('Using the numbers'));
    assert.equal(countdown.length, preset.mix[0]!.documents);
    assert.ok(countdown.every((d) => !/<think>|<answer>/.test(d)) && countdown.some((d) => /Try .*, not \d+\./.test(d)));
    // The language reward's ablation: R1-Zero's RL ran again with it (the preset's 'zero'), the reasoning RL ran once
    // (with it), and the report compares the two R1-Zero runs.
    assert.deepEqual(evals.filter((e) => /^(zero|r1rl1)/.test(e.model) && e.task === 'arithmetic').map((e) => e.model), ['zero', 'zeroLang', 'r1rl1']);
    assert.ok(JSON.parse(readFileSync(join(dir, 'zero', 'run-lang', 'config.json'), 'utf8')).rewards.some((r: { name: string }) => r.name === 'language'));
    assert.ok(!existsSync(join(dir, 'r1', 'rl1-nolang')));
    assert.match(readFileSync(rep.markdown, 'utf8'), /\| language reward ablation: R1-Zero RL without → with it \| mixing \d+\.\d% → \d+\.\d%, accuracy/);
    // General prompts (rule-checked instructions) are scored for R1 before and after its final RL round.
    assert.deepEqual(evals.filter((e) => e.task === 'instructions').map((e) => e.model), ['general:r1sft', 'general:r1']);
    assert.ok(html.includes('R1 before the final RL round') && html.includes('General prompts'));
    const rl2 = readFileSync(join(dir, 'r1', 'rl2', 'samples.jsonl'), 'utf8');
    assert.ok(rl2.includes('"task":"instructions"') || JSON.parse(readFileSync(join(dir, 'r1', 'rl2', 'config.json'), 'utf8')).tasks.some((t: { name: string }) => t.name === 'instructions'), 'the final RL round draws general prompts');
    for (const e of evals) assert.ok(e.pass1Strict <= e.pass1Lenient && e.consK >= 0 && e.consK <= 1);
    const ev = (model: string) => evals.find((e) => e.model === model && e.task === 'arithmetic')!;
    assert.ok(ev('zero').formatRate > ev('base').formatRate + 0.5 && ev('zero').pass1Strict >= ev('base').pass1Strict, JSON.stringify([ev('base'), ev('zero')].map((e) => [e.formatRate, e.pass1Strict])));
    assert.match(readFileSync(rep.markdown, 'utf8'), /\| total \| \d+\.\d \| \d+\.\d \| \d\.\d{5} \|/);
    // Each family is scored on its distinct held-out problems (Countdown's small pool is drawn with repeats).
    const cd = getTask('countdown', { difficulty: preset.mix[0]!.difficulty });
    const distinct = new Set((await cd.items({ split: 'heldout', n: preset.eval.items, seed: preset.seed })).map((i) => i.question)).size;
    assert.ok(distinct < preset.eval.items && evals.filter((e) => e.task === 'countdown').every((e) => e.items === distinct), `countdown: ${distinct} distinct`);
    // The cold start and the SFT round train at the preset's learning rates.
    for (const [part, lr] of [['r1/cold', preset.r1.coldStartLr], ['r1/sft', preset.r1.sftLr]] as const) assert.equal(JSON.parse(readFileSync(join(dir, part, 'config.json'), 'utf8')).optim.lr, lr, part);
    // 4. A third run does nothing but say so.
    logs.length = 0;
    await runPipeline({ ...ctx, signal: new AbortController().signal, onMetrics: () => {} });
    assert.deepEqual(logs, STAGES.map((s) => `${s}: done earlier; skipped`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the SFT round keeps each family at its share of the mix: a short family is topped up with fresh, unseen samples', async () => {
  const k = (name: string, completion: string) => ({ task: { name }, completion });
  const kept = [...Array.from({ length: 9 }, (_, i) => k('arithmetic', `a${i}`)), k('countdown', 'c0')];
  const asked: [string, number][] = [];
  const batches: Record<number, { task: { name: string }; completion: string }[]> = {
    1: [k('countdown', 'c0'), k('countdown', 'c1'), k('countdown', 'c1')], // one already kept, one twice: one new
    2: [k('arithmetic', 'a9'), k('countdown', 'c2'), k('countdown', 'c3'), k('countdown', 'c4')], // two needed of three
  };
  await topUpFamilies(kept, [{ name: 'countdown', share: 0.4 }, { name: 'knights', share: 0.1 }], async (name, round) => {
    asked.push([name, round]);
    return name === 'countdown' ? batches[round] ?? [] : [];
  });
  // 40% of the 10 first kept = 4 Countdown samples: c0, then c1 (round 1), then c2, c3 (round 2); no round 3.
  assert.deepEqual(kept.filter((x) => x.task.name === 'countdown').map((x) => x.completion), ['c0', 'c1', 'c2', 'c3']);
  assert.equal(kept.filter((x) => x.task.name === 'arithmetic').length, 9, 'other families are not added');
  // A family that yields nothing is tried for the three rounds, then left short.
  assert.deepEqual(asked, [['countdown', 1], ['countdown', 2], ['knights', 1], ['knights', 2], ['knights', 3]]);
});

test("language mixing: reasoning not all in the question's language", () => {
  const zhQ = '计算 3 + 4。请给出准确的整数结果。', enQ = 'Compute 3 + 4. Give the exact integer value.';
  assert.equal(mixesLanguages('我们从左到右计算。3 + 4 = 7。</think> 7', zhQ), false);
  assert.equal(mixesLanguages('We add. 3 + 4 = 7.</think> 7', zhQ), true, 'English reasoning for a Chinese question');
  assert.equal(mixesLanguages('我们 compute 3 + 4 = 7.</think> 7', enQ), true, 'mixed');
  assert.equal(mixesLanguages('We add. 3 + 4 = 7.</think> 答案是 7', enQ), false, 'the summary after </think> is not reasoning');
  assert.equal(mixesLanguages('3 + 4 = 7.</think> 7', zhQ), false, 'no words: not counted');
});

test('a missing or corrupt input checkpoint gives one clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-pipeline-bad-'));
  try {
    const preset = pipelinePreset('quick');
    const ctx: StageContext = { preset, runDir: join(dir, 'run'), inputs: { base: join(dir, 'nowhere') }, log: () => {} };
    await assert.rejects(runPipeline(ctx, ['zero']), /--base: .*nowhere is not a checkpoint folder \(no config\.json\)/);
    writeFileSync(join(dir, 'config.json'), '{"architectures": ');
    await assert.rejects(runPipeline({ ...ctx, inputs: { base: dir } }, ['zero']), /config\.json: invalid JSON/);
    assert.throws(() => pipelinePreset('huge'), /unknown pipeline preset "huge" \(known: quick, default\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the eval stage stays open while a model it compares has no checkpoint, and names what is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-pipeline-eval-'));
  const logs: string[] = [];
  try {
    const ctx: StageContext = { preset: pipelinePreset('quick'), runDir: dir, inputs: {}, log: (m) => logs.push(m), signal: new AbortController().signal, onMetrics: () => {} };
    const records = await runPipeline(ctx, ['eval']);
    assert.equal(records.eval?.done, false);
    assert.match(logs.join('\n'), /eval: not done: \d+ models had no checkpoint \(base \(pretrained\);/);
    // So a later run tries again instead of "done earlier; skipped".
    logs.length = 0;
    await runPipeline(ctx, ['eval']);
    assert.ok(!logs.includes('eval: done earlier; skipped'), logs.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
