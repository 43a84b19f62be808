// Tests for core/util/block_buffer.h: capacities, recycling through the
// pool, its bound, and many threads returning buffers others took.
#include "core/util/block_buffer.h"

#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace lsm {
namespace {

constexpr size_t kGranule = BlockBuffer::kGranule;

// The pool is process-wide and other tests leave buffers in it. Takes every
// idle buffer of the calling thread's shard, to be held for the test's
// length, so what the test checks starts from an empty shard with room.
std::vector<BlockBuffer> EmptyMyShard() {
  std::vector<BlockBuffer> held;
  // A request for g granules takes an idle buffer of g .. g + kLookAhead.
  for (size_t g = 1; g <= BlockBuffer::kMaxPooled / kGranule; g += BlockBuffer::kLookAhead + 1) {
    for (;;) {
      const size_t before = BlockBuffer::IdleBytes();
      held.emplace_back(g * kGranule);
      if (BlockBuffer::IdleBytes() == before) break;  // that one was new
    }
  }
  return held;
}

TEST(BlockBufferTest, EmptyHoldsNothing) {
  BlockBuffer b;
  EXPECT_EQ(b.data(), nullptr);
  EXPECT_EQ(b.capacity(), 0u);
  BlockBuffer z(0);
  EXPECT_EQ(z.data(), nullptr);
  EXPECT_EQ(z.capacity(), 0u);
  z.reset();  // no effect
  EXPECT_EQ(z.data(), nullptr);
}

TEST(BlockBufferTest, CapacityIsRoundedToGranules) {
  auto held = EmptyMyShard();  // else a request may get a larger idle buffer
  for (size_t n : {size_t{1}, kGranule - 1, kGranule, kGranule + 1, size_t{4096}, size_t{4097},
                   BlockBuffer::kMaxPooled}) {
    BlockBuffer b(n);
    ASSERT_NE(b.data(), nullptr);
    EXPECT_EQ(b.capacity(), (n + kGranule - 1) / kGranule * kGranule) << n;
    std::memset(b.data(), 0xab, b.capacity());  // all of it is ours (ASan checks)
  }
  // Over kMaxPooled: exactly what was asked, and never pooled.
  size_t idle = BlockBuffer::IdleBytes();
  {
    BlockBuffer big(BlockBuffer::kMaxPooled + 1);
    EXPECT_EQ(big.capacity(), BlockBuffer::kMaxPooled + 1);
    std::memset(big.data(), 1, big.capacity());
  }
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle);
}

TEST(BlockBufferTest, ReturnedBufferIsReused) {
  auto held = EmptyMyShard();
  const size_t idle = BlockBuffer::IdleBytes();
  char* first;
  {
    BlockBuffer b(4100);
    first = b.data();
    EXPECT_EQ(b.capacity(), 17 * kGranule);
  }
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle + 17 * kGranule);
  BlockBuffer again(4100);
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle);
}

TEST(BlockBufferTest, RequestTakesSlightlyLargerIdleBuffer) {
  constexpr size_t kLook = BlockBuffer::kLookAhead;
  auto held = EmptyMyShard();
  const size_t idle = BlockBuffer::IdleBytes();
  char* p;
  {
    BlockBuffer b(100 * kGranule);
    p = b.data();
  }
  // Up to kLookAhead granules larger is taken, and reported as such.
  BlockBuffer smaller((100 - kLook) * kGranule);
  EXPECT_EQ(smaller.data(), p);
  EXPECT_EQ(smaller.capacity(), 100 * kGranule);
  smaller.reset();
  // Further than that, a new buffer; the idle one stays.
  BlockBuffer much_smaller((100 - kLook - 1) * kGranule);
  EXPECT_NE(much_smaller.data(), p);
  EXPECT_EQ(much_smaller.capacity(), (100 - kLook - 1) * kGranule);
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle + 100 * kGranule);
  // A larger request never takes a smaller buffer.
  BlockBuffer larger(101 * kGranule);
  EXPECT_NE(larger.data(), p);
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle + 100 * kGranule);
}

TEST(BlockBufferTest, IdleBytesAreBounded) {
  {
    std::vector<BlockBuffer> many;
    for (size_t i = 0; i < 2 * BlockBuffer::kMaxIdleBytes / 4096; i++) many.emplace_back(4096);
  }  // returned: this thread's shard keeps what fits, the heap the rest
  const size_t shard_bound = BlockBuffer::kMaxIdleBytes / BlockBuffer::kShards;
  EXPECT_GT(BlockBuffer::IdleBytes(), shard_bound - 4096);  // this thread's shard is full
  EXPECT_LE(BlockBuffer::IdleBytes(), BlockBuffer::kMaxIdleBytes);
}

TEST(BlockBufferTest, MoveTransfersOwnership) {
  BlockBuffer a(1000);
  char* p = a.data();
  BlockBuffer b(std::move(a));
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.capacity(), 0u);
  EXPECT_EQ(b.data(), p);
  BlockBuffer c(500);
  c = std::move(b);  // c's old buffer is returned
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(b.data(), nullptr);
  c = std::move(c);  // self-move keeps it
  EXPECT_EQ(c.data(), p);
}

// Threads return buffers other threads took, as block cache evictions do;
// each buffer's bytes stay its holder's alone (a buffer handed out twice
// would show another thread's pattern). Run under TSan and ASan in CI.
TEST(BlockBufferTest, ThreadsShareThePool) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::vector<BlockBuffer> handoff(kThreads);
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([t, &failures] {
      std::vector<BlockBuffer> held;
      for (int i = 0; i < kRounds; i++) {
        size_t n = 3800 + static_cast<size_t>((i * 37 + t * 101) % 600);
        BlockBuffer b(n);
        std::memset(b.data(), 'a' + t, n);
        held.push_back(std::move(b));
        if (held.size() > 8) {
          const BlockBuffer& old = held.front();
          for (size_t j = 0; j < 3800; j++) {
            if (old.data()[j] != 'a' + t) {
              failures[t]++;
              break;
            }
          }
          held.erase(held.begin());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; t++) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_LE(BlockBuffer::IdleBytes(), BlockBuffer::kMaxIdleBytes);
}

#if defined(__SANITIZE_ADDRESS__)
// An idle buffer is poisoned past its link, so reading a block after its
// buffer went back to the pool still fails under AddressSanitizer.
TEST(BlockBufferDeathTest, IdleBufferIsPoisoned) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto held = EmptyMyShard();
  char* p;
  {
    BlockBuffer b(4096);
    p = b.data();
    p[100] = 1;
  }
  EXPECT_DEATH(
      {
        volatile char c = p[100];
        (void)c;
      },
      "use-after-poison");
}
#endif

}  // namespace
}  // namespace lsm
