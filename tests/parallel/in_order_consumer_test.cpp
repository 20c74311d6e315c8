// The consumer a device's chunks are written through: every released chunk
// once, in order, on a thread other than the producer's; a failure stops it
// and reaches the producer.
#include "parallel/in_order_consumer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

using gguf::quant::InOrderConsumer;

TEST(InOrderConsumer, ConsumesEveryReleasedChunkOnceInOrderOffTheProducersThread) {
    std::vector<uint64_t> seen;
    std::atomic<bool> on_producer_thread{false};
    const auto producer = std::this_thread::get_id();
    InOrderConsumer consumer([&](uint64_t k) -> gguf::Status {
        if (std::this_thread::get_id() == producer) on_producer_thread = true;
        seen.push_back(k);
        return {};
    });
    // Released in uneven steps, with the producer waiting as stream() does
    // before it reuses a slot.
    uint64_t released = 0;
    for (uint64_t step : {1, 3, 1, 7, 2}) {
        released += step;
        consumer.release(released);
        ASSERT_TRUE(consumer.wait_consumed(released - 1).has_value());
    }
    ASSERT_TRUE(consumer.finish().has_value());
    ASSERT_EQ(seen.size(), released);
    for (uint64_t k = 0; k < released; ++k) EXPECT_EQ(seen[k], k);
    EXPECT_FALSE(on_producer_thread);
}

TEST(InOrderConsumer, AFailureStopsConsumingAndReachesTheProducer) {
    std::vector<uint64_t> seen;
    InOrderConsumer consumer([&](uint64_t k) -> gguf::Status {
        if (k == 3) return gguf::fail(gguf::ErrorCode::io, "out.gguf", "write failed: no space left");
        seen.push_back(k);
        return {};
    });
    consumer.release(8);
    const auto waited = consumer.wait_consumed(8);  // can never be reached: returns the failure
    ASSERT_FALSE(waited.has_value());
    EXPECT_EQ(waited.error().message, "write failed: no space left");
    const auto finished = consumer.finish();
    ASSERT_FALSE(finished.has_value());
    EXPECT_EQ(finished.error().file, "out.gguf");
    EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1, 2}));
}

TEST(InOrderConsumer, DestroyedUnfinishedItAbandonsWhatIsLeft) {
    std::atomic<uint64_t> consumed{0};
    std::atomic<bool> hold{true}, entered{false};
    std::thread unblock;
    {
        InOrderConsumer consumer([&](uint64_t) -> gguf::Status {
            entered = true;
            while (hold) std::this_thread::yield();
            ++consumed;
            return {};
        });
        consumer.release(100);
        while (!entered) std::this_thread::yield();
        // Chunk 0 is held until well after the scope ends: the producer
        // failed, and leaving must wait only for the chunk in hand, not for
        // 99 more it no longer cares about.
        unblock = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            hold = false;
        });
    }
    unblock.join();
    EXPECT_EQ(consumed.load(), 1u);
}

}  // namespace
