// native/decode.cc — ragged decode attention for batched generation: each batch entry b reads its q, k, v rows
// (strided, so one packed [q | k | v] projection needs no split), optionally rotates q and k by RoPE at its own position pos[b] (HF rotate-half pairs (i, i + D/2)), appends
// k and v to its own KV-cache row at pos[b], then its H query heads attend to that row's first pos[b] + 1 keys. One
// call covers a whole decode batch whose rows sit at different lengths (no per-row calls, no padding, no copies of
// the cache, no gathered RoPE tables). Cache layout (R, L, Hkv, D), time-major as in src/model/cache.ts; GQA: head h
// reads kv head h / (H / Hkv). Semantics and the plain-TypeScript oracle: decodeAttention in src/backend/ref/decode.ts.
// B = batch entries, H = query heads, Hkv = kv heads, D = head dim, R = cache rows, L = cache capacity per row,
// P = RoPE table rows (positions).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "fastmath.h"
#include "kernels.h"
#include "napi_util.h"
#include "pool.h"

namespace r1 {

namespace {

// Rotate-half RoPE of one head vector: out[i] = x[i] c[i] - x[i + D/2] s[i], out[i + D/2] = x[i] s[i] + x[i + D/2] c[i].
inline void rope_half(const float* x, const float* c, const float* s, int64_t half, float* out) {
#pragma omp simd
  for (int64_t i = 0; i < half; i++) {
    const float x0 = x[i], x1 = x[i + half];
    out[i] = x0 * c[i] - x1 * s[i];
    out[i + half] = x0 * s[i] + x1 * c[i];
  }
}

}  // namespace

// decodeAttention(q, k, v, kCache, vCache, rows, pos, cos|null, sin|null, geom [B, H, Hkv, D, R, L, qS, kS, vS, P], scale, out)
R1_ENTRY(decode_attention) {
  Args a(env, info, "decodeAttention", 12);
  F32 qa = a.f32(0, "q"), ka = a.f32(1, "k"), va = a.f32(2, "v"), kc = a.f32(3, "kCache"), vc = a.f32(4, "vCache");
  I32 rows = a.i32(5, "rows"), pos = a.i32(6, "pos");
  F32 cs = a.f32_opt(7, "cos"), sn = a.f32_opt(8, "sin");
  I32 g = a.i32(9, "geom");
  const float scale = static_cast<float>(a.num(10, "scale"));
  F32 out = a.f32(11, "out");
  if (g.n != 10) fail_range("decodeAttention: geom must hold 10 integers [B, H, Hkv, D, R, L, qStride, kStride, vStride, P]");
  for (size_t i = 0; i < 10; i++) if (g.p[i] < 0) fail_range("decodeAttention: geom has a negative entry");
  const int64_t B = g.p[0], H = g.p[1], Hkv = g.p[2], D = g.p[3], R = g.p[4], L = g.p[5];
  const int64_t qS = g.p[6], kS = g.p[7], vS = g.p[8], P = g.p[9];
  if (Hkv == 0 || H % Hkv != 0) fail_range("decodeAttention: H=" + std::to_string(H) + " is not a multiple of Hkv=" + std::to_string(Hkv));
  if (!std::isfinite(scale)) fail_range("decodeAttention: scale must be finite");
  if (qS < H * D) fail_range("decodeAttention: q row stride " + std::to_string(qS) + " < H·D = " + std::to_string(H * D));
  if (kS < Hkv * D) fail_range("decodeAttention: k row stride " + std::to_string(kS) + " < Hkv·D = " + std::to_string(Hkv * D));
  if (vS < Hkv * D) fail_range("decodeAttention: v row stride " + std::to_string(vS) + " < Hkv·D = " + std::to_string(Hkv * D));
  const bool rope = cs.p != nullptr || sn.p != nullptr;
  if (rope) {
    if (!cs.p || !sn.p) fail_type("decodeAttention: give both cos and sin, or neither");
    if (D % 2 != 0) fail_range("decodeAttention: RoPE needs an even head dim, got " + std::to_string(D));
    a.need(cs, mul(P, D / 2), "cos");
    a.need(sn, mul(P, D / 2), "sin");
  }
  if (B > 0) {
    a.need(qa, mul(B - 1, qS) + H * D, "q");
    a.need(ka, mul(B - 1, kS) + Hkv * D, "k");
    a.need(va, mul(B - 1, vS) + Hkv * D, "v");
  }
  a.need(out, mul(mul(B, H), D), "out");
  a.need(kc, mul(mul(mul(R, Hkv), L), D), "kCache");
  a.need(vc, mul(mul(mul(R, Hkv), L), D), "vCache");
  a.need(rows, B, "rows");
  a.need(pos, B, "pos");
  // Rows must be distinct: two entries writing one row would race (and make no sense for generation).
  std::vector<char> seen(static_cast<size_t>(R), 0);
  int64_t maxS = 0;
  for (int64_t b = 0; b < B; b++) {
    const int64_t r = rows.p[b], p = pos.p[b];
    if (r < 0 || r >= R) fail_range("decodeAttention: rows[" + std::to_string(b) + "] = " + std::to_string(r) + " outside [0, " + std::to_string(R) + ")");
    if (seen[r]) fail_range("decodeAttention: cache row " + std::to_string(r) + " appears twice in rows");
    seen[r] = 1;
    if (p < 0 || p >= L) fail_range("decodeAttention: pos[" + std::to_string(b) + "] = " + std::to_string(p) + " outside [0, " + std::to_string(L) + ")");
    if (rope && p >= P) fail_range("decodeAttention: pos[" + std::to_string(b) + "] = " + std::to_string(p) + " outside the RoPE table (" + std::to_string(P) + " positions)");
    maxS = std::max(maxS, p + 1);
  }
  if (B == 0 || H == 0 || D == 0) return undefined(env);
  const int64_t group = H / Hkv;
  const int64_t tok = Hkv * D;  // floats per cached position (all kv heads): time-major rows (L, Hkv, D)
  // One task per batch entry: it rotates and appends the entry's new keys/values, then streams its row's first S positions once,
  // front to back (each position holds every kv head contiguously), for all H heads together. Decode attention is
  // bound by reading the cache, so one sequential pass per row matters more than arithmetic layout.
  parallel_for(B, 2, [&](int64_t b0, int64_t b1) {
    std::vector<float> sc(static_cast<size_t>(H * maxS));
    std::vector<float> acc(static_cast<size_t>(H * D));
    std::vector<float> qrot(static_cast<size_t>(H * D));
    const int64_t half = D / 2;
    for (int64_t b = b0; b < b1; b++) {
      const int64_t r = rows.p[b], p = pos.p[b], S = p + 1;
      float* K = kc.p + r * L * tok;
      float* V = vc.p + r * L * tok;
      const float* Q = qa.p + b * qS;
      const float* kn = ka.p + b * kS;
      if (rope) {
        const float* c = cs.p + p * half;
        const float* s = sn.p + p * half;
        for (int64_t h = 0; h < H; h++) rope_half(Q + h * D, c, s, half, qrot.data() + h * D);
        for (int64_t kh = 0; kh < Hkv; kh++) rope_half(kn + kh * D, c, s, half, K + p * tok + kh * D);
        Q = qrot.data();
      } else {
        std::memmove(K + p * tok, kn, sizeof(float) * tok);
      }
      std::memmove(V + p * tok, va.p + b * vS, sizeof(float) * tok);
      // Scores s[h][j] = scale · q_h · k_{j, kv(h)}.
      for (int64_t j = 0; j < S; j++) {
        const float* krow = K + j * tok;
        for (int64_t h = 0; h < H; h++) {
          const float* qh = Q + h * D;
          const float* k = krow + (h / group) * D;
          float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
          for (int64_t d = 0; d < D; d++) dot += qh[d] * k[d];
          sc[h * maxS + j] = dot * scale;
        }
      }
      // Softmax per head (weights normalized up front so the value pass is a plain weighted sum).
      for (int64_t h = 0; h < H; h++) {
        float* s = sc.data() + h * maxS;
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < S; j++) m = s[j] > m ? s[j] : m;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < S; j++) {
          s[j] = fast_exp(s[j] - m);
          sum += s[j];
        }
        const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
#pragma omp simd
        for (int64_t j = 0; j < S; j++) s[j] *= inv;
      }
      // out_h = Σ_j p_h[j] v_{j, kv(h)}, one pass over the value rows.
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = 0; j < S; j++) {
        const float* vrow = V + j * tok;
        for (int64_t h = 0; h < H; h++) {
          const float w = sc[h * maxS + j];
          const float* v = vrow + (h / group) * D;
          float* o = acc.data() + h * D;
#pragma omp simd
          for (int64_t d = 0; d < D; d++) o[d] += w * v[d];
        }
      }
      std::memcpy(out.p + b * H * D, acc.data(), sizeof(float) * H * D);
    }
  });
  return undefined(env);
}

}  // namespace r1
