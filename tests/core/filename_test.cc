// Tests for core/db/filename.h: every name the engine writes parses back
// to its number and type, and no other spelling does (a stray "99.log" is
// not 000099.log, and a 20-digit number is no file of ours).
#include "core/db/filename.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lsm {
namespace {

std::string Base(const std::string& path) { return path.substr(path.rfind('/') + 1); }

TEST(FileNameTest, NamesTheEngineWritesParseBack) {
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{99}, uint64_t{999999}, uint64_t{1000000},
                     uint64_t{123456789012}, kMaxAdoptedFileNumber, kMaxFileNumber}) {
    SCOPED_TRACE(n);
    struct Case {
      std::string name;
      FileType type;
    };
    for (const Case& c : {Case{Base(LogFileName("d", n)), FileType::kLog},
                          Case{Base(TableFileName("d", n)), FileType::kTable},
                          Case{Base(TempFileName("d", n)), FileType::kTemp},
                          Case{Base(ManifestFileName("d", n)), FileType::kManifest}}) {
      uint64_t number = 12345;
      FileType type = FileType::kLock;
      ASSERT_TRUE(ParseFileName(c.name, &number, &type)) << c.name;
      EXPECT_EQ(number, n) << c.name;
      EXPECT_EQ(type, c.type) << c.name;
    }
  }
  uint64_t number;
  FileType type;
  ASSERT_TRUE(ParseFileName("CURRENT", &number, &type));
  EXPECT_EQ(type, FileType::kCurrent);
  ASSERT_TRUE(ParseFileName("LOCK", &number, &type));
  EXPECT_EQ(type, FileType::kLock);
}

// Regression: "99.log" parsed as log 99, and opening then failed on
// 000099.log, which does not exist.
TEST(FileNameTest, OtherSpellingsAreNotOurs) {
  const std::vector<std::string> resembling = {"99.log",
                                               "0000099.log",
                                               "00000099.sst",
                                               "1.sst",
                                               "12345.tmp",
                                               "MANIFEST-5",
                                               "MANIFEST-0000005",
                                               "MANIFEST-",
                                               "MANIFEST-abc",
                                               "12345678901234567890.sst",
                                               "000001x.log",
                                               ".log",
                                               "-00001.log",
                                               "+000001.log",
                                               " 000001.log",
                                               "000001 .sst",
                                               "0000000000000000001.log"};
  for (const std::string& name : resembling) {
    uint64_t number;
    FileType type;
    EXPECT_FALSE(ParseFileName(name, &number, &type)) << name;
    EXPECT_TRUE(ResemblesFileName(name)) << name;
  }
  for (const char* name : {"foo.txt", "000001.LOG", "000001.log.bak", "current", "LOCK2", "000001",
                           "MANIFEST", "notes"}) {
    uint64_t number;
    FileType type;
    EXPECT_FALSE(ParseFileName(name, &number, &type)) << name;
    EXPECT_FALSE(ResemblesFileName(name)) << name;
  }
}

}  // namespace
}  // namespace lsm
