// src/cli/progress.ts — progress on stderr for long commands: a redrawn bar on a terminal, and where stderr is
// not a terminal (CI logs, nohup, docker) a plain line every few seconds. Both show a server-requested wait
// (Retry-After) as a countdown instead of a misleading ETA.

import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** What is counted, e.g. "samples" or "merges". */
  unit: string;
  /** Plain mode: least time between two lines (ms; default 10 s). */
  intervalMs?: number;
  /** Clock (ms); injectable for tests. */
  now?: () => number;
  /** Redraw once a second while a wait counts down (default true; tests drive tick() themselves). */
  timer?: boolean;
  /** Force a mode instead of asking the stream (default: bar when stream.isTTY). */
  mode?: 'bar' | 'plain';
}

export interface ProgressState {
  /** Shown before the counts (e.g. the benchmark). */
  label: string;
  done: number;
  total: number;
  /** Items done before this run started (resumed): not counted in the rate. */
  resumed?: number;
  /** Extra "name value" pairs, in order (e.g. acc 85.0%, retries 3). */
  fields?: readonly [string, string | number][];
}

/** "4m 05s", "1h 02m", "12s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export class Progress {
  readonly mode: 'bar' | 'plain';
  readonly #stream: NodeJS.WritableStream;
  readonly #unit: string;
  readonly #interval: number;
  readonly #now: () => number;
  #startedAt: number | null = null;
  #bar: cliProgress.SingleBar | null = null;
  #state: ProgressState | null = null;
  #lastLine = -Infinity;
  #waitUntil: number | null = null;
  #waitReason = '';
  #ticker: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(stream: NodeJS.WritableStream & { isTTY?: boolean }, opts: ProgressOptions) {
    this.#stream = stream;
    this.#unit = opts.unit;
    this.#interval = opts.intervalMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
    this.mode = opts.mode ?? (stream.isTTY ? 'bar' : 'plain');
    if (opts.timer ?? true) {
      this.#ticker = setInterval(() => this.tick(), 1000);
      this.#ticker.unref();
    }
  }

  /** New counts; draws the bar, or prints a plain line when the interval has passed. */
  update(state: ProgressState): void {
    if (this.#stopped) return;
    this.#startedAt ??= this.#now(); // the clock starts with the work, not with loading
    this.#state = state;
    this.#draw(false);
  }

  /**
   * The next step waits `ms` for a reason (e.g. the server's Retry-After): shown as a countdown. `announce`
   * prints a plain line at once (default: for waits of 5 s or more; short backoffs would flood a log).
   */
  wait(ms: number, reason: string, announce = ms >= 5000): void {
    const until = this.#now() + ms;
    // Concurrent requests may each wait: show the longest.
    if (this.#waitUntil === null || until > this.#waitUntil) {
      this.#waitUntil = until;
      this.#waitReason = reason;
    }
    this.#draw(announce);
  }

  /** Redraw (the bar's countdown) or print a plain line if due; called once a second by the timer. */
  tick(): void {
    if (!this.#stopped && this.#state !== null) this.#draw(false);
  }

  /** Final line (plain) or the finished bar; stops the timer. */
  stop(): void {
    if (this.#stopped) return;
    if (this.#ticker) clearInterval(this.#ticker);
    if (this.mode === 'plain' && this.#state !== null) this.#stream.write(`${this.line()}\n`);
    this.#bar?.stop();
    this.#stopped = true;
  }

  /** The plain progress line for the current state. */
  line(): string {
    const s = this.#state;
    if (s === null) return '';
    const now = this.#now();
    const elapsed = now - (this.#startedAt ?? now);
    const pct = s.total > 0 ? ` (${((100 * s.done) / s.total).toFixed(1)}%)` : '';
    const parts = [`${s.label} ${s.done}/${s.total} ${this.#unit}${pct}`];
    for (const [k, v] of s.fields ?? []) parts.push(`${k} ${v}`);
    parts.push(`elapsed ${formatDuration(elapsed)}`);
    const eta = this.#etaText(now);
    if (eta !== '') parts.push(eta);
    return parts.join(' | ');
  }

  /** The countdown of a wait, else the ETA from this run's own rate (resumed items excluded), else ''. */
  #etaText(now: number): string {
    const s = this.#state;
    const wait = this.#waitText(now);
    if (wait !== null) return wait;
    if (s === null) return '';
    const fresh = s.done - (s.resumed ?? 0);
    if (fresh <= 0 || s.done >= s.total) return '';
    return `ETA ${formatDuration(((s.total - s.done) * (now - (this.#startedAt ?? now))) / fresh)}`;
  }

  #waitText(now: number): string | null {
    if (this.#waitUntil === null) return null;
    const left = this.#waitUntil - now;
    if (left <= 0) {
      this.#waitUntil = null;
      return null;
    }
    return `waiting ${formatDuration(left)} (${this.#waitReason})`;
  }

  #draw(force: boolean): void {
    const s = this.#state;
    if (s === null || this.#stopped) return;
    if (this.mode === 'plain') {
      const now = this.#now();
      if (!force && now - this.#lastLine < this.#interval) return;
      this.#lastLine = now;
      this.#stream.write(`${this.line()}\n`);
      return;
    }
    // Our own ETA rather than the bar's: it leaves out resumed items and gives way to a wait's countdown.
    const eta = this.#etaText(this.#now());
    const payload = {
      label: s.label,
      unit: this.#unit,
      fields: (s.fields ?? []).map(([k, v]) => ` | ${k} ${v}`).join(''),
      timing: eta === '' ? '' : ` | ${eta}`,
    };
    if (this.#bar === null) {
      this.#bar = new cliProgress.SingleBar(
        { stream: this.#stream, format: '{label} |{bar}| {value}/{total} {unit}{fields}{timing}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(s.total, s.done, payload);
    } else {
      this.#bar.setTotal(s.total);
      this.#bar.update(s.done, payload);
    }
  }
}
