// native/sample.cc — next-token sampling for a whole decode batch in one call (Backend.sampleRows): per row, softmax
// of logits / T over the full vocabulary, then greedy argmax, plain sampling in id order, or top-k / top-p (nucleus)
// over candidates ordered by probability (ties: lower id first), driven by one uniform draw per row supplied by the
// caller (each sequence owns its random stream). The same arithmetic as the TypeScript oracle (src/generate/sampler.ts,
// sampleRow): exp in float64 stored as float32 probabilities, float64 sums. Rows run in parallel.
// B = rows, V = vocab size.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

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

RowResult sample_row(const float* x, int64_t V, double temperature, int64_t topK, double topP, double u, float* probs, uint64_t* keys) {
  double mx = -std::numeric_limits<double>::infinity();
  int64_t argmax = 0;
  for (int64_t i = 0; i < V; i++) {
    const double v = x[i];
    if (std::isnan(v)) return {0, 0.0, i, false};
    if (v > mx) { mx = v; argmax = i; }
  }
  if (mx == -std::numeric_limits<double>::infinity()) return {0, 0.0, -1, true};
  const double T = temperature > 0.0 ? temperature : 1.0;
  double sum = 0.0;
  for (int64_t i = 0; i < V; i++) {
    const double e = std::exp((static_cast<double>(x[i]) - mx) / T);
    probs[i] = static_cast<float>(e);
    sum += e;
  }
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
    const double target = topP * sum;
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
