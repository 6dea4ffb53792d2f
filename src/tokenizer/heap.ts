// src/tokenizer/heap.ts — two small binary heaps on growable typed arrays, used by BPE training and encoding.

/** Min-heap of doubles (callers pack (rank, position) into one exact integer below 2^53). */
export class MinHeap {
  private v = new Float64Array(64);
  size = 0;

  push(x: number): void {
    if (this.size === this.v.length) {
      const g = new Float64Array(this.v.length * 2);
      g.set(this.v);
      this.v = g;
    }
    const v = this.v;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((v[p] as number) <= x) break;
      v[i] = v[p] as number;
      i = p;
    }
    v[i] = x;
  }

  /** Remove and return the smallest value; undefined when empty. */
  pop(): number | undefined {
    if (this.size === 0) return undefined;
    const v = this.v;
    const top = v[0] as number;
    const x = v[--this.size] as number;
    let i = 0;
    const n = this.size;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (v[c + 1] as number) < (v[c] as number)) c++;
      if ((v[c] as number) >= x) break;
      v[i] = v[c] as number;
      i = c;
    }
    if (n > 0) v[i] = x;
    return top;
  }

  clear(): void {
    this.size = 0;
  }
}

/**
 * Max-heap of (count, key) pairs: larger count first, then smaller key (so ties break the same way on every
 * run). Entries may go stale; the BPE trainer re-checks the count when it pops one.
 */
export class PairHeap {
  private c = new Float64Array(1024);
  private k = new Float64Array(1024);
  size = 0;

  private before(c1: number, k1: number, c2: number, k2: number): boolean {
    return c1 > c2 || (c1 === c2 && k1 < k2);
  }

  push(count: number, key: number): void {
    if (this.size === this.c.length) {
      const c = new Float64Array(this.c.length * 2);
      const k = new Float64Array(this.k.length * 2);
      c.set(this.c);
      k.set(this.k);
      this.c = c;
      this.k = k;
    }
    const C = this.c;
    const K = this.k;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(count, key, C[p] as number, K[p] as number)) break;
      C[i] = C[p] as number;
      K[i] = K[p] as number;
      i = p;
    }
    C[i] = count;
    K[i] = key;
  }

  /** Count of the top entry (undefined when empty). */
  peekCount(): number | undefined {
    return this.size === 0 ? undefined : (this.c[0] as number);
  }

  peekKey(): number | undefined {
    return this.size === 0 ? undefined : (this.k[0] as number);
  }

  /** Drop the top entry. */
  pop(): void {
    if (this.size === 0) return;
    const C = this.c;
    const K = this.k;
    const n = --this.size;
    const xc = C[n] as number;
    const xk = K[n] as number;
    let i = 0;
    for (;;) {
      let ch = 2 * i + 1;
      if (ch >= n) break;
      if (ch + 1 < n && this.before(C[ch + 1] as number, K[ch + 1] as number, C[ch] as number, K[ch] as number)) ch++;
      if (!this.before(C[ch] as number, K[ch] as number, xc, xk)) break;
      C[i] = C[ch] as number;
      K[i] = K[ch] as number;
      i = ch;
    }
    if (n > 0) {
      C[i] = xc;
      K[i] = xk;
    }
  }
}
