// native/pool.h — a tiny persistent thread pool: parallel_for splits a range over the calling thread plus
// (threads - 1) workers that sleep on a condition variable between calls (they spin briefly first, since kernels
// come in quick succession during a training step). GEMM threads belong to OpenBLAS, not to this pool.
#pragma once

#include <cstdint>
#include <functional>

namespace r1 {

// Number of threads parallel_for uses (calling thread included).
int pool_threads();

// Calls fn(begin, end) on disjoint chunks covering [0, n). Runs inline when n < min_parallel or one thread.
// fn must not throw.
void parallel_for(int64_t n, int64_t min_parallel, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace r1
