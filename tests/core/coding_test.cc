// Tests for core/util/coding.h: fixed-width and varint encodings, and the
// decoders' refusal to read past the input they are given.
#include "core/util/coding.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace lsm {
namespace {

std::vector<uint32_t> Boundaries32() {
  std::vector<uint32_t> v = {0, 1, 2, 0x7f, 0x80, 0x81, 0xff, 0x100};
  for (int bits = 7; bits < 32; bits += 7) {
    uint32_t p = uint32_t{1} << bits;
    v.push_back(p - 1);
    v.push_back(p);
    v.push_back(p + 1);
  }
  v.push_back(0x7fffffffu);
  v.push_back(0x80000000u);
  v.push_back(std::numeric_limits<uint32_t>::max() - 1);
  v.push_back(std::numeric_limits<uint32_t>::max());
  return v;
}

std::vector<uint64_t> Boundaries64() {
  std::vector<uint64_t> v = {0, 1, 2, 0x7f, 0x80};
  for (int bits = 7; bits < 64; bits += 7) {
    uint64_t p = uint64_t{1} << bits;
    v.push_back(p - 1);
    v.push_back(p);
    v.push_back(p + 1);
  }
  for (int bits = 31; bits <= 33; bits++) v.push_back(uint64_t{1} << bits);
  v.push_back(uint64_t{1} << 63);
  v.push_back(std::numeric_limits<uint64_t>::max() - 1);
  v.push_back(std::numeric_limits<uint64_t>::max());
  return v;
}

// Expected varint length: ceil(significant bits / 7), at least 1.
int ExpectedLength(uint64_t v) {
  int bits = 0;
  while (bits < 64 && (v >> bits) != 0) bits++;
  return bits == 0 ? 1 : (bits + 6) / 7;
}

TEST(CodingTest, Fixed32RoundTrip) {
  std::string s;
  std::vector<uint32_t> values = Boundaries32();
  for (uint32_t v : values) PutFixed32(&s, v);
  ASSERT_EQ(s.size(), 4 * values.size());
  std::string_view in = s;
  for (uint32_t v : values) {
    uint32_t got = 0;
    ASSERT_TRUE(GetFixed32(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Fixed64RoundTrip) {
  std::string s;
  std::vector<uint64_t> values = Boundaries64();
  for (uint64_t v : values) PutFixed64(&s, v);
  ASSERT_EQ(s.size(), 8 * values.size());
  std::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetFixed64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, FixedIsLittleEndian) {
  char buf[8];
  EncodeFixed32(buf, 0x04030201u);
  EXPECT_EQ(std::string(buf, 4), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(DecodeFixed32(buf), 0x04030201u);
  EncodeFixed64(buf, 0x0807060504030201ull);
  EXPECT_EQ(std::string(buf, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeFixed64(buf), 0x0807060504030201ull);
  // High bytes must not sign-extend.
  EncodeFixed64(buf, 0xfffefdfcfbfaf9f8ull);
  EXPECT_EQ(DecodeFixed64(buf), 0xfffefdfcfbfaf9f8ull);
}

TEST(CodingTest, FixedTruncated) {
  std::string s;
  PutFixed64(&s, 42);
  for (size_t n = 0; n < 4; n++) {
    std::string_view in(s.data(), n);
    uint32_t v32;
    EXPECT_FALSE(GetFixed32(&in, &v32)) << n;
    EXPECT_EQ(in.size(), n);
  }
  for (size_t n = 0; n < 8; n++) {
    std::string_view in(s.data(), n);
    uint64_t v64;
    EXPECT_FALSE(GetFixed64(&in, &v64)) << n;
    EXPECT_EQ(in.size(), n);
  }
}

TEST(CodingTest, Varint32RoundTrip) {
  std::string s;
  std::vector<uint32_t> values = Boundaries32();
  for (uint32_t v : values) {
    size_t before = s.size();
    PutVarint32(&s, v);
    EXPECT_EQ(static_cast<int>(s.size() - before), VarintLength(v)) << v;
    EXPECT_EQ(VarintLength(v), ExpectedLength(v)) << v;
    EXPECT_LE(VarintLength(v), 5);
  }
  std::string_view in = s;
  for (uint32_t v : values) {
    uint32_t got = 0;
    ASSERT_TRUE(GetVarint32(&in, &got)) << v;
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());

  // The pointer form returns the byte right after each value.
  const char* p = s.data();
  const char* limit = s.data() + s.size();
  for (uint32_t v : values) {
    uint32_t got = 0;
    const char* q = GetVarint32Ptr(p, limit, &got);
    ASSERT_NE(q, nullptr) << v;
    EXPECT_EQ(q - p, VarintLength(v));
    EXPECT_EQ(got, v);
    p = q;
  }
  EXPECT_EQ(p, limit);
}

TEST(CodingTest, Varint64RoundTrip) {
  std::string s;
  std::vector<uint64_t> values = Boundaries64();
  for (uint64_t v : values) {
    size_t before = s.size();
    PutVarint64(&s, v);
    EXPECT_EQ(static_cast<int>(s.size() - before), VarintLength(v)) << v;
    EXPECT_EQ(VarintLength(v), ExpectedLength(v)) << v;
    EXPECT_LE(VarintLength(v), 10);
  }
  EXPECT_EQ(VarintLength(std::numeric_limits<uint64_t>::max()), 10);
  std::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&in, &got)) << v;
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, EncodeVarintReturnsEnd) {
  for (uint64_t v : Boundaries64()) {
    char buf[10];
    char* end = EncodeVarint64(buf, v);
    EXPECT_EQ(end - buf, VarintLength(v));
    uint64_t got;
    EXPECT_EQ(GetVarint64Ptr(buf, end, &got), end);
    EXPECT_EQ(got, v);
  }
  for (uint32_t v : Boundaries32()) {
    char buf[5];
    char* end = EncodeVarint32(buf, v);
    EXPECT_EQ(end - buf, VarintLength(v));
    uint32_t got;
    EXPECT_EQ(GetVarint32Ptr(buf, end, &got), end);
    EXPECT_EQ(got, v);
  }
}

TEST(CodingTest, Varint32TruncatedRejected) {
  for (uint32_t v : Boundaries32()) {
    std::string s;
    PutVarint32(&s, v);
    // Every strict prefix is truncated. A copy in a buffer of exactly n bytes
    // lets ASan catch a read past the limit.
    for (size_t n = 0; n < s.size(); n++) {
      std::vector<char> buf(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
      uint32_t got = 12345;
      EXPECT_EQ(GetVarint32Ptr(buf.data(), buf.data() + n, &got), nullptr) << v << " " << n;
      std::string_view in(buf.data(), n);
      EXPECT_FALSE(GetVarint32(&in, &got));
    }
  }
}

TEST(CodingTest, Varint64TruncatedRejected) {
  for (uint64_t v : Boundaries64()) {
    std::string s;
    PutVarint64(&s, v);
    for (size_t n = 0; n < s.size(); n++) {
      std::vector<char> buf(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
      uint64_t got = 12345;
      EXPECT_EQ(GetVarint64Ptr(buf.data(), buf.data() + n, &got), nullptr) << v << " " << n;
      std::string_view in(buf.data(), n);
      EXPECT_FALSE(GetVarint64(&in, &got));
    }
  }
}

TEST(CodingTest, Varint32OverlongRejected) {
  uint32_t v;
  // Six bytes: the continuation bit is still set on the fifth.
  const std::string six("\x80\x80\x80\x80\x80\x00", 6);
  EXPECT_EQ(GetVarint32Ptr(six.data(), six.data() + six.size(), &v), nullptr);
  const std::string six_ff("\xff\xff\xff\xff\xff\x01", 6);
  EXPECT_EQ(GetVarint32Ptr(six_ff.data(), six_ff.data() + six_ff.size(), &v), nullptr);
  // Five bytes whose value does not fit in 32 bits.
  const std::string big("\xff\xff\xff\xff\x1f", 5);
  EXPECT_EQ(GetVarint32Ptr(big.data(), big.data() + big.size(), &v), nullptr);
  const std::string big2("\x80\x80\x80\x80\x10", 5);  // 1 << 32
  EXPECT_EQ(GetVarint32Ptr(big2.data(), big2.data() + big2.size(), &v), nullptr);
  // The largest valid one still decodes.
  const std::string max("\xff\xff\xff\xff\x0f", 5);
  ASSERT_EQ(GetVarint32Ptr(max.data(), max.data() + max.size(), &v), max.data() + 5);
  EXPECT_EQ(v, std::numeric_limits<uint32_t>::max());
  // Endless continuation bytes.
  const std::string endless(32, '\x80');
  EXPECT_EQ(GetVarint32Ptr(endless.data(), endless.data() + endless.size(), &v), nullptr);
  std::string_view in = endless;
  EXPECT_FALSE(GetVarint32(&in, &v));
}

TEST(CodingTest, Varint64OverlongRejected) {
  uint64_t v;
  // Eleven bytes: continuation still set on the tenth.
  const std::string eleven = std::string(10, '\x80') + std::string(1, '\0');
  EXPECT_EQ(GetVarint64Ptr(eleven.data(), eleven.data() + eleven.size(), &v), nullptr);
  const std::string endless(64, '\xff');
  EXPECT_EQ(GetVarint64Ptr(endless.data(), endless.data() + endless.size(), &v), nullptr);
  std::string_view in = endless;
  EXPECT_FALSE(GetVarint64(&in, &v));
  // The largest valid one decodes.
  const std::string max = std::string(9, '\xff') + std::string(1, '\x01');
  ASSERT_EQ(GetVarint64Ptr(max.data(), max.data() + max.size(), &v), max.data() + 10);
  EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());
}

// Regression: a 10-byte varint whose last byte is > 1 does not fit in 64
// bits; it used to decode to a truncated value instead of being rejected.
TEST(CodingTest, Varint64OverflowingTenthByteRejected) {
  uint64_t v = 0;
  const std::string over = std::string(9, '\xff') + std::string(1, '\x7f');
  EXPECT_EQ(GetVarint64Ptr(over.data(), over.data() + over.size(), &v), nullptr) << v;
  const std::string two = std::string(9, '\x80') + std::string(1, '\x02');  // 2^64
  EXPECT_EQ(GetVarint64Ptr(two.data(), two.data() + two.size(), &v), nullptr) << v;
}

TEST(CodingTest, VarintRespectsLimitMidBuffer) {
  // The byte after the limit would complete the varint; it must not be read.
  const std::string s("\x81\x01", 2);
  uint32_t v32;
  EXPECT_EQ(GetVarint32Ptr(s.data(), s.data() + 1, &v32), nullptr);
  uint64_t v64;
  EXPECT_EQ(GetVarint64Ptr(s.data(), s.data() + 1, &v64), nullptr);
  EXPECT_EQ(GetVarint32Ptr(s.data(), s.data(), &v32), nullptr);
  EXPECT_EQ(GetVarint64Ptr(s.data(), s.data(), &v64), nullptr);
}

TEST(CodingTest, LengthPrefixedRoundTrip) {
  std::string s;
  const std::vector<std::string> values = {"", "a", std::string(127, 'x'), std::string(128, 'y'),
                                           std::string("\0\xff\x80", 3), std::string(20000, 'z')};
  for (const auto& v : values) PutLengthPrefixed(&s, v);
  std::string_view in = s;
  for (const auto& v : values) {
    std::string_view got;
    ASSERT_TRUE(GetLengthPrefixed(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
  std::string_view got;
  EXPECT_FALSE(GetLengthPrefixed(&in, &got));
}

TEST(CodingTest, LengthPrefixedTruncated) {
  for (const std::string& v : {std::string("hello"), std::string(300, 'q')}) {
    std::string s;
    PutLengthPrefixed(&s, v);
    // Every strict prefix (cut in the length or in the bytes) fails.
    for (size_t n = 0; n < s.size(); n++) {
      std::vector<char> buf(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
      std::string_view in(buf.data(), n);
      std::string_view got;
      EXPECT_FALSE(GetLengthPrefixed(&in, &got)) << v.size() << " " << n;
    }
    std::string_view in = s;
    std::string_view got;
    ASSERT_TRUE(GetLengthPrefixed(&in, &got));
    EXPECT_EQ(got, v);
  }
  // A length that claims more than there is.
  std::string s;
  PutVarint32(&s, 1000);
  s += "short";
  std::string_view in = s;
  std::string_view got;
  EXPECT_FALSE(GetLengthPrefixed(&in, &got));
  // A huge length near UINT32_MAX must not wrap.
  std::string huge;
  PutVarint32(&huge, std::numeric_limits<uint32_t>::max());
  huge += "abc";
  in = huge;
  EXPECT_FALSE(GetLengthPrefixed(&in, &got));
}

}  // namespace
}  // namespace lsm
