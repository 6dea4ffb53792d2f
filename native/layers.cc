// native/layers.cc — layer kernels: gather / scatter-add, fused RMSNorm and LayerNorm (+ backward with per-thread
// weight-gradient partials), RoPE, SwiGLU, top-k and the fused AdamW step.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "fastmath.h"
#include "kernels.h"
#include "napi_util.h"
#include "pool.h"

namespace r1 {
namespace {

void check_indices(Args& a, const I32& idx, int64_t n) {
  for (size_t j = 0; j < idx.n; j++) {
    if (idx.p[j] < 0 || idx.p[j] >= n) fail_range(std::string(a.fn()) + ": index " + std::to_string(idx.p[j]) + " outside [0, " + std::to_string(n) + ")");
  }
}

inline int64_t rows_min(int64_t C) { return C >= 8192 ? 2 : 16384 / (C + 1) + 2; }

// Runs body(r0, r1, partial) over row chunks, one chunk per pool thread, each with its own zeroed partial buffer
// of `width` floats; then adds every partial into `dst` (when non-null). Used for weight gradients.
template <class Body>
void rows_with_partials(int64_t rows, int64_t width, float* dst0, float* dst1, int64_t C, Body body) {
  const int64_t chunks = rows * C >= (1 << 15) ? pool_threads() : 1;
  std::vector<float> partial(static_cast<size_t>(chunks * width), 0.0f);
  parallel_for(chunks, 2, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) body(rows * c / chunks, rows * (c + 1) / chunks, partial.data() + c * width);
  });
  for (int64_t c = 0; c < chunks; c++) {
    const float* p = partial.data() + c * width;
    if (dst0) for (int64_t i = 0; i < C; i++) dst0[i] += p[i];
    if (dst1) for (int64_t i = 0; i < C; i++) dst1[i] += p[C + i];
  }
}

}  // namespace

// indexSelect(src, outer, n, inner, idx, out)
R1_ENTRY(index_select) {
  Args a(env, info, "indexSelect", 6);
  F32 src = a.f32(0, "src");
  const int64_t outer = a.size(1, "outer"), n = a.size(2, "n"), inner = a.size(3, "inner");
  I32 idx = a.i32(4, "idx");
  F32 out = a.f32(5, "out");
  const int64_t m = static_cast<int64_t>(idx.n);
  a.need(src, mul(mul(outer, n), inner), "src");
  a.need(out, mul(mul(outer, m), inner), "out");
  check_indices(a, idx, n);
  parallel_for(outer * m, rows_min(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t o = r / m, j = r % m;
      std::memcpy(out.p + r * inner, src.p + (o * n + idx.p[j]) * inner, sizeof(float) * inner);
    }
  });
  return undefined(env);
}

// indexAdd(src, outer, n, inner, idx, dst): dst[o, idx[j], :] += src[o, j, :]
R1_ENTRY(index_add) {
  Args a(env, info, "indexAdd", 6);
  F32 src = a.f32(0, "src");
  const int64_t outer = a.size(1, "outer"), n = a.size(2, "n"), inner = a.size(3, "inner");
  I32 idx = a.i32(4, "idx");
  F32 dst = a.f32(5, "dst");
  const int64_t m = static_cast<int64_t>(idx.n);
  a.need(src, mul(mul(outer, m), inner), "src");
  a.need(dst, mul(mul(outer, n), inner), "dst");
  check_indices(a, idx, n);
  // Repeated indices collide, so threads split the feature columns (disjoint), not the rows.
  parallel_for(inner, mul(outer, m) * inner >= (1 << 15) ? 32 : inner + 1, [&](int64_t i0, int64_t i1) {
    for (int64_t o = 0; o < outer; o++) {
      for (int64_t j = 0; j < m; j++) {
        const float* s = src.p + (o * m + j) * inner;
        float* d = dst.p + (o * n + idx.p[j]) * inner;
        for (int64_t i = i0; i < i1; i++) d[i] += s[i];
      }
    }
  });
  return undefined(env);
}

// rmsnorm(x, w|null, rows, C, eps, out, rstd)
R1_ENTRY(rmsnorm) {
  Args a(env, info, "rmsnorm", 7);
  F32 x = a.f32(0, "x"), w = a.f32_opt(1, "w");
  const int64_t rows = a.size(2, "rows"), C = a.size(3, "C");
  const float eps = static_cast<float>(a.num(4, "eps"));
  F32 out = a.f32(5, "out"), rstd = a.f32(6, "rstd");
  a.need(x, mul(rows, C), "x");
  a.need(out, mul(rows, C), "out");
  a.need(rstd, rows, "rstd");
  if (w.p) a.need(w, C, "w");
  parallel_for(rows, rows_min(C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x.p + r * C;
      float* o = out.p + r * C;
      float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
      for (int64_t c = 0; c < C; c++) ss += xr[c] * xr[c];
      const float rs = 1.0f / std::sqrt(ss / static_cast<float>(C) + eps);
      rstd.p[r] = rs;
      if (w.p) for (int64_t c = 0; c < C; c++) o[c] = xr[c] * rs * w.p[c];
      else for (int64_t c = 0; c < C; c++) o[c] = xr[c] * rs;
    }
  });
  return undefined(env);
}

// rmsnormBackward(x, w|null, rstd, dy, rows, C, dx, dw|null)
R1_ENTRY(rmsnorm_backward) {
  Args a(env, info, "rmsnormBackward", 8);
  F32 x = a.f32(0, "x"), w = a.f32_opt(1, "w"), rstd = a.f32(2, "rstd"), dy = a.f32(3, "dy");
  const int64_t rows = a.size(4, "rows"), C = a.size(5, "C");
  F32 dx = a.f32(6, "dx"), dw = a.f32_opt(7, "dw");
  a.need(x, mul(rows, C), "x");
  a.need(dy, mul(rows, C), "dy");
  a.need(dx, mul(rows, C), "dx");
  a.need(rstd, rows, "rstd");
  if (w.p) a.need(w, C, "w");
  if (dw.p) a.need(dw, C, "dw");
  rows_with_partials(rows, C, dw.p, nullptr, C, [&](int64_t r0, int64_t r1, float* pdw) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x.p + r * C;
      const float* g = dy.p + r * C;
      float* d = dx.p + r * C;
      const float rs = rstd.p[r];
      float dot = 0.0f;
      if (w.p) {
#pragma omp simd reduction(+ : dot)
        for (int64_t c = 0; c < C; c++) dot += g[c] * w.p[c] * xr[c];
      } else {
#pragma omp simd reduction(+ : dot)
        for (int64_t c = 0; c < C; c++) dot += g[c] * xr[c];
      }
      const float k = dot * rs * rs * rs / static_cast<float>(C);
      if (w.p) for (int64_t c = 0; c < C; c++) d[c] = rs * g[c] * w.p[c] - k * xr[c];
      else for (int64_t c = 0; c < C; c++) d[c] = rs * g[c] - k * xr[c];
      if (dw.p) for (int64_t c = 0; c < C; c++) pdw[c] += g[c] * xr[c] * rs;
    }
  });
  return undefined(env);
}

// layernorm(x, w|null, b|null, rows, C, eps, out, mean, rstd)
R1_ENTRY(layernorm) {
  Args a(env, info, "layernorm", 9);
  F32 x = a.f32(0, "x"), w = a.f32_opt(1, "w"), b = a.f32_opt(2, "b");
  const int64_t rows = a.size(3, "rows"), C = a.size(4, "C");
  const float eps = static_cast<float>(a.num(5, "eps"));
  F32 out = a.f32(6, "out"), mean = a.f32(7, "mean"), rstd = a.f32(8, "rstd");
  a.need(x, mul(rows, C), "x");
  a.need(out, mul(rows, C), "out");
  a.need(mean, rows, "mean");
  a.need(rstd, rows, "rstd");
  if (w.p) a.need(w, C, "w");
  if (b.p) a.need(b, C, "b");
  parallel_for(rows, rows_min(C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x.p + r * C;
      float* o = out.p + r * C;
      float s = 0.0f;
#pragma omp simd reduction(+ : s)
      for (int64_t c = 0; c < C; c++) s += xr[c];
      const float mu = s / static_cast<float>(C);
      float v = 0.0f;
#pragma omp simd reduction(+ : v)
      for (int64_t c = 0; c < C; c++) v += (xr[c] - mu) * (xr[c] - mu);
      const float rs = 1.0f / std::sqrt(v / static_cast<float>(C) + eps);
      mean.p[r] = mu;
      rstd.p[r] = rs;
      if (w.p && b.p) for (int64_t c = 0; c < C; c++) o[c] = (xr[c] - mu) * rs * w.p[c] + b.p[c];
      else for (int64_t c = 0; c < C; c++) o[c] = (xr[c] - mu) * rs * (w.p ? w.p[c] : 1.0f) + (b.p ? b.p[c] : 0.0f);
    }
  });
  return undefined(env);
}

// layernormBackward(x, w|null, mean, rstd, dy, rows, C, dx, dw|null, db|null)
R1_ENTRY(layernorm_backward) {
  Args a(env, info, "layernormBackward", 10);
  F32 x = a.f32(0, "x"), w = a.f32_opt(1, "w"), mean = a.f32(2, "mean"), rstd = a.f32(3, "rstd"), dy = a.f32(4, "dy");
  const int64_t rows = a.size(5, "rows"), C = a.size(6, "C");
  F32 dx = a.f32(7, "dx"), dw = a.f32_opt(8, "dw"), db = a.f32_opt(9, "db");
  a.need(x, mul(rows, C), "x");
  a.need(dy, mul(rows, C), "dy");
  a.need(dx, mul(rows, C), "dx");
  a.need(mean, rows, "mean");
  a.need(rstd, rows, "rstd");
  if (w.p) a.need(w, C, "w");
  if (dw.p) a.need(dw, C, "dw");
  if (db.p) a.need(db, C, "db");
  // A unit weight when w is absent keeps one vectorizable loop body.
  std::vector<float> ones(w.p ? 0 : static_cast<size_t>(C), 1.0f);
  const float* W = w.p ? w.p : ones.data();
  rows_with_partials(rows, 2 * C, dw.p, db.p, C, [&](int64_t r0, int64_t r1, float* part) {
    float* __restrict pdw = part;
    float* __restrict pdb = part + C;
    const float* __restrict Wl = W;
    const int64_t Cl = C;
    for (int64_t r = r0; r < r1; r++) {
      const float* __restrict xr = x.p + r * C;
      const float* __restrict g = dy.p + r * C;
      float* __restrict d = dx.p + r * C;
      const float mu = mean.p[r], rs = rstd.p[r];
      float g1 = 0.0f, g2 = 0.0f;
#pragma omp simd reduction(+ : g1, g2)
      for (int64_t c = 0; c < C; c++) {
        const float gw = g[c] * Wl[c];
        g1 += gw;
        g2 += gw * (xr[c] - mu) * rs;
      }
      g1 /= static_cast<float>(C);
      g2 /= static_cast<float>(C);
#pragma omp simd
      for (int64_t c = 0; c < Cl; c++) {
        const float xhat = (xr[c] - mu) * rs;
        d[c] = rs * (g[c] * Wl[c] - g1 - xhat * g2);
        pdw[c] += g[c] * xhat;
        pdb[c] += g[c];
      }
    }
  });
  return undefined(env);
}

// rope(x, cos, sin, outer, T, inner, D, interleaved, inverse, out)
R1_ENTRY(rope) {
  Args a(env, info, "rope", 10);
  F32 x = a.f32(0, "x"), cs = a.f32(1, "cos"), sn = a.f32(2, "sin");
  const int64_t outer = a.size(3, "outer"), T = a.size(4, "T"), inner = a.size(5, "inner"), D = a.size(6, "D");
  const bool il = a.flag(7, "interleaved"), inv = a.flag(8, "inverse");
  F32 out = a.f32(9, "out");
  if (D % 2 != 0) fail_range("rope: D must be even");
  const int64_t half = D / 2;
  const int64_t total = mul(mul(mul(outer, T), inner), D);
  a.need(x, total, "x");
  a.need(out, total, "out");
  a.need(cs, mul(T, half), "cos");
  a.need(sn, mul(T, half), "sin");
  const float sign = inv ? -1.0f : 1.0f;
  parallel_for(outer * T, rows_min(inner * D), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t t = r % T;
      const float* c = cs.p + t * half;
      const float* s = sn.p + t * half;
      for (int64_t h = 0; h < inner; h++) {
        const float* xr = x.p + (r * inner + h) * D;
        float* o = out.p + (r * inner + h) * D;
        if (il) {
          for (int64_t p = 0; p < half; p++) {
            const float x0 = xr[2 * p], x1 = xr[2 * p + 1], sp = sign * s[p];
            o[2 * p] = x0 * c[p] - x1 * sp;
            o[2 * p + 1] = x0 * sp + x1 * c[p];
          }
        } else {
          for (int64_t p = 0; p < half; p++) {
            const float x0 = xr[p], x1 = xr[p + half], sp = sign * s[p];
            o[p] = x0 * c[p] - x1 * sp;
            o[p + half] = x0 * sp + x1 * c[p];
          }
        }
      }
    }
  });
  return undefined(env);
}

// swiglu(a, b, out)
R1_ENTRY(swiglu) {
  Args a(env, info, "swiglu", 3);
  F32 A = a.f32(0, "a"), B = a.f32(1, "b"), O = a.f32(2, "out");
  const int64_t n = static_cast<int64_t>(A.n);
  a.exact(B, n, "b");
  a.exact(O, n, "out");
  parallel_for(n, 1 << 15, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) O.p[i] = A.p[i] * fast_sigmoid(A.p[i]) * B.p[i];
  });
  return undefined(env);
}

// swigluBackward(a, b, dy, da, db)
R1_ENTRY(swiglu_backward) {
  Args a(env, info, "swigluBackward", 5);
  F32 A = a.f32(0, "a"), B = a.f32(1, "b"), dy = a.f32(2, "dy"), da = a.f32(3, "da"), db = a.f32(4, "db");
  const int64_t n = static_cast<int64_t>(A.n);
  a.exact(B, n, "b");
  a.exact(dy, n, "dy");
  a.exact(da, n, "da");
  a.exact(db, n, "db");
  parallel_for(n, 1 << 15, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float x = A.p[i], s = fast_sigmoid(x), g = dy.p[i];
      db.p[i] = g * x * s;
      da.p[i] = g * B.p[i] * s * (1.0f + x * (1.0f - s));
    }
  });
  return undefined(env);
}

// topk(x, rows, n, k, values, indices): descending, ties by lower index; NaN sorts last.
R1_ENTRY(topk) {
  Args a(env, info, "topk", 6);
  F32 x = a.f32(0, "x");
  const int64_t rows = a.size(1, "rows"), n = a.size(2, "n"), k = a.size(3, "k");
  F32 vals = a.f32(4, "values");
  I32 idx = a.i32(5, "indices");
  if (k > n) fail_range("topk: k=" + std::to_string(k) + " > n=" + std::to_string(n));
  a.need(x, mul(rows, n), "x");
  a.need(vals, mul(rows, k), "values");
  a.need(idx, mul(rows, k), "indices");
  parallel_for(rows, 64, [&](int64_t r0, int64_t r1) {
    std::vector<int32_t> order(static_cast<size_t>(n));
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x.p + r * n;
      for (int64_t j = 0; j < n; j++) order[j] = static_cast<int32_t>(j);
      auto key = [&](int32_t j) { const float v = xr[j]; return std::isnan(v) ? -std::numeric_limits<float>::infinity() : v; };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t i, int32_t j) {
        const float a2 = key(i), b2 = key(j);
        return a2 > b2 || (a2 == b2 && i < j);
      });
      for (int64_t j = 0; j < k; j++) {
        vals.p[r * k + j] = xr[order[j]];
        idx.p[r * k + j] = order[j];
      }
    }
  });
  return undefined(env);
}

// adamw(p, g, m, v, lr, beta1, beta2, eps, weightDecay, step, gradScale)
R1_ENTRY(adamw) {
  Args a(env, info, "adamw", 11);
  F32 p = a.f32(0, "p"), g = a.f32(1, "g"), m = a.f32(2, "m"), v = a.f32(3, "v");
  const double lr = a.num(4, "lr"), b1 = a.num(5, "beta1"), b2 = a.num(6, "beta2"), eps = a.num(7, "eps");
  const double wd = a.num(8, "weightDecay");
  const int64_t step = a.size(9, "step");
  const double gs = a.num(10, "gradScale");
  const int64_t n = static_cast<int64_t>(p.n);
  a.exact(g, n, "g");
  a.exact(m, n, "m");
  a.exact(v, n, "v");
  if (step < 1) fail_range("adamw: step must be >= 1");
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
  const float ib1 = static_cast<float>(1.0 - b1), ib2 = static_cast<float>(1.0 - b2);
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(b1, static_cast<double>(step))));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(b2, static_cast<double>(step))));
  const float flr = static_cast<float>(lr), fwd = static_cast<float>(wd), feps = static_cast<float>(eps), fgs = static_cast<float>(gs);
  parallel_for(n, 1 << 15, [&](int64_t i0, int64_t i1) {
    // Local restrict pointers: through the captured structs the compiler cannot rule out aliasing and won't vectorize.
    float* __restrict P = p.p;
    const float* __restrict G = g.p;
    float* __restrict Mm = m.p;
    float* __restrict Vv = v.p;
    const float lr_ = flr, wd_ = fwd, eps_ = feps, gs_ = fgs, b1_ = fb1, b2_ = fb2, i1_ = ib1, i2_ = ib2, c1_ = c1, c2_ = c2;
    for (int64_t i = i0; i < i1; i++) {
      const float gi = G[i] * gs_;
      const float mi = b1_ * Mm[i] + i1_ * gi;
      const float vi = b2_ * Vv[i] + i2_ * gi * gi;
      Mm[i] = mi;
      Vv[i] = vi;
      P[i] -= lr_ * (mi * c1_ / (std::sqrt(vi * c2_) + eps_) + wd_ * P[i]);
    }
  });
  return undefined(env);
}

}  // namespace r1
