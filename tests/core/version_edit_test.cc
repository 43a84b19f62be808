// Tests for core/db/version_edit.h: MANIFEST edit encoding round trips and
// rejection of truncated encodings (Corruption) and unknown fields
// (NotSupported).
#include "core/db/version_edit.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/base/dbformat.h"
#include "core/util/coding.h"

namespace lsm {
namespace {

std::string IKey(std::string_view user_key, SequenceNumber seq,
                 ValueType t = ValueType::kValue) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, t);
  return k;
}

FileMetaData File(uint64_t number, uint64_t size, std::string_view lo, std::string_view hi) {
  FileMetaData f;
  f.number = number;
  f.file_size = size;
  f.smallest = IKey(lo, 100);
  f.largest = IKey(hi, 1, ValueType::kDeletion);
  return f;
}

void ExpectEqual(const VersionEdit& a, const VersionEdit& b) {
  EXPECT_EQ(a.comparator, b.comparator);
  EXPECT_EQ(a.log_number, b.log_number);
  EXPECT_EQ(a.next_file_number, b.next_file_number);
  EXPECT_EQ(a.last_sequence, b.last_sequence);
  EXPECT_EQ(a.deleted_files, b.deleted_files);
  ASSERT_EQ(a.new_files.size(), b.new_files.size());
  for (size_t i = 0; i < a.new_files.size(); i++) {
    EXPECT_EQ(a.new_files[i].first, b.new_files[i].first) << i;
    const FileMetaData& x = a.new_files[i].second;
    const FileMetaData& y = b.new_files[i].second;
    EXPECT_EQ(x.number, y.number) << i;
    EXPECT_EQ(x.file_size, y.file_size) << i;
    EXPECT_EQ(x.smallest, y.smallest) << i;
    EXPECT_EQ(x.largest, y.largest) << i;
  }
}

VersionEdit FullEdit() {
  VersionEdit e;
  e.comparator = kComparatorName;
  e.log_number = 12;
  e.next_file_number = 1ull << 40;
  e.last_sequence = kMaxSequenceNumber;
  e.DeleteFile(0, 3);
  e.DeleteFile(kNumLevels - 1, 999999999999ull);
  e.DeleteFile(2, 0);
  e.AddFile(0, File(7, 4096, "a", "z"));
  e.AddFile(1, File(8, 0, "", std::string(300, 'k')));  // empty user key, long key
  e.AddFile(kNumLevels - 1, File(~uint64_t{0}, ~uint64_t{0}, std::string("\0\xff", 2), "\xff"));
  return e;
}

TEST(VersionEditTest, RoundTripAllFields) {
  const VersionEdit e = FullEdit();
  std::string enc;
  e.EncodeTo(&enc);
  VersionEdit d;
  Status s = d.DecodeFrom(enc);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectEqual(e, d);
  // Re-encoding gives the same bytes.
  std::string enc2;
  d.EncodeTo(&enc2);
  EXPECT_EQ(enc, enc2);
}

TEST(VersionEditTest, RoundTripEachFieldAlone) {
  std::vector<VersionEdit> edits(7);
  edits[0].comparator = "other.comparator";
  edits[1].log_number = 0;
  edits[2].next_file_number = 2;
  edits[3].last_sequence = 0;
  edits[4].DeleteFile(3, 17);
  edits[5].AddFile(4, File(9, 10, "m", "n"));
  // edits[6] is empty.
  for (size_t i = 0; i < edits.size(); i++) {
    SCOPED_TRACE(i);
    std::string enc;
    edits[i].EncodeTo(&enc);
    EXPECT_EQ(enc.empty(), i == 6);
    VersionEdit d;
    ASSERT_TRUE(d.DecodeFrom(enc).ok());
    ExpectEqual(edits[i], d);
  }
}

TEST(VersionEditTest, DecodeReplacesPreviousContents) {
  VersionEdit d = FullEdit();
  VersionEdit small;
  small.log_number = 5;
  std::string enc;
  small.EncodeTo(&enc);
  ASSERT_TRUE(d.DecodeFrom(enc).ok());
  ExpectEqual(small, d);
}

// Encodes the first `fields` fields of FullEdit, in encoding order; the
// lengths of these are the only prefixes that are complete edits.
std::vector<size_t> FieldBoundaries() {
  const VersionEdit full = FullEdit();
  std::vector<size_t> bounds;
  VersionEdit e;
  auto mark = [&] {
    std::string enc;
    e.EncodeTo(&enc);
    bounds.push_back(enc.size());
  };
  mark();
  e.comparator = full.comparator;
  mark();
  e.log_number = full.log_number;
  mark();
  e.next_file_number = full.next_file_number;
  mark();
  e.last_sequence = full.last_sequence;
  mark();
  for (const auto& d : full.deleted_files) {
    e.deleted_files.push_back(d);
    mark();
  }
  for (const auto& f : full.new_files) {
    e.new_files.push_back(f);
    mark();
  }
  return bounds;
}

TEST(VersionEditTest, TruncatedEncodingsAreCorruption) {
  std::string enc;
  FullEdit().EncodeTo(&enc);
  const std::vector<size_t> bounds = FieldBoundaries();
  ASSERT_EQ(bounds.back(), enc.size());
  for (size_t n = 0; n < enc.size(); n++) {
    VersionEdit d;
    // A copy of exactly n bytes, so a read past the end is visible to ASan.
    std::vector<char> buf(enc.begin(), enc.begin() + static_cast<std::ptrdiff_t>(n));
    Status s = d.DecodeFrom(std::string_view(buf.data(), n));
    bool boundary = std::find(bounds.begin(), bounds.end(), n) != bounds.end();
    if (boundary) {
      EXPECT_TRUE(s.ok()) << n << " " << s.ToString();
    } else {
      EXPECT_TRUE(s.IsCorruption()) << n << " " << s.ToString();
    }
  }
}

// A field this version does not know came from a newer one (the record's
// checksum held): NotSupported, so that opening refuses rather than
// reporting damage.
TEST(VersionEditTest, UnknownTagsAreNotSupported) {
  for (uint32_t tag : {0u, 7u, 8u, 100u, 1u << 20, 0xffffffffu}) {
    SCOPED_TRACE(tag);
    std::string enc;
    PutVarint32(&enc, tag);
    PutVarint64(&enc, 1);
    VersionEdit d;
    Status s = d.DecodeFrom(enc);
    EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
    EXPECT_NE(s.message().find("field " + std::to_string(tag) + " is unknown"), std::string::npos)
        << s.message();
    // Also after valid fields.
    std::string with_prefix;
    FullEdit().EncodeTo(&with_prefix);
    with_prefix += enc;
    EXPECT_TRUE(d.DecodeFrom(with_prefix).IsNotSupported());
  }
  // A tag whose varint is itself malformed.
  VersionEdit d;
  EXPECT_TRUE(d.DecodeFrom(std::string(6, '\x80')).IsCorruption());
}

TEST(VersionEditTest, OutOfRangeFieldsAreCorruption) {
  {  // Level out of range in a deleted file.
    std::string enc;
    PutVarint32(&enc, 5);
    PutVarint32(&enc, kNumLevels);
    PutVarint64(&enc, 1);
    VersionEdit d;
    EXPECT_TRUE(d.DecodeFrom(enc).IsCorruption());
  }
  {  // Level out of range in a new file.
    std::string enc;
    PutVarint32(&enc, 6);
    PutVarint32(&enc, 100);
    PutVarint64(&enc, 1);
    PutVarint64(&enc, 1);
    PutLengthPrefixed(&enc, IKey("a", 1));
    PutLengthPrefixed(&enc, IKey("b", 1));
    VersionEdit d;
    EXPECT_TRUE(d.DecodeFrom(enc).IsCorruption());
  }
  {  // Keys shorter than an internal key's tag.
    std::string enc;
    PutVarint32(&enc, 6);
    PutVarint32(&enc, 1);
    PutVarint64(&enc, 1);
    PutVarint64(&enc, 1);
    PutLengthPrefixed(&enc, "short");
    PutLengthPrefixed(&enc, IKey("b", 1));
    VersionEdit d;
    EXPECT_TRUE(d.DecodeFrom(enc).IsCorruption());
  }
  {  // A sequence number beyond 56 bits.
    std::string enc;
    PutVarint32(&enc, 4);
    PutVarint64(&enc, kMaxSequenceNumber + 1);
    VersionEdit d;
    EXPECT_TRUE(d.DecodeFrom(enc).IsCorruption());
  }
  {  // A comparator name longer than the rest of the record.
    std::string enc;
    PutVarint32(&enc, 1);
    PutVarint32(&enc, 1000);
    enc += "lsm.bytewise";
    VersionEdit d;
    EXPECT_TRUE(d.DecodeFrom(enc).IsCorruption());
  }
}

}  // namespace
}  // namespace lsm
