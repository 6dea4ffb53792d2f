// native/napi_util.h — argument parsing and validation for the N-API entry points. Every entry point reads its
// arguments through these helpers, which throw a JavaScript error (never crash) on a wrong type, a short buffer
// or a non-integer size. Float32Array / Int32Array arguments are used zero-copy (pointer into the JS buffer).
#pragma once

#include <node_api.h>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace r1 {

// Thrown inside entry points; caught by the ENTRY wrapper and turned into a JS RangeError/TypeError.
struct ArgError {
  bool type_error;
  std::string message;
};

[[noreturn]] inline void fail_range(const std::string& msg) { throw ArgError{false, msg}; }
[[noreturn]] inline void fail_type(const std::string& msg) { throw ArgError{true, msg}; }

// A typed-array argument used in place: its data pointer and element count.
template <class T>
struct View {
  T* p = nullptr;
  size_t n = 0;
};
using F32 = View<float>;
using I32 = View<int32_t>;
using U16 = View<uint16_t>;
using F64 = View<double>;
// A KV-cache buffer: Float32Array (f32 storage) or Uint16Array (IEEE half storage); n counts elements.
struct KvBuf {
  void* p = nullptr;
  size_t n = 0;
  bool half = false;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* fn, size_t expected) : env_(env), fn_(fn) {
    argc_ = 32;
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
    if (argc_ < expected) fail_type(std::string(fn) + ": expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc_));
  }

  double num(size_t i, const char* what) {
    double v = 0;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) fail_type(where(what) + " must be a number");
    return v;
  }

  // A non-negative integer that fits comfortably in int64 arithmetic.
  int64_t size(size_t i, const char* what) {
    double v = num(i, what);
    if (!(v >= 0) || v != std::floor(v) || v > 9.0e15) fail_range(where(what) + " must be a non-negative integer, got " + fmt(v));
    return static_cast<int64_t>(v);
  }

  bool flag(size_t i, const char* what) {
    bool b = false;
    if (napi_get_value_bool(env_, argv_[i], &b) != napi_ok) fail_type(where(what) + " must be a boolean");
    return b;
  }

  bool is_null(size_t i) {
    napi_valuetype t;
    napi_typeof(env_, argv_[i], &t);
    return t == napi_null || t == napi_undefined;
  }

  F32 f32(size_t i, const char* what) {
    F32 out;
    out.p = static_cast<float*>(typed(i, what, napi_float32_array, &out.n));
    return out;
  }

  // A Float32Array or null.
  F32 f32_opt(size_t i, const char* what) {
    if (is_null(i)) return F32{};
    return f32(i, what);
  }

  I32 i32(size_t i, const char* what) {
    I32 out;
    out.p = static_cast<int32_t*>(typed(i, what, napi_int32_array, &out.n));
    return out;
  }

  F64 f64(size_t i, const char* what) {
    F64 out;
    out.p = static_cast<double*>(typed(i, what, napi_float64_array, &out.n));
    return out;
  }

  U16 u16(size_t i, const char* what) {
    U16 out;
    out.p = static_cast<uint16_t*>(typed(i, what, napi_uint16_array, &out.n));
    return out;
  }

  // A Float32Array or a Uint16Array (half-precision storage).
  KvBuf kv(size_t i, const char* what) { return kv_value(argv_[i], what); }

  void need(const KvBuf& a, int64_t need_n, const char* what) {
    if (need_n < 0 || static_cast<uint64_t>(need_n) > a.n) fail_range(std::string(fn_) + ": " + what + " holds " + std::to_string(a.n) + " elements, needs " + std::to_string(need_n));
  }

  I32 i32_opt(size_t i, const char* what) {
    if (is_null(i)) return I32{};
    return i32(i, what);
  }

  // Requires a buffer to hold at least `need` elements.
  void need(const F32& a, int64_t need_n, const char* what) {
    if (need_n < 0 || static_cast<uint64_t>(need_n) > a.n) fail_range(std::string(fn_) + ": " + what + " holds " + std::to_string(a.n) + " floats, needs " + std::to_string(need_n));
  }
  void need(const I32& a, int64_t need_n, const char* what) {
    if (need_n < 0 || static_cast<uint64_t>(need_n) > a.n) fail_range(std::string(fn_) + ": " + what + " holds " + std::to_string(a.n) + " ints, needs " + std::to_string(need_n));
  }
  void exact(const F32& a, int64_t n, const char* what) {
    if (static_cast<uint64_t>(n) != a.n) fail_range(std::string(fn_) + ": " + what + " holds " + std::to_string(a.n) + " floats, expected " + std::to_string(n));
  }

  const char* fn() const { return fn_; }
  std::string where(const std::string& what) const { return std::string(fn_) + ": " + what; }

  // A JS array of `count` elements; element k read by get(value, "what[k]").
  template <class T, class Get>
  std::vector<T> list(size_t i, const char* what, size_t count, const Get& get) {
    bool is = false;
    napi_is_array(env_, argv_[i], &is);
    if (!is) fail_type(where(what) + " must be an array");
    uint32_t n = 0;
    napi_get_array_length(env_, argv_[i], &n);
    if (n != count) fail_range(where(what) + " holds " + std::to_string(n) + " entries, expected " + std::to_string(count));
    std::vector<T> out;
    for (uint32_t k = 0; k < n; k++) {
      napi_value e;
      napi_get_element(env_, argv_[i], k, &e);
      out.push_back(get(e, std::string(what) + "[" + std::to_string(k) + "]"));
    }
    return out;
  }

  // An array of Float32Arrays (entries may be null when nullable).
  std::vector<F32> f32_list(size_t i, const char* what, size_t count, bool nullable = false) {
    return list<F32>(i, what, count, [&](napi_value e, const std::string& w) {
      napi_valuetype t;
      napi_typeof(env_, e, &t);
      if (nullable && (t == napi_null || t == napi_undefined)) return F32{};
      F32 f;
      f.p = static_cast<float*>(typed_value(e, w, napi_float32_array, &f.n));
      return f;
    });
  }

  // An array of KV-cache buffers (Float32Array or Uint16Array each).
  std::vector<KvBuf> kv_list(size_t i, const char* what, size_t count) {
    return list<KvBuf>(i, what, count, [&](napi_value e, const std::string& w) { return kv_value(e, w); });
  }

 private:
  void* typed(size_t i, const char* what, napi_typedarray_type want, size_t* len) { return typed_value(argv_[i], what, want, len); }
  // The data of a typed array `v` of type `want` (its element count in *len); a type error naming `what` otherwise.
  void* typed_value(napi_value v, const std::string& what, napi_typedarray_type want, size_t* len) {
    napi_typedarray_type t;
    void* data = nullptr;
    if (!typed_any(v, &t, &data, len) || t != want) {
      fail_type(where(what) + (want == napi_float32_array ? " must be a Float32Array" : want == napi_uint16_array ? " must be a Uint16Array" : want == napi_float64_array ? " must be a Float64Array" : " must be an Int32Array"));
    }
    return data;
  }
  // A Float32Array or a Uint16Array (f16 storage) `v`; a type error naming `what` otherwise.
  KvBuf kv_value(napi_value v, const std::string& what) {
    napi_typedarray_type t;
    void* data = nullptr;
    size_t len = 0;
    if (!typed_any(v, &t, &data, &len) || (t != napi_float32_array && t != napi_uint16_array)) {
      fail_type(where(what) + " must be a Float32Array or a Uint16Array (f16 storage)");
    }
    return KvBuf{data, len, t == napi_uint16_array};
  }
  // Type, data and element count of `v`; false when `v` is not a typed array.
  bool typed_any(napi_value v, napi_typedarray_type* t, void** data, size_t* len) {
    bool is = false;
    napi_is_typedarray(env_, v, &is);
    if (!is) return false;
    napi_value ab;
    size_t off = 0;
    napi_get_typedarray_info(env_, v, t, len, data, &ab, &off);
    return true;
  }
  static std::string fmt(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
  }

  napi_env env_;
  const char* fn_;
  size_t argc_;
  napi_value argv_[32];
};

// Wraps an entry point body: C++ ArgError → JS exception; returns undefined unless the body returns a value.
#define R1_ENTRY(name)                                                      \
  static napi_value name##_impl(napi_env env, napi_callback_info info);     \
  napi_value name(napi_env env, napi_callback_info info) {                  \
    try {                                                                   \
      return name##_impl(env, info);                                        \
    } catch (const r1::ArgError& e) {                                       \
      if (e.type_error) napi_throw_type_error(env, nullptr, e.message.c_str()); \
      else napi_throw_range_error(env, nullptr, e.message.c_str());         \
      return nullptr;                                                       \
    } catch (const std::exception& e) {                                     \
      napi_throw_error(env, nullptr, e.what());                             \
      return nullptr;                                                       \
    }                                                                       \
  }                                                                         \
  static napi_value name##_impl(napi_env env, napi_callback_info info)

inline napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

inline napi_value number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

// Checked int64 product of sizes (no overflow for the sizes we accept, all < 2^53 and buffers < 2^32 floats).
inline int64_t mul(int64_t a, int64_t b) {
  if (a != 0 && b > INT64_MAX / a) fail_range("size overflow");
  return a * b;
}

}  // namespace r1
