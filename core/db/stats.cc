#include "core/db/stats.h"

#include <cinttypes>
#include <cstdio>

namespace lsm {

uint64_t DBStats::TableBytes() const {
  uint64_t n = 0;
  for (const LevelStats& l : levels) n += l.bytes;
  return n;
}

double DBStats::WriteAmplification() const {
  if (user_bytes_written == 0) return 0.0;
  uint64_t written = wal_bytes_written;  // flushes count as level 0's written bytes
  for (const LevelStats& l : levels) written += l.written_bytes;
  return static_cast<double>(written) / static_cast<double>(user_bytes_written);
}

double DBStats::SpaceAmplification() const {
  uint64_t last = 0;
  for (const LevelStats& l : levels) {
    if (l.bytes > 0) last = l.bytes;
  }
  return last == 0 ? 0.0 : static_cast<double>(TableBytes()) / static_cast<double>(last);
}

std::string FormatStats(const DBStats& st) {
  std::string out;
  char line[512];
  out +=
      "level files        bytes       target  score   read-bytes  written-bytes  moved-bytes "
      "compactions\n";
  for (int level = 0; level < kNumLevels; level++) {
    const LevelStats& l = st.levels[level];
    std::snprintf(line, sizeof(line),
                  "%5d %5d %12" PRIu64 " %12" PRIu64 " %6.2f %12" PRIu64 " %14" PRIu64 " %12" PRIu64
                  " %11" PRIu64 "\n",
                  level, l.files, l.bytes, l.target_bytes, l.score, l.read_bytes, l.written_bytes,
                  l.moved_bytes, l.compactions);
    out += line;
  }
  std::snprintf(line, sizeof(line),
                "table-bytes: %" PRIu64 "\nuser-bytes-written: %" PRIu64 "\nwal-bytes-written: %" PRIu64
                " (%" PRIu64 " through a mapping)\nwrite-amplification: %.2f\nspace-amplification: %.2f\nflushes: %" PRIu64
                "\nlevel0-max-files: %d\nstall-micros: %" PRIu64 "\nslowdowns: %" PRIu64 "\nstops: %" PRIu64
                "\nrunning-compactions: %zu\nwal-syncs: %" PRIu64 " for %" PRIu64 " sync writes, %" PRIu64
                " us syncing, %" PRIu64 " with the memtable insert run by a waiting writer\n",
                st.TableBytes(), st.user_bytes_written, st.wal_bytes_written, st.wal_bytes_mapped,
                st.WriteAmplification(), st.SpaceAmplification(), st.flushes, st.level0_max_files,
                st.stall_micros, st.slowdowns, st.stops, st.running_compactions, st.wal_syncs,
                st.synced_writes, st.wal_sync_micros, st.helped_syncs);
  out += line;
  std::snprintf(line, sizeof(line),
                "block-cache: hits %" PRIu64 " misses %" PRIu64 " bytes %zu capacity %zu\n"
                "bloom-filter: checked %" PRIu64 " useful %" PRIu64 "\n",
                st.block_cache_hits, st.block_cache_misses, st.block_cache_bytes,
                st.block_cache_capacity, st.bloom_checked, st.bloom_useful);
  out += line;
  std::snprintf(line, sizeof(line),
                "wal-recovery: dropped-records %" PRIu64 " dropped-bytes %" PRIu64
                " torn-tail-bytes %" PRIu64 "\n",
                st.wal_dropped_records, st.wal_dropped_bytes, st.wal_torn_tail_bytes);
  out += line;
  if (!st.wal_appends.empty()) out += "wal-appends: " + st.wal_appends + "\n";
  out += "ignored-files: " + std::to_string(st.ignored_files);
  if (st.ignored_files > 0) out += " (" + st.first_ignored_file + ")";
  out += "\n";
  return out;
}

namespace {

void AppendJsonString(std::string* out, const std::string& s) {
  *out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", c);
      *out += esc;
    } else {
      *out += static_cast<char>(c);
    }
  }
  *out += '"';
}

// Appends "name":value, with a comma before every field but an object's first.
class JsonObject {
 public:
  explicit JsonObject(std::string* out) : out_(out) { *out_ += '{'; }
  void Field(const char* name, uint64_t v) { Key(name), *out_ += std::to_string(v); }
  void Field(const char* name, int v) { Key(name), *out_ += std::to_string(v); }
  void Field(const char* name, double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.4f", v);
    Key(name), *out_ += buf;
  }
  void Field(const char* name, const std::string& v) { Key(name), AppendJsonString(out_, v); }
  void Raw(const char* name, const std::string& json) { Key(name), *out_ += json; }
  void End() { *out_ += '}'; }

 private:
  void Key(const char* name) {
    if (!first_) *out_ += ',';
    first_ = false;
    AppendJsonString(out_, name);
    *out_ += ':';
  }
  std::string* out_;
  bool first_ = true;
};

}  // namespace

std::string FormatStatsJson(const DBStats& st) {
  std::string levels = "[";
  for (int level = 0; level < kNumLevels; level++) {
    const LevelStats& l = st.levels[level];
    if (level > 0) levels += ',';
    JsonObject o(&levels);
    o.Field("level", level);
    o.Field("files", l.files);
    o.Field("bytes", l.bytes);
    o.Field("target_bytes", l.target_bytes);
    o.Field("score", l.score);
    o.Field("read_bytes", l.read_bytes);
    o.Field("written_bytes", l.written_bytes);
    o.Field("moved_bytes", l.moved_bytes);
    o.Field("compactions", l.compactions);
    o.End();
  }
  levels += ']';
  std::string out;
  JsonObject o(&out);
  o.Raw("levels", levels);
  o.Field("table_bytes", st.TableBytes());
  o.Field("user_bytes_written", st.user_bytes_written);
  o.Field("wal_bytes_written", st.wal_bytes_written);
  o.Field("wal_bytes_mapped", st.wal_bytes_mapped);
  o.Field("write_amplification", st.WriteAmplification());
  o.Field("space_amplification", st.SpaceAmplification());
  o.Field("wal_syncs", st.wal_syncs);
  o.Field("synced_writes", st.synced_writes);
  o.Field("wal_sync_micros", st.wal_sync_micros);
  o.Field("helped_syncs", st.helped_syncs);
  o.Field("wal_appends", st.wal_appends);
  o.Field("flushes", st.flushes);
  o.Field("level0_max_files", st.level0_max_files);
  o.Field("stall_micros", st.stall_micros);
  o.Field("slowdowns", st.slowdowns);
  o.Field("stops", st.stops);
  o.Field("running_compactions", static_cast<uint64_t>(st.running_compactions));
  o.Field("block_cache_hits", st.block_cache_hits);
  o.Field("block_cache_misses", st.block_cache_misses);
  o.Field("block_cache_bytes", static_cast<uint64_t>(st.block_cache_bytes));
  o.Field("block_cache_capacity", static_cast<uint64_t>(st.block_cache_capacity));
  o.Field("bloom_checked", st.bloom_checked);
  o.Field("bloom_useful", st.bloom_useful);
  o.Field("wal_dropped_records", st.wal_dropped_records);
  o.Field("wal_dropped_bytes", st.wal_dropped_bytes);
  o.Field("wal_torn_tail_bytes", st.wal_torn_tail_bytes);
  o.Field("ignored_files", st.ignored_files);
  o.Field("first_ignored_file", st.first_ignored_file);
  o.End();
  return out;
}

}  // namespace lsm
