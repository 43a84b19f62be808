// Tests for core/util/arena.h: block sizing, alignment, large entries, and
// the huge-block path (2 MiB blocks, advised as transparent huge pages).
#include "core/util/arena.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "core/util/random.h"

namespace lsm {
namespace {

TEST(ArenaTest, BlockSizeForBudget) {
  EXPECT_EQ(Arena::BlockSizeFor(0), Arena::kDefaultBlockSize);
  EXPECT_EQ(Arena::BlockSizeFor(64 << 10), Arena::kDefaultBlockSize);
  EXPECT_EQ(Arena::BlockSizeFor(4 << 20), 128u << 10);  // the default write buffer
  EXPECT_EQ(Arena::BlockSizeFor(64 << 20), Arena::kHugeBlock);
  EXPECT_EQ(Arena::BlockSizeFor(size_t{1} << 40), Arena::kHugeBlock);
  for (size_t budget = 1; budget < (size_t{1} << 32); budget = budget * 3 + 1) {
    size_t b = Arena::BlockSizeFor(budget);
    ASSERT_EQ(b & (b - 1), 0u) << budget;  // a power of two
    ASSERT_GE(b, Arena::kDefaultBlockSize);
    ASSERT_LE(b, Arena::kHugeBlock);
  }
}

// Fills arenas of both kinds with entries of random sizes (some larger than
// a quarter block, which get blocks of their own), checks alignment, that
// no two entries overlap (each is filled, then verified after all), and
// that usage counts every block.
TEST(ArenaTest, EntriesAreAlignedAndDisjoint) {
  for (size_t block : {Arena::kDefaultBlockSize, Arena::kHugeBlock}) {
    Arena arena(block);
    Random rnd(static_cast<uint32_t>(block));
    std::vector<std::pair<char*, size_t>> entries;
    size_t total = 0;
    while (total < 3 * Arena::kHugeBlock) {
      size_t n = rnd.OneIn(50) ? 1 + rnd.Uniform(block) : 1 + rnd.Uniform(200);
      char* p = arena.Allocate(n);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % sizeof(void*), 0u);
      std::memset(p, static_cast<int>(entries.size() & 0xff), n);
      entries.emplace_back(p, n);
      total += n;
    }
    for (size_t i = 0; i < entries.size(); i++) {
      const auto& [p, n] = entries[i];
      for (size_t j = 0; j < n; j++) ASSERT_EQ(static_cast<unsigned char>(p[j]), i & 0xff) << i;
    }
    EXPECT_GE(arena.MemoryUsage(), total);
    EXPECT_LE(arena.MemoryUsage(), total + 2 * block + entries.size() * (sizeof(void*) + sizeof(char*)));
  }
}

}  // namespace
}  // namespace lsm
