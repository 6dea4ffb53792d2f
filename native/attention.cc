// native/attention.cc — fused scaled-dot-product attention (forward and backward) with GQA, a causal mask that
// admits a KV-cache prefix, and strided operands (views into a packed QKV projection need no copies). Work is split
// over (batch, head) pairs on the thread pool; inside each pair the products run through small_gemm.h's register
// tiles on that thread, reading Q and dO in place; K (and V in the backward) is transposed once per head so that a
// tile of scores vectorizes over keys. Geometry: see AttentionGeometry in src/backend/types.ts.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "fastmath.h"
#include "kernels.h"
#include "napi_util.h"
#include "pool.h"
#include "small_gemm.h"

namespace r1 {
namespace {

// Geometry: sizes then (batch, head, time) element strides of q, k, v, out (feature axis contiguous).
struct Geom {
  int64_t B, H, Hkv, Tq, Tk, Dk, Dv;
  int64_t qB, qH, qT, kB, kH, kT, vB, vH, vT, oB, oH, oT;
};

void check_operand(Args& a, const F32& buf, const char* what, int64_t B, int64_t heads, int64_t T, int64_t D, int64_t sB, int64_t sH, int64_t sT) {
  if (sT < D) fail_range(a.where(what) + ": time stride " + std::to_string(sT) + " < feature size " + std::to_string(D));
  if (B == 0 || heads == 0 || T == 0 || D == 0) return;
  a.need(buf, mul(B - 1, sB) + mul(heads - 1, sH) + mul(T - 1, sT) + D, what);
}

Geom read_geom(Args& a, size_t at, const F32& q, const F32& k, const F32& v, const F32& o, const char* oname) {
  I32 g = a.i32(at, "geom");
  if (g.n != 19) fail_range(a.where("geom") + " must hold 19 integers");
  for (size_t i = 0; i < 19; i++) {
    if (g.p[i] < 0) fail_range(a.where("geom") + " has a negative entry");
  }
  Geom d{g.p[0], g.p[1], g.p[2], g.p[3], g.p[4], g.p[5], g.p[6], g.p[7], g.p[8], g.p[9], g.p[10], g.p[11], g.p[12], g.p[13], g.p[14], g.p[15], g.p[16], g.p[17], g.p[18]};
  if (d.Hkv == 0 || d.H % d.Hkv != 0) fail_range(a.where("heads") + ": H=" + std::to_string(d.H) + " is not a multiple of Hkv=" + std::to_string(d.Hkv));
  check_operand(a, q, "q", d.B, d.H, d.Tq, d.Dk, d.qB, d.qH, d.qT);
  check_operand(a, k, "k", d.B, d.Hkv, d.Tk, d.Dk, d.kB, d.kH, d.kT);
  check_operand(a, v, "v", d.B, d.Hkv, d.Tk, d.Dv, d.vB, d.vH, d.vT);
  check_operand(a, o, oname, d.B, d.H, d.Tq, d.Dv, d.oB, d.oH, d.oT);
  return d;
}

// Query rows are processed in blocks; under a causal mask a block only multiplies the keys it can see, which
// skips most of the masked upper triangle of QKᵀ, PV and their backward products.
constexpr int64_t kRowBlock = 32;
// The forward's row blocks are one register tile high: each computes only the scores its rows can see.
constexpr int64_t kFwdRows = small::MR;

using small::vi;

// s[j] ← exp(scale · s[j] − max) for j < vis and 0 for vis ≤ j < n (n a multiple of VW); returns the sum.
float softmax_masked(float* s, int64_t n, int64_t vis, float scale) {
  using small::vf;
  constexpr int W = small::VW;
  const float ninf = -std::numeric_limits<float>::infinity();
  vi lane;
  for (int t = 0; t < W; t++) lane[t] = t;
  vf mv = vf{} + ninf;
  for (int64_t j0 = 0; j0 < n; j0 += W) {
    const vf x = *reinterpret_cast<const vf*>(s + j0) * scale;
    const vi in = lane + static_cast<int32_t>(j0) < static_cast<int32_t>(vis);
    const vf xm = in ? x : vf{} + ninf;
    mv = xm > mv ? xm : mv;
  }
  float m = ninf;
  for (int t = 0; t < W; t++) m = std::max(m, mv[t]);
  vf sv = vf{};
  for (int64_t j0 = 0; j0 < n; j0 += W) {
    vf* p = reinterpret_cast<vf*>(s + j0);
    const vi in = lane + static_cast<int32_t>(j0) < static_cast<int32_t>(vis);
    const vf e = in ? fast_exp_v<vf, vi>(*p * scale - m) : vf{};
    *p = e;
    sv += e;
  }
  float sum = 0.0f;
  for (int t = 0; t < W; t++) sum += sv[t];
  return sum;
}


inline int64_t visible_keys(const Geom& d, bool causal, int64_t last_row) {
  return causal ? std::min(d.Tk, last_row + (d.Tk - d.Tq) + 1) : d.Tk;
}

}  // namespace

// attention(q, k, v, geom, scale, causal, out, probs|null)
R1_ENTRY(attention) {
  Args a(env, info, "attention", 8);
  F32 q = a.f32(0, "q"), k = a.f32(1, "k"), v = a.f32(2, "v");
  const float scale = static_cast<float>(a.num(4, "scale"));
  const bool causal = a.flag(5, "causal");
  F32 out = a.f32(6, "out"), probs = a.f32_opt(7, "probs");
  const Geom d = read_geom(a, 3, q, k, v, out, "out");
  if (causal && d.Tk < d.Tq) fail_range("attention: causal needs Tk >= Tq");
  if (probs.p) a.need(probs, mul(mul(mul(d.B, d.H), d.Tq), d.Tk), "probs");
  const int64_t group = d.H / d.Hkv;
  const int64_t Tkp = small::round_up(d.Tk);
  parallel_for(d.B * d.H, 2, [&](int64_t p0, int64_t p1) {
    // Per thread: Kᵀ of the current head (Dk, Tkp), zero past Tk; V of the current head, contiguous (rows 3·C apart
    // in a packed projection fall on a few L1 sets); the scores of one row block (rows, Tkp); and its weights when
    // the caller keeps no probs.
    std::vector<float> kt(static_cast<size_t>(d.Dk * Tkp)), scores(static_cast<size_t>(kFwdRows * Tkp)), vc(static_cast<size_t>(d.Tk * d.Dv));
    std::vector<float> scratch(probs.p ? 0 : static_cast<size_t>(kFwdRows * d.Tk));
    int64_t loaded = -1;  // the (batch, kv head) whose Kᵀ and V the scratch holds: a GQA group's heads share them
    for (int64_t bh = p0; bh < p1; bh++) {
      const int64_t b = bh / d.H, h = bh % d.H, kvh = h / group;
      const float* Q = q.p + b * d.qB + h * d.qH;
      float* O = out.p + b * d.oB + h * d.oH;
      if (b * d.Hkv + kvh != loaded) {
        const float* K = k.p + b * d.kB + kvh * d.kH;
        const float* V = v.p + b * d.vB + kvh * d.vH;
        small::transpose(K, d.kT, d.Tk, d.Dk, kt.data(), Tkp);
        for (int64_t j = 0; j < d.Tk; j++) std::memcpy(vc.data() + j * d.Dv, V + j * d.vT, sizeof(float) * d.Dv);
        loaded = b * d.Hkv + kvh;
      }
      for (int64_t i0 = 0; i0 < d.Tq; i0 += kFwdRows) {
        const int64_t i1 = std::min(d.Tq, i0 + kFwdRows), rows = i1 - i0;
        const int64_t kmax = visible_keys(d, causal, i1 - 1);
        float* Pb = probs.p ? probs.p + (bh * d.Tq + i0) * d.Tk : scratch.data();
        if (kmax == 0) {
          for (int64_t i = i0; i < i1; i++) std::memset(O + i * d.oT, 0, sizeof(float) * d.Dv);
          std::memset(Pb, 0, sizeof(float) * rows * d.Tk);
          continue;
        }
        small::gemm<false>(rows, std::min(Tkp, small::round_up(kmax)), d.Dk, Q + i0 * d.qT, d.qT, kt.data(), Tkp, scores.data(), Tkp, false);  // Q Kᵀ
        for (int64_t i = 0; i < rows; i++) {
          float* s = scores.data() + i * Tkp;
          float* row = Pb + i * d.Tk;
          const int64_t vis = visible_keys(d, causal, i0 + i);
          // Whole vectors up to the first multiple of VW past the visible keys (the scores exist there: Kᵀ is zero
          // past Tk), masked, so no scalar remainder loop runs per row.
          const int64_t n = small::round_up(vis);
          const float sum = softmax_masked(s, n, vis, scale);
          const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
          const int64_t w = std::min(n, d.Tk);
          for (int64_t j = 0; j < w; j++) row[j] = s[j] * inv;
          for (int64_t j = w; j < d.Tk; j++) row[j] = 0.0f;
        }
        small::gemm<false>(rows, d.Dv, kmax, Pb, d.Tk, vc.data(), d.Dv, O + i0 * d.oT, d.oT, false);  // P V
      }
    }
  });
  return undefined(env);
}

// attentionBackward(q, k, v, probs, dout, geom, scale, dq, dk, dv)
R1_ENTRY(attention_backward) {
  Args a(env, info, "attentionBackward", 10);
  F32 q = a.f32(0, "q"), k = a.f32(1, "k"), v = a.f32(2, "v"), probs = a.f32(3, "probs"), dout = a.f32(4, "dout");
  const float scale = static_cast<float>(a.num(6, "scale"));
  F32 dq = a.f32(7, "dq"), dk = a.f32(8, "dk"), dv = a.f32(9, "dv");
  const Geom d = read_geom(a, 5, q, k, v, dout, "dout");
  check_operand(a, dq, "dq", d.B, d.H, d.Tq, d.Dk, d.qB, d.qH, d.qT);
  check_operand(a, dk, "dk", d.B, d.Hkv, d.Tk, d.Dk, d.kB, d.kH, d.kT);
  check_operand(a, dv, "dv", d.B, d.Hkv, d.Tk, d.Dv, d.vB, d.vH, d.vT);
  a.need(probs, mul(mul(mul(d.B, d.H), d.Tq), d.Tk), "probs");
  // Causality is read back from the saved probs: a block's visible keys end where its last row's weights end.
  const int64_t group = d.H / d.Hkv;
  const int64_t Tkp = small::round_up(d.Tk);
  // One task per (batch, kv head): the query heads of a GQA group accumulate into the same dK / dV.
  parallel_for(d.B * d.Hkv, 2, [&](int64_t t0, int64_t t1) {
    std::vector<float> dS(static_cast<size_t>(kRowBlock * Tkp)), vt(static_cast<size_t>(d.Dv * Tkp)), kc(static_cast<size_t>(d.Tk * d.Dk));
    for (int64_t task = t0; task < t1; task++) {
      const int64_t b = task / d.Hkv, kvh = task % d.Hkv;
      const float* K = k.p + b * d.kB + kvh * d.kH;
      const float* V = v.p + b * d.vB + kvh * d.vH;
      float* dK = dk.p + b * d.kB + kvh * d.kH;
      float* dV = dv.p + b * d.vB + kvh * d.vH;
      for (int64_t j = 0; j < d.Tk; j++) {
        std::memset(dK + j * d.kT, 0, sizeof(float) * d.Dk);
        std::memset(dV + j * d.vT, 0, sizeof(float) * d.Dv);
      }
      small::transpose(V, d.vT, d.Tk, d.Dv, vt.data(), Tkp);
      for (int64_t j = 0; j < d.Tk; j++) std::memcpy(kc.data() + j * d.Dk, K + j * d.kT, sizeof(float) * d.Dk);
      for (int64_t g = 0; g < group; g++) {
        const int64_t h = kvh * group + g;
        const int64_t bh = b * d.H + h;
        const float* Q = q.p + b * d.qB + h * d.qH;
        const float* P = probs.p + bh * d.Tq * d.Tk;
        const float* dO = dout.p + b * d.oB + h * d.oH;
        float* dQ = dq.p + b * d.qB + h * d.qH;
        for (int64_t i0 = 0; i0 < d.Tq; i0 += kRowBlock) {
          const int64_t i1 = std::min(d.Tq, i0 + kRowBlock), rows = i1 - i0;
          // Keys this block can see: up to the last non-zero weight of its last row (all keys if unmasked).
          int64_t kmax = d.Tk;
          {
            const float* last = P + (i1 - 1) * d.Tk;
            while (kmax > 0 && last[kmax - 1] == 0.0f) kmax--;
            for (int64_t i = i0; i < i1 - 1 && kmax < d.Tk; i++) {
              const float* r = P + i * d.Tk;
              // Under a causal mask no earlier row reaches past the last one: one vectorized test per row.
              int any = 0;
#pragma omp simd reduction(| : any)
              for (int64_t j = kmax; j < d.Tk; j++) any |= r[j] != 0.0f;
              if (!any) continue;
              int64_t km = d.Tk;
              while (km > kmax && r[km - 1] == 0.0f) km--;
              kmax = km;
            }
          }
          const float* Pb = P + i0 * d.Tk;
          if (kmax == 0) {
            for (int64_t i = i0; i < i1; i++) std::memset(dQ + i * d.qT, 0, sizeof(float) * d.Dk);
            continue;
          }
          small::gemm<true>(kmax, d.Dv, rows, Pb, d.Tk, dO + i0 * d.oT, d.oT, dV, d.vT, true);  // dV += Pᵀ dO
          small::gemm<false>(rows, std::min(Tkp, small::round_up(kmax)), d.Dv, dO + i0 * d.oT, d.oT, vt.data(), Tkp, dS.data(), Tkp, false);  // dP = dO Vᵀ
          for (int64_t i = 0; i < rows; i++) {
            // dS = P ⊙ (dP − Σ_j P dP) · scale (softmax backward folded with the score scale)
            float* r = dS.data() + i * Tkp;
            const float* pr = Pb + i * d.Tk;
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int64_t j = 0; j < kmax; j++) dot += pr[j] * r[j];
            for (int64_t j = 0; j < kmax; j++) r[j] = pr[j] * (r[j] - dot) * scale;
          }
          small::gemm<false>(rows, d.Dk, kmax, dS.data(), Tkp, kc.data(), d.Dk, dQ + i0 * d.qT, d.qT, false);  // dQ = dS K
          small::gemm<true>(kmax, d.Dk, rows, dS.data(), Tkp, Q + i0 * d.qT, d.qT, dK, d.kT, true);  // dK += dSᵀ Q
        }
      }
    }
  });
  return undefined(env);
}

}  // namespace r1
