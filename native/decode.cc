// native/decode.cc — decodeLayer, decodeLayers and decodeLogits run a whole dense (Llama-style) decoder layer, and the final norm + output head, for
// one decode step in one call each: RMSNorm, the packed q/k/v GEMM, ragged attention, o_proj into the residual,
// RMSNorm, the gate/up GEMMs with SwiGLU, down_proj into the residual. Weights come packed by packLinear (see
// packed_gemm.h: a general GEMM would repack them on every call, as costly as the arithmetic at decode batch
// sizes); each GEMM splits the weights' column blocks over the pool, so each core streams its own share of them.
// C = hidden, F = SwiGLU width, V = vocab.
// The ragged attention they call lives in decode_attention.cc.

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
#include "packed_gemm.h"
#include "pool.h"
#include "decode_attention.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define R1_SPIN_PAUSE() _mm_pause()
#else
#define R1_SPIN_PAUSE() ((void)0)
#endif

namespace r1 {

namespace {

// out (B, C) = rmsnorm(x) · w (rows in parallel only when there are many: waking the pool costs more than a decode
// batch's norm).
void rmsnorm_rows(const float* x, const float* w, int64_t B, int64_t C, float eps, float* out, bool serial = false) {
  run_rows(B, std::max<int64_t>(2, (int64_t{1} << 17) / std::max<int64_t>(C, 1)), serial, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      float* o = out + r * C;
      float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
      for (int64_t c = 0; c < C; c++) ss += xr[c] * xr[c];
      const float rs = 1.0f / std::sqrt(ss / static_cast<float>(C) + eps);
#pragma omp simd
      for (int64_t c = 0; c < C; c++) o[c] = xr[c] * rs * w[c];
    }
  });
}

// Runs fn(j0, j1) on ranges of the column blocks [0, blocks(N)) of a packed weight: one range per pool thread, or
// all of them on the calling thread when serial (inside a pool task).
template <class Fn>
void split_blocks(int64_t N, const Fn& fn, bool serial = false) {
  const int64_t nb = packed::blocks(N);
  if (serial) {
    if (nb > 0) fn(0, nb);
    return;
  }
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(pool_threads(), nb));
  parallel_for(parts, 2, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t j0 = nb * t / parts, j1 = nb * (t + 1) / parts;
      if (j1 > j0) fn(j0, j1);
    }
  });
}

// y (B, N) (+)= x (B, K) · Wᵀ with W packed; accumulate adds into y (the residual stream).
void linear_packed(const float* x, int64_t B, int64_t K, const float* Wp, int64_t N, float* y, int64_t ldy, bool accumulate, bool serial = false) {
  split_blocks(N, [&](int64_t j0, int64_t j1) { packed::gemm_blocks(x, B, K, Wp, N, j0, j1, y, ldy, accumulate); }, serial);
}

// Where to cut entries [0, B) into two groups that share no cache row: the cut nearest B / 2 that no row's entries
// straddle, or -1 when none leaves each group at least a quarter of the entries.
int64_t group_split(const int32_t* rows, int64_t B, int64_t R) {
  std::vector<int64_t> first(static_cast<size_t>(R), -1), last(static_cast<size_t>(R), -1);
  for (int64_t b = 0; b < B; b++) {
    if (first[rows[b]] < 0) first[rows[b]] = b;
    last[rows[b]] = b;
  }
  // open[c] > 0 when some row has entries both before and at/after cut c.
  std::vector<int64_t> open(static_cast<size_t>(B + 1), 0);
  for (int64_t r = 0; r < R; r++) {
    if (first[r] >= 0 && last[r] > first[r]) {
      open[first[r] + 1]++;
      open[last[r] + 1]--;
    }
  }
  for (int64_t c = 1; c <= B; c++) open[c] += open[c - 1];
  for (int64_t d = 0; d <= B / 4; d++) {
    for (const int64_t c : {B / 2 - d, B / 2 + d}) {
      if (c >= B / 4 && c <= B - B / 4 && c > 0 && c < B && open[c] == 0) return c;
    }
  }
  return -1;
}

// Checks one layer's norms and packed weights (names suffixed with `at`, e.g. "[2]") for hidden C, SwiGLU width F,
// q/k/v width Wq and attention width HD.
void check_layer_weights(Args& a, int64_t C, int64_t F, int64_t Wq, int64_t HD, const F32& inNorm, const F32& postNorm, const F32& wqkv,
                         const F32& bias, const F32& wo, const F32& wgate, const F32& wup, const F32& wdown, const std::string& at) {
  auto packed_need = [&](const F32& w, int64_t N, int64_t K, const char* what) { a.exact(w, mul(packed::blocks(N) * packed::NB, K), (what + at + " (packed)").c_str()); };
  const std::string plural = at.empty() ? "" : "s";  // decodeLayers takes arrays named inNorms / postNorms
  a.need(inNorm, C, ("inNorm" + plural + at).c_str());
  a.need(postNorm, C, ("postNorm" + plural + at).c_str());
  packed_need(wqkv, Wq, C, "Wqkv");
  if (bias.p) a.need(bias, Wq, ("qkvBias" + at).c_str());
  packed_need(wo, C, HD, "Wo");
  packed_need(wgate, F, C, "Wgate");
  packed_need(wup, F, C, "Wup");
  packed_need(wdown, C, F, "Wdown");
}

// Checks a dense layer's residual stream and scratch buffers for B entries; returns the k and v views of the packed
// [q | k | v] scratch (for check_entries).
std::pair<F32, F32> check_layer_buffers(Args& a, int64_t B, int64_t C, int64_t F, int64_t H, int64_t Hkv, int64_t D, const F32& x, const F32& hn,
                                        const F32& qkv, const F32& att, const F32& gu, const F32& act) {
  const int64_t Wq = (H + 2 * Hkv) * D, HD = H * D;
  a.need(x, mul(B, C), "x");
  a.need(hn, mul(B, C), "hn");
  a.need(qkv, mul(B, Wq), "qkv");
  a.need(att, mul(B, HD), "att");
  a.need(gu, mul(B, 2 * F), "gu");
  a.need(act, mul(B, F), "act");
  F32 kq{qkv.p ? qkv.p + HD : nullptr, qkv.n >= static_cast<size_t>(HD) ? qkv.n - HD : 0};
  F32 vq{qkv.p ? qkv.p + (H + Hkv) * D : nullptr, qkv.n >= static_cast<size_t>((H + Hkv) * D) ? qkv.n - (H + Hkv) * D : 0};
  return {kq, vq};
}

// One layer's weights and caches (qNorm, kNorm: Qwen3's per-head norms, or null).
struct LayerArgs {
  float* x;
  const float *inNorm, *wqkv, *bias, *wo, *postNorm, *wgate, *wup, *wdown;
  KvBuf kc, vc;
  const float *qNorm = nullptr, *kNorm = nullptr;
};

// Checks one layer's optional per-head q/k norms: both or neither, D weights each.
void check_head_norms(Args& a, const F32& qNorm, const F32& kNorm, int64_t D, const std::string& plural, const std::string& at) {
  if ((qNorm.p == nullptr) != (kNorm.p == nullptr)) fail_type(std::string(a.fn()) + ": give both qNorm" + plural + at + " and kNorm" + plural + at + ", or neither");
  if (qNorm.p) {
    a.need(qNorm, D, ("qNorm" + plural + at).c_str());
    a.need(kNorm, D, ("kNorm" + plural + at).c_str());
  }
}

// Column blocks [j0, j1) of the q/k/v projection of entries [0, B): qkv (B, Wq) = hn · Wqkvᵀ (+ bias).
void qkv_blocks(const LayerArgs& L, int64_t B, int64_t C, int64_t Wq, const float* hn, float* qkv, int64_t j0, int64_t j1) {
  if (L.bias) {
    const int64_t n0 = j0 * packed::NB, n1 = std::min(Wq, j1 * packed::NB);
    for (int64_t b = 0; b < B; b++) std::memcpy(qkv + b * Wq + n0, L.bias + n0, sizeof(float) * (n1 - n0));
  }
  packed::gemm_blocks(hn, B, C, L.wqkv, Wq, j0, j1, qkv, Wq, L.bias != nullptr);
}

// A dense layer after its q/k/v projection (qkv holds it): the per-head q/k norms when the layer has them (Qwen3,
// before RoPE), attention, o_proj into the residual, then the MLP block.
void dense_layer_rest(const LayerArgs& L, const DecodeGeom& g, int64_t C, int64_t F, int64_t maxS, const int32_t* rows, const int32_t* pos,
                      const float* cs, const float* sn, float eps, float scale, float* hn, float* qkv, float* att, float* gu, float* act, bool serial) {
  const int64_t B = g.B, H = g.H, Hkv = g.Hkv, D = g.D;
  if (L.qNorm && D > 0) {
    for (int64_t b = 0; b < B; b++) {
      float* q = qkv + b * g.qS;
      rmsnorm_rows(q, L.qNorm, H, D, eps, q, true);
      rmsnorm_rows(q + H * D, L.kNorm, Hkv, D, eps, q + H * D, true);
    }
  }
  if (H > 0 && D > 0) attend_any(g, maxS, qkv, qkv + H * D, qkv + (H + Hkv) * D, L.kc, L.vc, rows, pos, cs, sn, scale, att, serial);
  else std::memset(att, 0, sizeof(float) * B * H * D);
  linear_packed(att, B, H * D, L.wo, C, L.x, C, true, serial);
  // MLP block: each worker computes its blocks of gate and up columns and applies SwiGLU to them.
  rmsnorm_rows(L.x, L.postNorm, B, C, eps, hn, serial);
  split_blocks(F, [&](int64_t j0, int64_t j1) {
    const int64_t f0 = j0 * packed::NB, n = std::min(F, j1 * packed::NB) - f0;
    packed::gemm_blocks(hn, B, C, L.wgate, F, j0, j1, gu, 2 * F, false);
    packed::gemm_blocks(hn, B, C, L.wup, F, j0, j1, gu + F, 2 * F, false);
    for (int64_t b = 0; b < B; b++) {
      const float* gr = gu + b * 2 * F + f0;
      const float* ur = gr + F;
      float* o = act + b * F + f0;
#pragma omp simd
      for (int64_t i = 0; i < n; i++) o[i] = gr[i] * fast_sigmoid(gr[i]) * ur[i];
    }
  }, serial);
  linear_packed(act, B, F, L.wdown, C, L.x, C, true, serial);
}

// One dense layer for entries [0, g.B) (validated arguments; rows/pos and the scratch buffers start at the first
// entry). Parallel: the pool splits each GEMM's column blocks and the attention's entries. Serial: everything on the
// calling thread (a row group inside a pool task).
void dense_layer(const LayerArgs& L, const DecodeGeom& g, int64_t C, int64_t F, int64_t maxS, const int32_t* rows, const int32_t* pos,
                 const float* cs, const float* sn, float eps, float scale, float* hn, float* qkv, float* att, float* gu, float* act, bool serial) {
  rmsnorm_rows(L.x, L.inNorm, g.B, C, eps, hn, serial);
  split_blocks(g.qS, [&](int64_t j0, int64_t j1) { qkv_blocks(L, g.B, C, g.qS, hn, qkv, j0, j1); }, serial);
  dense_layer_rest(L, g, C, F, maxS, rows, pos, cs, sn, eps, scale, hn, qkv, att, gu, act, serial);
}

// Spins until flag is set (the other row group's thread sets it soon), yielding now and then on a busy machine.
void wait_flag(const std::atomic<int>& flag) {
  for (int spins = 0; flag.load(std::memory_order_acquire) == 0; spins++) {
    if (spins < 4000) R1_SPIN_PAUSE();
    else std::this_thread::yield();
  }
}

}  // namespace

// decodeLayer(x, inNorm, Wqkv, qkvBias|null, Wo, postNorm, Wgate, Wup, Wdown, kCache, vCache, rows, pos, cos|null,
//             sin|null, geom [B, C, H, Hkv, D, F, R, L, P], eps, scale, hn, qkv, att, gu, act[, qNorm, kNorm])
// One dense decoder layer for B entries, in place on the residual stream x (B, C):
//   x += o_proj(attn(rope(q), rope(k), v)),  [q | k | v] = rmsnorm(x; inNorm) · Wqkvᵀ (+ bias), Wqkv ((H + 2 Hkv) D, C)
//   x += down(silu(g) · u),                  g, u = rmsnorm(x; postNorm) · Wgateᵀ, · Wupᵀ (F, C); Wdown (C, F)
// All weights packed by packLinear. hn (B, C), qkv (B, (H + 2 Hkv) D), att (B, H D), gu (B, 2F), act (B, F) are scratch.
R1_ENTRY(decode_layer) {
  Args a(env, info, "decodeLayer", 23);
  F32 x = a.f32(0, "x"), inNorm = a.f32(1, "inNorm"), wqkv = a.f32(2, "Wqkv"), bias = a.f32_opt(3, "qkvBias"), wo = a.f32(4, "Wo");
  F32 postNorm = a.f32(5, "postNorm"), wgate = a.f32(6, "Wgate"), wup = a.f32(7, "Wup"), wdown = a.f32(8, "Wdown");
  KvBuf kc = a.kv(9, "kCache"), vc = a.kv(10, "vCache");
  I32 rows = a.i32(11, "rows"), pos = a.i32(12, "pos");
  F32 cs = a.f32_opt(13, "cos"), sn = a.f32_opt(14, "sin");
  I32 gi = a.i32(15, "geom");
  const float eps = static_cast<float>(a.num(16, "eps")), scale = static_cast<float>(a.num(17, "scale"));
  F32 hn = a.f32(18, "hn"), qkv = a.f32(19, "qkv"), att = a.f32(20, "att"), gu = a.f32(21, "gu"), act = a.f32(22, "act");
  if (gi.n != 9) fail_range("decodeLayer: geom must hold 9 integers [B, C, H, Hkv, D, F, R, L, P]");
  for (size_t i = 0; i < 9; i++) if (gi.p[i] < 0) fail_range("decodeLayer: geom has a negative entry");
  const int64_t B = gi.p[0], C = gi.p[1], H = gi.p[2], Hkv = gi.p[3], D = gi.p[4], F = gi.p[5];
  if (!std::isfinite(eps) || eps < 0.0f) fail_range("decodeLayer: eps must be finite and >= 0");
  if (Hkv == 0 || H % Hkv != 0) fail_range("decodeLayer: H=" + std::to_string(H) + " is not a multiple of Hkv=" + std::to_string(Hkv));
  const int64_t Wq = (H + 2 * Hkv) * D;
  const DecodeGeom g{B, H, Hkv, D, gi.p[6], gi.p[7], Wq, Wq, Wq, gi.p[8]};
  F32 qNorm = a.f32_opt(23, "qNorm"), kNorm = a.f32_opt(24, "kNorm");
  check_layer_weights(a, C, F, Wq, H * D, inNorm, postNorm, wqkv, bias, wo, wgate, wup, wdown, "");
  check_head_norms(a, qNorm, kNorm, D, "", "");
  const auto [kq, vq] = check_layer_buffers(a, B, C, F, H, Hkv, D, x, hn, qkv, att, gu, act);
  check_caches(a, g, kc, vc, "kCache", "vCache");
  const int64_t maxS = check_entries(a, g, qkv, kq, vq, rows, pos, cs, sn, scale, "decodeLayer");
  if (B == 0 || C == 0) return undefined(env);
  dense_layer(LayerArgs{x.p, inNorm.p, wqkv.p, bias.p, wo.p, postNorm.p, wgate.p, wup.p, wdown.p, kc, vc, qNorm.p, kNorm.p}, g, C, F, maxS, rows.p, pos.p,
              cs.p, sn.p, eps, scale, hn.p, qkv.p, att.p, gu.p, act.p, false);
  return undefined(env);
}

// decodeLayers(x, inNorms[], Wqkv[], qkvBias[] (entries may be null), Wo[], postNorms[], Wgate[], Wup[], Wdown[],
//              kCaches[], vCaches[], rows, pos, cos|null, sin|null, geom [B, C, H, Hkv, D, F, R, L, P, nLayers], eps, scale,
//              hn, qkv, att, gu, act[, normW, Whead, V, logits][, qNorms[], kNorms[]] (qNorms/kNorms null, or both lists)
// decodeLayer for every layer of the stack in one call, arrays holding one entry per layer; with the optional head
// arguments also decodeLogits afterwards (logits (B, V) = rmsnorm(x; normW) · Wheadᵀ, Whead packed by packLinear), in
// the same call. Batches of 16+ entries are split into two row groups, one per pool thread, each run through all
// layers with single-threaded kernels and no barrier in between. The second group runs one phase (a q/k/v GEMM)
// behind the first, so the two cores' attention phases (bound by reading the cache) do not coincide (about +7%
// averaged over A/B runs when measured): both threads compute the first group's first q/k/v GEMM together, then the
// second starts its own. At the end each group's head rows are claimed in chunks of column blocks by whichever thread
// is free, so the thread that finished its layers first does not wait for the other.
R1_ENTRY(decode_layers) {
  Args a(env, info, "decodeLayers", 23);
  I32 gi = a.i32(15, "geom");
  if (gi.n != 10) fail_range("decodeLayers: geom must hold 10 integers [B, C, H, Hkv, D, F, R, L, P, nLayers]");
  for (size_t i = 0; i < 10; i++) if (gi.p[i] < 0) fail_range("decodeLayers: geom has a negative entry");
  const int64_t B = gi.p[0], C = gi.p[1], H = gi.p[2], Hkv = gi.p[3], D = gi.p[4], F = gi.p[5], NL = gi.p[9];
  F32 x = a.f32(0, "x");
  const auto inNorm = a.f32_list(1, "inNorms", NL), wqkv = a.f32_list(2, "Wqkv", NL), bias = a.f32_list(3, "qkvBias", NL, true);
  const auto wo = a.f32_list(4, "Wo", NL), postNorm = a.f32_list(5, "postNorms", NL), wgate = a.f32_list(6, "Wgate", NL);
  const auto wup = a.f32_list(7, "Wup", NL), wdown = a.f32_list(8, "Wdown", NL);
  const auto kc = a.kv_list(9, "kCaches", NL), vc = a.kv_list(10, "vCaches", NL);
  I32 rows = a.i32(11, "rows"), pos = a.i32(12, "pos");
  F32 cs = a.f32_opt(13, "cos"), sn = a.f32_opt(14, "sin");
  const float eps = static_cast<float>(a.num(16, "eps")), scale = static_cast<float>(a.num(17, "scale"));
  F32 hn = a.f32(18, "hn"), qkv = a.f32(19, "qkv"), att = a.f32(20, "att"), gu = a.f32(21, "gu"), act = a.f32(22, "act");
  // The optional head: all of normW, Whead, V and logits, or none.
  const bool withHead = !a.is_null(23) || !a.is_null(24) || !a.is_null(25) || !a.is_null(26);
  F32 nw, wh, logits;
  int64_t V = 0;
  if (withHead) {
    nw = a.f32(23, "normW");
    wh = a.f32(24, "Whead");
    V = a.size(25, "V");
    logits = a.f32(26, "logits");
    a.need(nw, C, "normW");
    a.exact(wh, mul(packed::blocks(V) * packed::NB, C), "Whead (packed)");
    a.need(logits, mul(B, V), "logits");
  }
  // Qwen3's per-head q/k norms: both lists or neither (entries may be null: layers without them).
  if (a.is_null(27) != a.is_null(28)) fail_type("decodeLayers: give both qNorms and kNorms, or neither");
  const bool headNorms = !a.is_null(27);
  const auto qNorm = headNorms ? a.f32_list(27, "qNorms", NL, true) : std::vector<F32>(NL);
  const auto kNorm = headNorms ? a.f32_list(28, "kNorms", NL, true) : std::vector<F32>(NL);
  if (!std::isfinite(eps) || eps < 0.0f) fail_range("decodeLayers: eps must be finite and >= 0");
  if (Hkv == 0 || H % Hkv != 0) fail_range("decodeLayers: H=" + std::to_string(H) + " is not a multiple of Hkv=" + std::to_string(Hkv));
  const int64_t Wq = (H + 2 * Hkv) * D, HD = H * D;
  const DecodeGeom g{B, H, Hkv, D, gi.p[6], gi.p[7], Wq, Wq, Wq, gi.p[8]};
  const auto [kq, vq] = check_layer_buffers(a, B, C, F, H, Hkv, D, x, hn, qkv, att, gu, act);
  for (int64_t l = 0; l < NL; l++) {
    const std::string at = "[" + std::to_string(l) + "]";
    check_layer_weights(a, C, F, Wq, HD, inNorm[l], postNorm[l], wqkv[l], bias[l], wo[l], wgate[l], wup[l], wdown[l], at);
    check_head_norms(a, qNorm[l], kNorm[l], D, "s", at);
    check_caches(a, g, kc[l], vc[l], "kCaches" + at, "vCaches" + at);
  }
  // The entries (rows, positions, RoPE) are the same for every layer: checked once.
  const int64_t maxS = check_entries(a, g, qkv, kq, vq, rows, pos, cs, sn, scale, "decodeLayers");
  if (B == 0 || C == 0) return undefined(env);
  auto layer = [&](int64_t l, int64_t r0) {
    return LayerArgs{x.p + r0 * C, inNorm[l].p, wqkv[l].p, bias[l].p, wo[l].p, postNorm[l].p, wgate[l].p, wup[l].p, wdown[l].p, kc[l], vc[l], qNorm[l].p, kNorm[l].p};
  };
  // Two row groups run through the layers without barriers, so no cache row may have entries in both (an entry
  // attends to the keys its row's earlier entries append): split at the row boundary nearest the middle.
  const int64_t split = B >= 16 && NL > 0 && pool_threads() >= 2 ? group_split(rows.p, B, g.R) : -1;
  // Small batches: each GEMM is bound by streaming the weights, so both cores share every layer's columns instead
  // (also when no split leaves both groups a fair share of the entries).
  if (split < 0) {
    for (int64_t l = 0; l < NL; l++) {
      dense_layer(layer(l, 0), g, C, F, maxS, rows.p, pos.p, cs.p, sn.p, eps, scale, hn.p, qkv.p, att.p, gu.p, act.p, false);
    }
    if (withHead && V > 0) {
      rmsnorm_rows(x.p, nw.p, B, C, eps, hn.p);
      linear_packed(hn.p, B, C, wh.p, V, logits.p, V, false);
    }
    return undefined(env);
  }
  const int64_t r0s[2] = {0, split}, nrs[2] = {split, B - split};
  const int64_t nbq = packed::blocks(Wq), nbh = packed::blocks(V);
  const int64_t chunk = std::max<int64_t>(1, nbh / 16);  // head column blocks claimed at a time
  std::atomic<int> normed{0}, helped{0};                  // the first group's first rmsnorm; the second thread's share of its q/k/v GEMM
  std::atomic<int> headReady[2] = {{0}, {0}};             // a group's final rmsnorm is in hn
  std::atomic<int64_t> headNext[2] = {{0}, {0}};          // a group's next unclaimed head column block
  auto head_chunks = [&](int64_t t) {
    for (;;) {
      const int64_t j0 = headNext[t].fetch_add(chunk, std::memory_order_relaxed);
      if (j0 >= nbh) return;
      packed::gemm_blocks(hn.p + r0s[t] * C, nrs[t], C, wh.p, V, j0, std::min(nbh, j0 + chunk), logits.p + r0s[t] * V, V, false);
    }
  };
  auto run_group = [&](int64_t t) {
    const int64_t r0 = r0s[t], nr = nrs[t];
    const DecodeGeom gg{nr, H, Hkv, D, g.R, g.L, Wq, Wq, Wq, g.P};
    float *hg = hn.p + r0 * C, *qg = qkv.p + r0 * Wq, *ag = att.p + r0 * HD, *gug = gu.p + r0 * 2 * F, *actg = act.p + r0 * F;
    // Layer 0's q/k/v GEMM of the first group: its thread takes the first half of the column blocks, the second
    // thread the rest before starting its own group.
    const LayerArgs first = layer(0, 0);
    if (t == 0) {
      rmsnorm_rows(first.x, first.inNorm, nrs[0], C, eps, hn.p, true);
      normed.store(1, std::memory_order_release);
      qkv_blocks(first, nrs[0], C, Wq, hn.p, qkv.p, 0, nbq / 2);
      wait_flag(helped);
    } else {
      wait_flag(normed);
      qkv_blocks(first, nrs[0], C, Wq, hn.p, qkv.p, nbq / 2, nbq);
      helped.store(1, std::memory_order_release);
    }
    for (int64_t l = 0; l < NL; l++) {
      const LayerArgs L = layer(l, r0);
      if (t == 0 && l == 0) dense_layer_rest(L, gg, C, F, maxS, rows.p + r0, pos.p + r0, cs.p, sn.p, eps, scale, hg, qg, ag, gug, actg, true);
      else dense_layer(L, gg, C, F, maxS, rows.p + r0, pos.p + r0, cs.p, sn.p, eps, scale, hg, qg, ag, gug, actg, true);
    }
    if (!withHead || V == 0) return;
    rmsnorm_rows(x.p + r0 * C, nw.p, nr, C, eps, hg, true);
    headReady[t].store(1, std::memory_order_release);
    head_chunks(t);
    wait_flag(headReady[1 - t]);
    head_chunks(1 - t);
  };
  parallel_for(2, 2, [&](int64_t t0, int64_t t1) { for (int64_t t = t0; t < t1; t++) run_group(t); });
  return undefined(env);
}

// decodeLogits(x, normW, Whead, geom [B, C, V], eps, hn, logits): logits (B, V) = rmsnorm(x; normW) · Wheadᵀ, Whead (V, C)
// packed by packLinear.
R1_ENTRY(decode_logits) {
  Args a(env, info, "decodeLogits", 7);
  F32 x = a.f32(0, "x"), nw = a.f32(1, "normW"), wh = a.f32(2, "Whead");
  I32 gi = a.i32(3, "geom");
  const float eps = static_cast<float>(a.num(4, "eps"));
  F32 hn = a.f32(5, "hn"), logits = a.f32(6, "logits");
  if (gi.n != 3) fail_range("decodeLogits: geom must hold 3 integers [B, C, V]");
  const int64_t B = gi.p[0], C = gi.p[1], V = gi.p[2];
  if (B < 0 || C < 0 || V < 0) fail_range("decodeLogits: geom has a negative entry");
  if (!std::isfinite(eps) || eps < 0.0f) fail_range("decodeLogits: eps must be finite and >= 0");
  a.need(x, mul(B, C), "x");
  a.need(nw, C, "normW");
  a.exact(wh, mul(packed::blocks(V) * packed::NB, C), "Whead (packed)");
  a.need(hn, mul(B, C), "hn");
  a.need(logits, mul(B, V), "logits");
  if (B == 0 || V == 0) return undefined(env);
  rmsnorm_rows(x.p, nw.p, B, C, eps, hn.p);
  linear_packed(hn.p, B, C, wh.p, V, logits.p, V, false);
  return undefined(env);
}

}  // namespace r1
