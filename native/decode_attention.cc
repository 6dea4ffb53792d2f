// native/decode.cc — ragged decode attention for batched generation: each batch entry b reads its q, k, v rows
// (strided, so one packed [q | k | v] projection needs no split), optionally rotates q and k by RoPE at its own position pos[b] (HF rotate-half pairs (i, i + D/2)), appends
// k and v to its own KV-cache row at pos[b], then its H query heads attend to that row's first pos[b] + 1 keys. One
// call covers a whole decode batch whose rows sit at different lengths (no per-row calls, no padding, no copies of
// the cache, no gathered RoPE tables). Cache layout (R, L, Hkv, D), time-major as in src/model/cache.ts; GQA: head h
// reads kv head h / (H / Hkv). Semantics and the plain-TypeScript oracle: decodeAttention in src/backend/ref/decode.ts.
// B = batch entries, H = query heads, Hkv = kv heads, D = head dim, R = cache rows, L = cache capacity per row,
// P = RoPE table rows (positions).
//
// This file holds the attention kernels and the decodeAttention entry; decode.cc runs whole layers on top of them.

// GCC 12's AVX-512 intrinsics (_mm512_shuffle_f32x4, casts) pass _mm512_undefined_ps() operands on purpose, which
// draws -Wmaybe-uninitialized false positives at every inlining site in this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "f16.h"
#include "fastmath.h"
#include "kernels.h"
#include "napi_util.h"
#include "pool.h"
#include "decode_attention.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// Softmax in place over the first S scores of each of H rows (row stride maxS), normalized up front so the value
// pass is a plain weighted sum.
inline void softmax_heads(float* s, int64_t H, int64_t maxS, int64_t S) {
  for (int64_t h = 0; h < H; h++) {
    float* sh = s + h * maxS;
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < S; j++) m = sh[j] > m ? sh[j] : m;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < S; j++) {
      sh[j] = fast_exp(sh[j] - m);
      sum += sh[j];
    }
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
#pragma omp simd
    for (int64_t j = 0; j < S; j++) sh[j] *= inv;
  }
}

// The attention of entries [0, B) (validated by check_entries and check_caches), in two passes: every entry rotates and appends its new
// keys/values, then every entry streams its row's first S positions once, front to back (each position holds every
// kv head contiguously), for all H heads together. Appending first lets one call carry several consecutive positions
// of a row (a prompt's prefill: each entry sees the keys of the entries before it, causal attention). Decode
// attention is bound by reading the cache, so one sequential pass per row matters more than arithmetic layout.
// Cached rows in their storage type: f32 rows are used in place, f16 rows are widened into a scratch row.
inline const float* load_row(const float* src, int64_t, float*) { return src; }
inline const float* load_row(const uint16_t* src, int64_t n, float* buf) {
  floats_from_halves(src, buf, n);
  return buf;
}
inline void store_row(const float* src, float* dst, int64_t n) { std::memmove(dst, src, sizeof(float) * n); }
inline void store_row(const float* src, uint16_t* dst, int64_t n) { halves_from_floats(src, dst, n); }

#if defined(__AVX512F__)
// Horizontal sum (GCC 12's _mm512_reduce_add_ps draws -Wmaybe-uninitialized from its own header).
inline float hsum16(__m512 a) {
  const __m512 s = _mm512_add_ps(a, _mm512_shuffle_f32x4(a, a, 0x4E));  // fold the 256-bit halves
  const __m256 h = _mm512_castps512_ps256(s);
  __m128 t = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  t = _mm_add_ps(t, _mm_movehl_ps(t, t));
  t = _mm_add_ss(t, _mm_shuffle_ps(t, t, 1));
  return _mm_cvtss_f32(t);
}

inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }

// One entry's attention over its row's first S positions, all H heads, for head dims D = 16·NC: one front-to-back pass
// over the keys and one over the values (each position holds every kv head contiguously, so the cache streams
// sequentially), f16 rows widened in registers. q (H·D floats) is read from L1, s holds H rows of maxS scores,
// acc (H·D floats) accumulates the outputs.
template <int NC, class T>
void attend_one_avx512(const float* Q, const T* K, const T* V, int64_t S, int64_t maxS, int64_t H, int64_t group, int64_t tok, float scale,
                       float* s, float* acc, float* out) {
  constexpr int64_t D = 16 * NC;
  // Software prefetch into L2, kAttendPrefetch positions ahead: a whole position (every kv head) at a time; the key
  // pass's last positions prefetch the first value positions. Each row's keys and values are two short sequential
  // streams (~200 KB at context 137 for the large bench model), and the hardware prefetchers ramp up anew on each.
  // Measured on a 2-core Xeon (AVX-512), one core over 6 layers' f16 caches of 32 rows at context 137 (median of 5):
  // 8.2 ms without prefetches (10 GB/s), 6.6-6.9 ms with them (12-15 GB/s); 2, 3 and 6 positions ahead and one or
  // two lines per head spread over the head loop did no better than 4. Non-temporal prefetches (an earlier version,
  // 8 positions ahead) lost on the AMD machine: 15 vs 21 GB/s there without any.
  constexpr int64_t kAttendPrefetch = 4;
  const int64_t lines = static_cast<int64_t>(tok * sizeof(T) / 64);
  auto prefetch_position = [&](const T* p) {
    const char* c = reinterpret_cast<const char*>(p);
    for (int64_t l = 0; l < lines; l++) _mm_prefetch(c + l * 64, _MM_HINT_T1);
  };
  for (int64_t j = 0; j < S; j++) {
    const T* krow = K + j * tok;
    prefetch_position(j + kAttendPrefetch < S ? krow + kAttendPrefetch * tok : V + std::min(j + kAttendPrefetch - S, S - 1) * tok);
    for (int64_t h = 0; h < H; h++) {
      const T* k = krow + (h / group) * D;
      const float* q = Q + h * D;
      __m512 a = _mm512_mul_ps(_mm512_loadu_ps(q), load16(k));
      for (int c = 1; c < NC; c++) a = _mm512_fmadd_ps(_mm512_loadu_ps(q + c * 16), load16(k + c * 16), a);
      s[h * maxS + j] = hsum16(a) * scale;
    }
  }
  softmax_heads(s, H, maxS, S);
  for (int64_t i = 0; i < H * D; i += 16) _mm512_storeu_ps(acc + i, _mm512_setzero_ps());
  for (int64_t j = 0; j < S; j++) {
    const T* vrow = V + j * tok;
    if (j + kAttendPrefetch < S) prefetch_position(vrow + kAttendPrefetch * tok);
    for (int64_t h = 0; h < H; h++) {
      const T* v = vrow + (h / group) * D;
      const __m512 w = _mm512_set1_ps(s[h * maxS + j]);
      float* o = acc + h * D;
      for (int c = 0; c < NC; c++) _mm512_storeu_ps(o + c * 16, _mm512_fmadd_ps(w, load16(v + c * 16), _mm512_loadu_ps(o + c * 16)));
    }
  }
  std::memcpy(out, acc, sizeof(float) * H * D);
}

// Dispatches the register-resident path for D in {16, 32, 64, 128}; false when D is another size.
template <class T>
bool attend_one_fast(const float* Q, const T* K, const T* V, int64_t S, int64_t maxS, int64_t H, int64_t group, int64_t D, int64_t tok, float scale,
                     float* s, float* acc, float* out) {
  switch (D) {
    case 16: attend_one_avx512<1>(Q, K, V, S, maxS, H, group, tok, scale, s, acc, out); return true;
    case 32: attend_one_avx512<2>(Q, K, V, S, maxS, H, group, tok, scale, s, acc, out); return true;
    case 64: attend_one_avx512<4>(Q, K, V, S, maxS, H, group, tok, scale, s, acc, out); return true;
    case 128: attend_one_avx512<8>(Q, K, V, S, maxS, H, group, tok, scale, s, acc, out); return true;
    default: return false;
  }
}
#else
template <class T>
bool attend_one_fast(const float*, const T*, const T*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, float, float*, float*, float*) { return false; }
#endif

template <class T>
void attend_entries(const DecodeGeom& g, int64_t maxS, const float* qa, const float* ka, const float* va, T* kc, T* vc,
                    const int32_t* rows, const int32_t* pos, const float* cs, const float* sn, float scale, float* out, bool serial = false) {
  const int64_t H = g.H, D = g.D, L = g.L;
  const int64_t group = H / g.Hkv;
  const int64_t tok = g.Hkv * D;  // values per cached position (all kv heads): time-major rows (L, Hkv, D)
  const int64_t half = D / 2;
  // The appends are a few row copies per entry: worth the pool only for a prompt chunk's hundreds of entries.
  run_rows(g.B, 256, serial, [&](int64_t b0, int64_t b1) {
    std::vector<float> row(static_cast<size_t>(tok));  // a rotated new key
    for (int64_t b = b0; b < b1; b++) {
      const int64_t r = rows[b], p = pos[b];
      T* K = kc + r * L * tok;
      T* V = vc + r * L * tok;
      const float* kn = ka + b * g.kS;
      if (cs) {
        for (int64_t kh = 0; kh < g.Hkv; kh++) rope_half(kn + kh * D, cs + p * half, sn + p * half, half, row.data() + kh * D);
        store_row(row.data(), K + p * tok, tok);
      } else {
        store_row(kn, K + p * tok, tok);
      }
      store_row(va + b * g.vS, V + p * tok, tok);
    }
  });
  run_rows(g.B, 2, serial, [&](int64_t b0, int64_t b1) {
    std::vector<float> sc(static_cast<size_t>(H * maxS));
    std::vector<float> acc(static_cast<size_t>(H * D));
    std::vector<float> qrot(static_cast<size_t>(H * D));
    std::vector<float> row(static_cast<size_t>(tok));  // a widened f16 cache row
    for (int64_t b = b0; b < b1; b++) {
      const int64_t r = rows[b], p = pos[b], S = p + 1;
      const T* K = kc + r * L * tok;
      const T* V = vc + r * L * tok;
      const float* Q = qa + b * g.qS;
      if (cs) {
        for (int64_t h = 0; h < H; h++) rope_half(Q + h * D, cs + p * half, sn + p * half, half, qrot.data() + h * D);
        Q = qrot.data();
      }
      if (attend_one_fast(Q, K, V, S, maxS, H, group, D, tok, scale, sc.data(), acc.data(), out + b * H * D)) continue;
      // Scores s[h][j] = scale · q_h · k_{j, kv(h)}.
      for (int64_t j = 0; j < S; j++) {
        const float* krow = load_row(K + j * tok, tok, row.data());
        for (int64_t h = 0; h < H; h++) {
          const float* qh = Q + h * D;
          const float* k = krow + (h / group) * D;
          float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
          for (int64_t d = 0; d < D; d++) dot += qh[d] * k[d];
          sc[h * maxS + j] = dot * scale;
        }
      }
      softmax_heads(sc.data(), H, maxS, S);
      // out_h = Σ_j p_h[j] v_{j, kv(h)}, one pass over the value rows.
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = 0; j < S; j++) {
        const float* vrow = load_row(V + j * tok, tok, row.data());
        for (int64_t h = 0; h < H; h++) {
          const float w = sc[h * maxS + j];
          const float* v = vrow + (h / group) * D;
          float* o = acc.data() + h * D;
#pragma omp simd
          for (int64_t d = 0; d < D; d++) o[d] += w * v[d];
        }
      }
      std::memcpy(out + b * H * D, acc.data(), sizeof(float) * H * D);
    }
  });
}

}  // namespace

// Checks one layer's caches against the geometry: sizes, and the same storage for keys and values.
void check_caches(Args& a, const DecodeGeom& g, const KvBuf& kc, const KvBuf& vc, const std::string& kWhat, const std::string& vWhat) {
  if (kc.half != vc.half) fail_type(a.where(kWhat) + " and " + vWhat + " must have the same storage (both Float32Array or both Uint16Array)");
  a.need(kc, mul(mul(mul(g.R, g.Hkv), g.L), g.D), kWhat.c_str());
  a.need(vc, mul(mul(mul(g.R, g.Hkv), g.L), g.D), vWhat.c_str());
}

// Checks the geometry against the entries' buffers (sizes, strides, RoPE table, distinct (row, position) pairs);
// returns the longest attended length max(pos) + 1. The caches are checked by check_caches.
int64_t check_entries(Args& a, const DecodeGeom& g, const F32& q, const F32& k, const F32& v, const I32& rows, const I32& pos, const F32& cs,
                      const F32& sn, float scale, const char* fn) {
  const std::string f = fn;
  if (g.Hkv == 0 || g.H % g.Hkv != 0) fail_range(f + ": H=" + std::to_string(g.H) + " is not a multiple of Hkv=" + std::to_string(g.Hkv));
  if (!std::isfinite(scale)) fail_range(f + ": scale must be finite");
  if (g.qS < g.H * g.D) fail_range(f + ": q row stride " + std::to_string(g.qS) + " < H·D = " + std::to_string(g.H * g.D));
  if (g.kS < g.Hkv * g.D) fail_range(f + ": k row stride " + std::to_string(g.kS) + " < Hkv·D = " + std::to_string(g.Hkv * g.D));
  if (g.vS < g.Hkv * g.D) fail_range(f + ": v row stride " + std::to_string(g.vS) + " < Hkv·D = " + std::to_string(g.Hkv * g.D));
  const bool rope = cs.p != nullptr || sn.p != nullptr;
  if (rope) {
    if (!cs.p || !sn.p) fail_type(f + ": give both cos and sin, or neither");
    if (g.D % 2 != 0) fail_range(f + ": RoPE needs an even head dim, got " + std::to_string(g.D));
    a.need(cs, mul(g.P, g.D / 2), "cos");
    a.need(sn, mul(g.P, g.D / 2), "sin");
  }
  if (g.B > 0) {
    a.need(q, mul(g.B - 1, g.qS) + g.H * g.D, "q");
    a.need(k, mul(g.B - 1, g.kS) + g.Hkv * g.D, "k");
    a.need(v, mul(g.B - 1, g.vS) + g.Hkv * g.D, "v");
  }
  a.need(rows, g.B, "rows");
  a.need(pos, g.B, "pos");
  // A row may take several entries (a prompt prefilled in one call), but each (row, position) once: two entries
  // writing one cache slot would race.
  std::vector<int64_t> slots(static_cast<size_t>(g.B));
  int64_t maxS = 0;
  for (int64_t b = 0; b < g.B; b++) {
    const int64_t r = rows.p[b], p = pos.p[b];
    if (r < 0 || r >= g.R) fail_range(f + ": rows[" + std::to_string(b) + "] = " + std::to_string(r) + " outside [0, " + std::to_string(g.R) + ")");
    if (p < 0 || p >= g.L) fail_range(f + ": pos[" + std::to_string(b) + "] = " + std::to_string(p) + " outside [0, " + std::to_string(g.L) + ")");
    if (rope && p >= g.P) fail_range(f + ": pos[" + std::to_string(b) + "] = " + std::to_string(p) + " outside the RoPE table (" + std::to_string(g.P) + " positions)");
    slots[b] = r * g.L + p;
    maxS = std::max(maxS, p + 1);
  }
  std::sort(slots.begin(), slots.end());
  for (size_t i = 1; i < slots.size(); i++) {
    if (slots[i] == slots[i - 1]) {
      fail_range(f + ": cache row " + std::to_string(slots[i] / g.L) + " position " + std::to_string(slots[i] % g.L) + " appears twice in rows/pos");
    }
  }
  return maxS;
}

// attend_entries on a cache of either storage.
void attend_any(const DecodeGeom& g, int64_t maxS, const float* qa, const float* ka, const float* va, const KvBuf& kc, const KvBuf& vc,
                const int32_t* rows, const int32_t* pos, const float* cs, const float* sn, float scale, float* out, bool serial) {
  if (kc.half) attend_entries(g, maxS, qa, ka, va, static_cast<uint16_t*>(kc.p), static_cast<uint16_t*>(vc.p), rows, pos, cs, sn, scale, out, serial);
  else attend_entries(g, maxS, qa, ka, va, static_cast<float*>(kc.p), static_cast<float*>(vc.p), rows, pos, cs, sn, scale, out, serial);
}

// decodeAttention(q, k, v, kCache, vCache, rows, pos, cos|null, sin|null, geom [B, H, Hkv, D, R, L, qS, kS, vS, P], scale, out)
R1_ENTRY(decode_attention) {
  Args a(env, info, "decodeAttention", 12);
  F32 qa = a.f32(0, "q"), ka = a.f32(1, "k"), va = a.f32(2, "v");
  KvBuf kc = a.kv(3, "kCache"), vc = a.kv(4, "vCache");
  I32 rows = a.i32(5, "rows"), pos = a.i32(6, "pos");
  F32 cs = a.f32_opt(7, "cos"), sn = a.f32_opt(8, "sin");
  I32 gi = a.i32(9, "geom");
  const float scale = static_cast<float>(a.num(10, "scale"));
  F32 out = a.f32(11, "out");
  if (gi.n != 10) fail_range("decodeAttention: geom must hold 10 integers [B, H, Hkv, D, R, L, qStride, kStride, vStride, P]");
  for (size_t i = 0; i < 10; i++) if (gi.p[i] < 0) fail_range("decodeAttention: geom has a negative entry");
  const DecodeGeom g{gi.p[0], gi.p[1], gi.p[2], gi.p[3], gi.p[4], gi.p[5], gi.p[6], gi.p[7], gi.p[8], gi.p[9]};
  check_caches(a, g, kc, vc, "kCache", "vCache");
  const int64_t maxS = check_entries(a, g, qa, ka, va, rows, pos, cs, sn, scale, "decodeAttention");
  a.need(out, mul(mul(g.B, g.H), g.D), "out");
  if (g.B == 0 || g.H == 0 || g.D == 0) return undefined(env);
  attend_any(g, maxS, qa.p, ka.p, va.p, kc, vc, rows.p, pos.p, cs.p, sn.p, scale, out.p);
  return undefined(env);
}

}  // namespace r1
