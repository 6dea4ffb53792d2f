// src/serve/page.test.ts — the chat page end to end in a real headless browser (Debian's chromium driven by
// puppeteer-core; .ci/run installs chromium): type a question, see the reasoning and then the answer stream in with
// token counts, press stop mid-stream (the server cancels the generation), and save a screenshot.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { buildServer, MODEL_ALIAS } from './app.js';
import { LocalEngine } from './engine.js';
import { demoParts, DEMO_MODEL_ID } from './models.js';

// The few DOM shapes the functions run in the page use (the project compiles without the DOM library).
interface El { textContent: string | null; value: string; open: boolean; disabled: boolean }
declare const document: { getElementById(id: string): El | null; querySelector(sel: string): El | null };
declare const window: { firsts: string[] };
declare const MutationObserver: new (cb: () => void) => { observe(target: unknown, o: object): void };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUESTION = 'What is 2 + 3?';

interface Reply { choices: { message: { reasoning_content: string; content: string }; finish_reason: string }[]; usage: { completion_tokens: number } }

test('chat page: reasoning then answer stream in, stop cancels mid-stream, screenshot saved', { skip: !existsSync(CHROMIUM) && `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)` }, async (t) => {
  const engine = new LocalEngine({ ...demoParts(0), name: DEMO_MODEL_ID, slots: 16, maxQueue: 64, context: 512 });
  const app = buildServer(engine);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'r1-page-'));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run'] });
  try {
    // Seeds chosen by asking the same question the page will ask (the untrained model closes </think> by chance).
    const replyFor = async (seed: number, max: number): Promise<Reply> => {
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL_ALIAS, messages: [{ role: 'user', content: QUESTION }], max_tokens: max, temperature: 1, seed }),
      });
      return (await res.json()) as Reply;
    };
    const seeds = Array.from({ length: 32 }, (_, i) => i);
    const short = await Promise.all(seeds.map((s) => replyFor(s, 120)));
    const answered = seeds.find((s) => short[s]!.choices[0]!.message.reasoning_content !== '' && short[s]!.choices[0]!.message.content !== '');
    assert.ok(answered !== undefined, 'a seed whose reply has reasoning and an answer');
    const long = await Promise.all(seeds.map((s) => replyFor(s, 400)));
    const runsLong = seeds.find((s) => long[s]!.choices[0]!.finish_reason === 'length' && long[s]!.choices[0]!.message.content === '');
    assert.ok(runsLong !== undefined, 'a seed whose reply thinks for all 400 tokens');

    const page: Page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => {
      if (!r.url().startsWith(base)) errors.push(`request outside the server: ${r.url()}`);
    });
    await page.setViewport({ width: 900, height: 800 });

    const askOnPage = async (seed: number, maxTokens: number): Promise<void> => {
      await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
      await page.waitForFunction(() => document.getElementById('model')!.textContent!.includes('model:'));
      await page.evaluate((seed, maxTokens) => {
        document.getElementById('settings')!.open = true;
        document.getElementById('seed')!.value = String(seed);
        document.getElementById('max-tokens')!.value = String(maxTokens);
        document.getElementById('temperature')!.value = '1';
        // Record the order in which reasoning and answer text first appear.
        const w = window;
        w.firsts = [];
        new MutationObserver(() => {
          for (const cls of ['reasoning', 'answer']) {
            const e = document.querySelector(`.turn:last-child .${cls}`);
            if (e && e.textContent && !w.firsts.includes(cls)) w.firsts.push(cls);
          }
        }).observe(document.getElementById('log')!, { subtree: true, childList: true, characterData: true });
      }, seed, maxTokens);
      await page.type('#question', QUESTION);
      await page.keyboard.press('Enter');
    };

    // 1. Reasoning, then the answer, then the usage line.
    await askOnPage(answered, 120);
    await page.waitForFunction(() => document.querySelector('.turn .meta')!.textContent!.includes('completion tokens'), { timeout: 60_000 });
    const shown = await page.evaluate(() => ({
      reasoning: document.querySelector('.turn .reasoning')!.textContent,
      answer: document.querySelector('.turn .answer')!.textContent,
      meta: document.querySelector('.turn .meta')!.textContent,
      firsts: window.firsts,
    }));
    const want = short[answered]!.choices[0]!.message;
    assert.equal(shown.reasoning, want.reasoning_content);
    assert.equal(shown.answer, want.content);
    assert.deepEqual(shown.firsts, ['reasoning', 'answer'], 'reasoning arrives before the answer');
    assert.match(shown.meta!, new RegExp(`\\d+ prompt tokens \\(\\d+ from cache\\) · ${short[answered]!.usage.completion_tokens} completion tokens`));
    await page.screenshot({ path: join(dir, 'answered.png') });

    // 2. Stop mid-stream: the page shows "stopped" and the server frees the slot.
    const before = engine.stats.decodeTokens;
    await askOnPage(runsLong, 400);
    await page.waitForFunction(() => (document.querySelector('.turn .reasoning')!.textContent ?? '').length > 3, { timeout: 60_000 });
    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('.turn .meta')!.textContent === 'stopped');
    assert.equal(await page.evaluate(() => document.getElementById('send')!.disabled), false);
    for (let i = 0; i < 200 && engine.load().active + engine.load().waiting > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([engine.load().active, engine.load().waiting], [0, 0]);
    assert.ok(engine.stats.decodeTokens - before < 400, `generation stopped early (${engine.stats.decodeTokens - before} tokens)`);
    const shot = join(dir, 'stopped.png');
    await page.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 1000);
    assert.deepEqual(errors, []);
    t.diagnostic(`screenshots in ${dir}`);
  } finally {
    await browser.close();
    await app.close();
    await engine.close();
    if (!process.env.R1_KEEP_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
  }
});
