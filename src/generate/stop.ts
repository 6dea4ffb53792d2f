// src/generate/stop.ts — stop-string detection on a stream of decoded text, holding back any tail that could
// still become a stop string so streamed text never shows a partial stop sequence.

export class StopMatcher {
  private held = '';
  private readonly maxLen: number;
  private done = false;

  constructor(private readonly stops: readonly string[]) {
    for (const s of stops) if (s.length === 0) throw new RangeError('stop strings must be non-empty');
    this.maxLen = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /**
   * Feed newly decoded text. Returns the text that is safe to emit now and whether a stop string was hit
   * (the stop string itself and anything after it are never emitted).
   */
  push(delta: string): { emit: string; stopped: boolean; stop?: string } {
    if (this.done) return { emit: '', stopped: true };
    if (this.stops.length === 0) return { emit: delta, stopped: false };
    const text = this.held + delta;
    let first = -1;
    let which = '';
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (first < 0 || i < first)) { first = i; which = s; }
    }
    if (first >= 0) {
      this.done = true;
      this.held = '';
      return { emit: text.slice(0, first), stopped: true, stop: which };
    }
    // Hold back the longest suffix that is a proper prefix of some stop string.
    let keep = 0;
    for (let k = Math.min(this.maxLen - 1, text.length); k > 0; k--) {
      const tail = text.slice(text.length - k);
      if (this.stops.some((s) => s.startsWith(tail))) { keep = k; break; }
    }
    this.held = text.slice(text.length - keep);
    return { emit: text.slice(0, text.length - keep), stopped: false };
  }

  /** End of generation without a stop: release whatever was held back. */
  flush(): string {
    const h = this.held;
    this.held = '';
    return this.done ? '' : h;
  }
}
