#include "in_order_consumer.h"

namespace gguf::quant {

InOrderConsumer::InOrderConsumer(std::function<Status(uint64_t k)> consume)
    : consume_(std::move(consume)), thread_([this] { consume_loop(); }) {}

InOrderConsumer::~InOrderConsumer() {
    {
        std::lock_guard lock(mutex_);
        abandoned_ = true;
    }
    stop_thread();
}

void InOrderConsumer::consume_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [&] { return abandoned_ || consumed_ < released_ || draining_; });
        if (abandoned_ || consumed_ == released_) return;
        const uint64_t k = consumed_;
        lock.unlock();
        Status done = consume_(k);
        lock.lock();
        if (!done) {
            failed_ = std::move(done);
            changed_.notify_all();
            return;
        }
        consumed_ = k + 1;
        changed_.notify_all();
    }
}

void InOrderConsumer::release(uint64_t count) {
    std::lock_guard lock(mutex_);
    if (count <= released_) return;
    released_ = count;
    changed_.notify_all();
}

Status InOrderConsumer::wait_consumed(uint64_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return consumed_ >= count || !failed_; });
    return failed_;
}

Status InOrderConsumer::finish() {
    {
        std::lock_guard lock(mutex_);
        draining_ = true;
        changed_.notify_all();
    }
    stop_thread();
    return failed_;
}

void InOrderConsumer::stop_thread() {
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace gguf::quant
