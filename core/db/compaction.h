// Leveled compaction: choosing what to merge.
//
// Level 0 holds flushed memtables (files may overlap). Levels 1..6 each hold
// files with disjoint key ranges; level L's target size is
// max_bytes_for_level_base * level_size_multiplier^(L-1). A level's score is
// its file count over the level-0 trigger (level 0) or its bytes over its
// target (others); the highest score >= 1 is compacted next: for level 0,
// all of its files (few, and overlapping each other); for a deeper level,
// one file (round-robin through the key space); merged with the files they
// overlap one level down.
//
// Several compactions may run at once when their key ranges are disjoint:
// a file is an input of at most one compaction, and no new compaction may
// read a key range into which a running one will write (see Conflicts()).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/db/options.h"
#include "core/db/version_set.h"

namespace lsm {

struct Compaction {
  // Inputs come from level and the output level; outputs go to the output
  // level: level + 1, or level itself when a manual compaction rewrites the
  // deepest level in place (then inputs[1] is empty).
  int level = 0;
  int out_level = 1;
  Version::FileList inputs[2];
  // Files of level + 2 overlapping the range: an output file is cut early
  // when it would overlap too many of them (bounding a later compaction).
  Version::FileList grandparents;
  uint64_t max_grandparent_overlap = 0;  // bytes
  // User-key range covered by the inputs.
  std::string smallest;
  std::string largest;
  bool manual = false;

  int output_level() const { return out_level; }
  int input_level(int which) const { return which == 0 ? level : out_level; }
  // One input file and nothing to merge it with: move it down unchanged.
  bool IsTrivialMove() const;
  uint64_t InputBytes() const;
};

class CompactionPicker {
 public:
  explicit CompactionPicker(const Options& options) : options_(options) {}

  uint64_t MaxBytesForLevel(int level) const;
  double Score(const Version& v, int level) const;

  // The most urgent compaction that does not conflict with running ones,
  // or null if none is needed (or possible now).
  std::unique_ptr<Compaction> PickAuto(const Version& v,
                                       const std::vector<const Compaction*>& running);

  // Files of `level` overlapping [begin, end] (null = open) with what they
  // overlap in output_level (level + 1, or level itself to rewrite it in
  // place); with whole_output_range, every output_level file overlapping
  // [begin, end] too. Null if `level` has no such file, or if they conflict
  // with a running compaction (then *conflict is set).
  std::unique_ptr<Compaction> PickRange(const Version& v, int level, int output_level,
                                        const std::string* begin, const std::string* end,
                                        bool whole_output_range,
                                        const std::vector<const Compaction*>& running,
                                        bool* conflict);

 private:
  // Completes c (level, inputs[0] set): adds level+1 overlaps, grandparents
  // and the range. False if it conflicts with a running compaction.
  // With begin_end set, the output-level files overlapping that range
  // (null ends open) are taken as well.
  bool Complete(const Version& v, Compaction* c, const std::vector<const Compaction*>& running,
                const std::pair<const std::string*, const std::string*>* begin_end = nullptr);

  const Options options_;
  // Per level, the largest user key of the last compaction started there:
  // the next one starts after it, so every part of a level gets its turn.
  std::string compact_pointer_[kNumLevels];
};

}  // namespace lsm
