// native/decode.cc — ragged decode attention for batched generation: each batch entry b appends its one new key and
// value to its own KV-cache row at its own position pos[b], then its H query heads attend to that row's first
// pos[b] + 1 keys. One call covers a whole decode batch whose rows sit at different lengths (no per-row calls, no
// padding, no copies of the cache). Cache layout (R, L, Hkv, D), time-major as in src/model/cache.ts; GQA: head h reads kv head
// h / (H / Hkv). Semantics and the plain-TypeScript oracle: decodeAttention in src/backend/ref/decode.ts.
// B = batch entries, H = query heads, Hkv = kv heads, D = head dim, R = cache rows, L = cache capacity per row.

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

// decodeAttention(q, kNew, vNew, kCache, vCache, rows, pos, geom [B, H, Hkv, D, R, L], scale, out)
R1_ENTRY(decode_attention) {
  Args a(env, info, "decodeAttention", 10);
  F32 q = a.f32(0, "q"), kn = a.f32(1, "kNew"), vn = a.f32(2, "vNew"), kc = a.f32(3, "kCache"), vc = a.f32(4, "vCache");
  I32 rows = a.i32(5, "rows"), pos = a.i32(6, "pos"), g = a.i32(7, "geom");
  const float scale = static_cast<float>(a.num(8, "scale"));
  F32 out = a.f32(9, "out");
  if (g.n != 6) fail_range("decodeAttention: geom must hold 6 integers [B, H, Hkv, D, R, L]");
  for (size_t i = 0; i < 6; i++) if (g.p[i] < 0) fail_range("decodeAttention: geom has a negative entry");
  const int64_t B = g.p[0], H = g.p[1], Hkv = g.p[2], D = g.p[3], R = g.p[4], L = g.p[5];
  if (Hkv == 0 || H % Hkv != 0) fail_range("decodeAttention: H=" + std::to_string(H) + " is not a multiple of Hkv=" + std::to_string(Hkv));
  if (!std::isfinite(scale)) fail_range("decodeAttention: scale must be finite");
  a.need(q, mul(mul(B, H), D), "q");
  a.need(out, mul(mul(B, H), D), "out");
  a.need(kn, mul(mul(B, Hkv), D), "kNew");
  a.need(vn, mul(mul(B, Hkv), D), "vNew");
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
    maxS = std::max(maxS, p + 1);
  }
  if (B == 0 || H == 0 || D == 0) return undefined(env);
  const int64_t group = H / Hkv;
  const int64_t tok = Hkv * D;  // floats per cached position (all kv heads): time-major rows (L, Hkv, D)
  // One task per batch entry: it appends the entry's new keys/values, then streams its row's first S positions once,
  // front to back (each position holds every kv head contiguously), for all H heads together. Decode attention is
  // bound by reading the cache, so one sequential pass per row matters more than arithmetic layout.
  parallel_for(B, 2, [&](int64_t b0, int64_t b1) {
    std::vector<float> sc(static_cast<size_t>(H * maxS));
    std::vector<float> acc(static_cast<size_t>(H * D));
    for (int64_t b = b0; b < b1; b++) {
      const int64_t r = rows.p[b], p = pos.p[b], S = p + 1;
      float* K = kc.p + r * L * tok;
      float* V = vc.p + r * L * tok;
      std::memcpy(K + p * tok, kn.p + b * tok, sizeof(float) * tok);
      std::memcpy(V + p * tok, vn.p + b * tok, sizeof(float) * tok);
      const float* Q = q.p + b * H * D;
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
