// native/pool.cc — the persistent thread pool behind parallel_for (see pool.h).

#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#ifdef __linux__
#include <sched.h>
#endif
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define R1_PAUSE() _mm_pause()
#else
#define R1_PAUSE() ((void)0)
#endif

namespace r1 {
namespace {

class Pool {
 public:
  explicit Pool(int threads) : threads_(threads < 1 ? 1 : threads) {
    for (int i = 1; i < threads_; i++) workers_.emplace_back([this, i] { loop(i); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int threads() const { return threads_; }

  void run(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
    std::lock_guard<std::mutex> serial(run_mu_);  // one parallel region at a time
    task_ = &fn;
    n_ = n;
    pending_.store(threads_ - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    chunk(0, fn);
    // Wait for the workers: spin a little, then yield.
    int spins = 0;
    while (pending_.load(std::memory_order_acquire) != 0) {
      if (++spins < 4000) R1_PAUSE();
      else std::this_thread::yield();
    }
    task_ = nullptr;
  }

 private:
  void chunk(int idx, const std::function<void(int64_t, int64_t)>& fn) {
    int64_t begin = n_ * idx / threads_;
    int64_t end = n_ * (idx + 1) / threads_;
    if (end > begin) fn(begin, end);
  }

  void loop(int idx) {
    uint64_t seen = 0;
    for (;;) {
      // Spin briefly for the next task before sleeping.
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen && spins < 5000) {
        R1_PAUSE();
        spins++;
      }
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load() != seen; });
      }
      seen = generation_.load();
      if (stop_) return;
      chunk(idx, *task_);
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::mutex run_mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int64_t, int64_t)>* task_ = nullptr;
  int64_t n_ = 0;
  bool stop_ = false;
};

int default_threads() {
  const char* env = std::getenv("R1_THREADS");
  if (env != nullptr) {
    int v = std::atoi(env);
    if (v >= 1 && v <= 64) return v;
  }
  // The CPUs this process may run on (taskset, a container's cpuset), not every CPU of the machine:
  // hardware_concurrency() counts them all, and 8 threads pinned to 2 CPUs fight for them.
  unsigned hw = 0;
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) hw = static_cast<unsigned>(CPU_COUNT(&set));
#endif
  if (hw == 0) hw = std::thread::hardware_concurrency();
  if (hw == 0) hw = 1;
  return hw > 8 ? 8 : static_cast<int>(hw);
}

Pool& pool() {
  // Intentionally leaked: joining threads during process exit would race with Node's teardown.
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

int pool_threads() { return pool().threads(); }

void parallel_for(int64_t n, int64_t min_parallel, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  Pool& p = pool();
  if (p.threads() == 1 || n < min_parallel) {
    fn(0, n);
    return;
  }
  p.run(n, fn);
}

}  // namespace r1
