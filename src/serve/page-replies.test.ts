// src/serve/page-replies.test.ts — the chat page against replies a model or a network can produce, in a real
// headless browser (Debian's chromium through puppeteer-core): markup and script in content and reasoning shown as
// text and never run, a stream that ends without `data: [DONE]` reported as cut off, server errors before and
// during a stream shown with the turn marked failed, Enter during IME composition not sending, the keyboard focus
// kept on the question box when Send or Stop is disabled under it (and the log aria-busy while a reply streams), the
// model line refreshed when the API key is typed, a cleared temperature field left to the server, long unbroken text
// wrapped inside the page, and the page's security headers. The page is served by buildServer over a scripted
// engine (no model); replies the server would never send are answered through request interception.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { buildServer, type ServeOptions } from './app.js';
import type { ChatEngine, EngineEvent, EngineRequest } from './engine.js';

// The few DOM shapes the functions run in the page use (the project compiles without the DOM library).
interface El { textContent: string | null; value: string; hidden: boolean; className: string; innerHTML: string; dispatchEvent(e: unknown): boolean; querySelector(sel: string): El | null }
declare const document: { getElementById(id: string): El | null; querySelector(sel: string): El | null; querySelectorAll(sel: string): ArrayLike<El> };
declare const window: { pwned?: number };
declare const KeyboardEvent: new (type: string, init: object) => unknown;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

const HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b> &amp; $$x^2$$';

/** Requests the scripted engine saw cancelled. */
let cancelled = 0;

/** Answers every request with HOSTILE as reasoning and as answer, then a normal finish; 'hold' thinks until cancelled. */
const scripted: ChatEngine = {
  modelId: 'scripted', description: 'scripted replies', context: 4096,
  start(req: EngineRequest, sink: (e: EngineEvent) => void): void {
    const usage = { promptTokens: 5, completionTokens: 7, cachedPromptTokens: 0, reasoningTokens: 3 };
    if (req.messages.at(-1)?.content === 'hold') {
      // Thinks until the request is cancelled.
      queueMicrotask(() => sink({ type: 'reasoning-delta', delta: 'holding' }));
      req.signal.addEventListener('abort', () => { cancelled++; sink({ type: 'finish', reason: 'cancelled', usage }); }, { once: true });
      return;
    }
    queueMicrotask(() => {
      sink({ type: 'reasoning-delta', delta: HOSTILE });
      sink({ type: 'text-delta', delta: HOSTILE });
      sink({ type: 'finish', reason: 'stop', usage });
    });
  },
  load: () => ({ active: 0, waiting: 0, slots: 1, maxQueue: 1 }),
  close: async () => {},
};

const chunk = (delta: object): string => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'scripted', choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] })}\n\n`;

interface Turn { summary: string | null; reasoning: string | null; answer: string | null; meta: string | null; failed: boolean }
const turns = (page: Page): Promise<{ turns: Turn[]; error: string | null }> => page.evaluate(() => ({
  turns: Array.from(document.querySelectorAll('.turn'), (t) => ({
    summary: t.querySelector('summary')!.textContent, reasoning: t.querySelector('.reasoning')!.textContent,
    answer: t.querySelector('.answer')!.textContent, meta: t.querySelector('.meta')!.textContent, failed: t.className.includes('failed'),
  })),
  error: document.getElementById('error')!.hidden ? null : document.getElementById('error')!.textContent,
}));

async function withPage(fn: (page: Page, base: string, answerNext: (r: Parameters<HTTPRequest['respond']>[0]) => void) => Promise<void>, serve: ServeOptions = {}): Promise<void> {
  const app = buildServer(scripted, serve);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  let browser: Browser | null = null;
  try {
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run'] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
    // Nothing but the API may fail (a 401 without the key, an error a test asks for): no 404 for a page resource.
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (r.status() >= 400 && path !== '/models' && !path.startsWith('/v1/')) errors.push(`${r.status()} for ${path}`);
    });
    let next: Parameters<HTTPRequest['respond']>[0] | null = null;
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (next && r.url().endsWith('/v1/chat/completions')) {
        const answer = next;
        next = null;
        void r.respond(answer);
      } else void r.continue();
    });
    await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    await page.waitForFunction(() => document.getElementById('model')!.textContent !== '…');
    await fn(page, base, (r) => { next = r; });
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await app.close();
  }
}

async function ask(page: Page, text: string): Promise<void> {
  const n = await page.evaluate(() => document.querySelectorAll('.turn').length);
  await page.type('#question', text);
  await page.keyboard.press('Enter');
  // Done when the new turn's request has ended: the stop button is disabled again.
  await page.waitForFunction((n) => document.querySelectorAll('.turn').length === n + 1 && (document.getElementById('stop') as unknown as { disabled: boolean }).disabled, {}, n);
}

test('chat page: markup and script in model output are shown as text, never rendered or run', { skip }, async () => {
  await withPage(async (page) => {
    await ask(page, 'hello');
    const { turns: [t], error } = await turns(page);
    assert.equal(error, null);
    assert.equal(t!.reasoning, HOSTILE);
    assert.equal(t!.answer, HOSTILE);
    assert.match(t!.meta!, /5 prompt tokens .* 7 completion tokens \(3 reasoning\) · stop/);
    const rendered = await page.evaluate(() => ({ pwned: window.pwned ?? null, elements: document.querySelectorAll('.turn img, .turn script, .turn b').length }));
    assert.deepEqual(rendered, { pwned: null, elements: 0 });
  });
});

test('chat page: a stream that ends without [DONE] is reported as cut off, not shown as a finished reply', { skip }, async () => {
  await withPage(async (page, _base, answerNext) => {
    answerNext({ status: 200, contentType: 'text/event-stream', body: chunk({ role: 'assistant', reasoning_content: 'half a thou', content: null }) });
    await ask(page, 'first');
    const { turns: [t], error } = await turns(page);
    assert.equal(t!.reasoning, 'half a thou');
    assert.match(error ?? '', /cut off/);
    assert.notEqual(t!.summary, 'thought');
    // The cut turn is not part of the conversation: the next request carries only the new question.
    let sent: unknown = null;
    page.on('request', (r) => { if (r.url().endsWith('/v1/chat/completions')) sent = JSON.parse(r.postData() ?? 'null'); });
    await ask(page, 'second');
    assert.deepEqual((sent as { messages: unknown[] } | null)?.messages, [{ role: 'user', content: 'second' }]);
    const after = await turns(page);
    assert.equal(after.error, null);
    assert.equal(after.turns[1]!.answer, HOSTILE);
  });
});

test('chat page: a server error before or during a stream is shown, and its turn is marked failed, not left "thinking…"', { skip }, async () => {
  await withPage(async (page, _base, answerNext) => {
    answerNext({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { message: 'the model produced NaN logits', type: 'server_error', code: null } }) });
    await ask(page, 'first');
    answerNext({ status: 200, contentType: 'text/event-stream', body: chunk({ role: 'assistant', reasoning_content: 'abc', content: null }) + `data: ${JSON.stringify({ error: { message: 'mid-stream failure', type: 'server_error', code: null } })}\n\n` });
    await ask(page, 'second');
    const { turns: [before, during], error } = await turns(page);
    assert.equal(error, 'mid-stream failure');
    for (const [t, message] of [[before!, 'the model produced NaN logits'], [during!, 'mid-stream failure']] as const) {
      assert.equal(t.failed, true);
      assert.equal(t.summary, 'failed');
      assert.equal(t.meta, `failed: ${message} (left out of the conversation)`);
    }
    assert.equal(during!.reasoning, 'abc', 'what arrived before the error stays visible');
  });
});

test('chat page: Enter that confirms an IME composition does not send; Enter after it does', { skip }, async () => {
  await withPage(async (page) => {
    const pressEnter = (isComposing: boolean): Promise<void> => page.evaluate((isComposing) => {
      document.getElementById('question')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing, bubbles: true, cancelable: true }));
    }, isComposing);
    await page.type('#question', 'にほんご');
    await pressEnter(true);
    assert.deepEqual(await page.evaluate(() => [document.querySelectorAll('.turn').length, document.getElementById('question')!.value]), [0, 'にほんご']);
    await pressEnter(false);
    await page.waitForFunction(() => document.querySelectorAll('.turn').length === 1 && document.querySelector('.turn .meta')!.textContent !== '');
    assert.equal((await turns(page)).turns[0]!.answer, HOSTILE);
  });
});

test('chat page: Send and Stop pass the focus to the question box as they are disabled; Stop from the keyboard cancels; the log is aria-busy while a reply streams', { skip }, async () => {
  await withPage(async (page) => {
    const focused = (): Promise<string | null> => page.evaluate(() => (document as unknown as { activeElement: { id: string } | null }).activeElement?.id ?? null);
    await page.type('#question', 'hold');
    await page.click('#send');
    await page.waitForFunction(() => document.querySelector('.turn .reasoning')!.textContent === 'holding');
    assert.equal(await focused(), 'question', 'the disabled Send button does not keep the focus');
    const busy = (): Promise<string | null> => page.evaluate(() => (document.getElementById('log') as unknown as { getAttribute(n: string): string | null }).getAttribute('aria-busy'));
    assert.equal(await busy(), 'true', 'the live region is busy while the reply streams');
    const before = cancelled;
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'stop');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.turn .meta')!.textContent === 'stopped');
    assert.equal(await focused(), 'question', 'the disabled Stop button does not keep the focus');
    assert.equal(await busy(), null, 'and not busy once it ends');
    for (let i = 0; i < 500 && cancelled === before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(cancelled, before + 1, 'the server saw the request cancelled');
  });
});

test('chat page files carry a content security policy that also locks <base> and form targets, and nosniff', async () => {
  const app = buildServer(scripted);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    for (const path of ['/', '/chat.js', '/chat.css']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, path);
      const csp = (res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim());
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) {
        assert.ok(csp.includes(directive), `${path}: ${directive} in ${csp.join('; ')}`);
      }
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
  } finally {
    await app.close();
  }
});

test('chat page on a server with a key: the model line says a key is needed, and fills in once the key is typed', { skip }, async () => {
  await withPage(async (page) => {
    const modelLine = (): Promise<string | null> => page.evaluate(() => document.getElementById('model')!.textContent);
    assert.match((await modelLine())!, /API key/);
    await page.click('#settings summary');
    await page.type('#key', 'sk-page');
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => document.getElementById('model')!.textContent === 'model: scripted');
    await page.focus('#question');
    await ask(page, 'hello');
    const { turns: [t], error } = await turns(page);
    assert.equal(error, null);
    assert.equal(t!.answer, HOSTILE);
  }, { apiKey: 'sk-page' });
});

test('chat page: a cleared temperature field sends no temperature (the server default), not 0', { skip }, async () => {
  await withPage(async (page) => {
    const sent: Record<string, unknown>[] = [];
    page.on('request', (r) => { if (r.url().endsWith('/v1/chat/completions')) sent.push(JSON.parse(r.postData() ?? '{}') as Record<string, unknown>); });
    await ask(page, 'default');
    await page.click('#settings summary');
    await page.click('#temperature', { clickCount: 3 });
    await page.keyboard.press('Backspace');
    await page.focus('#question');
    await ask(page, 'cleared');
    assert.equal(sent.length, 2);
    assert.equal(sent[0]!.temperature, 0.6, 'the value in the field is sent');
    assert.equal('temperature' in sent[1]!, false, 'a cleared field sends none');
  });
});

test('chat page: a long unbroken question, reply or error wraps inside the page instead of widening it', { skip }, async () => {
  await withPage(async (page, _base, answerNext) => {
    await page.setViewport({ width: 600, height: 800 });
    const long = 'y'.repeat(3000);
    answerNext({ status: 200, contentType: 'text/event-stream', body: chunk({ role: 'assistant', reasoning_content: 'r'.repeat(3000), content: null }) + chunk({ content: 'a'.repeat(3000), reasoning_content: null }) + 'data: [DONE]\n\n' });
    await page.evaluate((long) => { document.getElementById('question')!.value = long; }, long);
    await page.focus('#question');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (document.getElementById('stop') as unknown as { disabled: boolean }).disabled);
    answerNext({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { message: 'E'.repeat(3000), type: 'server_error', code: null } }) });
    await ask(page, long);
    const widths = await page.evaluate(() => {
      const root = (document as unknown as { documentElement: { scrollWidth: number; clientWidth: number } }).documentElement;
      return { page: root.scrollWidth, viewport: root.clientWidth };
    });
    assert.ok(widths.page <= widths.viewport, `the page is ${widths.page}px wide in a ${widths.viewport}px viewport`);
    assert.equal((await turns(page)).error, 'E'.repeat(3000));
  });
});
