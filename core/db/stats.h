// DBStats: the database's statistics as numbers. DB::GetStats() fills one;
// "lsm.stats" renders it as text for people (FormatStats) and
// "lsm.stats.json" as one JSON object for programs (FormatStatsJson).
// Tests and tools read these fields, never the text.
//
// Counters count since the database was opened; sizes are as of the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/db/version_edit.h"

namespace lsm {

struct LevelStats {
  // As of the call.
  int files = 0;
  uint64_t bytes = 0;
  uint64_t target_bytes = 0;  // 0 for level 0 (its trigger is a file count)
  double score = 0;           // >= 1: a compaction of this level is due
  // Counted by the compactions (and, for level 0, flushes) that wrote here.
  uint64_t read_bytes = 0;
  uint64_t written_bytes = 0;
  uint64_t moved_bytes = 0;  // trivial moves: no rewrite
  uint64_t compactions = 0;
};

struct DBStats {
  LevelStats levels[kNumLevels];

  // Writes.
  uint64_t user_bytes_written = 0;  // write batches as the caller made them
  uint64_t wal_bytes_written = 0;   // records appended to the write-ahead log
  uint64_t wal_bytes_mapped = 0;    // of those, stored through a mapping
  uint64_t wal_syncs = 0;           // fdatasyncs of the log for sync writes
  uint64_t synced_writes = 0;       // sync writes they covered
  uint64_t wal_sync_micros = 0;     // time those fdatasyncs took
  uint64_t helped_syncs = 0;        // syncs whose memtable insert a waiting writer ran
  std::string wal_appends;          // how the log appends (mapping or pwrite) and why

  // Flushes and stalls.
  uint64_t flushes = 0;
  int level0_max_files = 0;  // most level-0 files seen after a flush
  uint64_t stall_micros = 0;
  uint64_t slowdowns = 0;  // writes delayed by the level-0 slowdown trigger
  uint64_t stops = 0;      // waits at the level-0 stop trigger
  size_t running_compactions = 0;

  // Reads.
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  size_t block_cache_bytes = 0;
  size_t block_cache_capacity = 0;
  uint64_t bloom_checked = 0;
  uint64_t bloom_useful = 0;  // lookups a filter answered "absent"

  // Recovery at open.
  uint64_t wal_dropped_records = 0;
  uint64_t wal_dropped_bytes = 0;
  uint64_t wal_torn_tail_bytes = 0;
  // Files that look like the database's but are not (a name liblsm does
  // not write, a number it never handed out); left alone.
  uint64_t ignored_files = 0;
  std::string first_ignored_file;  // "name: why", if any

  // Totals over the levels.
  uint64_t TableBytes() const;
  // Bytes written to the log and to tables per byte of user writes.
  double WriteAmplification() const;
  // All table bytes over the deepest non-empty level's (where live data
  // ends up): an estimate of space amplification.
  double SpaceAmplification() const;
};

std::string FormatStats(const DBStats& stats);
std::string FormatStatsJson(const DBStats& stats);

}  // namespace lsm
