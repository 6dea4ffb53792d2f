// src/backend/conformance-decode.case.test.ts — conformance of Backend.decodeAttention (a kernel with no tensor op, so it is
// checked kernel-to-kernel): ragged rows with packed projections and fused RoPE against the reference backend, each
// entry against the rope + general attention kernels on the same cache prefix, and rejection of bad arguments.

import assert from 'node:assert/strict';
import type { Backend, KvStore } from '../contract/kernels.js';
import { AttentionGeometry as G } from '../contract/kernels.js';
import { Rng } from '../util/rng.js';

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function close(got: Float32Array, want: Float32Array, what: string, atol = 1e-5, rtol = 1e-4): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= atol + rtol * Math.abs(want[i]!), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

/**
 * Runs the decodeAttention checks for `candidate` (throws an assertion error on a mismatch), at head dims 8 (the
 * general loop) and 32 (the register-resident path native builds use for D in {16, 32, 64, 128}).
 */
export function checkDecodeAttention(candidate: Backend, ref: Backend): void {
  for (const D of [8, 32]) checkDecodeAttentionAt(candidate, ref, D);
}

function checkDecodeAttentionAt(candidate: Backend, ref: Backend, D: number): void {
  const rng = new Rng(4242 + D);
  const B = 3, H = 4, Hkv = 2, R = 5, L = 12, P = 16, stride = (H + 2 * Hkv) * D + 3; // padded packed rows
  const rows = Int32Array.from([4, 0, 2]);
  const pos = Int32Array.from([0, 7, 11]); // a fresh row, a middle one and a full one
  const qkv = randn(rng, B * stride);
  const k0 = randn(rng, R * Hkv * L * D), v0 = randn(rng, R * Hkv * L * D);
  const cos = new Float32Array(P * D / 2), sin = new Float32Array(P * D / 2);
  for (let t = 0; t < P; t++) for (let i = 0; i < D / 2; i++) {
    cos[t * D / 2 + i] = Math.cos(t * 10000 ** (-2 * i / D));
    sin[t * D / 2 + i] = Math.sin(t * 10000 ** (-2 * i / D));
  }
  const geom = Int32Array.from([B, H, Hkv, D, R, L, stride, stride, stride, P]);
  const kv = qkv.subarray(H * D), vv = qkv.subarray((H + Hkv) * D); // three strided views of one packed projection
  const scale = 1 / Math.sqrt(D);
  for (const rope of [true, false]) {
    const run = (be: Backend): { out: Float32Array; k: Float32Array; v: Float32Array } => {
      const k = Float32Array.from(k0), v = Float32Array.from(v0), out = new Float32Array(B * H * D).fill(NaN);
      be.decodeAttention(qkv, kv, vv, k, v, rows, pos, rope ? cos : null, rope ? sin : null, geom, scale, out);
      return { out, k, v };
    };
    const want = run(ref);
    const got = run(candidate);
    close(got.k, want.k, `decodeAttention (rope ${rope}) keys`, 1e-6, 1e-6);
    assert.deepEqual(got.v, want.v, 'decodeAttention: appended values differ');
    close(got.out, want.out, `decodeAttention (rope ${rope}) out`);
    // Entry b equals rope on its q and k, then the general attention kernel over its row's first pos[b] + 1 keys.
    for (let b = 0; b < B; b++) {
      const S = pos[b]! + 1, r = rows[b]!, p = pos[b]!;
      const q = qkv.slice(b * stride, b * stride + H * D);
      const k = qkv.slice(b * stride + H * D, b * stride + (H + Hkv) * D);
      const qr = new Float32Array(H * D), kr = new Float32Array(Hkv * D);
      const c = rope ? cos.subarray(p * D / 2, (p + 1) * D / 2) : new Float32Array(D / 2).fill(1);
      const s = rope ? sin.subarray(p * D / 2, (p + 1) * D / 2) : new Float32Array(D / 2);
      ref.rope(q, c, s, 1, 1, H, D, false, false, qr);
      ref.rope(k, c, s, 1, 1, Hkv, D, false, false, kr);
      close(got.k.subarray(((r * L + p) * Hkv) * D, ((r * L + p + 1) * Hkv) * D), kr, `entry ${b} appended key`);
      const g = new Int32Array(G.length);
      g[G.B] = 1; g[G.H] = H; g[G.Hkv] = Hkv; g[G.Tq] = 1; g[G.Tk] = S; g[G.Dk] = D; g[G.Dv] = D;
      g[G.qB] = H * D; g[G.qH] = D; g[G.qT] = D;
      g[G.kB] = Hkv * L * D; g[G.kH] = D; g[G.kT] = Hkv * D; // time-major cache row (L, Hkv, D)
      g[G.vB] = Hkv * L * D; g[G.vH] = D; g[G.vT] = Hkv * D;
      g[G.oB] = H * D; g[G.oH] = D; g[G.oT] = D;
      const o = new Float32Array(H * D);
      ref.attention(qr, got.k.subarray(r * Hkv * L * D, (r + 1) * Hkv * L * D), got.v.subarray(r * Hkv * L * D, (r + 1) * Hkv * L * D), g, scale, true, o, null);
      close(got.out.subarray(b * H * D, (b + 1) * H * D), o, `decodeAttention vs rope + attention, entry ${b}`, 1e-4, 1e-3);
    }
  }
  // Bad calls throw instead of writing out of bounds.
  const k = Float32Array.from(k0), v = Float32Array.from(v0), out = new Float32Array(B * H * D);
  const call = (o: { qkv?: Float32Array; k?: Float32Array; rows?: Int32Array; pos?: Int32Array; geom?: Int32Array; sin?: Float32Array | null }): void =>
    candidate.decodeAttention(o.qkv ?? qkv, kv, vv, o.k ?? k, v, o.rows ?? rows, o.pos ?? pos, cos, o.sin === undefined ? sin : o.sin, o.geom ?? geom, scale, out);
  assert.throws(() => call({ rows: Int32Array.from([4, 4, 2]), pos: Int32Array.from([7, 7, 11]) }), /row 4 position 7 appears twice/);
  call({ rows: Int32Array.from([4, 4, 2]) }); // one row at two positions is a prefill, not an error
  assert.throws(() => call({ rows: Int32Array.from([4, 0, 5]) }), /outside/);
  assert.throws(() => call({ pos: Int32Array.from([0, 7, 12]) }), /outside/);
  assert.throws(() => call({ geom: Int32Array.from([B, H, Hkv, D, R, L, stride, stride, stride, 10]) }), /RoPE table/);
  assert.throws(() => call({ k: k.subarray(1) }), /kCache/);
  assert.throws(() => call({ geom: Int32Array.from([B, 3, 2, D, R, L, stride, stride, stride, P]) }), /multiple/);
  assert.throws(() => call({ geom: Int32Array.from([B, H, Hkv, D, R, L, H * D - 1, stride, stride, P]) }), /q row stride/);
  assert.throws(() => call({ qkv: qkv.subarray(0, (B - 1) * stride + H * D - 1) }), /q holds/);
  assert.throws(() => call({ sin: null }), /both cos and sin/);
}

/**
 * Runs the decodeLayer / decodeLogits checks for `candidate`: a fused dense layer (with and without q/k/v bias and
 * RoPE) on ragged rows against the reference backend (residual stream, appended cache entries, logits), and
 * rejection of bad arguments.
 */
export function checkDecodeLayer(candidate: Backend, ref: Backend): void {
  const rng = new Rng(777);
  const B = 3, C = 16, H = 4, Hkv = 2, D = 4, F = 24, R = 5, L = 12, P = 16, V = 40;
  const Wq = (H + 2 * Hkv) * D;
  const rows = Int32Array.from([4, 0, 2]);
  const pos = Int32Array.from([0, 7, 11]);
  const small = (n: number): Float32Array => randn(rng, n).map((x) => x * 0.3);
  const x0 = randn(rng, B * C), inNorm = small(C).map((x) => 1 + x), postNorm = small(C).map((x) => 1 + x);
  const Wqkv = small(Wq * C), bias = small(Wq), Wo = small(C * H * D), Wgate = small(F * C), Wup = small(F * C), Wdown = small(C * F), Whead = small(V * C);
  const k0 = randn(rng, R * Hkv * L * D), v0 = randn(rng, R * Hkv * L * D);
  const cos = new Float32Array(P * D / 2), sin = new Float32Array(P * D / 2);
  for (let t = 0; t < P; t++) for (let i = 0; i < D / 2; i++) {
    cos[t * D / 2 + i] = Math.cos(t * 10000 ** (-2 * i / D));
    sin[t * D / 2 + i] = Math.sin(t * 10000 ** (-2 * i / D));
  }
  const geom = Int32Array.from([B, C, H, Hkv, D, F, R, L, P]);
  const eps = 1e-5, scale = 1 / Math.sqrt(D);
  const scratch = () => ({ hn: new Float32Array(B * C), qkv: new Float32Array(B * Wq), att: new Float32Array(B * H * D), gu: new Float32Array(B * 2 * F), act: new Float32Array(B * F) });
  for (const [withBias, rope] of [[false, true], [true, true], [true, false]] as const) {
    const run = (be: Backend) => {
      const x = Float32Array.from(x0), k = Float32Array.from(k0), v = Float32Array.from(v0), s = scratch();
      const p = (W: Float32Array, N: number, K: number) => be.packLinear(W, N, K);
      be.decodeLayer(x, inNorm, p(Wqkv, Wq, C), withBias ? bias : null, p(Wo, C, H * D), postNorm, p(Wgate, F, C), p(Wup, F, C), p(Wdown, C, F), k, v,
        rows, pos, rope ? cos : null, rope ? sin : null, geom, eps, scale, s.hn, s.qkv, s.att, s.gu, s.act);
      const logits = new Float32Array(B * V).fill(NaN);
      be.decodeLogits(x, postNorm, p(Whead, V, C), Int32Array.from([B, C, V]), eps, s.hn, logits);
      return { x, k, v, logits };
    };
    const want = run(ref), got = run(candidate);
    const what = `decodeLayer (bias ${withBias}, rope ${rope})`;
    close(got.x, want.x, `${what} residual`, 1e-4, 1e-4);
    close(got.k, want.k, `${what} keys`, 1e-5, 1e-4);
    close(got.v, want.v, `${what} values`, 1e-5, 1e-4);
    close(got.logits, want.logits, `${what} logits`, 1e-4, 1e-4);
    assert.notDeepEqual(got.x, x0, 'decodeLayer updates the residual stream');
  }
  // Bad calls throw instead of reading or writing out of bounds.
  const s = scratch();
  const pk = (W: Float32Array, N: number, K: number) => candidate.packLinear(W, N, K);
  const [pWqkv, pWo, pWgate, pWup, pWdown] = [pk(Wqkv, Wq, C), pk(Wo, C, H * D), pk(Wgate, F, C), pk(Wup, F, C), pk(Wdown, C, F)];
  const call = (o: { Wqkv?: Float32Array; Wdown?: Float32Array; geom?: Int32Array; rows?: Int32Array; pos?: Int32Array; act?: Float32Array; k?: Float32Array }): void =>
    candidate.decodeLayer(Float32Array.from(x0), inNorm, o.Wqkv ?? pWqkv, null, pWo, postNorm, pWgate, pWup, o.Wdown ?? pWdown, o.k ?? Float32Array.from(k0),
      Float32Array.from(v0), o.rows ?? rows, o.pos ?? pos, cos, sin, o.geom ?? geom, eps, scale, s.hn, s.qkv, s.att, s.gu, o.act ?? s.act);
  call({}); // the well-formed call passes
  assert.throws(() => call({ Wqkv: pWqkv.subarray(1) }), /Wqkv/);
  assert.throws(() => call({ Wdown: pWdown.subarray(0, pWdown.length - 1) }), /Wdown/);
  assert.throws(() => call({ act: s.act.subarray(1) }), /act/);
  assert.throws(() => call({ k: k0.subarray(1) }), /kCache/);
  assert.throws(() => call({ rows: Int32Array.from([0, 4, 0]), pos: Int32Array.from([7, 0, 7]) }), /row 0 position 7 appears twice/);
  assert.throws(() => call({ geom: Int32Array.from([B, C, H, Hkv, D, F, R, L]) }), /9 integers/);
  assert.throws(() => call({ geom: Int32Array.from([B, C, 3, Hkv, D, F, R, L, P]) }), /multiple/);
  assert.throws(() => candidate.decodeLogits(x0, postNorm, pk(Whead, V, C).subarray(1), Int32Array.from([B, C, V]), eps, s.hn, new Float32Array(B * V)), /Whead/);
  assert.throws(() => candidate.packLinear(Whead.subarray(1), V, C), /W/);
}

/**
 * Half-precision storage: toF16 / fromF16 bit-exact against the reference on edge cases (ties, overflow, subnormals,
 * signed zero, inf, NaN) and on values spread over every exponent; every one of the 65,536 halves widened exactly;
 * decodeAttention and decodeLayer on Uint16Array caches against the reference, and close to the f32-cache result.
 */
export function checkF16Storage(candidate: Backend, ref: Backend): void {
  const rng = new Rng(1616);
  const edge = [0, -0, 1, -1, 0.5, 65504, -65504, 65519.99, 65520, 70000, 1e-8, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -25 * 1.0001,
    2 ** -14, 2 ** -14 * (1 - 2 ** -11), 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, Infinity, -Infinity, NaN, 3.14159, -2.71828];
  const xs = new Float32Array(edge.length + 20000);
  xs.set(edge);
  for (let i = edge.length; i < xs.length; i++) xs[i] = (rng.next() < 0.5 ? -1 : 1) * 2 ** (rng.next() * 50 - 30) * (1 + rng.next());
  const got = new Uint16Array(xs.length), want = new Uint16Array(xs.length);
  candidate.toF16(xs, got);
  ref.toF16(xs, want);
  for (let i = 0; i < xs.length; i++) assert.equal(got[i], want[i], `toF16(${xs[i]}): 0x${got[i]!.toString(16)} vs 0x${want[i]!.toString(16)}`);
  assert.equal(want[edge.indexOf(65520)], 0x7c00, '65520 rounds to +inf');
  assert.equal(want[edge.indexOf(1 + 2 ** -11)], 0x3c00, 'a tie rounds to the even neighbour (1)');
  assert.equal(want[edge.indexOf(1 + 3 * 2 ** -11)], 0x3c02, 'a tie rounds to the even neighbour (1 + 2^-9)');
  assert.equal(want[edge.indexOf(2 ** -24)], 1, 'the smallest subnormal');
  assert.equal(want[edge.indexOf(2 ** -25)], 0, 'half the smallest subnormal ties to zero');
  assert.equal(want[1], 0x8000, 'negative zero keeps its sign');
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const wa = new Float32Array(65536), wb = new Float32Array(65536);
  candidate.fromF16(all, wa);
  ref.fromF16(all, wb);
  for (let i = 0; i < 65536; i++) assert.ok(Object.is(wa[i], wb[i]), `fromF16(0x${i.toString(16)}): ${wa[i]} vs ${wb[i]}`);
  const back = new Uint16Array(65536);
  candidate.toF16(wa, back);
  for (let i = 0; i < 65536; i++) if (!Number.isNaN(wa[i]!)) assert.equal(back[i], i, `half 0x${i.toString(16)} round-trips`);
  assert.throws(() => candidate.toF16(xs, new Uint16Array(3)), /toF16/);
  assert.throws(() => candidate.fromF16(all, new Float32Array(3)), /fromF16/);

  // Decode attention on f16 caches, at head dims 8 (general loop) and 16 (register-resident path).
  for (const D of [8, 16]) {
  const B = 3, H = 4, Hkv = 2, R = 5, L = 12, P = 16, stride = (H + 2 * Hkv) * D;
  const rows = Int32Array.from([4, 0, 2]);
  const pos = Int32Array.from([0, 7, 11]);
  const qkv = randn(rng, B * stride);
  const k32 = randn(rng, R * Hkv * L * D), v32 = randn(rng, R * Hkv * L * D);
  const k16 = new Uint16Array(k32.length), v16 = new Uint16Array(v32.length);
  ref.toF16(k32, k16);
  ref.toF16(v32, v16);
  const cos = new Float32Array(P * D / 2), sin = new Float32Array(P * D / 2);
  for (let t = 0; t < P; t++) for (let i = 0; i < D / 2; i++) {
    cos[t * D / 2 + i] = Math.cos(t * 10000 ** (-2 * i / D));
    sin[t * D / 2 + i] = Math.sin(t * 10000 ** (-2 * i / D));
  }
  const geom = Int32Array.from([B, H, Hkv, D, R, L, stride, stride, stride, P]);
  const run = <T extends Float32Array | Uint16Array>(be: Backend, k0: T, v0: T) => {
    const k = k0.slice() as T, v = v0.slice() as T, out = new Float32Array(B * H * D);
    be.decodeAttention(qkv, qkv.subarray(H * D), qkv.subarray((H + Hkv) * D), k, v, rows, pos, cos, sin, geom, 1 / Math.sqrt(D), out);
    return { k, v, out };
  };
  const a = run(candidate, k16, v16), b = run(ref, k16, v16), full = run(ref, k32, v32);
  const widen = (h: Uint16Array): Float32Array => { const f = new Float32Array(h.length); ref.fromF16(h, f); return f; };
  close(widen(a.k), widen(b.k), 'f16 decodeAttention appended keys', 1e-3, 1e-3);
  assert.deepEqual(a.v, b.v, 'f16 decodeAttention appended values');
  close(a.out, b.out, 'f16 decodeAttention out', 1e-4, 1e-4);
  close(a.out, full.out, 'f16 vs f32 cache decodeAttention out', 1e-2, 1e-2);
  assert.throws(() => candidate.decodeAttention(qkv, qkv.subarray(H * D), qkv.subarray((H + Hkv) * D), k16.slice(), v32.slice(), rows, pos, cos, sin, geom, 1, new Float32Array(B * H * D)), /same storage/);
  assert.throws(() => candidate.decodeAttention(qkv, qkv.subarray(H * D), qkv.subarray((H + Hkv) * D), new Int32Array(k32.length) as unknown as Float32Array, v32.slice(), rows, pos, cos, sin, geom, 1, new Float32Array(B * H * D)), /Uint16Array/);

  // A fused decode layer on f16 caches.
  const C = 16, F = 24, Dl = D, Wq = (H + 2 * Hkv) * Dl;
  const small = (n: number): Float32Array => randn(rng, n).map((x) => x * 0.3);
  const x0 = randn(rng, B * C), nrm = small(C).map((x) => 1 + x);
  const W = { qkv: small(Wq * C), o: small(C * H * Dl), gate: small(F * C), up: small(F * C), down: small(C * F) };
  const kc32 = randn(rng, R * Hkv * L * Dl), vc32 = randn(rng, R * Hkv * L * Dl);
  const kc16 = new Uint16Array(kc32.length), vc16 = new Uint16Array(vc32.length);
  ref.toF16(kc32, kc16);
  ref.toF16(vc32, vc16);
  const cosl = cos, sinl = sin;
  const layer = <T extends Float32Array | Uint16Array>(be: Backend, kc: T, vc: T): Float32Array => {
    const x = Float32Array.from(x0);
    const p = (w: Float32Array, N: number, K: number) => be.packLinear(w, N, K);
    be.decodeLayer(x, nrm, p(W.qkv, Wq, C), null, p(W.o, C, H * Dl), nrm, p(W.gate, F, C), p(W.up, F, C), p(W.down, C, F), kc.slice(), vc.slice(), rows, pos,
      cosl, sinl, Int32Array.from([B, C, H, Hkv, Dl, F, R, L, P]), 1e-5, 0.5, new Float32Array(B * C), new Float32Array(B * Wq), new Float32Array(B * H * Dl),
      new Float32Array(B * 2 * F), new Float32Array(B * F));
    return x;
  };
  close(layer(candidate, kc16, vc16), layer(ref, kc16, vc16), 'f16 decodeLayer residual', 1e-4, 1e-4);
  close(layer(candidate, kc16, vc16), layer(ref, kc32, vc32), 'f16 vs f32 cache decodeLayer residual', 1e-2, 1e-2);
  }
}

/**
 * decodeLayers against the reference (decodeLayer layer by layer) for a 3-layer stack: a small batch (the column-split
 * path) and a batch of 20 (two row groups run through all layers on the two cores), f32 and f16 caches, with and
 * without q/k/v biases (the cases with biases also run the head: the final norm and logits in the same call), with
 * and without per-head q/k norms (Qwen3; one layer of the stack without them); plus rejection of malformed per-layer
 * arrays and of partial head or norm arguments.
 */
export function checkDecodeLayers(candidate: Backend, ref: Backend): void {
  const rng = new Rng(9090);
  const NL = 3, C = 32, H = 4, Hkv = 2, D = 16, F = 48, R = 24, L = 10, P = 16;
  const Wq = (H + 2 * Hkv) * D;
  const small = (n: number): Float32Array => randn(rng, n).map((x) => x * 0.2);
  const layers = Array.from({ length: NL }, () => ({
    inNorm: small(C).map((x) => 1 + x), postNorm: small(C).map((x) => 1 + x), qkv: small(Wq * C), bias: small(Wq),
    o: small(C * H * D), gate: small(F * C), up: small(F * C), down: small(C * F),
  }));
  // The q/k norms from their own stream (the other cases keep their data).
  const nrng = new Rng(9092);
  const headNorms = layers.map(() => ({ qNorm: randn(nrng, D).map((x) => 1 + 0.4 * x), kNorm: randn(nrng, D).map((x) => 1 + 0.4 * x) }));
  const cos = new Float32Array(P * D / 2), sin = new Float32Array(P * D / 2);
  for (let t = 0; t < P; t++) for (let i = 0; i < D / 2; i++) {
    cos[t * D / 2 + i] = Math.cos(t * 10000 ** (-2 * i / D));
    sin[t * D / 2 + i] = Math.sin(t * 10000 ** (-2 * i / D));
  }
  // The head's weights from their own stream (the layers' cases keep their data).
  const hrng = new Rng(9091);
  const V = 200, finalNorm = randn(hrng, C).map((x) => 1 + 0.2 * x), Whead = randn(hrng, V * C).map((x) => 0.2 * x);
  for (const B of [3, 20]) for (const half of [false, true]) for (const withBias of [false, true]) {
    const withHead = withBias; // both paths with and without the head, at each size and cache type
    const withNorms = half !== withBias; // q/k norms with and without biases and the head, at each size (layer 1 has none)
    const norms = (which: 'qNorm' | 'kNorm') => (withNorms ? headNorms.map((l, i) => (i === 1 ? null : l[which])) : null);
    const rows = Int32Array.from({ length: B }, (_, b) => (b * 7 + 3) % R); // distinct, out of order
    const pos = Int32Array.from({ length: B }, (_, b) => (b * 5) % L);
    const x0 = randn(rng, B * C);
    const caches = Array.from({ length: NL }, () => [randn(rng, R * L * Hkv * D), randn(rng, R * L * Hkv * D)] as const);
    const run = (be: Backend) => {
      const logits = new Float32Array(B * V).fill(NaN);
      const p = (w: Float32Array, N: number, K: number) => be.packLinear(w, N, K);
      const store = (f: Float32Array) => { if (!half) return Float32Array.from(f); const h = new Uint16Array(f.length); ref.toF16(f, h); return h; };
      const ks = caches.map(([k]) => store(k)), vs = caches.map(([, v]) => store(v));
      const x = Float32Array.from(x0);
      be.decodeLayers(x, layers.map((l) => l.inNorm), layers.map((l) => p(l.qkv, Wq, C)), layers.map((l) => (withBias ? l.bias : null)),
        layers.map((l) => p(l.o, C, H * D)), layers.map((l) => l.postNorm), layers.map((l) => p(l.gate, F, C)), layers.map((l) => p(l.up, F, C)),
        layers.map((l) => p(l.down, C, F)), ks, vs, rows, pos, cos, sin, Int32Array.from([B, C, H, Hkv, D, F, R, L, P, NL]), 1e-5, 0.25,
        new Float32Array(B * C), new Float32Array(B * Wq), new Float32Array(B * H * D), new Float32Array(B * 2 * F), new Float32Array(B * F),
        withHead ? finalNorm : null, withHead ? p(Whead, V, C) : null, withHead ? V : null, withHead ? logits : null, norms('qNorm'), norms('kNorm'));
      const widen = (s: Float32Array | Uint16Array): Float32Array => { if (s instanceof Float32Array) return s; const f = new Float32Array(s.length); ref.fromF16(s, f); return f; };
      return { x, k: ks.map(widen), v: vs.map(widen), logits };
    };
    const got = run(candidate), want = run(ref);
    const what = `decodeLayers B=${B} ${half ? 'f16' : 'f32'} bias ${withBias} q/k norms ${withNorms}`;
    close(got.x, want.x, `${what} residual`, 2e-4, 2e-4);
    if (withHead) {
      // The head in the same call equals decodeLogits on the final residual stream.
      const sep = new Float32Array(B * V);
      ref.decodeLogits(want.x, finalNorm, ref.packLinear(Whead, V, C), Int32Array.from([B, C, V]), 1e-5, new Float32Array(B * C), sep);
      close(want.logits, sep, `${what}: the reference's head vs decodeLogits`, 1e-6, 1e-6);
      close(got.logits, want.logits, `${what} logits`, 5e-4, 5e-4);
    } else {
      assert.ok(got.logits.every((v) => Number.isNaN(v)), `${what}: no head, logits untouched`);
    }
    for (let l = 0; l < NL; l++) {
      close(got.k[l]!, want.k[l]!, `${what} layer ${l} keys`, 1e-3, 1e-3);
      close(got.v[l]!, want.v[l]!, `${what} layer ${l} values`, 1e-3, 1e-3);
    }
  }
  // Several consecutive positions of a row in one call (a prompt prefill): equal to appending them one call per
  // position, in order. Layouts: rows in contiguous runs (two row groups split at a row boundary), one row holding
  // every entry and rows interleaved entry by entry (no split keeps rows whole: the column path).
  const PL = 24, PP = 32;
  const pcos = new Float32Array(PP * D / 2), psin = new Float32Array(PP * D / 2);
  for (let t = 0; t < PP; t++) for (let i = 0; i < D / 2; i++) {
    pcos[t * D / 2 + i] = Math.cos(t * 10000 ** (-2 * i / D));
    psin[t * D / 2 + i] = Math.sin(t * 10000 ** (-2 * i / D));
  }
  const runs = (spec: [row: number, start: number, n: number][]): [Int32Array, Int32Array] => {
    const r: number[] = [], q: number[] = [];
    for (const [row, start, n] of spec) for (let i = 0; i < n; i++) { r.push(row); q.push(start + i); }
    return [Int32Array.from(r), Int32Array.from(q)];
  };
  const interleaved: [Int32Array, Int32Array] = [Int32Array.from({ length: 20 }, (_, b) => [7, 2][b % 2]!), Int32Array.from({ length: 20 }, (_, b) => 3 + (b >> 1))];
  const layouts: [string, [Int32Array, Int32Array]][] = [
    ['row runs', runs([[5, 0, 6], [9, 2, 6], [1, 0, 6], [3, 4, 6]])],
    ['one row', runs([[11, 1, 20]])],
    ['interleaved rows', interleaved],
  ];
  for (const [name, [prow, ppos]] of layouts) for (const half of [false, true]) {
    const B = prow.length;
    const x0 = randn(rng, B * C);
    const caches = Array.from({ length: NL }, () => [randn(rng, R * PL * Hkv * D), randn(rng, R * PL * Hkv * D)] as const);
    const run = (be: Backend, oneByOne: boolean) => {
      const p = (w: Float32Array, N: number, K: number) => be.packLinear(w, N, K);
      const store = (f: Float32Array) => { if (!half) return Float32Array.from(f); const h = new Uint16Array(f.length); ref.toF16(f, h); return h; };
      const ks = caches.map(([k]) => store(k)), vs = caches.map(([, v]) => store(v));
      const x = Float32Array.from(x0);
      const W = layers.map((l) => ({ qkv: p(l.qkv, Wq, C), o: p(l.o, C, H * D), gate: p(l.gate, F, C), up: p(l.up, F, C), down: p(l.down, C, F) }));
      const call = (ids: number[]) => {
        const n = ids.length, xs = new Float32Array(n * C);
        ids.forEach((b, i) => xs.set(x.subarray(b * C, (b + 1) * C), i * C));
        be.decodeLayers(xs, layers.map((l) => l.inNorm), W.map((w) => w.qkv), layers.map((l) => l.bias), W.map((w) => w.o), layers.map((l) => l.postNorm),
          W.map((w) => w.gate), W.map((w) => w.up), W.map((w) => w.down), ks, vs, Int32Array.from(ids, (b) => prow[b]!), Int32Array.from(ids, (b) => ppos[b]!),
          pcos, psin, Int32Array.from([n, C, H, Hkv, D, F, R, PL, PP, NL]), 1e-5, 0.25,
          new Float32Array(n * C), new Float32Array(n * Wq), new Float32Array(n * H * D), new Float32Array(n * 2 * F), new Float32Array(n * F));
        ids.forEach((b, i) => x.set(xs.subarray(i * C, (i + 1) * C), b * C));
      };
      const all = Array.from({ length: B }, (_, b) => b);
      if (!oneByOne) call(all);
      else for (const b of [...all].sort((a, c) => ppos[a]! - ppos[c]!)) call([b]);
      return { x, k: ks.map((s) => Float32Array.from(s instanceof Float32Array ? s : (() => { const f = new Float32Array(s.length); ref.fromF16(s, f); return f; })())) };
    };
    const want = run(ref, true), wantAll = run(ref, false), got = run(candidate, false);
    const what = `decodeLayers prefill (${name}, ${half ? 'f16' : 'f32'})`;
    close(wantAll.x, want.x, `${what}: the reference in one call vs one call per position`, 1e-5, 1e-5);
    close(got.x, want.x, `${what} residual`, 2e-4, 2e-4);
    for (let l = 0; l < NL; l++) close(got.k[l]!, want.k[l]!, `${what} layer ${l} keys`, 1e-3, 1e-3);
  }
  const B = 2, x = randn(rng, B * C), rows = Int32Array.of(0, 1), pos = Int32Array.of(0, 0);
  const p = (w: Float32Array, N: number, K: number) => candidate.packLinear(w, N, K);
  const lists = (n: number) => ({
    inNorms: layers.slice(0, n).map((l) => l.inNorm), qkv: layers.slice(0, n).map((l) => p(l.qkv, Wq, C)), bias: layers.slice(0, n).map(() => null),
    o: layers.slice(0, n).map((l) => p(l.o, C, H * D)), post: layers.slice(0, n).map((l) => l.postNorm), gate: layers.slice(0, n).map((l) => p(l.gate, F, C)),
    up: layers.slice(0, n).map((l) => p(l.up, F, C)), down: layers.slice(0, n).map((l) => p(l.down, C, F)),
    k: Array.from({ length: n }, (): KvStore => new Float32Array(R * L * Hkv * D)), v: Array.from({ length: n }, (): KvStore => new Float32Array(R * L * Hkv * D)),
  });
  const call = (n: number, mutate?: (o: ReturnType<typeof lists>) => void) => {
    const o = lists(n);
    mutate?.(o);
    candidate.decodeLayers(x, o.inNorms, o.qkv, o.bias, o.o, o.post, o.gate, o.up, o.down, o.k, o.v, rows, pos, cos, sin,
      Int32Array.from([B, C, H, Hkv, D, F, R, L, P, NL]), 1e-5, 0.25, new Float32Array(B * C), new Float32Array(B * Wq), new Float32Array(B * H * D),
      new Float32Array(B * 2 * F), new Float32Array(B * F));
  };
  call(NL);
  assert.throws(() => call(NL - 1), /entries, expected 3/);
  const headCall = (nw: Float32Array | null, wh: Float32Array | null, v: number | null, lg: Float32Array | null) => {
    const o = lists(NL);
    candidate.decodeLayers(x, o.inNorms, o.qkv, o.bias, o.o, o.post, o.gate, o.up, o.down, o.k, o.v, rows, pos, cos, sin,
      Int32Array.from([B, C, H, Hkv, D, F, R, L, P, NL]), 1e-5, 0.25, new Float32Array(B * C), new Float32Array(B * Wq), new Float32Array(B * H * D),
      new Float32Array(B * 2 * F), new Float32Array(B * F), nw, wh, v, lg);
  };
  headCall(finalNorm, p(Whead, V, C), V, new Float32Array(B * V));
  assert.throws(() => headCall(finalNorm, null, V, new Float32Array(B * V)), /Whead/);
  assert.throws(() => headCall(finalNorm, p(Whead, V, C).subarray(1), V, new Float32Array(B * V)), /Whead/);
  assert.throws(() => headCall(finalNorm, p(Whead, V, C), V, new Float32Array(B * V - 1)), /logits/);
  assert.throws(() => call(NL, (o) => { o.down[1] = o.down[1]!.slice(1); }), /Wdown\[1\]/);
  assert.throws(() => call(NL, (o) => { o.k[2] = new Int32Array(4) as unknown as Float32Array; }), /kCaches\[2\]/);
  assert.throws(() => call(NL, (o) => { o.v[0] = new Uint16Array(R * L * Hkv * D); }), /same storage/);
  const normCall = (q: (Float32Array | null)[] | null, k: (Float32Array | null)[] | null) => {
    const o = lists(NL);
    candidate.decodeLayers(x, o.inNorms, o.qkv, o.bias, o.o, o.post, o.gate, o.up, o.down, o.k, o.v, rows, pos, cos, sin,
      Int32Array.from([B, C, H, Hkv, D, F, R, L, P, NL]), 1e-5, 0.25, new Float32Array(B * C), new Float32Array(B * Wq), new Float32Array(B * H * D),
      new Float32Array(B * 2 * F), new Float32Array(B * F), null, null, null, null, q, k);
  };
  normCall(headNorms.map((l) => l.qNorm), headNorms.map((l) => l.kNorm));
  assert.throws(() => normCall(headNorms.map((l) => l.qNorm), null), /both qNorms and kNorms, or neither/);
  assert.throws(() => normCall(headNorms.map((l) => l.qNorm), headNorms.map((l, i) => (i === 2 ? null : l.kNorm))), /both qNorm.*\[2\].*or neither/);
  assert.throws(() => normCall(headNorms.map((l) => l.qNorm.subarray(1)), headNorms.map((l) => l.kNorm)), /qNorms\[0\]/);
  assert.throws(() => normCall(headNorms.slice(1).map((l) => l.qNorm), headNorms.slice(1).map((l) => l.kNorm)), /entries, expected 3/);
}
