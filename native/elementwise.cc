// native/elementwise.cc — element-wise kernels: unary (+ derivative), broadcasting binary, where, the general
// strided copy / accumulate, fill and sum of squares. Large arrays are split over the thread pool.

#include <cmath>
#include <cstring>

#include "fastmath.h"
#include "kernels.h"
#include "napi_util.h"
#include "pool.h"
#include "strided.h"

namespace r1 {
namespace {

constexpr int64_t kParallelMin = 1 << 15;
constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2/pi)

enum Unary { NEG, EXP, LOG, SQRT, RSQRT, ABS, POW, CLAMP, AFFINE, SILU, GELU, RELU, TANH, SIGMOID, SQUARE, UNARY_COUNT };
enum Binary { ADD, SUB, MUL, DIV, MAX, MIN, BINARY_COUNT };

template <class F>
void map1(const float* x, float* out, int64_t n, F f) {
  parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = f(x[i]);
  });
}

template <class F>
void map3(const float* x, const float* y, const float* dy, float* dx, int64_t n, F f) {
  parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) dx[i] = dy[i] * f(x[i], y[i]);
  });
}

int op_code(Args& a, size_t i, int count) {
  const int64_t op = a.size(i, "op");
  if (op >= count) fail_range(a.where("op") + " unknown code " + std::to_string(op));
  return static_cast<int>(op);
}

}  // namespace

// unary(op, x, out, p0, p1)
R1_ENTRY(unary) {
  Args a(env, info, "unary", 5);
  const int op = op_code(a, 0, UNARY_COUNT);
  F32 x = a.f32(1, "x"), out = a.f32(2, "out");
  const float p0 = static_cast<float>(a.num(3, "p0")), p1 = static_cast<float>(a.num(4, "p1"));
  a.exact(out, static_cast<int64_t>(x.n), "out");
  const int64_t n = static_cast<int64_t>(x.n);
  const float* X = x.p;
  float* O = out.p;
  switch (op) {
    case NEG: map1(X, O, n, [](float v) { return -v; }); break;
    case EXP: map1(X, O, n, [](float v) { return fast_exp(v); }); break;
    case LOG: map1(X, O, n, [](float v) { return std::log(v); }); break;
    case SQRT: map1(X, O, n, [](float v) { return std::sqrt(v); }); break;
    case RSQRT: map1(X, O, n, [](float v) { return 1.0f / std::sqrt(v); }); break;
    case ABS: map1(X, O, n, [](float v) { return std::fabs(v); }); break;
    case POW: map1(X, O, n, [p0](float v) { return std::pow(v, p0); }); break;
    case CLAMP: map1(X, O, n, [p0, p1](float v) { return v < p0 ? p0 : (v > p1 ? p1 : v); }); break;
    case AFFINE: map1(X, O, n, [p0, p1](float v) { return v * p0 + p1; }); break;
    case SILU: map1(X, O, n, [](float v) { return v * fast_sigmoid(v); }); break;
    case GELU: map1(X, O, n, [](float v) { return 0.5f * v * (1.0f + fast_tanh(kGeluC * (v + 0.044715f * v * v * v))); }); break;
    case RELU: map1(X, O, n, [](float v) { return v > 0.0f ? v : 0.0f; }); break;
    case TANH: map1(X, O, n, [](float v) { return fast_tanh(v); }); break;
    case SIGMOID: map1(X, O, n, [](float v) { return fast_sigmoid(v); }); break;
    case SQUARE: map1(X, O, n, [](float v) { return v * v; }); break;
  }
  return undefined(env);
}

// unaryBackward(op, x, y, dy, dx, p0, p1)
R1_ENTRY(unary_backward) {
  Args a(env, info, "unaryBackward", 7);
  const int op = op_code(a, 0, UNARY_COUNT);
  F32 x = a.f32(1, "x"), y = a.f32(2, "y"), dy = a.f32(3, "dy"), dx = a.f32(4, "dx");
  const float p0 = static_cast<float>(a.num(5, "p0")), p1 = static_cast<float>(a.num(6, "p1"));
  const int64_t n = static_cast<int64_t>(x.n);
  a.exact(y, n, "y");
  a.exact(dy, n, "dy");
  a.exact(dx, n, "dx");
  const float *X = x.p, *Y = y.p, *DY = dy.p;
  float* DX = dx.p;
  switch (op) {
    case NEG: map3(X, Y, DY, DX, n, [](float, float) { return -1.0f; }); break;
    case EXP: map3(X, Y, DY, DX, n, [](float, float yv) { return yv; }); break;
    case LOG: map3(X, Y, DY, DX, n, [](float xv, float) { return 1.0f / xv; }); break;
    case SQRT: map3(X, Y, DY, DX, n, [](float, float yv) { return 0.5f / yv; }); break;
    case RSQRT: map3(X, Y, DY, DX, n, [](float, float yv) { return -0.5f * yv * yv * yv; }); break;
    case ABS: map3(X, Y, DY, DX, n, [](float xv, float) { return xv > 0.0f ? 1.0f : (xv < 0.0f ? -1.0f : 0.0f); }); break;
    case POW: map3(X, Y, DY, DX, n, [p0](float xv, float) { return p0 * std::pow(xv, p0 - 1.0f); }); break;
    case CLAMP: map3(X, Y, DY, DX, n, [p0, p1](float xv, float) { return xv >= p0 && xv <= p1 ? 1.0f : 0.0f; }); break;
    case AFFINE: map3(X, Y, DY, DX, n, [p0](float, float) { return p0; }); break;
    case SILU:
      map3(X, Y, DY, DX, n, [](float xv, float) {
        const float s = fast_sigmoid(xv);
        return s * (1.0f + xv * (1.0f - s));
      });
      break;
    case GELU:
      map3(X, Y, DY, DX, n, [](float xv, float) {
        const float t = fast_tanh(kGeluC * (xv + 0.044715f * xv * xv * xv));
        const float du = kGeluC * (1.0f + 3.0f * 0.044715f * xv * xv);
        return 0.5f * (1.0f + t) + 0.5f * xv * (1.0f - t * t) * du;
      });
      break;
    case RELU: map3(X, Y, DY, DX, n, [](float xv, float) { return xv > 0.0f ? 1.0f : 0.0f; }); break;
    case TANH: map3(X, Y, DY, DX, n, [](float, float yv) { return 1.0f - yv * yv; }); break;
    case SIGMOID: map3(X, Y, DY, DX, n, [](float, float yv) { return yv * (1.0f - yv); }); break;
    case SQUARE: map3(X, Y, DY, DX, n, [](float xv, float) { return 2.0f * xv; }); break;
  }
  return undefined(env);
}

namespace {

template <class F>
void binary_run(const StridedSpace<3>& s, const float* A, const float* B, float* O, F f) {
  const int64_t inner = s.inner();
  const int64_t sa = s.strides[0][s.nd - 1], sb = s.strides[1][s.nd - 1], so = s.strides[2][s.nd - 1];
  auto rows = [&](int64_t r0, int64_t r1) {
    for_rows<3>(s, r0, r1, [&](const int64_t* off, int64_t n) {
      const float* a = A + off[0];
      const float* b = B + off[1];
      float* o = O + off[2];
      if (sa == 1 && sb == 1 && so == 1) for (int64_t j = 0; j < n; j++) o[j] = f(a[j], b[j]);
      else if (sa == 1 && sb == 0 && so == 1) { const float bv = b[0]; for (int64_t j = 0; j < n; j++) o[j] = f(a[j], bv); }
      else if (sa == 0 && sb == 1 && so == 1) { const float av = a[0]; for (int64_t j = 0; j < n; j++) o[j] = f(av, b[j]); }
      else for (int64_t j = 0; j < n; j++) o[j * so] = f(a[j * sa], b[j * sb]);
    });
  };
  const int64_t nrows = s.rows();
  if (nrows == 1) {
    // One long row: split the row itself.
    parallel_for(inner, kParallelMin, [&](int64_t j0, int64_t j1) {
      const float* a = A + j0 * sa;
      const float* b = B + j0 * sb;
      float* o = O + j0 * so;
      const int64_t n = j1 - j0;
      if (sa == 1 && sb == 1 && so == 1) for (int64_t j = 0; j < n; j++) o[j] = f(a[j], b[j]);
      else for (int64_t j = 0; j < n; j++) o[j * so] = f(a[j * sa], b[j * sb]);
    });
  } else if (s.total >= kParallelMin) {
    parallel_for(nrows, 2, rows);
  } else {
    rows(0, nrows);
  }
}

}  // namespace

// binary(op, a, aStrides, b, bStrides, out, shape)
R1_ENTRY(binary) {
  Args a(env, info, "binary", 7);
  const int op = op_code(a, 0, BINARY_COUNT);
  F32 A = a.f32(1, "a"), B = a.f32(3, "b"), O = a.f32(5, "out");
  I32 sa = a.i32(2, "aStrides"), sb = a.i32(4, "bStrides"), shape = a.i32(6, "shape");
  // out is contiguous over shape.
  I32 so;
  int32_t so_buf[kMaxDims];
  so.p = so_buf;
  so.n = shape.n;
  if (shape.n > static_cast<size_t>(kMaxDims)) fail_range("binary: shape has more than 12 dimensions");
  int64_t acc = 1;
  for (int64_t d = static_cast<int64_t>(shape.n) - 1; d >= 0; d--) {
    if (acc > INT32_MAX) fail_range("binary: output too large");
    so_buf[d] = static_cast<int32_t>(acc);
    acc *= shape.p[d] < 0 ? 0 : shape.p[d];
  }
  const I32* strides[3] = {&sa, &sb, &so};
  const size_t lens[3] = {A.n, B.n, O.n};
  const char* names[3] = {"a", "b", "out"};
  auto s = make_space<3>(a, shape, strides, lens, names);
  a.exact(O, s.total, "out");
  if (s.total == 0) return undefined(env);
  switch (op) {
    case ADD: binary_run(s, A.p, B.p, O.p, [](float x, float y) { return x + y; }); break;
    case SUB: binary_run(s, A.p, B.p, O.p, [](float x, float y) { return x - y; }); break;
    case MUL: binary_run(s, A.p, B.p, O.p, [](float x, float y) { return x * y; }); break;
    case DIV: binary_run(s, A.p, B.p, O.p, [](float x, float y) { return x / y; }); break;
    case MAX: binary_run(s, A.p, B.p, O.p, [](float x, float y) { return x >= y ? x : y; }); break;
    case MIN: binary_run(s, A.p, B.p, O.p, [](float x, float y) { return x <= y ? x : y; }); break;
  }
  return undefined(env);
}

// where(cond, cStrides, a, aStrides, b, bStrides, out, shape)
R1_ENTRY(where) {
  Args a(env, info, "where", 8);
  F32 C = a.f32(0, "cond"), A = a.f32(2, "a"), B = a.f32(4, "b"), O = a.f32(6, "out");
  I32 sc = a.i32(1, "cStrides"), sa = a.i32(3, "aStrides"), sb = a.i32(5, "bStrides"), shape = a.i32(7, "shape");
  if (shape.n > static_cast<size_t>(kMaxDims)) fail_range("where: shape has more than 12 dimensions");
  int32_t so_buf[kMaxDims];
  I32 so{so_buf, shape.n};
  int64_t acc = 1;
  for (int64_t d = static_cast<int64_t>(shape.n) - 1; d >= 0; d--) {
    if (acc > INT32_MAX) fail_range("where: output too large");
    so_buf[d] = static_cast<int32_t>(acc);
    acc *= shape.p[d] < 0 ? 0 : shape.p[d];
  }
  const I32* strides[4] = {&sc, &sa, &sb, &so};
  const size_t lens[4] = {C.n, A.n, B.n, O.n};
  const char* names[4] = {"cond", "a", "b", "out"};
  auto s = make_space<4>(a, shape, strides, lens, names);
  a.exact(O, s.total, "out");
  if (s.total == 0) return undefined(env);
  const int64_t st0 = s.strides[0][s.nd - 1], st1 = s.strides[1][s.nd - 1], st2 = s.strides[2][s.nd - 1], st3 = s.strides[3][s.nd - 1];
  for_rows<4>(s, 0, s.rows(), [&](const int64_t* off, int64_t n) {
    for (int64_t j = 0; j < n; j++) O.p[off[3] + j * st3] = C.p[off[0] + j * st0] != 0.0f ? A.p[off[1] + j * st1] : B.p[off[2] + j * st2];
  });
  return undefined(env);
}

// strided(src, srcStrides, dst, dstStrides, shape, accumulate)
R1_ENTRY(strided) {
  Args a(env, info, "strided", 6);
  F32 S = a.f32(0, "src"), D = a.f32(2, "dst");
  I32 ss = a.i32(1, "srcStrides"), ds = a.i32(3, "dstStrides"), shape = a.i32(4, "shape");
  const bool accumulate = a.flag(5, "accumulate");
  const I32* strides[2] = {&ss, &ds};
  const size_t lens[2] = {S.n, D.n};
  const char* names[2] = {"src", "dst"};
  auto s = make_space<2>(a, shape, strides, lens, names);
  if (s.total == 0) return undefined(env);
  const int64_t s0 = s.strides[0][s.nd - 1], s1 = s.strides[1][s.nd - 1];
  auto rows = [&](int64_t r0, int64_t r1) {
    for_rows<2>(s, r0, r1, [&](const int64_t* off, int64_t n) {
      const float* src = S.p + off[0];
      float* dst = D.p + off[1];
      if (accumulate) {
        if (s0 == 1 && s1 == 1) for (int64_t j = 0; j < n; j++) dst[j] += src[j];
        else if (s1 == 0) { float acc = 0.0f; for (int64_t j = 0; j < n; j++) acc += src[j * s0]; dst[0] += acc; }
        else for (int64_t j = 0; j < n; j++) dst[j * s1] += src[j * s0];
      } else {
        if (s0 == 1 && s1 == 1) std::memcpy(dst, src, sizeof(float) * n);
        else if (s0 == 0 && s1 == 1) { const float v = src[0]; for (int64_t j = 0; j < n; j++) dst[j] = v; }
        else for (int64_t j = 0; j < n; j++) dst[j * s1] = src[j * s0];
      }
    });
  };
  // Accumulation may land several rows on one destination element, so it stays on one thread.
  if (!accumulate && s.total >= kParallelMin && s.rows() >= 2) parallel_for(s.rows(), 2, rows);
  else rows(0, s.rows());
  return undefined(env);
}

// fill(x, value)
R1_ENTRY(fill) {
  Args a(env, info, "fill", 2);
  F32 x = a.f32(0, "x");
  const float v = static_cast<float>(a.num(1, "value"));
  const int64_t n = static_cast<int64_t>(x.n);
  parallel_for(n, 1 << 17, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) x.p[i] = v;
  });
  return undefined(env);
}

// sumSquares(x) -> number (float64 accumulation)
R1_ENTRY(sum_squares) {
  Args a(env, info, "sumSquares", 1);
  F32 x = a.f32(0, "x");
  const int64_t n = static_cast<int64_t>(x.n);
  double parts[64] = {0};
  const int64_t chunks = n >= (1 << 16) ? 64 : 1;
  parallel_for(chunks, 2, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
      double acc = 0.0;
      // Blocks of float partial sums keep the loop vectorized while float64 carries the total.
      for (int64_t i = b; i < e; i += 1024) {
        const int64_t end = i + 1024 < e ? i + 1024 : e;
        float f = 0.0f;
        for (int64_t j = i; j < end; j++) f += x.p[j] * x.p[j];
        acc += f;
      }
      parts[c] = acc;
    }
  });
  double total = 0.0;
  for (int64_t c = 0; c < chunks; c++) total += parts[c];
  return number(env, total);
}

}  // namespace r1
