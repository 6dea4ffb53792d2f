// native/kernels.h — the N-API entry points, one per Backend kernel (see src/backend/types.ts for semantics).
#pragma once

#include <node_api.h>

namespace r1 {

// gemm.cc
napi_value gemm(napi_env env, napi_callback_info info);
napi_value cblas_sgemm_direct(napi_env env, napi_callback_info info);
napi_value use_blas(napi_env env, napi_callback_info info);
bool have_cblas();    // built with OpenBLAS
bool blas_enabled();  // built with it and not switched off by useBlas(false)
const char* blas_corename();  // openblas_get_corename(), nullptr without OpenBLAS
const char* blas_config();    // openblas_get_config(), nullptr without OpenBLAS

// elementwise.cc
napi_value unary(napi_env env, napi_callback_info info);
napi_value unary_backward(napi_env env, napi_callback_info info);
napi_value binary(napi_env env, napi_callback_info info);
napi_value strided(napi_env env, napi_callback_info info);
napi_value where(napi_env env, napi_callback_info info);
napi_value fill(napi_env env, napi_callback_info info);
napi_value sum_squares(napi_env env, napi_callback_info info);

// reduce.cc
napi_value reduce(napi_env env, napi_callback_info info);
napi_value softmax(napi_env env, napi_callback_info info);
napi_value softmax_backward(napi_env env, napi_callback_info info);
napi_value cross_entropy(napi_env env, napi_callback_info info);
napi_value cross_entropy_backward(napi_env env, napi_callback_info info);

// layers.cc
napi_value index_select(napi_env env, napi_callback_info info);
napi_value index_add(napi_env env, napi_callback_info info);
napi_value rmsnorm(napi_env env, napi_callback_info info);
napi_value rmsnorm_backward(napi_env env, napi_callback_info info);
napi_value layernorm(napi_env env, napi_callback_info info);
napi_value layernorm_backward(napi_env env, napi_callback_info info);
napi_value rope(napi_env env, napi_callback_info info);
napi_value swiglu(napi_env env, napi_callback_info info);
napi_value swiglu_backward(napi_env env, napi_callback_info info);
napi_value topk(napi_env env, napi_callback_info info);
napi_value adamw(napi_env env, napi_callback_info info);

// attention.cc
napi_value attention(napi_env env, napi_callback_info info);
napi_value attention_backward(napi_env env, napi_callback_info info);

// decode.cc
napi_value decode_attention(napi_env env, napi_callback_info info);
napi_value decode_layer(napi_env env, napi_callback_info info);
napi_value decode_layers(napi_env env, napi_callback_info info);
napi_value decode_logits(napi_env env, napi_callback_info info);
napi_value pack_linear(napi_env env, napi_callback_info info);
napi_value to_f16(napi_env env, napi_callback_info info);
napi_value from_f16(napi_env env, napi_callback_info info);
napi_value packed_linear_size(napi_env env, napi_callback_info info);

// gemm_packed.cc
napi_value packed_gemm(napi_env env, napi_callback_info info);
void packed_sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                  float beta, float* C, int64_t ldc);

// sample.cc
napi_value sample_rows(napi_env env, napi_callback_info info);

// Shared GEMM used by kernels (row-major, single matrix): C = alpha op(A) op(B) + beta C.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace r1
