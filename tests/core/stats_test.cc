// DBStats (core/db/stats.h): what DB::GetStats counts, and that the text
// ("lsm.stats") and JSON ("lsm.stats.json") forms show the same numbers.
#include "core/db/stats.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/db/db.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

TEST(StatsTest, CountsWritesFlushesAndCompactions) {
  const std::string dir = test::TempDir();
  Options o;
  o.create_if_missing = true;
  o.level0_compaction_trigger = 100;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir, &db).ok());
  DBStats st = db->GetStats();
  EXPECT_EQ(0u, st.user_bytes_written);
  EXPECT_EQ(0u, st.flushes);
  for (int f = 0; f < 2; f++) {
    for (int i = 0; i < 100; i++) {
      ASSERT_TRUE(db->Put(WriteOptions(), "key" + std::to_string(i), std::string(100, 'v')).ok());
    }
    ASSERT_TRUE(db->Flush().ok());
  }
  WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db->Put(sync, "synced", "v").ok());
  st = db->GetStats();
  EXPECT_EQ(2u, st.flushes);
  EXPECT_EQ(2, st.levels[0].files);
  EXPECT_GT(st.levels[0].bytes, 0u);
  EXPECT_EQ(st.levels[0].bytes, st.levels[0].written_bytes) << "flushes count as level 0's writes";
  EXPECT_GT(st.user_bytes_written, 200u * 100);
  EXPECT_GT(st.wal_bytes_written, st.user_bytes_written);
  EXPECT_EQ(1u, st.wal_syncs);
  EXPECT_EQ(1u, st.synced_writes);
  EXPECT_FALSE(st.wal_appends.empty());

  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  st = db->GetStats();
  EXPECT_EQ(0, st.levels[0].files);
  uint64_t compactions = 0, read = 0, deeper_files = 0;
  for (int level = 1; level < kNumLevels; level++) {
    compactions += st.levels[level].compactions + (st.levels[level].moved_bytes > 0 ? 1 : 0);
    read += st.levels[level].read_bytes;
    deeper_files += static_cast<uint64_t>(st.levels[level].files);
  }
  EXPECT_GE(compactions, 1u);
  EXPECT_GE(read, st.levels[0].written_bytes) << "the compaction read both flushed tables";
  EXPECT_EQ(1u, deeper_files);
  EXPECT_GT(st.WriteAmplification(), 1.0);
  EXPECT_DOUBLE_EQ(1.0, st.SpaceAmplification()) << "one level holds everything";

  // The properties render this very struct.
  std::string text, json;
  ASSERT_TRUE(db->GetProperty("lsm.stats", &text));
  ASSERT_TRUE(db->GetProperty("lsm.stats.json", &json));
  EXPECT_EQ(FormatStats(db->GetStats()), text);
  EXPECT_EQ(3u, st.flushes) << "CompactRange flushes the synced write first";
  EXPECT_NE(std::string::npos, text.find("flushes: 3\n")) << text;
  EXPECT_NE(std::string::npos, json.find("\"flushes\":3,")) << json;
  EXPECT_NE(std::string::npos, json.find("\"wal_syncs\":1,")) << json;
  EXPECT_EQ(0u, json.find("{\"levels\":[{\"level\":0,\"files\":0,")) << json;
  ASSERT_TRUE(db->Close().ok());
  test::RemoveAll(dir);
}

// Strings in the JSON form are escaped: a file name can hold anything.
TEST(StatsTest, JsonEscapesStrings) {
  DBStats st;
  st.ignored_files = 1;
  st.first_ignored_file = std::string("a\"b\\c\nd\x01", 8) + ": not a name liblsm writes";
  const std::string json = FormatStatsJson(st);
  EXPECT_NE(std::string::npos,
            json.find("\"first_ignored_file\":\"a\\\"b\\\\c\\u000ad\\u0001: not a name liblsm writes\""))
      << json;
  EXPECT_EQ('}', json.back());
  // Balanced braces and brackets outside strings: a well-formed object.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); i++) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') i++;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') depth++;
    if (c == '}' || c == ']') depth--;
    ASSERT_TRUE(depth > 0 || i + 1 == json.size()) << "closed early at " << i << ": " << json;
  }
  EXPECT_EQ(0, depth);
  EXPECT_FALSE(in_string);
}

}  // namespace
}  // namespace lsm
