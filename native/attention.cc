// native/attention.cc — fused scaled-dot-product attention (forward and backward) with GQA and a causal mask that
// admits a KV-cache prefix. Work is split over (batch, head) pairs on the thread pool; inside each pair the two
// products run as single-threaded GEMMs (OpenBLAS is switched to one thread for the duration, so its pool and
// ours do not oversubscribe the cores). Shapes: q (B, H, Tq, Dk), k (B, Hkv, Tk, Dk), v (B, Hkv, Tk, Dv).

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "fastmath.h"
#include "kernels.h"
#include "napi_util.h"
#include "pool.h"

#ifdef R1_HAVE_CBLAS
#include <cblas.h>
#endif

namespace r1 {
namespace {

// Single-threaded GEMM usable from pool workers.
void gemm1(bool tA, bool tB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
           int64_t ldb, float beta, float* C, int64_t ldc) {
#ifdef R1_HAVE_CBLAS
  cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
              alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
#else
  for (int64_t i = 0; i < M; i++) {
    float* c = C + i * ldc;
    if (beta == 0.0f) std::memset(c, 0, sizeof(float) * N);
    else if (beta != 1.0f) for (int64_t j = 0; j < N; j++) c[j] *= beta;
    for (int64_t p = 0; p < K; p++) {
      const float a = alpha * (tA ? A[p * lda + i] : A[i * lda + p]);
      if (!tB) {
        const float* b = B + p * ldb;
        for (int64_t j = 0; j < N; j++) c[j] += a * b[j];
      } else {
        for (int64_t j = 0; j < N; j++) c[j] += a * B[j * ldb + p];
      }
    }
  }
#endif
}

// Switches OpenBLAS to one thread while our pool runs per-head GEMMs in parallel.
struct BlasSingleThread {
#ifdef R1_HAVE_CBLAS
  int saved;
  BlasSingleThread() : saved(openblas_get_num_threads()) { if (saved != 1) openblas_set_num_threads(1); }
  ~BlasSingleThread() { if (saved != 1) openblas_set_num_threads(saved); }
#endif
};

struct Dims {
  int64_t B, H, Hkv, Tq, Tk, Dk, Dv;
  float scale;
};

Dims read_dims(Args& a, size_t at) {
  Dims d;
  d.B = a.size(at, "B");
  d.H = a.size(at + 1, "H");
  d.Hkv = a.size(at + 2, "Hkv");
  d.Tq = a.size(at + 3, "Tq");
  d.Tk = a.size(at + 4, "Tk");
  d.Dk = a.size(at + 5, "Dk");
  d.Dv = a.size(at + 6, "Dv");
  d.scale = static_cast<float>(a.num(at + 7, "scale"));
  if (d.Hkv == 0 || d.H % d.Hkv != 0) fail_range(a.where("heads") + ": H=" + std::to_string(d.H) + " is not a multiple of Hkv=" + std::to_string(d.Hkv));
  return d;
}

}  // namespace

// attention(q, k, v, B, H, Hkv, Tq, Tk, Dk, Dv, scale, causal, out, probs|null)
R1_ENTRY(attention) {
  Args a(env, info, "attention", 14);
  F32 q = a.f32(0, "q"), k = a.f32(1, "k"), v = a.f32(2, "v");
  const Dims d = read_dims(a, 3);
  const bool causal = a.flag(11, "causal");
  F32 out = a.f32(12, "out"), probs = a.f32_opt(13, "probs");
  if (causal && d.Tk < d.Tq) fail_range("attention: causal needs Tk >= Tq");
  a.need(q, mul(mul(mul(d.B, d.H), d.Tq), d.Dk), "q");
  a.need(k, mul(mul(mul(d.B, d.Hkv), d.Tk), d.Dk), "k");
  a.need(v, mul(mul(mul(d.B, d.Hkv), d.Tk), d.Dv), "v");
  a.need(out, mul(mul(mul(d.B, d.H), d.Tq), d.Dv), "out");
  if (probs.p) a.need(probs, mul(mul(mul(d.B, d.H), d.Tq), d.Tk), "probs");
  const int64_t group = d.H / d.Hkv;
  BlasSingleThread single;
  parallel_for(d.B * d.H, 2, [&](int64_t p0, int64_t p1) {
    std::vector<float> scratch(probs.p ? 0 : static_cast<size_t>(d.Tq * d.Tk));
    for (int64_t bh = p0; bh < p1; bh++) {
      const int64_t b = bh / d.H, h = bh % d.H, kv = b * d.Hkv + h / group;
      const float* Q = q.p + bh * d.Tq * d.Dk;
      const float* K = k.p + kv * d.Tk * d.Dk;
      const float* V = v.p + kv * d.Tk * d.Dv;
      float* P = probs.p ? probs.p + bh * d.Tq * d.Tk : scratch.data();
      gemm1(false, true, d.Tq, d.Tk, d.Dk, d.scale, Q, d.Dk, K, d.Dk, 0.0f, P, d.Tk);  // S = scale Q Kᵀ (Tq, Tk)
      for (int64_t i = 0; i < d.Tq; i++) {
        float* row = P + i * d.Tk;
        const int64_t visible = causal ? i + (d.Tk - d.Tq) + 1 : d.Tk;
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < visible; j++) m = row[j] > m ? row[j] : m;
        float s = 0.0f;
        for (int64_t j = 0; j < visible; j++) {
          row[j] = fast_exp(row[j] - m);
          s += row[j];
        }
        const float inv = s > 0.0f ? 1.0f / s : 0.0f;
        for (int64_t j = 0; j < visible; j++) row[j] *= inv;
        for (int64_t j = visible; j < d.Tk; j++) row[j] = 0.0f;
      }
      gemm1(false, false, d.Tq, d.Dv, d.Tk, 1.0f, P, d.Tk, V, d.Dv, 0.0f, out.p + bh * d.Tq * d.Dv, d.Dv);  // P V
    }
  });
  return undefined(env);
}

// attentionBackward(q, k, v, probs, dout, B, H, Hkv, Tq, Tk, Dk, Dv, scale, dq, dk, dv)
R1_ENTRY(attention_backward) {
  Args a(env, info, "attentionBackward", 16);
  F32 q = a.f32(0, "q"), k = a.f32(1, "k"), v = a.f32(2, "v"), probs = a.f32(3, "probs"), dout = a.f32(4, "dout");
  const Dims d = read_dims(a, 5);
  F32 dq = a.f32(13, "dq"), dk = a.f32(14, "dk"), dv = a.f32(15, "dv");
  const int64_t nq = mul(mul(mul(d.B, d.H), d.Tq), d.Dk);
  const int64_t nk = mul(mul(mul(d.B, d.Hkv), d.Tk), d.Dk);
  const int64_t nv = mul(mul(mul(d.B, d.Hkv), d.Tk), d.Dv);
  a.need(q, nq, "q");
  a.need(k, nk, "k");
  a.need(v, nv, "v");
  a.need(probs, mul(mul(mul(d.B, d.H), d.Tq), d.Tk), "probs");
  a.need(dout, mul(mul(mul(d.B, d.H), d.Tq), d.Dv), "dout");
  a.need(dq, nq, "dq");
  a.need(dk, nk, "dk");
  a.need(dv, nv, "dv");
  const int64_t group = d.H / d.Hkv;
  BlasSingleThread single;
  // One task per (batch, kv head): the query heads of a GQA group accumulate into the same dK / dV.
  parallel_for(d.B * d.Hkv, 2, [&](int64_t t0, int64_t t1) {
    std::vector<float> dS(static_cast<size_t>(d.Tq * d.Tk));
    for (int64_t kv = t0; kv < t1; kv++) {
      const int64_t b = kv / d.Hkv;
      const float* K = k.p + kv * d.Tk * d.Dk;
      const float* V = v.p + kv * d.Tk * d.Dv;
      float* dK = dk.p + kv * d.Tk * d.Dk;
      float* dV = dv.p + kv * d.Tk * d.Dv;
      for (int64_t g = 0; g < group; g++) {
        const int64_t bh = b * d.H + (kv % d.Hkv) * group + g;
        const float* Q = q.p + bh * d.Tq * d.Dk;
        const float* P = probs.p + bh * d.Tq * d.Tk;
        const float* dO = dout.p + bh * d.Tq * d.Dv;
        const float beta = g == 0 ? 0.0f : 1.0f;
        gemm1(true, false, d.Tk, d.Dv, d.Tq, 1.0f, P, d.Tk, dO, d.Dv, beta, dV, d.Dv);  // dV (+)= Pᵀ dO
        gemm1(false, true, d.Tq, d.Tk, d.Dv, 1.0f, dO, d.Dv, V, d.Dv, 0.0f, dS.data(), d.Tk);  // dP = dO Vᵀ
        for (int64_t i = 0; i < d.Tq; i++) {
          // dS = P ⊙ (dP − Σ_j P dP) · scale (softmax backward folded with the score scale)
          float* r = dS.data() + i * d.Tk;
          const float* pr = P + i * d.Tk;
          float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
          for (int64_t j = 0; j < d.Tk; j++) dot += pr[j] * r[j];
          for (int64_t j = 0; j < d.Tk; j++) r[j] = pr[j] * (r[j] - dot) * d.scale;
        }
        gemm1(false, false, d.Tq, d.Dk, d.Tk, 1.0f, dS.data(), d.Tk, K, d.Dk, 0.0f, dq.p + bh * d.Tq * d.Dk, d.Dk);  // dQ = dS K
        gemm1(true, false, d.Tk, d.Dk, d.Tq, 1.0f, dS.data(), d.Tk, Q, d.Dk, beta, dK, d.Dk);  // dK (+)= dSᵀ Q
      }
    }
  });
  return undefined(env);
}

}  // namespace r1
