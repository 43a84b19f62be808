// Tests for core/db/version_set.h: MANIFEST writing and replay, CURRENT
// handling, torn MANIFEST tails, and rejection of overlapping level-1+ files.
// The table files named by the edits never exist: VersionSet itself does not
// open them.
#include "core/db/version_set.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "core/base/dbformat.h"
#include "core/db/filename.h"
#include "core/db/table_cache.h"
#include "core/env/file_system.h"
#include "tests/core/fault_fs.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

std::string IKey(std::string_view user_key, SequenceNumber seq) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, ValueType::kValue);
  return k;
}

FileMetaData File(uint64_t number, std::string_view lo, std::string_view hi) {
  FileMetaData f;
  f.number = number;
  f.file_size = 1000 + number;
  f.smallest = IKey(lo, 50);
  f.largest = IKey(hi, 10);
  return f;
}

using FileTuple = std::tuple<uint64_t, uint64_t, std::string, std::string>;
using LevelState = std::vector<std::vector<FileTuple>>;

LevelState StateOf(const Version& v) {
  LevelState s(kNumLevels);
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v.files(level)) {
      s[level].emplace_back(f->number, f->file_size, f->smallest, f->largest);
    }
  }
  return s;
}

class VersionSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = FileSystem::Default();
    base_ = test::TempDir();
    dir_ = base_ + "/db";
    ASSERT_TRUE(fs_->CreateDir(dir_).ok());
    table_cache_ = std::make_unique<TableCache>(dir_, fs_, 10, nullptr, nullptr);
  }
  void TearDown() override { test::RemoveAll(base_); }

  std::unique_ptr<VersionSet> NewVersionSet() {
    return std::make_unique<VersionSet>(dir_, fs_);
  }

  Status Apply(VersionSet* vs, VersionEdit* edit) {
    std::unique_lock<std::mutex> lock(mu_);
    Status s = vs->LogAndApply(edit, &lock);
    EXPECT_TRUE(lock.owns_lock()) << "LogAndApply must return with the lock held";
    return s;
  }

  std::string ManifestPath(const VersionSet& vs) {
    return ManifestFileName(dir_, vs.manifest_number());
  }

  FileSystem* fs_ = nullptr;
  std::string base_;  // this test's scratch directory
  std::string dir_;   // the database directory inside it
  std::unique_ptr<TableCache> table_cache_;
  std::mutex mu_;
};

TEST_F(VersionSetTest, CreateNewThenRecoverEmpty) {
  auto vs = NewVersionSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  EXPECT_TRUE(fs_->FileExists(CurrentFileName(dir_)));
  EXPECT_TRUE(fs_->FileExists(ManifestPath(*vs)));
  std::string current;
  ASSERT_TRUE(ReadFileToString(fs_, CurrentFileName(dir_), &current).ok());
  EXPECT_EQ(current, ManifestPath(*vs).substr(dir_.size() + 1) + "\n");
  ASSERT_TRUE(vs->Close().ok());

  auto vs2 = NewVersionSet();
  Status s = vs2->Recover();
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int level = 0; level < kNumLevels; level++) EXPECT_EQ(vs2->current()->NumFiles(level), 0);
  EXPECT_EQ(vs2->log_number(), 0u);
  EXPECT_EQ(vs2->last_sequence(), 0u);
  // The MANIFEST's number is never handed out again.
  EXPECT_GT(vs2->NewFileNumber(), vs->manifest_number());
}

TEST_F(VersionSetTest, ReplayRebuildsFilesPerLevel) {
  auto vs = NewVersionSet();
  ASSERT_TRUE(vs->CreateNew().ok());

  const uint64_t n1 = vs->NewFileNumber(), n2 = vs->NewFileNumber(), n3 = vs->NewFileNumber();
  const uint64_t n4 = vs->NewFileNumber(), n5 = vs->NewFileNumber(), n6 = vs->NewFileNumber();

  VersionEdit e1;  // two overlapping level-0 files
  e1.log_number = 5;
  e1.AddFile(0, File(n1, "a", "m"));
  e1.AddFile(0, File(n2, "c", "z"));
  vs->set_last_sequence(100);
  ASSERT_TRUE(Apply(vs.get(), &e1).ok());
  // LogAndApply fills in the counters it records.
  ASSERT_TRUE(e1.next_file_number.has_value());
  EXPECT_GT(*e1.next_file_number, n6);
  ASSERT_TRUE(e1.last_sequence.has_value());
  EXPECT_EQ(*e1.last_sequence, 100u);
  EXPECT_EQ(vs->log_number(), 5u);
  // Level 0: newest (highest number) first.
  ASSERT_EQ(vs->current()->NumFiles(0), 2);
  EXPECT_EQ(vs->current()->files(0)[0]->number, n2);

  VersionEdit e2;  // level 1, added out of key order; one level-0 file goes
  e2.AddFile(1, File(n5, "x", "y"));
  e2.AddFile(1, File(n3, "a", "c"));
  e2.AddFile(1, File(n4, "d", "f"));
  e2.DeleteFile(0, n1);
  vs->set_last_sequence(200);
  ASSERT_TRUE(Apply(vs.get(), &e2).ok());

  VersionEdit e3;
  e3.AddFile(2, File(n6, "b", "q"));
  e3.DeleteFile(1, n4);
  e3.log_number = 9;
  vs->set_last_sequence(300);
  ASSERT_TRUE(Apply(vs.get(), &e3).ok());

  VersionEdit e4;  // a lower log number never moves it back
  e4.log_number = 7;
  ASSERT_TRUE(Apply(vs.get(), &e4).ok());
  EXPECT_EQ(vs->log_number(), 9u);

  const LevelState want = StateOf(*vs->current());
  ASSERT_EQ(want[0].size(), 1u);
  EXPECT_EQ(std::get<0>(want[0][0]), n2);
  ASSERT_EQ(want[1].size(), 2u);
  EXPECT_EQ(std::get<0>(want[1][0]), n3);  // ordered by smallest key
  EXPECT_EQ(std::get<0>(want[1][1]), n5);
  ASSERT_EQ(want[2].size(), 1u);
  EXPECT_EQ(std::get<0>(want[2][0]), n6);
  for (int level = 3; level < kNumLevels; level++) EXPECT_TRUE(want[level].empty());
  ASSERT_TRUE(vs->Close().ok());

  auto vs2 = NewVersionSet();
  Status s = vs2->Recover();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(StateOf(*vs2->current()), want);
  EXPECT_EQ(vs2->log_number(), 9u);
  EXPECT_EQ(vs2->last_sequence(), 300u);
  const uint64_t next = vs2->NewFileNumber();
  EXPECT_GT(next, n6);
  EXPECT_GT(next, vs->manifest_number());

  // The recovered set starts a new MANIFEST on its first edit, and that one
  // replays too.
  VersionEdit e5;
  e5.AddFile(0, File(next, "k", "l"));
  vs2->set_last_sequence(400);
  ASSERT_TRUE(Apply(vs2.get(), &e5).ok());
  EXPECT_NE(vs2->manifest_number(), vs->manifest_number());
  const LevelState want2 = StateOf(*vs2->current());
  ASSERT_TRUE(vs2->Close().ok());

  auto vs3 = NewVersionSet();
  ASSERT_TRUE(vs3->Recover().ok());
  EXPECT_EQ(StateOf(*vs3->current()), want2);
  EXPECT_EQ(vs3->last_sequence(), 400u);
  EXPECT_EQ(vs3->log_number(), 9u);
  EXPECT_GT(vs3->NewFileNumber(), next);
}

TEST_F(VersionSetTest, MissingOrMalformedCurrent) {
  {
    auto vs = NewVersionSet();
    Status s = vs->Recover();  // empty directory
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
  auto vs = NewVersionSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  ASSERT_TRUE(vs->Close().ok());
  for (const std::string& bad : {std::string(""), std::string("\n"), std::string("garbage\n"),
                                 std::string("MANIFEST-000002"), std::string("000002.log\n"),
                                 std::string("MANIFEST-abc\n")}) {
    ASSERT_TRUE(WriteStringToFileSync(fs_, bad, CurrentFileName(dir_)).ok());
    auto vs2 = NewVersionSet();
    Status s = vs2->Recover();
    EXPECT_TRUE(s.IsCorruption()) << "'" << bad << "': " << s.ToString();
  }
}

TEST_F(VersionSetTest, CurrentNamingMissingManifest) {
  auto vs = NewVersionSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  VersionEdit e;
  e.AddFile(0, File(vs->NewFileNumber(), "a", "b"));
  ASSERT_TRUE(Apply(vs.get(), &e).ok());
  ASSERT_TRUE(vs->Close().ok());

  // CURRENT names a MANIFEST that was never written.
  ASSERT_TRUE(WriteStringToFileSync(fs_, "MANIFEST-000099\n", CurrentFileName(dir_)).ok());
  auto vs2 = NewVersionSet();
  Status s = vs2->Recover();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  // CURRENT is right but its MANIFEST was removed.
  const std::string manifest = ManifestPath(*vs);
  ASSERT_TRUE(WriteStringToFileSync(fs_, manifest.substr(dir_.size() + 1) + "\n",
                                    CurrentFileName(dir_))
                  .ok());
  ASSERT_TRUE(NewVersionSet()->Recover().ok());
  ASSERT_TRUE(fs_->RemoveFile(manifest).ok());
  auto vs3 = NewVersionSet();
  s = vs3->Recover();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(VersionSetTest, TornLastManifestRecordIsIgnored) {
  auto vs = NewVersionSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  VersionEdit a;
  a.AddFile(0, File(vs->NewFileNumber(), "a", "f"));
  a.AddFile(1, File(vs->NewFileNumber(), "g", "k"));
  a.log_number = 4;
  vs->set_last_sequence(10);
  ASSERT_TRUE(Apply(vs.get(), &a).ok());
  const LevelState state_a = StateOf(*vs->current());
  const std::string manifest = ManifestPath(*vs);
  const long long size_a = test::FileSize(manifest);  // every record is flushed

  VersionEdit b;
  b.AddFile(1, File(vs->NewFileNumber(), "m", "p"));
  b.DeleteFile(0, std::get<0>(state_a[0][0]));
  b.log_number = 6;
  vs->set_last_sequence(20);
  ASSERT_TRUE(Apply(vs.get(), &b).ok());
  const LevelState state_b = StateOf(*vs->current());
  ASSERT_TRUE(vs->Close().ok());
  const long long size_b = test::FileSize(manifest);
  ASSERT_GT(size_b, size_a);

  std::string full;
  ASSERT_TRUE(ReadFileToString(fs_, manifest, &full).ok());
  // Cut anywhere inside the last record: recovery sees the state before it.
  for (long long cut = size_a; cut < size_b; cut++) {
    SCOPED_TRACE(cut);
    ASSERT_TRUE(WriteStringToFileSync(fs_, full.substr(0, static_cast<size_t>(cut)), manifest).ok());
    auto vs2 = NewVersionSet();
    Status s = vs2->Recover();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(StateOf(*vs2->current()), state_a);
    EXPECT_EQ(vs2->log_number(), 4u);
    EXPECT_EQ(vs2->last_sequence(), 10u);
  }

  // A damaged payload in the last record is a torn tail too.
  ASSERT_TRUE(WriteStringToFileSync(fs_, full, manifest).ok());
  ASSERT_TRUE(test::CorruptByte(manifest, size_b - 3));
  {
    auto vs2 = NewVersionSet();
    ASSERT_TRUE(vs2->Recover().ok());
    EXPECT_EQ(StateOf(*vs2->current()), state_a);
  }

  // The intact file replays to state B.
  ASSERT_TRUE(WriteStringToFileSync(fs_, full, manifest).ok());
  {
    auto vs2 = NewVersionSet();
    ASSERT_TRUE(vs2->Recover().ok());
    EXPECT_EQ(StateOf(*vs2->current()), state_b);
    EXPECT_EQ(vs2->log_number(), 6u);
    EXPECT_EQ(vs2->last_sequence(), 20u);
  }

  // Damage before the last record is fatal: every MANIFEST record was synced.
  ASSERT_TRUE(test::CorruptByte(manifest, size_a - 3));
  {
    auto vs2 = NewVersionSet();
    Status s = vs2->Recover();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
}

TEST_F(VersionSetTest, OverlappingFilesInLevel1AreRejected) {
  auto vs = NewVersionSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t n1 = vs->NewFileNumber(), n2 = vs->NewFileNumber(), n3 = vs->NewFileNumber();
  const uint64_t n4 = vs->NewFileNumber(), n5 = vs->NewFileNumber();

  VersionEdit e1;
  e1.AddFile(1, File(n1, "c", "m"));
  vs->set_last_sequence(5);
  ASSERT_TRUE(Apply(vs.get(), &e1).ok());
  const LevelState before = StateOf(*vs->current());

  VersionEdit overlap;  // [k, p] meets [c, m]
  overlap.AddFile(1, File(n2, "k", "p"));
  Status s = Apply(vs.get(), &overlap);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(StateOf(*vs->current()), before);

  VersionEdit touching;  // shares the user key "m" with n1's largest
  touching.AddFile(1, File(n3, "m", "q"));
  EXPECT_TRUE(Apply(vs.get(), &touching).IsCorruption());

  VersionEdit inside;  // both new files overlap each other
  inside.AddFile(2, File(n3, "a", "z"));
  inside.AddFile(2, File(n4, "b", "c"));
  EXPECT_TRUE(Apply(vs.get(), &inside).IsCorruption());
  EXPECT_EQ(StateOf(*vs->current()), before);

  // Level 0 may overlap; disjoint files at level 1 are fine.
  VersionEdit ok;
  ok.AddFile(0, File(n3, "a", "z"));
  ok.AddFile(1, File(n4, "n", "q"));
  ok.AddFile(1, File(n5, "a", "b"));
  vs->set_last_sequence(9);
  s = Apply(vs.get(), &ok);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const LevelState after = StateOf(*vs->current());
  EXPECT_EQ(after[1].size(), 3u);
  ASSERT_TRUE(vs->Close().ok());

  // The rejected edits left no trace in the MANIFEST.
  auto vs2 = NewVersionSet();
  s = vs2->Recover();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(StateOf(*vs2->current()), after);
  EXPECT_EQ(vs2->last_sequence(), 9u);
}

// Regression: when LogAndApply started a new MANIFEST it read the counters
// for the opening snapshot record after releasing the mutex, racing with
// threads that update them under it. The snapshot is now encoded under the
// lock. The race is only visible in a -DLSM_SANITIZE=thread build.
TEST_F(VersionSetTest, NewManifestSnapshotDoesNotRaceWithCounterUpdates) {
  auto vs = NewVersionSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t n1 = vs->NewFileNumber();
  VersionEdit e1;
  e1.AddFile(1, File(n1, "a", "m"));
  ASSERT_TRUE(Apply(vs.get(), &e1).ok());

  std::atomic<bool> stop{false};
  std::thread other([&] {
    while (!stop.load()) {
      std::lock_guard<std::mutex> l(mu_);
      vs->NewFileNumber();
      vs->set_last_sequence(vs->last_sequence() + 1);
    }
  });
  for (int i = 0; i < 5; i++) {
    VersionEdit bad;  // overlaps n1: fails and makes the next edit start a new MANIFEST
    {
      std::lock_guard<std::mutex> l(mu_);
      bad.AddFile(1, File(vs->NewFileNumber(), "b", "c"));
    }
    EXPECT_TRUE(Apply(vs.get(), &bad).IsCorruption());
    VersionEdit good;
    EXPECT_TRUE(Apply(vs.get(), &good).ok());
  }
  stop = true;
  other.join();
  ASSERT_TRUE(vs->Close().ok());
  auto vs2 = NewVersionSet();
  ASSERT_TRUE(vs2->Recover().ok());
}

// Records the tables whose last reference went.
class RecordingReleaser : public TableReleaser {
 public:
  void TableReleased(uint64_t number) override { released.push_back(number); }
  std::vector<uint64_t> released;
};

// A table is released exactly when the last Version listing it dies: not
// while a reader holds an older Version, not when a trivial move passes it
// down a level, and not when the edit naming it failed to reach the
// MANIFEST (it may be there after all).
TEST_F(VersionSetTest, TableIsReleasedWhenItsLastVersionDies) {
  RecordingReleaser releaser;
  auto vs = std::make_unique<VersionSet>(dir_, fs_, &releaser);
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t n1 = vs->NewFileNumber(), n2 = vs->NewFileNumber();
  VersionEdit e1;
  e1.AddFile(0, File(n1, "a", "b"));
  ASSERT_TRUE(Apply(vs.get(), &e1).ok());

  // A trivial move keeps the same table object: nothing is released.
  const FileMetaData* before_move = vs->current()->files(0)[0].get();
  VersionEdit move;
  move.DeleteFile(0, n1);
  move.AddFile(1, File(n1, "a", "b"));
  ASSERT_TRUE(Apply(vs.get(), &move).ok());
  ASSERT_EQ(1, vs->current()->NumFiles(1));
  EXPECT_EQ(before_move, vs->current()->files(1)[0].get());
  EXPECT_TRUE(releaser.released.empty());

  // A reader holds the Version listing n1 while a compaction replaces it.
  std::shared_ptr<const Version> held = vs->current();
  VersionEdit e2;
  e2.DeleteFile(1, n1);
  e2.AddFile(1, File(n2, "a", "b"));
  ASSERT_TRUE(Apply(vs.get(), &e2).ok());
  EXPECT_TRUE(releaser.released.empty()) << "released while a reader holds it";
  held.reset();
  EXPECT_EQ(releaser.released, std::vector<uint64_t>{n1});

  // Closing drops the current Version; its tables are released to whoever
  // listens (the database stops listening first).
  ASSERT_TRUE(vs->Close().ok());
  vs.reset();
  EXPECT_EQ(releaser.released, (std::vector<uint64_t>{n1, n2}));
}

TEST_F(VersionSetTest, TableOfAFailedEditIsNotReleased) {
  RecordingReleaser releaser;
  test::FaultFS ffs;
  auto vs = std::make_unique<VersionSet>(dir_, &ffs, &releaser);
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t n1 = vs->NewFileNumber();
  VersionEdit e1;
  e1.AddFile(0, File(n1, "a", "b"));
  test::FaultFS::Fault fault;
  fault.ops = test::FaultFS::kAppend | test::FaultFS::kSync;
  ffs.SetFault(fault);
  ASSERT_FALSE(Apply(vs.get(), &e1).ok());
  ffs.ClearFault();
  EXPECT_EQ(0, vs->current()->NumFiles(0));
  EXPECT_TRUE(releaser.released.empty()) << "a table the MANIFEST may name was released";
  vs.reset();
}

}  // namespace
}  // namespace lsm
