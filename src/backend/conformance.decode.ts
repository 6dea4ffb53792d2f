// src/backend/conformance.decode.ts — conformance of Backend.decodeAttention (a kernel with no tensor op, so it is
// checked kernel-to-kernel): ragged rows against the reference backend, against the general attention kernel on
// the same cache prefix, and rejection of bad arguments.

import assert from 'node:assert/strict';
import type { Backend } from './types.js';
import { AttentionGeometry as G } from './types.js';
import { Rng } from '../util/rng.js';

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Runs the decodeAttention checks for `candidate` (throws an assertion error on a mismatch). */
export function checkDecodeAttention(candidate: Backend, ref: Backend): void {
  const rng = new Rng(4242);
  const B = 3, H = 4, Hkv = 2, D = 8, R = 5, L = 12;
  const rows = Int32Array.from([4, 0, 2]);
  const pos = Int32Array.from([0, 7, 11]); // a fresh row, a middle one and a full one
  const q = randn(rng, B * H * D), kn = randn(rng, B * Hkv * D), vn = randn(rng, B * Hkv * D);
  const k0 = randn(rng, R * Hkv * L * D), v0 = randn(rng, R * Hkv * L * D);
  const geom = Int32Array.from([B, H, Hkv, D, R, L]);
  const scale = 1 / Math.sqrt(D);
  const run = (be: Backend): { out: Float32Array; k: Float32Array; v: Float32Array } => {
    const k = Float32Array.from(k0), v = Float32Array.from(v0), out = new Float32Array(B * H * D).fill(NaN);
    be.decodeAttention(q, kn, vn, k, v, rows, pos, geom, scale, out);
    return { out, k, v };
  };
  const want = run(ref);
  const got = run(candidate);
  assert.deepEqual(got.k, want.k, 'decodeAttention: appended keys differ');
  assert.deepEqual(got.v, want.v, 'decodeAttention: appended values differ');
  for (let i = 0; i < want.out.length; i++) {
    assert.ok(Math.abs(got.out[i]! - want.out[i]!) <= 1e-5 + 1e-4 * Math.abs(want.out[i]!), `decodeAttention out[${i}]: ${got.out[i]} vs ${want.out[i]}`);
  }
  // Entry b equals the general attention kernel of one query over that row's first pos[b] + 1 cached keys.
  for (let b = 0; b < B; b++) {
    const S = pos[b]! + 1, r = rows[b]!;
    const g = new Int32Array(G.length);
    g[G.B] = 1; g[G.H] = H; g[G.Hkv] = Hkv; g[G.Tq] = 1; g[G.Tk] = S; g[G.Dk] = D; g[G.Dv] = D;
    g[G.qB] = H * D; g[G.qH] = D; g[G.qT] = D;
    g[G.kB] = Hkv * L * D; g[G.kH] = D; g[G.kT] = Hkv * D; // time-major cache row (L, Hkv, D)
    g[G.vB] = Hkv * L * D; g[G.vH] = D; g[G.vT] = Hkv * D;
    g[G.oB] = H * D; g[G.oH] = D; g[G.oT] = D;
    const o = new Float32Array(H * D);
    const kRow = got.k.subarray(r * Hkv * L * D, (r + 1) * Hkv * L * D);
    const vRow = got.v.subarray(r * Hkv * L * D, (r + 1) * Hkv * L * D);
    ref.attention(q.subarray(b * H * D, (b + 1) * H * D), kRow, vRow, g, scale, true, o, null);
    for (let i = 0; i < H * D; i++) assert.ok(Math.abs(got.out[b * H * D + i]! - o[i]!) <= 1e-4, `decodeAttention vs attention, entry ${b}`);
  }
  // Bad calls throw instead of writing out of bounds.
  const k = Float32Array.from(k0), v = Float32Array.from(v0), out = new Float32Array(B * H * D);
  assert.throws(() => candidate.decodeAttention(q, kn, vn, k, v, Int32Array.from([4, 4, 2]), pos, geom, scale, out), /appears twice/);
  assert.throws(() => candidate.decodeAttention(q, kn, vn, k, v, Int32Array.from([4, 0, 5]), pos, geom, scale, out), /outside/);
  assert.throws(() => candidate.decodeAttention(q, kn, vn, k, v, rows, Int32Array.from([0, 7, 12]), geom, scale, out), /outside/);
  assert.throws(() => candidate.decodeAttention(q, kn, vn, k.subarray(1), v, rows, pos, geom, scale, out), /kCache/);
  assert.throws(() => candidate.decodeAttention(q, kn, vn, k, v, rows, pos, Int32Array.from([B, 3, 2, D, R, L]), scale, out), /multiple/);
  assert.throws(() => candidate.decodeAttention(q.subarray(1), kn, vn, k, v, rows, pos, geom, scale, out), /q/);
}
