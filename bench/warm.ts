// bench/warm.ts — the benchmarks' warm-up rule. The math checks' JIT (and the computer-algebra library's, and an
// HTTP path's) keep speeding up over the first tens of thousands of samples: a fresh MathVerifier pool's rate rises
// about 4x over its first 20,000 checks, so a fixed short warm-up timed a half-warm pool.

/**
 * Run `pass` (it returns its rate) until a pass is not 5% faster than the best before it: at least 3 passes, at
 * most 12. Returns every pass's rate, for the bench to print.
 */
export async function warmUntilSteady(pass: () => Promise<number>): Promise<number[]> {
  const rates: number[] = [];
  for (let k = 0; k < 12; k++) {
    const rate = await pass();
    const best = Math.max(0, ...rates);
    rates.push(rate);
    if (k >= 2 && rate < 1.05 * best) break;
  }
  return rates;
}
