#include "thread_pool.h"

#include <algorithm>

namespace gguf::quant {

ThreadPool::ThreadPool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
}

void ThreadPool::work_on_batch() {
    for (;;) {
        size_t index;
        const std::function<void(size_t)>* job;
        {
            std::lock_guard lock(mutex_);
            if (next_ >= count_) return;
            index = next_++;
            job = job_;
        }
        (*job)(index);
        std::lock_guard lock(mutex_);
        if (++finished_ == count_) done_.notify_all();
    }
}

void ThreadPool::worker_loop() {
    unsigned long seen = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || batch_ != seen; });
            if (stopping_) return;
            seen = batch_;
        }
        work_on_batch();
    }
}

size_t ThreadPool::run_ranges(uint64_t rows, const std::function<void(size_t, uint64_t, uint64_t)>& job) {
    const size_t ranges = static_cast<size_t>(std::min<uint64_t>(rows, size()));
    run(ranges, [&](size_t r) {
        const uint64_t first = rows * r / ranges, last = rows * (r + 1) / ranges;
        job(r, first, last - first);
    });
    return ranges;
}

void ThreadPool::run(size_t count, const std::function<void(size_t)>& job) {
    if (count == 0) return;
    {
        std::lock_guard lock(mutex_);
        job_ = &job;
        next_ = 0;
        count_ = count;
        finished_ = 0;
        ++batch_;
    }
    wake_.notify_all();
    work_on_batch();
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return finished_ == count_; });
}

}  // namespace gguf::quant
