// Tests for core/util/block_buffer.h: capacities, recycling through the
// pool, its bounds, many threads returning buffers others took, and (under
// AddressSanitizer) the poisoning of what is not the holder's to read.
#include "core/util/block_buffer.h"

#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace lsm {
namespace {

constexpr size_t kGranule = BlockBuffer::kGranule;
constexpr size_t kShardBound = BlockBuffer::kMaxIdleBytes / BlockBuffer::kShards;

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

// The pool is off by default under ASan (so that ASan sees every block
// exactly); these tests are of the pool, so they turn it on.
class BlockBufferTest : public ::testing::Test {
 protected:
  void SetUp() override { BlockBuffer::SetPoolingForTesting(true); }
};

TEST_F(BlockBufferTest, EmptyHoldsNothing) {
  BlockBuffer b;
  EXPECT_EQ(b.data(), nullptr);
  EXPECT_EQ(b.capacity(), 0u);
  BlockBuffer z(0);
  EXPECT_EQ(z.data(), nullptr);
  EXPECT_EQ(z.capacity(), 0u);
  z.reset();  // no effect
  EXPECT_EQ(z.data(), nullptr);
}

TEST_F(BlockBufferTest, CapacityIsRoundedToGranules) {
  auto held = EmptyMyShard();  // else a request may get a larger idle buffer
  for (size_t n : {size_t{1}, kGranule - 1, kGranule, kGranule + 1, size_t{4096}, size_t{4097},
                   BlockBuffer::kMaxPooled}) {
    BlockBuffer b(n);
    ASSERT_NE(b.data(), nullptr);
    EXPECT_EQ(b.capacity(), (n + kGranule - 1) / kGranule * kGranule) << n;
    std::memset(b.data(), 0xab, n);  // all of it is ours (ASan checks)
  }
  // Over kMaxPooled: exactly what was asked, and never pooled.
  const size_t idle = BlockBuffer::IdleBytes();
  {
    BlockBuffer big(BlockBuffer::kMaxPooled + 1);
    EXPECT_EQ(big.capacity(), BlockBuffer::kMaxPooled + 1);
    std::memset(big.data(), 1, big.capacity());
  }
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle);
}

TEST_F(BlockBufferTest, ReturnedBufferIsReused) {
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

TEST_F(BlockBufferTest, RequestTakesSlightlyLargerIdleBuffer) {
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

TEST_F(BlockBufferTest, IdleBytesAreBounded) {
  {
    std::vector<BlockBuffer> many;
    for (size_t i = 0; i < 2 * kShardBound / 4096; i++) many.emplace_back(4096);
  }  // returned: this thread's shard keeps what fits, the heap the rest
  EXPECT_GT(BlockBuffer::IdleBytes(), kShardBound - 4096);  // this thread's shard is full
  EXPECT_LE(BlockBuffer::IdleBytes(), BlockBuffer::kMaxIdleBytes);
}

// A shard full of one size makes room for another: the sizes in use now
// win over the ones returned before (a closed table's index block, say).
TEST_F(BlockBufferTest, FullShardMakesRoomForNewSizes) {
  auto held = EmptyMyShard();
  const size_t idle = BlockBuffer::IdleBytes();
  {
    std::vector<BlockBuffer> big;
    for (size_t i = 0; i < kShardBound / BlockBuffer::kMaxPooled; i++) {
      big.emplace_back(BlockBuffer::kMaxPooled);
    }
  }
  ASSERT_EQ(BlockBuffer::IdleBytes(), idle + kShardBound);  // full of 32 KiB buffers
  char* p;
  {
    BlockBuffer small(4096);
    p = small.data();
  }
  // One 32 KiB buffer went to make room for the 4 KiB one, which is kept.
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle + kShardBound - BlockBuffer::kMaxPooled + 4096);
  BlockBuffer again(4096);
  EXPECT_EQ(again.data(), p);
}

TEST_F(BlockBufferTest, PoolingOffAllocatesExactly) {
  auto held = EmptyMyShard();
  const size_t idle = BlockBuffer::IdleBytes();
  BlockBuffer::SetPoolingForTesting(false);
  {
    BlockBuffer b(4100);
    EXPECT_EQ(b.capacity(), 4100u);
  }
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle);  // freed, not pooled
  BlockBuffer kept(4100);
  BlockBuffer::SetPoolingForTesting(true);
  kept.reset();  // not a whole number of granules: freed, though pooling is on
  EXPECT_EQ(BlockBuffer::IdleBytes(), idle);
}

TEST_F(BlockBufferTest, MoveTransfersOwnership) {
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
  BlockBuffer& alias = c;
  c = std::move(alias);  // a self-move keeps the buffer
  EXPECT_EQ(c.data(), p);
}

// More threads than shards (so some share one) hand buffers to each other
// through a queue, as block cache evictions free blocks other threads read,
// and return what they receive to their own shard. Each buffer is stamped
// all through with its own tag when made and checked when received: a
// buffer the pool handed out twice at once would carry another's tag. Run
// under TSan and ASan in CI.
TEST_F(BlockBufferTest, ThreadsHandBuffersToEachOther) {
  constexpr int kThreads = 2 * static_cast<int>(BlockBuffer::kShards) + 1;
  constexpr int kRounds = 500;
  struct Sent {
    BlockBuffer buf;
    size_t n;
    uint32_t tag;
  };
  std::mutex mu;
  std::deque<Sent> queue;
  std::vector<int> failures(kThreads, 0);
  auto stamp = [](char* p, size_t n, uint32_t tag) {
    for (size_t i = 0; i + 4 <= n; i += 4) std::memcpy(p + i, &tag, 4);
  };
  auto intact = [](const char* p, size_t n, uint32_t tag) {
    for (size_t i = 0; i + 4 <= n; i += 4) {
      if (std::memcmp(p + i, &tag, 4) != 0) return false;
    }
    return true;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; i++) {
        const uint32_t tag = static_cast<uint32_t>(t) << 16 | static_cast<uint32_t>(i);
        const size_t n = 3800 + static_cast<size_t>((i * 37 + t * 101) % 600);
        BlockBuffer b(n);
        stamp(b.data(), n, tag);
        Sent got{BlockBuffer(), 0, 0};
        {
          std::lock_guard<std::mutex> l(mu);
          queue.push_back(Sent{std::move(b), n, tag});
          if (queue.size() > 4) {
            got = std::move(queue.front());
            queue.pop_front();
          }
        }
        if (got.buf.data() != nullptr && !intact(got.buf.data(), got.n, got.tag)) failures[t]++;
        // got.buf goes back to this thread's shard here.
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& s : queue) {
    if (!intact(s.buf.data(), s.n, s.tag)) failures[0]++;
  }
  for (int t = 0; t < kThreads; t++) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_LE(BlockBuffer::IdleBytes(), BlockBuffer::kMaxIdleBytes);
}

#ifdef LSM_ASAN
// A 4096-byte buffer, written to and returned: the pointer outlives it.
char* ReturnedBuffer() {
  BlockBuffer b(4096);
  b.data()[100] = 1;
  return b.data();
}

// Expects reading *p to make ASan abort with report.
void ExpectAsanReport(const char* p, const char* report) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        volatile char c = *p;
        (void)c;
      },
      report);
}

// An idle buffer is poisoned past its link, and a held one past its
// request, so with the pool on ASan still sees such reads.
TEST_F(BlockBufferTest, PoisonedWhereNotTheHolders) {
  auto held = EmptyMyShard();
  BlockBuffer live(4000);  // capacity 4096: bytes 4000.. are not the holder's
  ExpectAsanReport(live.data() + 4050, "use-after-poison");
  ExpectAsanReport(ReturnedBuffer() + 100, "use-after-poison");
}

// With the pool off, as under ASan by default, a freed buffer is freed.
TEST(BlockBufferAsanTest, PoolOffLetsAsanSeeFreedBlocks) {
  BlockBuffer::SetPoolingForTesting(false);
  ExpectAsanReport(ReturnedBuffer() + 100, "heap-use-after-free");
  BlockBuffer::SetPoolingForTesting(true);
}
#endif

}  // namespace
}  // namespace lsm
