// The compaction job: merging a compaction's inputs into new tables at its
// output level, dropping what no reader can see (compaction.h chooses the
// inputs; DB::RunCompaction installs the result):
// - of the versions of a key that fall between the same two snapshots (a
//   "stripe"; the newest stripe ends at the latest state), only the newest
//   is visible to anyone;
// - a deletion in the oldest stripe hides nothing anyone can see once no
//   deeper level holds the key (then the older versions are dropped too).
// Output files are cut at target_file_size, or early when one would overlap
// too much of the level below the output (bounding a later compaction),
// and only between user keys: a level's files must not share one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/db/compaction.h"
#include "core/db/options.h"
#include "core/db/table_cache.h"
#include "core/db/version_set.h"
#include "core/env/file_system.h"

namespace lsm {

struct CompactionJobContext {
  const Options* options = nullptr;
  FileSystem* fs = nullptr;
  std::string dir;
  TableCache* table_cache = nullptr;
  // Set when the database is closing: the job gives up (Busy).
  const std::atomic<bool>* shutting_down = nullptr;
  // Hands out a file number (takes the database mutex itself).
  std::function<uint64_t()> new_file_number;
};

class CompactionJob {
 public:
  // snapshots: the live snapshots' sequences, oldest first, no repeats.
  // deeper: per level below the output level, its files overlapping the
  // compaction's range (to tell whether a key lives on there).
  CompactionJob(const CompactionJobContext& ctx, const Compaction& c,
                std::vector<SequenceNumber> snapshots, std::vector<Version::FileList> deeper)
      : ctx_(ctx), c_(c), snapshots_(std::move(snapshots)), deeper_(std::move(deeper)) {}

  // Runs without the database mutex. On success *outputs lists the new
  // tables (synced, directory synced); on failure every file the job wrote
  // is removed and *outputs is empty.
  Status Run(std::vector<FileMetaData>* outputs);

 private:
  bool KeyLivesDeeper(std::string_view user_key);
  size_t StripeOf(SequenceNumber seq) const;

  const CompactionJobContext& ctx_;
  const Compaction& c_;
  const std::vector<SequenceNumber> snapshots_;
  const std::vector<Version::FileList> deeper_;
  std::vector<size_t> deeper_pos_;
};

}  // namespace lsm
