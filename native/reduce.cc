// native/reduce.cc — reductions: sum/max over an axis, row softmax / log-softmax and their backward, and the fused
// cross-entropy (per-row loss + saved logsumexp; backward softmax − onehot in one pass). Parallel over rows.

#include <cmath>
#include <cstring>
#include <limits>

#include "fastmath.h"
#include "kernels.h"
#include "napi_util.h"
#include "pool.h"

namespace r1 {
namespace {

inline float row_max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < n; j++) m = x[j] > m ? x[j] : m;
  return m;
}

inline float row_sum(const float* x, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; j++) s += x[j];
  return s;
}

// Rows per parallel chunk so that each chunk holds roughly 16K elements.
inline int64_t min_rows(int64_t n) { return n >= 16384 ? 2 : (32768 / (n + 1)) + 2; }

void check_targets(Args& a, const I32& t, int64_t rows, int64_t V, int64_t ignore) {
  a.need(t, rows, "targets");
  for (int64_t r = 0; r < rows; r++) {
    const int64_t v = t.p[r];
    if (v != ignore && (v < 0 || v >= V)) fail_range(std::string(a.fn()) + ": target " + std::to_string(v) + " outside [0, " + std::to_string(V) + ")");
  }
}

}  // namespace

// reduce(op, x, outer, n, inner, out, argmax|null)
R1_ENTRY(reduce) {
  Args a(env, info, "reduce", 7);
  const int64_t op = a.size(0, "op");
  if (op > 1) fail_range("reduce: unknown op " + std::to_string(op));
  F32 x = a.f32(1, "x");
  const int64_t outer = a.size(2, "outer"), n = a.size(3, "n"), inner = a.size(4, "inner");
  F32 out = a.f32(5, "out");
  I32 arg = a.i32_opt(6, "argmax");
  a.need(x, mul(mul(outer, n), inner), "x");
  a.need(out, mul(outer, inner), "out");
  if (arg.p) a.need(arg, mul(outer, inner), "argmax");
  if (op == 1 && n == 0) fail_range("reduce: max over an empty axis");
  const float* X = x.p;
  float* O = out.p;
  if (op == 0) {
    if (inner == 1) {
      parallel_for(outer, min_rows(n), [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; o++) O[o] = row_sum(X + o * n, n);
      });
    } else {
      // Column sums: vectorize across inner; split inner across threads (disjoint outputs).
      parallel_for(inner, mul(outer, n) * inner >= (1 << 16) ? 64 : inner + 1, [&](int64_t i0, int64_t i1) {
        for (int64_t o = 0; o < outer; o++) {
          float* __restrict dst = O + o * inner;
          for (int64_t i = i0; i < i1; i++) dst[i] = 0.0f;
          for (int64_t j = 0; j < n; j++) {
            const float* __restrict src = X + (o * n + j) * inner;
            for (int64_t i = i0; i < i1; i++) dst[i] += src[i];
          }
        }
      });
    }
  } else {
    for (int64_t o = 0; o < outer; o++) {
      for (int64_t i = 0; i < inner; i++) {
        const float* src = X + o * n * inner + i;
        float best = src[0];
        int32_t bi = 0;
        for (int64_t j = 1; j < n; j++) {
          const float v = src[j * inner];
          if (v > best) { best = v; bi = static_cast<int32_t>(j); }
        }
        O[o * inner + i] = best;
        if (arg.p) arg.p[o * inner + i] = bi;
      }
    }
  }
  return undefined(env);
}

// softmax(x, rows, n, out, log)
R1_ENTRY(softmax) {
  Args a(env, info, "softmax", 5);
  F32 x = a.f32(0, "x");
  const int64_t rows = a.size(1, "rows"), n = a.size(2, "n");
  F32 out = a.f32(3, "out");
  const bool log = a.flag(4, "log");
  a.need(x, mul(rows, n), "x");
  a.need(out, mul(rows, n), "out");
  parallel_for(rows, min_rows(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x.p + r * n;
      float* o = out.p + r * n;
      const float m = row_max(xr, n);
      float s = 0.0f;
      if (log) {
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < n; j++) s += fast_exp(xr[j] - m);
        const float lse = m + std::log(s);
        for (int64_t j = 0; j < n; j++) o[j] = xr[j] - lse;
      } else {
        for (int64_t j = 0; j < n; j++) o[j] = fast_exp(xr[j] - m);
        s = row_sum(o, n);
        const float inv = 1.0f / s;
        for (int64_t j = 0; j < n; j++) o[j] *= inv;
      }
    }
  });
  return undefined(env);
}

// softmaxBackward(y, dy, rows, n, dx, log)
R1_ENTRY(softmax_backward) {
  Args a(env, info, "softmaxBackward", 6);
  F32 y = a.f32(0, "y"), dy = a.f32(1, "dy");
  const int64_t rows = a.size(2, "rows"), n = a.size(3, "n");
  F32 dx = a.f32(4, "dx");
  const bool log = a.flag(5, "log");
  a.need(y, mul(rows, n), "y");
  a.need(dy, mul(rows, n), "dy");
  a.need(dx, mul(rows, n), "dx");
  parallel_for(rows, min_rows(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* yr = y.p + r * n;
      const float* g = dy.p + r * n;
      float* d = dx.p + r * n;
      if (log) {
        const float s = row_sum(g, n);
        for (int64_t j = 0; j < n; j++) d[j] = g[j] - fast_exp(yr[j]) * s;
      } else {
        float s = 0.0f;
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < n; j++) s += g[j] * yr[j];
        for (int64_t j = 0; j < n; j++) d[j] = yr[j] * (g[j] - s);
      }
    }
  });
  return undefined(env);
}

// crossEntropy(logits, rows, V, targets, ignoreIndex, loss, lse)
R1_ENTRY(cross_entropy) {
  Args a(env, info, "crossEntropy", 7);
  F32 x = a.f32(0, "logits");
  const int64_t rows = a.size(1, "rows"), V = a.size(2, "V");
  I32 t = a.i32(3, "targets");
  const int64_t ignore = static_cast<int64_t>(a.num(4, "ignoreIndex"));
  F32 loss = a.f32(5, "loss"), lse = a.f32(6, "lse");
  a.need(x, mul(rows, V), "logits");
  a.need(loss, rows, "loss");
  a.need(lse, rows, "lse");
  if (V == 0 && rows > 0) fail_range("crossEntropy: empty vocabulary");
  check_targets(a, t, rows, V, ignore);
  parallel_for(rows, min_rows(V), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x.p + r * V;
      const float m = row_max(xr, V);
      float s = 0.0f;
#pragma omp simd reduction(+ : s)
      for (int64_t j = 0; j < V; j++) s += fast_exp(xr[j] - m);
      const float l = m + std::log(s);
      lse.p[r] = l;
      loss.p[r] = t.p[r] == ignore ? 0.0f : l - xr[t.p[r]];
    }
  });
  return undefined(env);
}

// crossEntropyBackward(logits, lse, rows, V, targets, ignoreIndex, dloss, dlogits)
R1_ENTRY(cross_entropy_backward) {
  Args a(env, info, "crossEntropyBackward", 8);
  F32 x = a.f32(0, "logits"), lse = a.f32(1, "lse");
  const int64_t rows = a.size(2, "rows"), V = a.size(3, "V");
  I32 t = a.i32(4, "targets");
  const int64_t ignore = static_cast<int64_t>(a.num(5, "ignoreIndex"));
  F32 dloss = a.f32(6, "dloss"), dl = a.f32(7, "dlogits");
  a.need(x, mul(rows, V), "logits");
  a.need(lse, rows, "lse");
  a.need(dloss, rows, "dloss");
  a.need(dl, mul(rows, V), "dlogits");
  check_targets(a, t, rows, V, ignore);
  parallel_for(rows, min_rows(V), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      float* d = dl.p + r * V;
      if (t.p[r] == ignore) {
        std::memset(d, 0, sizeof(float) * V);
        continue;
      }
      const float* xr = x.p + r * V;
      const float g = dloss.p[r], l = lse.p[r];
      for (int64_t j = 0; j < V; j++) d[j] = g * fast_exp(xr[j] - l);
      d[t.p[r]] -= g;
    }
  });
  return undefined(env);
}

}  // namespace r1
