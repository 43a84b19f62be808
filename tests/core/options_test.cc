// Options::Validate: the defaults and every limit are accepted, each value
// just outside a limit is refused with Invalid naming the option and its
// range, and DB::Open refuses such options before it touches the disk.
// The limits are written out here on purpose, apart from the option table
// (core/db/option_table.h): a change to the table must change this test
// too, so that no range moves by accident.
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/db/db.h"
#include "core/db/options.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

// One ranged option: how to set it, and the smallest and largest value the
// core accepts (the floor of LSM_OPTION_CORE_FLOORS where it has one).
struct Limit {
  std::string name;
  std::function<void(Options*, long long)> set;
  long long lo;
  long long hi;
};

std::vector<Limit> Limits() {
  return {
      {"write_buffer_size", [](Options* o, long long v) { o->write_buffer_size = v; }, 4 << 10,
       1LL << 30},
      {"block_size", [](Options* o, long long v) { o->block_size = v; }, 256, 4 << 20},
      {"block_cache_size", [](Options* o, long long v) { o->block_cache_size = v; }, 0, 1LL << 40},
      {"bloom_bits_per_key", [](Options* o, long long v) { o->bloom_bits_per_key = v; }, 0, 40},
      {"max_open_files", [](Options* o, long long v) { o->max_open_files = v; }, 1, 1000000},
      {"background_threads", [](Options* o, long long v) { o->background_threads = v; }, 1, 64},
      {"target_file_size", [](Options* o, long long v) { o->target_file_size = v; }, 4 << 10,
       4LL << 30},
      {"max_bytes_for_level_base", [](Options* o, long long v) { o->max_bytes_for_level_base = v; },
       4 << 10, 1LL << 40},
      {"level_size_multiplier", [](Options* o, long long v) { o->level_size_multiplier = v; }, 2,
       100},
      {"level0_compaction_trigger",
       [](Options* o, long long v) { o->level0_compaction_trigger = v; }, 1, INT_MAX},
      {"level0_slowdown_trigger", [](Options* o, long long v) { o->level0_slowdown_trigger = v; },
       1, INT_MAX},
      {"level0_stop_trigger", [](Options* o, long long v) { o->level0_stop_trigger = v; }, 1,
       INT_MAX},
  };
}

bool Unsigned(const std::string& name) {
  return name == "write_buffer_size" || name == "block_size" || name == "block_cache_size" ||
         name == "target_file_size" || name == "max_bytes_for_level_base";
}

TEST(OptionsTest, DefaultsAreValid) { EXPECT_TRUE(Options().Validate().ok()); }

TEST(OptionsTest, DefaultsAreLsmHs) {
  const Options o;
  EXPECT_TRUE(o.create_if_missing);
  EXPECT_FALSE(o.error_if_exists);
  EXPECT_EQ(o.write_buffer_size, size_t{4} << 20);
  EXPECT_EQ(o.block_size, 4096u);
  EXPECT_EQ(o.block_cache_size, size_t{8} << 20);
  EXPECT_EQ(o.bloom_bits_per_key, 10);
  EXPECT_EQ(o.compression, Compression::kLz4);
  EXPECT_EQ(o.max_open_files, 1000);
  EXPECT_EQ(o.background_threads, 2);
  EXPECT_FALSE(o.paranoid_checks);
  EXPECT_EQ(o.target_file_size, uint64_t{8} << 20);
  EXPECT_EQ(o.max_bytes_for_level_base, uint64_t{64} << 20);
  EXPECT_EQ(o.level_size_multiplier, 10);
  EXPECT_EQ(o.level0_compaction_trigger, 4);
  EXPECT_EQ(o.level0_slowdown_trigger, 20);
  EXPECT_EQ(o.level0_stop_trigger, 36);
  EXPECT_EQ(o.wal_mmap, LogMapping::kAuto);
  EXPECT_EQ(o.fs, nullptr);
}

TEST(OptionsTest, LimitsAreAccepted) {
  for (const Limit& l : Limits()) {
    for (long long v : {l.lo, l.hi}) {
      Options o;
      l.set(&o, v);
      Status s = o.Validate();
      EXPECT_TRUE(s.ok()) << l.name << " = " << v << ": " << s.ToString();
    }
  }
}

TEST(OptionsTest, EachValueOutsideALimitIsRefusedByName) {
  for (const Limit& l : Limits()) {
    std::vector<long long> bad = {l.hi + 1};
    // Below zero an unsigned field wraps to a huge value, which the upper
    // limit refuses; that is tested by hi + 1 already.
    if (l.lo > 0 || !Unsigned(l.name)) bad.push_back(l.lo - 1);
    for (long long v : bad) {
      if (v > INT_MAX && !Unsigned(l.name)) continue;  // does not fit the field
      Options o;
      l.set(&o, v);
      Status s = o.Validate();
      ASSERT_TRUE(s.IsInvalid()) << l.name << " = " << v << ": " << s.ToString();
      const std::string want = l.name + " must be in [" + std::to_string(l.lo) + ", " +
                               std::to_string(l.hi) + "], got " + std::to_string(v);
      EXPECT_EQ(s.message(), want);
    }
  }
}

TEST(OptionsTest, ExtremeValuesAreRefused) {
  Options o;
  o.write_buffer_size = SIZE_MAX;
  EXPECT_TRUE(o.Validate().IsInvalid());
  o = Options();
  o.target_file_size = UINT64_MAX;
  EXPECT_TRUE(o.Validate().IsInvalid());
  o = Options();
  o.bloom_bits_per_key = INT_MIN;
  EXPECT_TRUE(o.Validate().IsInvalid());
  o = Options();
  o.level0_stop_trigger = 0;
  Status s = o.Validate();
  ASSERT_TRUE(s.IsInvalid());
  EXPECT_NE(s.message().find("level0_stop_trigger"), std::string::npos) << s.message();
}

TEST(OptionsTest, EnumsOutsideTheirValuesAreRefused) {
  Options o;
  o.compression = Compression::kNone;
  EXPECT_TRUE(o.Validate().ok());
  o.compression = static_cast<Compression>(7);
  Status s = o.Validate();
  ASSERT_TRUE(s.IsInvalid());
  EXPECT_EQ(s.message(), "compression must be \"none\" or \"lz4\", got 7");

  o = Options();
  for (LogMapping m : {LogMapping::kAuto, LogMapping::kNever, LogMapping::kAlways}) {
    o.wal_mmap = m;
    EXPECT_TRUE(o.Validate().ok());
  }
  o.wal_mmap = static_cast<LogMapping>(-1);
  s = o.Validate();
  ASSERT_TRUE(s.IsInvalid());
  EXPECT_EQ(s.message(), "wal_mmap must be \"auto\", \"off\" or \"on\", got -1");
}

// Every ranged row of the option table is covered by Limits() above, so an
// option added to the table without a limit test here fails.
TEST(OptionsTest, EveryRangedOptionIsTested) {
  std::set<std::string> tested;
  for (const Limit& l : Limits()) tested.insert(l.name);
  std::set<std::string> table;
#define LSM_TEST_SKIP_BOOL(name, def, doc)
#define LSM_TEST_SKIP_ENUM(name, type, def, values, doc)
#define LSM_TEST_NAME_SIZE(name, type, min, max, def, doc) table.insert(#name);
#define LSM_TEST_NAME_INT(name, min, max, def, doc) table.insert(#name);
  LSM_OPTION_TABLE(LSM_TEST_SKIP_BOOL, LSM_TEST_NAME_SIZE, LSM_TEST_NAME_INT, LSM_TEST_SKIP_ENUM,
                   LSM_TEST_NAME_INT)
#undef LSM_TEST_SKIP_BOOL
#undef LSM_TEST_SKIP_ENUM
#undef LSM_TEST_NAME_SIZE
#undef LSM_TEST_NAME_INT
  EXPECT_EQ(tested, table);
}

TEST(OptionsTest, CheckOptionRange) {
  EXPECT_TRUE(CheckOptionRange("x", uint64_t{5}, 5, 5).ok());
  EXPECT_EQ(CheckOptionRange("x", uint64_t{6}, 1, 5).message(), "x must be in [1, 5], got 6");
  EXPECT_TRUE(CheckOptionRange("y", int64_t{-3}, -3, 0).ok());
  EXPECT_EQ(CheckOptionRange("y", int64_t{-4}, -3, 0).message(), "y must be in [-3, 0], got -4");
}

TEST(OptionsTest, OptionAlternatives) {
  EXPECT_EQ(OptionAlternatives({"a"}, false), "a");
  EXPECT_EQ(OptionAlternatives({"a", "b"}, false), "a or b");
  EXPECT_EQ(OptionAlternatives({"a", "b", "c"}, true), "\"a\", \"b\" or \"c\"");
}

// DB::Open refuses invalid options before it creates anything.
TEST(OptionsTest, OpenRefusesInvalidOptions) {
  const std::string root = test::TempDir();
  const std::string dir = root + "/db";
  Options o;
  o.max_open_files = 0;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dir, &db);
  ASSERT_TRUE(s.IsInvalid()) << s.ToString();
  EXPECT_EQ(s.message(), "max_open_files must be in [1, 1000000], got 0");
  EXPECT_EQ(db, nullptr);
  EXPECT_FALSE(std::filesystem::exists(dir));

  o.max_open_files = 1;  // the core's floor, below the C ABI's 16
  s = DB::Open(o, dir, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
  EXPECT_EQ(test::ReadValue(db.get(), "k"), "v");
  EXPECT_TRUE(db->Close().ok());
  db.reset();
  test::RemoveAll(root);
}

}  // namespace
}  // namespace lsm
