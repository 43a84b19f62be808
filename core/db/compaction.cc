#include "core/db/compaction.h"

#include <algorithm>

namespace lsm {
namespace {

std::string_view SmallestUser(const FileMetaData& f) { return ExtractUserKey(f.smallest); }
std::string_view LargestUser(const FileMetaData& f) { return ExtractUserKey(f.largest); }

// User-key range of a set of files.
void RangeOf(const Version::FileList& a, const Version::FileList& b, std::string* lo,
             std::string* hi) {
  bool first = true;
  for (const auto* list : {&a, &b}) {
    for (const auto& f : *list) {
      if (first || SmallestUser(*f).compare(*lo) < 0) lo->assign(SmallestUser(*f));
      if (first || LargestUser(*f).compare(*hi) > 0) hi->assign(LargestUser(*f));
      first = false;
    }
  }
}

bool RangesOverlap(std::string_view lo1, std::string_view hi1, std::string_view lo2,
                   std::string_view hi2) {
  return !(hi1.compare(lo2) < 0 || hi2.compare(lo1) < 0);
}

bool Contains(const Version::FileList& files, const FileMetaData& f) {
  for (const auto& g : files) {
    if (g->number == f.number) return true;
  }
  return false;
}

}  // namespace

bool Compaction::IsTrivialMove() const {
  if (manual || out_level == level || inputs[0].size() != 1 || !inputs[1].empty()) return false;
  // A file overlapping much of the level below the output would make its
  // own next compaction expensive; rewrite it (and cut it) instead.
  uint64_t overlap = 0;
  for (const auto& f : grandparents) overlap += f->file_size;
  return overlap <= max_grandparent_overlap;
}

uint64_t Compaction::InputBytes() const {
  uint64_t n = 0;
  for (const auto& list : inputs) {
    for (const auto& f : list) n += f->file_size;
  }
  return n;
}

uint64_t CompactionPicker::MaxBytesForLevel(int level) const {
  double bytes = static_cast<double>(options_.max_bytes_for_level_base);
  for (int l = 1; l < level; l++) bytes *= options_.level_size_multiplier;
  return static_cast<uint64_t>(bytes);
}

double CompactionPicker::Score(const Version& v, int level) const {
  if (level == 0) {
    return static_cast<double>(v.NumFiles(0)) / options_.level0_compaction_trigger;
  }
  return static_cast<double>(v.LevelBytes(level)) / static_cast<double>(MaxBytesForLevel(level));
}

// A running compaction conflicts with c if they share an input file, or if
// one reads a key range at the level the other writes to.
static bool Conflicts(const Compaction& c, const std::vector<const Compaction*>& running) {
  for (const Compaction* r : running) {
    for (int i = 0; i < 2; i++) {
      for (const auto& f : c.inputs[i]) {
        if (Contains(r->inputs[0], *f) || Contains(r->inputs[1], *f)) return true;
      }
    }
    // Level-0 files overlap each other, so level-0 compactions take turns.
    if (c.level == 0 && r->level == 0) return true;
    const bool same_levels = c.output_level() == r->output_level() ||
                             c.level == r->output_level() || c.output_level() == r->level;
    if (same_levels && RangesOverlap(c.smallest, c.largest, r->smallest, r->largest)) return true;
  }
  return false;
}

bool CompactionPicker::Complete(const Version& v, Compaction* c,
                                const std::vector<const Compaction*>& running,
                                const std::pair<const std::string*, const std::string*>* begin_end) {
  std::string lo, hi;
  RangeOf(c->inputs[0], {}, &lo, &hi);
  if (c->level == 0) {
    // Every level-0 file overlapping the range must come along: leaving an
    // older one behind would let it shadow the newer data moved down.
    c->inputs[0] = v.Overlapping(0, &lo, &hi);
    RangeOf(c->inputs[0], {}, &lo, &hi);
  }
  if (c->output_level() != c->level) {
    const std::string* plo = &lo;
    const std::string* phi = &hi;
    if (begin_end != nullptr) {
      // Widen to [begin, end] as well; a null end stays open.
      const auto [b, e] = *begin_end;
      plo = b == nullptr ? nullptr : (b->compare(lo) < 0 ? b : &lo);
      phi = e == nullptr ? nullptr : (e->compare(hi) > 0 ? e : &hi);
    }
    c->inputs[1] = v.Overlapping(c->output_level(), plo, phi);
  }
  RangeOf(c->inputs[0], c->inputs[1], &c->smallest, &c->largest);
  c->max_grandparent_overlap = 10 * options_.target_file_size;
  if (c->output_level() + 1 < kNumLevels) {
    c->grandparents = v.Overlapping(c->output_level() + 1, &c->smallest, &c->largest);
  }
  return !Conflicts(*c, running);
}

std::unique_ptr<Compaction> CompactionPicker::PickAuto(
    const Version& v, const std::vector<const Compaction*>& running) {
  // Levels by descending score; the last level has nowhere to go.
  std::vector<std::pair<double, int>> scores;
  for (int level = 0; level + 1 < kNumLevels; level++) {
    double score = Score(v, level);
    if (score >= 1.0) scores.emplace_back(score, level);
  }
  std::sort(scores.rbegin(), scores.rend());
  for (const auto& [score, level] : scores) {
    const Version::FileList& files = v.files(level);
    if (level == 0) {
      auto c = std::make_unique<Compaction>();
      c->level = 0;
      c->out_level = 1;
      c->inputs[0] = files;  // all of level 0: it is small and overlapping
      if (Complete(v, c.get(), running)) return c;
      continue;
    }
    // Round-robin: the first file after the compact pointer, then wrap.
    size_t start = 0;
    while (start < files.size() &&
           !compact_pointer_[level].empty() &&
           LargestUser(*files[start]).compare(compact_pointer_[level]) <= 0) {
      start++;
    }
    for (size_t k = 0; k < files.size(); k++) {
      auto c = std::make_unique<Compaction>();
      c->level = level;
      c->out_level = level + 1;
      c->inputs[0].push_back(files[(start + k) % files.size()]);
      if (Complete(v, c.get(), running)) {
        compact_pointer_[level] = std::string(LargestUser(*c->inputs[0].back()));
        return c;
      }
    }
  }
  return nullptr;
}

std::unique_ptr<Compaction> CompactionPicker::PickRange(
    const Version& v, int level, int output_level, const std::string* begin,
    const std::string* end, bool whole_output_range,
    const std::vector<const Compaction*>& running, bool* conflict) {
  *conflict = false;
  auto c = std::make_unique<Compaction>();
  c->level = level;
  c->out_level = output_level;
  c->manual = true;
  c->inputs[0] = v.Overlapping(level, begin, end);
  if (c->inputs[0].empty()) return nullptr;
  const std::pair<const std::string*, const std::string*> range(begin, end);
  if (!Complete(v, c.get(), running, whole_output_range ? &range : nullptr)) {
    *conflict = true;
    return nullptr;
  }
  return c;
}

}  // namespace lsm
