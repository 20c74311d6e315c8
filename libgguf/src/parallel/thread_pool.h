// A fixed set of worker threads that run one batch of indexed jobs at a
// time; the caller's thread works too. Owned by whoever quantizes (no
// process-wide pool), so two quantizations never share or fight over one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gguf::quant {

class ThreadPool {
public:
    explicit ThreadPool(unsigned threads);  // total threads, the caller's included
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

    // Runs job(0) .. job(count - 1) across the threads and returns when all
    // are done. Jobs must not throw.
    void run(size_t count, const std::function<void(size_t)>& job);

    // Splits rows 0 .. rows - 1 into at most size() contiguous ranges and
    // runs job(range, first, count) for each; returns how many ranges ran.
    size_t run_ranges(uint64_t rows, const std::function<void(size_t range, uint64_t first, uint64_t count)>& job);

private:
    void work_on_batch();
    void worker_loop();

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(size_t)>* job_ = nullptr;
    size_t next_ = 0, count_ = 0, finished_ = 0;
    unsigned long batch_ = 0;
    bool stopping_ = false;
};

}  // namespace gguf::quant
