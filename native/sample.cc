// native/sample.cc — next-token sampling for a whole decode batch in one call (Backend.sampleRows): per row, softmax
// of logits / T over the full vocabulary, then greedy argmax, plain sampling in id order, or top-k / top-p (nucleus)
// over candidates ordered by probability (ties: lower id first), driven by one uniform draw per row supplied by the
// caller (each sequence owns its random stream). The same arithmetic as the TypeScript oracle (src/generate/sampler.ts,
// sampleRow): exp in float64 stored as float32 probabilities, float64 sums. Rows run in parallel. With AVX-512 the
// max and the exps run 8 float64 lanes at a time (a vectorized exp within ~1 ulp of std::exp; the float64 sum is
// then summed in lanes): a scalar std::exp per logit cost ~3 ms a decode step at batch 64 over an 8192-token
// vocabulary, ~7% of the step; greedy rows store no probabilities.
// B = rows, V = vocab size.

// GCC 12's AVX-512 intrinsics (the reductions, casts) pass _mm512_undefined_* operands on purpose, which draws
// -Wmaybe-uninitialized false positives at every inlining site in this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "kernels.h"
#include "napi_util.h"
#include "pool.h"

namespace r1 {

namespace {

struct RowResult {
  int32_t token;
  double logprob;
  int64_t nan_at;  // index of a NaN logit, or -1
  bool all_neg_inf;
};

#if defined(__AVX512F__)
// e^x in 8 float64 lanes for x <= 0 (-inf included): x = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite, ln2 split so that
// n · ln2_hi is exact), e^r by its Taylor series to degree 13 (truncation below 1e-17 relative), scaled by 2^n with
// vscalefpd, which rounds into the subnormals and to 0 below -745 as std::exp does.
inline __m512d exp_nonpositive(__m512d x) {
  x = _mm512_max_pd(x, _mm512_set1_pd(-746.0));  // e^-746 is 0 in float64; also maps -inf there
  const __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634074)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(6.93147180369123816490e-01), x);
  r = _mm512_fnmadd_pd(n, _mm512_set1_pd(1.90821492927058770002e-10), r);
  static constexpr double c[14] = {1.0,
                                   1.0,
                                   1.0 / 2,
                                   1.0 / 6,
                                   1.0 / 24,
                                   1.0 / 120,
                                   1.0 / 720,
                                   1.0 / 5040,
                                   1.0 / 40320,
                                   1.0 / 362880,
                                   1.0 / 3628800,
                                   1.0 / 39916800,
                                   1.0 / 479001600,
                                   1.0 / 6227020800.0};
  __m512d p = _mm512_set1_pd(c[13]);
  for (int i = 12; i >= 0; i--) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c[i]));
  return _mm512_scalef_pd(p, n);
}

// The largest logit and the first index holding it, or the index of the first NaN (nan_at >= 0).
struct RowMax {
  double mx;
  int64_t argmax, nan_at;
};
inline RowMax row_max(const float* x, int64_t V) {
  __m512 m = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + 16 <= V; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    if (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)) break;  // a NaN: the scalar loop below finds it
    m = _mm512_max_ps(m, v);
  }
  float mx = _mm512_reduce_max_ps(m);
  for (; i < V; i++) {
    if (std::isnan(x[i])) return {0.0, 0, i};
    mx = x[i] > mx ? x[i] : mx;
  }
  int64_t at = 0;
  while (x[at] != mx) at++;  // the first maximum (mx is one of the values; no NaN is left)
  return {mx, at, -1};
}

// Σ e^((x[i] - mx) / T) in float64, storing each term as a float32 probability when probs is given.
inline double exp_sum(const float* x, int64_t V, double mx, double T, float* probs) {
  const __m512d vm = _mm512_set1_pd(mx), vt = _mm512_set1_pd(T);
  __m512d acc = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= V; i += 8) {
    __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), vm);
    if (T != 1.0) d = _mm512_div_pd(d, vt);
    const __m512d e = exp_nonpositive(d);
    if (probs) _mm256_storeu_ps(probs + i, _mm512_cvtpd_ps(e));
    acc = _mm512_add_pd(acc, e);
  }
  double sum = _mm512_reduce_add_pd(acc);
  for (; i < V; i++) {
    const double e = std::exp((static_cast<double>(x[i]) - mx) / T);
    if (probs) probs[i] = static_cast<float>(e);
    sum += e;
  }
  return sum;
}
#else
struct RowMax {
  double mx;
  int64_t argmax, nan_at;
};
inline RowMax row_max(const float* x, int64_t V) {
  double mx = -std::numeric_limits<double>::infinity();
  int64_t argmax = 0;
  for (int64_t i = 0; i < V; i++) {
    const double v = x[i];
    if (std::isnan(v)) return {0.0, 0, i};
    if (v > mx) { mx = v; argmax = i; }
  }
  return {mx, argmax, -1};
}

inline double exp_sum(const float* x, int64_t V, double mx, double T, float* probs) {
  double sum = 0.0;
  for (int64_t i = 0; i < V; i++) {
    const double e = std::exp((static_cast<double>(x[i]) - mx) / T);
    if (probs) probs[i] = static_cast<float>(e);
    sum += e;
  }
  return sum;
}
#endif

RowResult sample_row(const float* x, int64_t V, double temperature, int64_t topK, double topP, double u, float* probs, uint64_t* keys) {
  const RowMax rm = row_max(x, V);
  if (rm.nan_at >= 0) return {0, 0.0, rm.nan_at, false};
  const double mx = rm.mx;
  const int64_t argmax = rm.argmax;
  if (mx == -std::numeric_limits<double>::infinity()) return {0, 0.0, -1, true};
  const double T = temperature > 0.0 ? temperature : 1.0;
  // Greedy needs only the normalizer (the log-prob of the argmax).
  const double sum = exp_sum(x, V, mx, T, temperature == 0.0 ? nullptr : probs);
  const double logZ = std::log(sum);
  auto result = [&](int64_t t) { return RowResult{static_cast<int32_t>(t), (static_cast<double>(x[t]) - mx) / T - logZ, -1, false}; };
  if (temperature == 0.0) return result(argmax);
  if (topK == 0 && topP >= 1.0) {
    double r = u * sum;
    for (int64_t i = 0; i < V; i++) {
      r -= probs[i];
      if (r < 0) return result(i);
    }
    for (int64_t i = V - 1; i >= 0; i--) if (probs[i] > 0.0f) return result(i);
    return result(0);
  }
  // Candidates by probability descending, lower id first on ties: probabilities are non-negative floats, so their
  // bit patterns order like their values; key = (~bits << 32) | id sorts ascending into exactly that order.
  for (int64_t i = 0; i < V; i++) {
    uint32_t bits;
    std::memcpy(&bits, probs + i, 4);
    keys[i] = (static_cast<uint64_t>(~bits) << 32) | static_cast<uint32_t>(i);
  }
  int64_t n = V;
  if (topK > 0) {
    n = std::min<int64_t>(n, topK);
    std::partial_sort(keys, keys + n, keys + V);
  } else {
    std::sort(keys, keys + V);
  }
  auto id = [&](int64_t i) { return static_cast<int64_t>(keys[i] & 0xffffffffu); };
  if (topP < 1.0) {
    // With top-k, the nucleus is taken over the k candidates renormalized (top-k, then top-p).
    double mass = sum;
    if (n < V) {
      mass = 0.0;
      for (int64_t i = 0; i < n; i++) mass += probs[id(i)];
    }
    const double target = topP * mass;
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
      acc += probs[id(i)];
      if (acc >= target) { n = i + 1; break; }
    }
  }
  double kept = 0.0;
  for (int64_t i = 0; i < n; i++) kept += probs[id(i)];
  double r = u * kept;
  for (int64_t i = 0; i < n; i++) {
    r -= probs[id(i)];
    if (r < 0) return result(id(i));
  }
  return result(id(n - 1));
}

}  // namespace

// sampleRows(logits, B, V, temperature, topK, topP, u Float64Array(B), tokens Int32Array(B), logprobs Float64Array(B))
R1_ENTRY(sample_rows) {
  Args a(env, info, "sampleRows", 9);
  F32 logits = a.f32(0, "logits");
  const int64_t B = a.size(1, "B"), V = a.size(2, "V");
  const double temperature = a.num(3, "temperature");
  const int64_t topK = a.size(4, "topK");
  const double topP = a.num(5, "topP");
  F64 u = a.f64(6, "u");
  I32 tokens = a.i32(7, "tokens");
  F64 logprobs = a.f64(8, "logprobs");
  if (V == 0) fail_range("sampleRows: V must be positive");
  if (V > INT32_MAX) fail_range("sampleRows: V exceeds int32");
  if (!std::isfinite(temperature) || temperature < 0.0) fail_range("sampleRows: temperature must be a finite number >= 0");
  if (!(topP > 0.0 && topP <= 1.0)) fail_range("sampleRows: topP must be in (0, 1]");
  a.need(logits, mul(B, V), "logits");
  a.need(tokens, B, "tokens");
  if (u.n < static_cast<size_t>(B)) fail_range("sampleRows: u holds " + std::to_string(u.n) + " draws, needs " + std::to_string(B));
  if (logprobs.n < static_cast<size_t>(B)) fail_range("sampleRows: logprobs holds " + std::to_string(logprobs.n) + " values, needs " + std::to_string(B));
  for (int64_t b = 0; b < B; b++) if (!(u.p[b] >= 0.0 && u.p[b] < 1.0)) fail_range("sampleRows: u[" + std::to_string(b) + "] must be in [0, 1)");
  std::vector<RowResult> res(static_cast<size_t>(B));
  const bool sorts = temperature > 0.0 && (topK > 0 || topP < 1.0);
  // A row costs ~V float64 exps (plus a sort for top-k/top-p): worth waking the pool from ~8k values (64 rows of a
  // 512-token vocabulary: ~0.27 ms on one core, ~0.13 on two), or ~4k when sorting.
  parallel_for(B, std::max<int64_t>(2, (sorts ? 4096 : 8192) / V), [&](int64_t b0, int64_t b1) {
    std::vector<float> probs(static_cast<size_t>(V));
    std::vector<uint64_t> keys(sorts ? static_cast<size_t>(V) : 0);
    for (int64_t b = b0; b < b1; b++) res[b] = sample_row(logits.p + b * V, V, temperature, topK, topP, u.p[b], probs.data(), keys.data());
  });
  for (int64_t b = 0; b < B; b++) {
    if (res[b].nan_at >= 0) fail_range("sampleRows: row " + std::to_string(b) + " has a NaN logit at index " + std::to_string(res[b].nan_at));
    if (res[b].all_neg_inf) fail_range("sampleRows: every logit of row " + std::to_string(b) + " is -Infinity");
    tokens.p[b] = res[b].token;
    logprobs.p[b] = res[b].logprob;
  }
  return undefined(env);
}

}  // namespace r1
