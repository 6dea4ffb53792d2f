// src/serve/page/chat.js — the chat page: sends the conversation to /v1/chat/completions with stream: true, shows the
// reasoning in a collapsible "thinking" panel above the answer as it streams, token counts and cache hits per reply,
// a stop button that cancels the request, and errors as text. No build step, no network but this server.

const $ = (id) => document.getElementById(id);
const log = $('log'), form = $('ask'), question = $('question'), send = $('send'), stop = $('stop'), errorBox = $('error');
/** The conversation as the API takes it: earlier assistant turns carry their answer only (R1 drops reasoning). */
const history = [];
let modelId = 'deepseek-reasoner';
let controller = null;

function headers() {
  const h = { 'content-type': 'application/json' };
  const key = $('key').value.trim();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Sets a button's disabled state; a button that had the focus passes it to the question box, not to the page. */
function disable(button, disabled) {
  const hadFocus = document.activeElement === button;
  button.disabled = disabled;
  if (disabled && hadFocus) question.focus();
}

async function loadModel() {
  try {
    const res = await fetch('models', { headers: headers() });
    const body = await res.json();
    if (res.ok && body.data && body.data[0]) {
      modelId = body.data[0].id;
      $('model').textContent = `model: ${modelId}`;
    } else $('model').textContent = body.error ? body.error.message : 'model: unknown';
  } catch (e) {
    $('model').textContent = `cannot reach the server: ${e.message}`;
  }
}

/**
 * Reads server-sent events from a fetch response, calling onData with each parsed `data:` payload. Resolves true at
 * `data: [DONE]`, false when the body ends without it (the connection closed mid-reply).
 */
async function readEvents(res, onData) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buf += dec.decode(value, { stream: true });
    let at;
    while ((at = buf.indexOf('\n\n')) !== -1) {
      const event = buf.slice(0, at);
      buf = buf.slice(at + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return true;
        onData(JSON.parse(data));
      }
    }
  }
}

async function ask(text) {
  errorBox.hidden = true;
  const turn = el('section', 'turn');
  turn.append(el('div', 'user', text));
  const thinking = el('details', 'thinking');
  thinking.open = true;
  const summary = el('summary', null, 'thinking…');
  const reasoning = el('div', 'reasoning');
  thinking.append(summary, reasoning);
  const answer = el('div', 'answer');
  const meta = el('div', 'meta');
  turn.append(thinking, answer, meta);
  log.append(turn);
  history.push({ role: 'user', content: text });

  const body = { model: modelId, messages: history, stream: true, stream_options: { include_usage: true }, max_tokens: Number($('max-tokens').value) || 512 };
  // An empty temperature field (cleared, or text the number input cannot read) leaves the server's default; Number('')
  // would silently send 0, greedy decoding.
  if ($('temperature').value !== '') body.temperature = Number($('temperature').value);
  if ($('seed').value !== '') body.seed = Number($('seed').value);
  controller = new AbortController();
  // The log is a live region: while the reply streams in token by token, screen readers wait for the whole of it.
  log.setAttribute('aria-busy', 'true');
  disable(send, true);
  stop.disabled = false;
  let finish = null;
  try {
    const res = await fetch('v1/chat/completions', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: controller.signal });
    if (!res.ok) {
      let msg = `HTTP ${res.status}`;
      try { msg = (await res.json()).error.message; } catch { /* not JSON */ }
      throw new Error(msg);
    }
    const complete = await readEvents(res, (chunk) => {
      if (chunk.error) throw new Error(chunk.error.message);
      const choice = chunk.choices && chunk.choices[0];
      if (choice) {
        if (choice.delta.reasoning_content) reasoning.textContent += choice.delta.reasoning_content;
        if (choice.delta.content) {
          if (answer.textContent === '') { thinking.open = false; summary.textContent = 'thought'; }
          answer.textContent += choice.delta.content;
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (chunk.usage) {
        const u = chunk.usage;
        meta.textContent = `${u.prompt_tokens} prompt tokens (${u.prompt_cache_hit_tokens} from cache) · ${u.completion_tokens} completion tokens (${u.completion_tokens_details.reasoning_tokens} reasoning) · ${finish}`;
      }
    });
    if (!complete) throw new Error('the reply was cut off: the connection closed before the end of the stream');
    summary.textContent = reasoning.textContent ? 'thought' : 'no reasoning';
    history.push({ role: 'assistant', content: answer.textContent });
  } catch (e) {
    if (e.name === 'AbortError') {
      meta.textContent = 'stopped';
      summary.textContent = 'stopped';
      history.push({ role: 'assistant', content: answer.textContent });
    } else {
      showError(e.message);
      // The turn stays on screen with what arrived, marked as failed: it is not part of the conversation sent next.
      turn.classList.add('failed');
      summary.textContent = 'failed';
      meta.textContent = `failed: ${e.message} (left out of the conversation)`;
      history.pop();
    }
  } finally {
    controller = null;
    log.removeAttribute('aria-busy');
    send.disabled = false;
    disable(stop, true);
  }
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = question.value.trim();
  if (!text || controller) return;
  question.value = '';
  void ask(text);
});
question.addEventListener('keydown', (ev) => {
  // Enter that confirms an input method's composition (Japanese, Chinese, Korean...) is not a send; keyCode 229 is
  // how some browsers mark keys the IME handles.
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
    ev.preventDefault();
    form.requestSubmit();
  }
});
stop.addEventListener('click', () => controller && controller.abort());
// A server with a key answers /models with 401 until the key is typed: ask again when it changes.
$('key').addEventListener('change', () => void loadModel());
void loadModel();
