// Tests for core/base/dbformat.h: the inline key comparisons every search
// uses must order exactly as memcmp-then-length (user keys) and as the
// documented internal-key order.
#include "core/base/dbformat.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "core/util/random.h"

namespace lsm {
namespace {

int Sign(int x) { return (x > 0) - (x < 0); }

// The reference order: unsigned bytes, then the shorter first.
int Reference(const std::string& a, const std::string& b) {
  size_t n = std::min(a.size(), b.size());
  int r = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (r != 0) return Sign(r);
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

TEST(DBFormatTest, CompareBytesMatchesMemcmpOrder) {
  Random rnd(2026);
  // Few distinct byte values (including ones >= 0x80, which must sort above
  // ASCII) so that long shared prefixes and every word position get hit.
  const unsigned char alphabet[] = {0x00, 0x01, '0', '9', 0x7f, 0x80, 0xfe, 0xff};
  for (int i = 0; i < 200000; i++) {
    std::string a, b;
    size_t la = rnd.Uniform(25), lb = rnd.Uniform(25);
    for (size_t j = 0; j < la; j++) a.push_back(static_cast<char>(alphabet[rnd.Uniform(8)]));
    if (rnd.OneIn(2)) {
      b = a.substr(0, std::min(la, lb));  // a shared prefix, then differ
    }
    while (b.size() < lb) b.push_back(static_cast<char>(alphabet[rnd.Uniform(8)]));
    ASSERT_EQ(Sign(CompareBytes(a, b)), Reference(a, b)) << i;
    ASSERT_EQ(Sign(CompareBytes(b, a)), Reference(b, a)) << i;
    ASSERT_EQ(CompareBytes(a, a), 0);
  }
  EXPECT_EQ(CompareBytes("", ""), 0);
  EXPECT_LT(CompareBytes("", std::string(1, '\0')), 0);
  EXPECT_LT(CompareBytes("abcdefgh", "abcdefgh\x01"), 0);
  EXPECT_GT(CompareBytes("abcdefgi", "abcdefgh\xff"), 0);
  EXPECT_LT(CompareBytes(std::string("abcdefg\x7f"), std::string("abcdefg\x80")), 0);
}

TEST(DBFormatTest, InternalKeysOrderByUserKeyThenNewestFirst) {
  auto ikey = [](const std::string& user, SequenceNumber seq, ValueType t) {
    std::string k;
    AppendInternalKey(&k, user, seq, t);
    return k;
  };
  EXPECT_LT(CompareInternalKeys(ikey("a", 1, ValueType::kValue), ikey("b", 9, ValueType::kValue)), 0);
  EXPECT_LT(CompareInternalKeys(ikey("a", 9, ValueType::kValue), ikey("a", 1, ValueType::kValue)), 0);
  EXPECT_LT(CompareInternalKeys(ikey("a", 5, ValueType::kValue), ikey("a", 5, ValueType::kDeletion)), 0);
  EXPECT_EQ(CompareInternalKeys(ikey("a", 5, ValueType::kValue), ikey("a", 5, ValueType::kValue)), 0);
  // A user key that is a prefix of another sorts first, whatever the tags.
  EXPECT_LT(CompareInternalKeys(ikey("0123456789", 1, ValueType::kValue),
                                ikey(std::string("0123456789\0", 11), 9, ValueType::kValue)),
            0);
}

}  // namespace
}  // namespace lsm
