// Tests for core/table/bloom.h: no false negatives, a bounded
// false-positive rate, and a malformed filter answering "maybe".
#include "core/table/bloom.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lsm {
namespace {

std::string Key(int i) { return "user-key-" + std::to_string(i); }
std::string Absent(int i) { return "absent-" + std::to_string(i) + "-x"; }

std::string Build(int bits_per_key, int n) {
  BloomFilterBuilder b(bits_per_key);
  for (int i = 0; i < n; i++) b.AddKey(Key(i));
  EXPECT_EQ(b.num_keys(), static_cast<size_t>(n));
  return b.Finish();
}

double FalsePositiveRate(const std::string& filter, int probes) {
  int fp = 0;
  for (int i = 0; i < probes; i++) {
    if (BloomFilterMayContain(filter, Absent(i))) fp++;
  }
  return static_cast<double>(fp) / probes;
}

TEST(BloomTest, NoFalseNegatives10k) {
  constexpr int kN = 10000;
  const std::string filter = Build(10, kN);
  for (int i = 0; i < kN; i++) {
    ASSERT_TRUE(BloomFilterMayContain(filter, Key(i))) << i;
  }
}

TEST(BloomTest, FalsePositiveRateAt10BitsPerKey) {
  constexpr int kN = 10000;
  const std::string filter = Build(10, kN);
  // Size: ceil(n * 10 / 8) bytes of bits plus the probe-count byte.
  EXPECT_EQ(filter.size(), static_cast<size_t>((kN * 10 + 7) / 8 + 1));
  const double rate = FalsePositiveRate(filter, 10000);
  EXPECT_LT(rate, 0.02) << rate;
}

TEST(BloomTest, EmptyFilterRejectsEverything) {
  BloomFilterBuilder b(10);
  const std::string filter = b.Finish();
  EXPECT_EQ(filter.size(), 64u / 8 + 1);  // minimum of 64 bits
  for (int i = 0; i < 100; i++) EXPECT_FALSE(BloomFilterMayContain(filter, Key(i)));
}

TEST(BloomTest, SmallFiltersUseTheMinimumSize) {
  const std::string filter = Build(10, 1);
  EXPECT_EQ(filter.size(), 9u);
  EXPECT_TRUE(BloomFilterMayContain(filter, Key(0)));
}

TEST(BloomTest, BitsPerKeyRange) {
  constexpr int kN = 2000;
  constexpr int kProbes = 5000;
  double prev_rate = 1.0;
  for (int bpk = 1; bpk <= 20; bpk++) {
    SCOPED_TRACE("bits_per_key " + std::to_string(bpk));
    const std::string filter = Build(bpk, kN);
    const size_t bits = std::max<size_t>(64, static_cast<size_t>(kN) * bpk);
    EXPECT_EQ(filter.size(), (bits + 7) / 8 + 1);
    const int k = static_cast<unsigned char>(filter.back());
    EXPECT_GE(k, 1);
    EXPECT_LE(k, 30);
    for (int i = 0; i < kN; i++) ASSERT_TRUE(BloomFilterMayContain(filter, Key(i))) << i;
    // Close to the textbook rate (1 - e^(-k n / m))^k, with generous slack.
    const double m = static_cast<double>(((bits + 7) / 8) * 8);
    const double expected = std::pow(1.0 - std::exp(-k * kN / m), k);
    const double rate = FalsePositiveRate(filter, kProbes);
    EXPECT_LE(rate, expected * 1.5 + 0.005) << "expected about " << expected;
    EXPECT_LT(rate, 1.0);
    // More bits never make it much worse.
    EXPECT_LE(rate, prev_rate + 0.01);
    prev_rate = rate;
  }
  // The extremes are far apart.
  EXPECT_LT(FalsePositiveRate(Build(20, kN), kProbes), 0.002);
  EXPECT_GT(FalsePositiveRate(Build(1, kN), kProbes), 0.2);
}

TEST(BloomTest, RepeatedConsecutiveKeysCountOnce) {
  BloomFilterBuilder b(10);
  for (int i = 0; i < 100; i++) {
    b.AddKey(Key(i));
    b.AddKey(Key(i));  // another version of the same user key
    b.AddKey(Key(i));
  }
  EXPECT_EQ(b.num_keys(), 100u);
  const std::string filter = b.Finish();
  for (int i = 0; i < 100; i++) EXPECT_TRUE(BloomFilterMayContain(filter, Key(i)));
  // Finish resets the builder.
  EXPECT_EQ(b.num_keys(), 0u);
}

TEST(BloomTest, BinaryAndEmptyKeys) {
  BloomFilterBuilder b(10);
  const std::vector<std::string> keys = {"", std::string("\0", 1), std::string("\0\0", 2),
                                         std::string(1000, '\xff')};
  for (const auto& k : keys) b.AddKey(k);
  const std::string filter = b.Finish();
  for (const auto& k : keys) EXPECT_TRUE(BloomFilterMayContain(filter, k));
}

TEST(BloomTest, MalformedFilterAnswersTrue) {
  const std::string good = Build(10, 100);
  // Too short.
  EXPECT_TRUE(BloomFilterMayContain("", "anything"));
  EXPECT_TRUE(BloomFilterMayContain(std::string(1, '\x06'), "anything"));
  EXPECT_TRUE(BloomFilterMayContain(std::string(1, '\0'), "anything"));
  // k out of range: 0 and > 30, with an all-zero bit array that would
  // otherwise answer false.
  for (int k : {0, 31, 100, 255}) {
    std::string f(9, '\0');
    f[8] = static_cast<char>(k);
    for (int i = 0; i < 20; i++) EXPECT_TRUE(BloomFilterMayContain(f, Absent(i))) << k;
  }
  // In-range k with all-zero bits answers false (sanity check of the above).
  std::string zeros(9, '\0');
  zeros[8] = 6;
  EXPECT_FALSE(BloomFilterMayContain(zeros, Absent(0)));
  // Changing the last byte of a real filter to an invalid k.
  std::string bad = good;
  bad.back() = 0;
  for (int i = 0; i < 50; i++) EXPECT_TRUE(BloomFilterMayContain(bad, Absent(i)));
}

}  // namespace
}  // namespace lsm
