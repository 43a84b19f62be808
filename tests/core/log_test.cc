// Tests for core/log/: LogWriter/LogReader round trips and the recovery
// rules of log_reader.h (torn tails are silent, damage before the tail is
// reported).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/env/file_system.h"
#include "core/log/log_format.h"
#include "core/log/log_reader.h"
#include "core/log/log_writer.h"
#include "core/util/random.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

class LogTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs_ = FileSystem::Default();
    path_ = dir_ + "/000001.log";
  }

  // Writes records to a log file, as the database writes its WAL, and
  // returns the file offset at which each one starts.
  std::vector<uint64_t> Write(const std::vector<std::string>& records) {
    std::unique_ptr<WritableFile> f;
    EXPECT_TRUE(fs_->NewLogFile(path_, LogMapping::kAuto, &f).ok());
    LogWriter w(std::move(f));
    std::vector<uint64_t> offsets;
    for (const auto& r : records) {
      offsets.push_back(w.size());
      Status s = w.AddRecord(r, false);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    EXPECT_TRUE(w.Close().ok());
    EXPECT_EQ(static_cast<uint64_t>(test::FileSize(path_)), w.size());
    return offsets;
  }

  struct ReadResult {
    std::vector<std::string> records;
    Status io;
    Status corruption;
    uint64_t dropped_records = 0;
    uint64_t dropped_bytes = 0;
    uint64_t torn_tail_bytes = 0;
  };

  ReadResult Read() {
    std::unique_ptr<SequentialFile> f;
    Status s = fs_->NewSequentialFile(path_, &f);
    EXPECT_TRUE(s.ok()) << s.ToString();
    LogReader reader(std::move(f));
    ReadResult r;
    std::string rec;
    while (reader.ReadRecord(&rec)) r.records.push_back(rec);
    // Reading on after the end keeps answering false.
    EXPECT_FALSE(reader.ReadRecord(&rec));
    r.io = reader.io_status();
    r.corruption = reader.corruption();
    r.dropped_records = reader.dropped_records();
    r.dropped_bytes = reader.dropped_bytes();
    r.torn_tail_bytes = reader.torn_tail_bytes();
    return r;
  }

  std::string Contents() {
    std::string data;
    EXPECT_TRUE(ReadFileToString(fs_, path_, &data).ok());
    return data;
  }

  // Replaces the file's contents (no sync needed for a test).
  void SetContents(const std::string& data) {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(fs_->NewWritableFile(path_, &f).ok());
    ASSERT_TRUE(f->Append(data).ok());
    ASSERT_TRUE(f->Close().ok());
  }

  // Reading gave exactly `records`, reported no damage, and took the last
  // `torn` bytes as a torn tail.
  static void ExpectTornTail(const ReadResult& r, const std::vector<std::string>& records, uint64_t torn) {
    EXPECT_EQ(r.records, records);
    EXPECT_TRUE(r.io.ok()) << r.io.ToString();
    EXPECT_TRUE(r.corruption.ok()) << r.corruption.ToString();
    EXPECT_EQ(r.dropped_records, 0u);
    EXPECT_EQ(r.dropped_bytes, 0u);
    EXPECT_EQ(r.torn_tail_bytes, torn);
  }

  static std::string Record(int i, size_t len) {
    std::string s;
    while (s.size() < len) s += "rec" + std::to_string(i) + ":" + std::to_string(s.size()) + ";";
    s.resize(len);
    return s;
  }

  FileSystem* fs_ = nullptr;
  std::string path_;
};

TEST_F(LogTest, EmptyFile) {
  Write({});
  ReadResult r = Read();
  EXPECT_TRUE(r.records.empty());
  EXPECT_TRUE(r.io.ok());
  EXPECT_TRUE(r.corruption.ok());
  EXPECT_EQ(r.torn_tail_bytes, 0u);
}

TEST_F(LogTest, RoundTripManyRecords) {
  Random rnd(1234);
  std::vector<std::string> records;
  records.push_back("");
  records.push_back(Record(1, 1 << 20));  // 1 MiB
  records.push_back("");
  for (int i = 0; i < 500; i++) {
    size_t len = rnd.OneIn(10) ? rnd.Uniform(70000) : rnd.Uniform(300);
    records.push_back(Record(i, len));
  }
  records.push_back(Record(2, 1 << 20));
  records.push_back(std::string(1 << 20, '\0'));  // 1 MiB of zeros is still a record
  records.push_back("");
  std::vector<uint64_t> offsets = Write(records);

  // Header + payload per record, nothing else.
  uint64_t total = 0;
  for (const auto& r : records) total += kLogHeaderSize + r.size();
  EXPECT_EQ(static_cast<uint64_t>(test::FileSize(path_)), total);
  EXPECT_EQ(offsets[1], kLogHeaderSize);

  ReadResult r = Read();
  ASSERT_EQ(r.records.size(), records.size());
  for (size_t i = 0; i < records.size(); i++) {
    ASSERT_EQ(r.records[i], records[i]) << i;
  }
  EXPECT_TRUE(r.io.ok());
  EXPECT_TRUE(r.corruption.ok());
  EXPECT_EQ(r.dropped_records, 0u);
  EXPECT_EQ(r.dropped_bytes, 0u);
  EXPECT_EQ(r.torn_tail_bytes, 0u);
}

TEST_F(LogTest, BinaryPayloads) {
  std::vector<std::string> records;
  for (int i = 0; i < 256; i++) records.push_back(std::string(static_cast<size_t>(i), static_cast<char>(i)));
  Write(records);
  ReadResult r = Read();
  EXPECT_EQ(r.records, records);
  EXPECT_TRUE(r.corruption.ok());
}

// Cut at every offset of the last record; then the same followed by zeros,
// as a log file reserves past its last record and a process killed
// mid-append leaves a prefix of the record in front of them (see
// posix_file_system.cc). Both are a torn tail.
TEST_F(LogTest, TornTailAtEveryOffsetOfTheLastRecord) {
  std::vector<std::string> records = {"first", Record(1, 200), "", Record(2, 70)};
  const std::string last = Record(3, 150);
  records.push_back(last);
  std::vector<uint64_t> offsets = Write(records);
  const std::string full = Contents();
  const uint64_t start = offsets.back();
  ASSERT_EQ(full.size(), start + kLogHeaderSize + last.size());
  const std::vector<std::string> earlier(records.begin(), records.end() - 1);

  for (size_t zeros : {size_t{0}, size_t{5000}}) {
    for (uint64_t cut = start; cut < full.size(); cut++) {
      SCOPED_TRACE("cut at " + std::to_string(cut) + ", then " + std::to_string(zeros) + " zeros");
      SetContents(full.substr(0, cut) + std::string(zeros, '\0'));
      ExpectTornTail(Read(), earlier, cut - start + zeros);
    }
  }
}

// Zeros after a damaged record do not excuse it when anything but zeros
// follows it: a damaged header with its payload present, a damaged payload
// with a record later on.
TEST_F(LogTest, ZerosDoNotHideDamageBeforeTheTail) {
  std::vector<std::string> records;
  for (int i = 0; i < 4; i++) records.push_back(Record(i, 80));
  std::vector<uint64_t> offsets = Write(records);
  const std::string full = Contents();
  {
    SCOPED_TRACE("length of the last record, payload present");
    std::string data = full;
    data[offsets[3] + 1] ^= 0x01;
    SetContents(data + std::string(4096, '\0'));
    ReadResult r = Read();
    EXPECT_EQ(r.records, (std::vector<std::string>{records[0], records[1], records[2]}));
    EXPECT_TRUE(r.corruption.IsCorruption());
  }
  {
    SCOPED_TRACE("payload of record 2, then zeros, then record 3");
    std::string data = full.substr(0, offsets[3]);
    data[offsets[2] + kLogHeaderSize + 5] ^= 0x01;
    data += std::string(300, '\0');
    SetContents(data + full.substr(offsets[3]));
    ReadResult r = Read();
    EXPECT_EQ(r.records, (std::vector<std::string>{records[0], records[1]}));
    EXPECT_TRUE(r.corruption.IsCorruption());
    EXPECT_EQ(r.dropped_records, 1u);
  }
}

TEST_F(LogTest, TornTailOfALargeLastRecord) {
  // A last record bigger than the reader's 64 KiB chunk, cut at a few places.
  const std::string big = Record(9, 200000);
  std::vector<uint64_t> offsets = Write({"a", "b", big});
  const std::string full = Contents();
  const uint64_t start = offsets.back();
  for (uint64_t cut : {start + 1, start + kLogHeaderSize, start + kLogHeaderSize + 65536,
                       uint64_t{full.size() - 1}}) {
    SCOPED_TRACE(cut);
    SetContents(full.substr(0, cut));
    ReadResult r = Read();
    EXPECT_EQ(r.records, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(r.corruption.ok());
    EXPECT_EQ(r.torn_tail_bytes, cut - start);
  }
}

TEST_F(LogTest, ZeroFilledTailIsDropped) {
  const std::vector<std::string> records = {"one", Record(2, 500), "three"};
  Write(records);
  const std::string full = Contents();
  // Shorter than a header, longer than one, and longer than a read chunk.
  for (size_t zeros : {size_t{1}, size_t{5}, size_t{12}, size_t{100}, size_t{4096},
                       size_t{200000}}) {
    SCOPED_TRACE(zeros);
    SetContents(full + std::string(zeros, '\0'));
    ExpectTornTail(Read(), records, zeros);
  }
}

TEST_F(LogTest, DamagedMiddlePayloadIsSkipped) {
  std::vector<std::string> records;
  for (int i = 0; i < 5; i++) records.push_back(Record(i, 100 + 10 * i));
  std::vector<uint64_t> offsets = Write(records);
  // A byte in the payload of record 2.
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[2] + kLogHeaderSize + 17)));
  ReadResult r = Read();
  EXPECT_EQ(r.records, (std::vector<std::string>{records[0], records[1], records[3], records[4]}));
  EXPECT_TRUE(r.io.ok());
  EXPECT_TRUE(r.corruption.IsCorruption()) << r.corruption.ToString();
  EXPECT_EQ(r.dropped_records, 1u);
  EXPECT_EQ(r.dropped_bytes, kLogHeaderSize + records[2].size());
  EXPECT_EQ(r.torn_tail_bytes, 0u);
}

TEST_F(LogTest, DamagedMiddlePayloadCheckIsSkipped) {
  const std::vector<std::string> records = {"aaaa", "bbbb", "cccc"};
  std::vector<uint64_t> offsets = Write(records);
  // The payload checksum field (header bytes 8..11) of record 1.
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[1] + 9)));
  ReadResult r = Read();
  EXPECT_EQ(r.records, (std::vector<std::string>{"aaaa", "cccc"}));
  EXPECT_TRUE(r.corruption.IsCorruption());
  EXPECT_EQ(r.dropped_records, 1u);
}

TEST_F(LogTest, TwoDamagedPayloadsBothSkipped) {
  std::vector<std::string> records;
  for (int i = 0; i < 6; i++) records.push_back(Record(i, 50));
  std::vector<uint64_t> offsets = Write(records);
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[1] + kLogHeaderSize)));
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[3] + kLogHeaderSize + 49)));
  ReadResult r = Read();
  EXPECT_EQ(r.records, (std::vector<std::string>{records[0], records[2], records[4], records[5]}));
  EXPECT_TRUE(r.corruption.IsCorruption());
  EXPECT_EQ(r.dropped_records, 2u);
  EXPECT_EQ(r.dropped_bytes, 2 * (kLogHeaderSize + 50));
}

// The last record damaged, at the end of the file or followed only by zeros
// (a log's reservation): a torn tail.
TEST_F(LogTest, DamagedLastPayloadIsATornTail) {
  std::vector<std::string> records;
  for (int i = 0; i < 4; i++) records.push_back(Record(i, 80));
  std::vector<uint64_t> offsets = Write(records);
  std::string data = Contents();
  data[offsets[3] + kLogHeaderSize + 40] ^= 0x10;
  for (size_t zeros : {size_t{0}, size_t{100000}}) {
    SCOPED_TRACE(zeros);
    SetContents(data + std::string(zeros, '\0'));
    ExpectTornTail(Read(), {records[0], records[1], records[2]}, kLogHeaderSize + 80 + zeros);
  }
}

TEST_F(LogTest, DamagedMiddleHeaderStopsReading) {
  std::vector<std::string> records;
  for (int i = 0; i < 5; i++) records.push_back(Record(i, 60));
  std::vector<uint64_t> offsets = Write(records);
  const long long file_size = test::FileSize(path_);
  for (int length_byte = 0; length_byte < 4; length_byte++) {
    SCOPED_TRACE(length_byte);
    Write(records);
    // A byte of record 2's length field.
    ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[2]) + length_byte));
    ReadResult r = Read();
    EXPECT_EQ(r.records, (std::vector<std::string>{records[0], records[1]}));
    EXPECT_TRUE(r.io.ok());
    EXPECT_TRUE(r.corruption.IsCorruption()) << r.corruption.ToString();
    EXPECT_GT(r.dropped_bytes, 0u);
    // Everything from the damaged header on is dropped.
    EXPECT_EQ(r.dropped_bytes, static_cast<uint64_t>(file_size) - offsets[2]);
    EXPECT_EQ(r.torn_tail_bytes, 0u);
  }
}

TEST_F(LogTest, DamagedMiddleLengthCheckStopsReading) {
  const std::vector<std::string> records = {"r0", "r1", "r2", "r3"};
  std::vector<uint64_t> offsets = Write(records);
  // The length check field (header bytes 4..7) of record 1.
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[1] + 5)));
  ReadResult r = Read();
  EXPECT_EQ(r.records, (std::vector<std::string>{"r0"}));
  EXPECT_TRUE(r.corruption.IsCorruption());
  EXPECT_GT(r.dropped_bytes, 0u);
}

TEST_F(LogTest, FirstDamageIsTheOneReported) {
  std::vector<std::string> records;
  for (int i = 0; i < 5; i++) records.push_back(Record(i, 30));
  std::vector<uint64_t> offsets = Write(records);
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[1] + kLogHeaderSize + 3)));
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(offsets[3])));
  ReadResult r = Read();
  EXPECT_EQ(r.records, (std::vector<std::string>{records[0], records[2]}));
  ASSERT_TRUE(r.corruption.IsCorruption());
  EXPECT_NE(r.corruption.message().find("checksum"), std::string::npos)
      << r.corruption.ToString();
  EXPECT_EQ(r.dropped_records, 1u);
  EXPECT_EQ(r.dropped_bytes, (kLogHeaderSize + 30) * 3);
}

TEST_F(LogTest, WriterRejectsNothingBelowTheLimitAndSyncWorks) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewWritableFile(path_, &f).ok());
  LogWriter w(std::move(f));
  EXPECT_TRUE(w.AddRecord("synced", true).ok());
  EXPECT_TRUE(w.AddRecord("", false).ok());
  EXPECT_TRUE(w.Sync().ok());
  EXPECT_EQ(w.size(), 2 * kLogHeaderSize + 6);
  // Flushed on every AddRecord: readable before Close.
  ReadResult r = Read();
  EXPECT_EQ(r.records, (std::vector<std::string>{"synced", ""}));
  EXPECT_TRUE(w.Close().ok());
}

}  // namespace
}  // namespace lsm
