// Hands numbered pieces of work (chunks 0, 1, 2, ...) to a thread of its own
// that consumes them in order, so that what consuming costs (writing a
// quantized chunk to the output, digesting it) overlaps with producing the
// next ones. The producer releases chunks as they become ready and, before
// reusing a chunk's memory, waits until that chunk is consumed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "gguf/error.h"

namespace gguf::quant {

class InOrderConsumer {
public:
    // Runs consume(k) for each released k, in order, on its own thread; the
    // first failure stops it.
    explicit InOrderConsumer(std::function<Status(uint64_t k)> consume);
    // Abandons what is not consumed yet.
    ~InOrderConsumer();
    InOrderConsumer(const InOrderConsumer&) = delete;
    InOrderConsumer& operator=(const InOrderConsumer&) = delete;

    // Chunks 0 .. count - 1 may be consumed.
    void release(uint64_t count);
    // Returns once chunks 0 .. count - 1 are consumed (count at most what was
    // released), or with the error that stopped the consumer.
    Status wait_consumed(uint64_t count);
    // Consumes every released chunk, then ends the thread; the first failure.
    Status finish();

private:
    void consume_loop();
    void stop_thread();

    std::function<Status(uint64_t)> consume_;
    std::mutex mutex_;
    std::condition_variable changed_;
    uint64_t released_ = 0;
    uint64_t consumed_ = 0;
    bool draining_ = false;   // finish(): end once everything released is consumed
    bool abandoned_ = false;  // end after the chunk in hand
    Status failed_;           // the consumer's first failure
    std::thread thread_;      // last: starts once the state above exists
};

}  // namespace gguf::quant
