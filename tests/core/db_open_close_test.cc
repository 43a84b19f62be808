// Opening and closing a database whose directory or disk is not what the
// engine left:
// - files that look like the database's but are not (a stray "99.log", a
//   table or log with a number no counter reached) are left alone, never
//   adopted into the MANIFEST, so the database opens again and again;
// - a log record or MANIFEST field from a newer liblsm (checksums intact,
//   contents unknown) refuses the open with NotSupported and leaves every
//   file as it was, instead of skipping that library's writes as damage;
// - DB::Close reports failures of closing the log and the MANIFEST.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/db/db.h"
#include "core/db/stats.h"
#include "core/db/filename.h"
#include "core/log/log_format.h"
#include "core/util/coding.h"
#include "core/util/hash.h"
#include "tests/core/fault_fs.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

namespace fs = std::filesystem;

class DBOpenCloseTest : public test::DbDirTest {
 protected:
  Status Open(Options options = Options()) {
    db_.reset();
    return DB::Open(options, dir_, &db_);
  }

  // "lsm.stats", for failure messages; checks read DB::GetStats().
  std::string Stats() {
    std::string stats;
    EXPECT_TRUE(db_->GetProperty("lsm.stats", &stats));
    return stats;
  }

  void Touch(const std::string& name, const std::string& contents = "") {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << contents;
  }

  // Every file of the directory but LOCK (which each open rewrites), with
  // its bytes.
  std::map<std::string, std::string> Files() {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name == "LOCK") continue;
      std::ifstream in(e.path(), std::ios::binary);
      files[name].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return files;
  }

  // The number of the newest file of type want the engine could have
  // written (strays with huge numbers left out).
  uint64_t Newest(FileType want) {
    uint64_t newest = 0;
    for (const auto& e : fs::directory_iterator(dir_)) {
      uint64_t number;
      FileType type;
      if (ParseFileName(e.path().filename().string(), &number, &type) && type == want &&
          number <= kMaxAdoptedFileNumber) {
        newest = std::max(newest, number);
      }
    }
    return newest;
  }

  // A log record holding payload (core/log/log_format.h).
  static std::string LogRecord(const std::string& payload) {
    std::string r;
    PutFixed32(&r, static_cast<uint32_t>(payload.size()));
    PutFixed32(&r, Checksum(r.data(), 4));
    PutFixed32(&r, Checksum(payload.data(), payload.size()));
    return r + payload;
  }

  // A write batch (core/db/write_batch.h) of one operation with type byte
  // op, key and (for op 1, a put) value.
  static std::string Batch(uint64_t sequence, char op, const std::string& key,
                           const std::string& value = "") {
    std::string b;
    PutFixed64(&b, sequence);
    PutFixed32(&b, 1);
    b.push_back(op);
    PutLengthPrefixed(&b, key);
    if (op != 0) PutLengthPrefixed(&b, value);
    return b;
  }

};

// Regression: a stray table or log whose number was above 2^62 was adopted
// (next_file_number went past it), the new MANIFEST recorded that, and the
// next open refused the database ("file numbers out of range", or "CURRENT
// names no MANIFEST" once the MANIFEST's own name needed 20 digits).
TEST_F(DBOpenCloseTest, StrayFilesWithHugeNumbersAreLeftAlone) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k2", "v2").ok());
  db_.reset();
  const std::vector<std::string> strays = {"4611686018427387905.sst",  // 2^62 + 1
                                           "9999999999999999999.log",  // 19 digits, past 2^63
                                           "2305843009213693953.log",  // kMaxAdoptedFileNumber + 1
                                           "MANIFEST-99999999999999999999",  // 20 digits
                                           "12345678901234567890.sst"};
  for (const std::string& name : strays) Touch(name, "not a liblsm file");
  for (int round = 0; round < 3; round++) {
    SCOPED_TRACE(round);
    Status s = Open();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(test::ReadValue(db_.get(), "k"), "v");
    EXPECT_EQ(test::ReadValue(db_.get(), "k2"), "v2");
    EXPECT_LT(Newest(FileType::kLog), 1000u);  // numbering goes on from the MANIFEST's
    EXPECT_EQ(db_->GetStats().ignored_files, 5u) << Stats();
    ASSERT_TRUE(db_->Put(WriteOptions(), "r" + std::to_string(round), "x").ok());
    ASSERT_TRUE(db_->Flush().ok());
  }
  db_.reset();
  for (const std::string& name : strays) EXPECT_TRUE(fs::exists(dir_ + "/" + name)) << name;
}

// A file above the MANIFEST's next number but within reach of its counter
// is one the engine wrote after the MANIFEST's last edit: it is adopted,
// so no new file takes its number.
TEST_F(DBOpenCloseTest, FilesWithinReachAreAdopted) {
  ASSERT_TRUE(Open().ok());
  db_.reset();
  Touch("000500.sst", "an orphan table");
  ASSERT_TRUE(Open().ok());
  EXPECT_GT(Newest(FileType::kLog), 500u);
  EXPECT_EQ(db_->GetStats().ignored_files, 0u) << Stats();
  db_.reset();
  // An orphan table no MANIFEST names is removed as obsolete.
  EXPECT_FALSE(fs::exists(dir_ + "/000500.sst"));
}

// Regression: a stray "99.log" made open fail with an I/O error naming
// 000099.log, which does not exist. It is no name liblsm writes.
TEST_F(DBOpenCloseTest, UnpaddedNamesAreNotTheDatabases) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  db_.reset();
  Touch("99.log", LogRecord(Batch(1000, 1, "stray", "x")));
  Touch("7.sst", "x");
  for (int round = 0; round < 2; round++) {
    Status s = Open();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(test::ReadValue(db_.get(), "k"), "v");
    EXPECT_EQ(test::ReadValue(db_.get(), "stray"), "NOT_FOUND");
    const DBStats st = db_->GetStats();
    EXPECT_EQ(st.ignored_files, 2u) << Stats();
    EXPECT_NE(st.first_ignored_file.find("not a name liblsm writes"), std::string::npos)
        << st.first_ignored_file;
  }
  db_.reset();
  EXPECT_TRUE(fs::exists(dir_ + "/99.log"));
  EXPECT_TRUE(fs::exists(dir_ + "/7.sst"));
}

// Regression: a log record with good checksums but an operation this
// version does not know (one a newer liblsm might write) was skipped as
// damage on a default open, and its log deleted with the newer library's
// writes; a paranoid open called it Corruption. Both now refuse with
// NotSupported and leave every file as it was, even when replay had
// already flushed earlier records to a table.
TEST_F(DBOpenCloseTest, UnknownLogOperationRefusesTheOpen) {
  ASSERT_TRUE(Open().ok());
  db_.reset();
  const uint64_t log = Newest(FileType::kLog);
  ASSERT_GT(log, 0u);
  const std::string big(64 << 10, 'v');
  std::ofstream(LogFileName(dir_, log), std::ios::binary)
      << LogRecord(Batch(1, 1, "a", big)) << LogRecord(Batch(2, 7, "b"));
  const auto before = Files();
  for (bool paranoid : {false, true}) {
    SCOPED_TRACE(paranoid);
    Options options;
    options.paranoid_checks = paranoid;
    options.write_buffer_size = 16 << 10;  // replay flushes "a" before it reaches "b"
    Status s = Open(options);
    EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
    EXPECT_NE(s.message().find("operation type 7"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(LogFileName(dir_, log)), std::string::npos) << s.message();
    EXPECT_EQ(Files(), before);
  }
  // Without the unknown record the same log opens, and "a" is there.
  std::ofstream(LogFileName(dir_, log), std::ios::binary) << LogRecord(Batch(1, 1, "a", big));
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(test::ReadValue(db_.get(), "a"), big);
}

// A MANIFEST field this version does not know: NotSupported, nothing
// written.
TEST_F(DBOpenCloseTest, UnknownManifestFieldRefusesTheOpen) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  db_.reset();
  const std::string manifest = ManifestFileName(dir_, Newest(FileType::kManifest));
  std::string field;
  PutVarint32(&field, 42);
  PutVarint64(&field, 1);
  std::ofstream(manifest, std::ios::binary | std::ios::app) << LogRecord(field);
  const auto before = Files();
  Status s = Open();
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("field 42"), std::string::npos) << s.message();
  EXPECT_EQ(Files(), before);
}

// A table of a format version this library does not know (a newer one's)
// is NotSupported when read, like a log record or MANIFEST field of one;
// it is not taken for damage, and nothing deletes or rewrites it.
TEST_F(DBOpenCloseTest, UnknownTableVersionIsNotSupported) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  const std::string table = TableFileName(dir_, Newest(FileType::kTable));
  std::string bytes = Files().at(table.substr(dir_.size() + 1));
  ASSERT_GE(bytes.size(), 64u);
  char* footer = bytes.data() + bytes.size() - 64;  // core/table/format.h
  EncodeFixed32(footer + 48, 2);
  EncodeFixed32(footer + 52, Checksum(footer, 52));
  std::ofstream(table, std::ios::binary) << bytes;
  ASSERT_TRUE(Open().ok());
  std::string value;
  Status s = db_->Get(ReadOptions(), "k", &value);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("table format version 2"), std::string::npos) << s.message();
  db_.reset();
  EXPECT_EQ(Files().at(table.substr(dir_.size() + 1)), bytes);
}

// Regression: closing ignored the status of closing the log and the
// MANIFEST (DB's destructor dropped them), so lsm_close said LSM_OK after
// a failure that may have lost the log's tail.
TEST_F(DBOpenCloseTest, CloseReportsTheFirstFailure) {
  for (const char* suffix : {".log", "MANIFEST-"}) {
    SCOPED_TRACE(suffix);
    test::FaultFS ffs;
    Options options;
    options.fs = &ffs;
    ASSERT_TRUE(Open(options).ok());
    test::CloseOnExit<DB> close_on_exit(&db_);
    ASSERT_TRUE(db_->Put(WriteOptions(), "k", suffix).ok());
    // The MANIFEST's name ends in its number: match the whole path.
    const std::string target = std::string(suffix) == ".log"
                                   ? std::string(".log")
                                   : ManifestFileName(dir_, Newest(FileType::kManifest));
    test::FaultFS::Fault fault;
    fault.ops = test::FaultFS::kClose;
    fault.suffix = target;
    ffs.SetFault(fault);
    Status s = db_->Close();
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_NE(s.message().find("injected close"), std::string::npos) << s.message();
    EXPECT_EQ(ffs.injected(), 1u);
    EXPECT_TRUE(db_->Close().IsIOError());  // the same answer again
    db_.reset();
    ffs.ClearFault();
    // Everything was released: the database opens again, with the write.
    ASSERT_TRUE(Open(options).ok());
    EXPECT_EQ(test::ReadValue(db_.get(), "k"), suffix);
    EXPECT_TRUE(db_->Close().ok());
    db_.reset();
  }
}

}  // namespace
}  // namespace lsm
