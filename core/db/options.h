// Options of the core engine. The C ABI's lsm_options maps onto these; the
// defaults here are the documented defaults of lsm.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/env/file_system.h"

namespace lsm {

enum class Compression { kNone = 0, kLz4 = 1 };

struct Options {
  bool create_if_missing = true;
  bool error_if_exists = false;
  // Memtable size at which it is frozen and flushed to a table.
  size_t write_buffer_size = 4 << 20;
  // Target uncompressed size of a table's data block.
  size_t block_size = 4096;
  // Bytes of uncompressed blocks kept in memory; 0 disables the cache.
  size_t block_cache_size = 8 << 20;
  // Bloom filter bits per key; 0 builds no filter.
  int bloom_bits_per_key = 10;
  Compression compression = Compression::kLz4;
  // Tables kept open (index and filter in memory).
  int max_open_files = 1000;
  // Threads that flush memtables and compact tables.
  int background_threads = 2;
  // Treat any damage found (a damaged WAL record, a bad block) as fatal
  // rather than skipping what can be skipped.
  bool paranoid_checks = false;
  // Tables written by compactions are cut at about this size.
  uint64_t target_file_size = 8 << 20;
  // Target size of level 1; each deeper level's is level_size_multiplier
  // times the one above.
  uint64_t max_bytes_for_level_base = 64 << 20;
  int level_size_multiplier = 10;
  // Level-0 table counts: at the first, level 0 is merged into level 1; at
  // the second, each write is delayed by a millisecond; at the third,
  // writes wait until compaction has brought the count down.
  int level0_compaction_trigger = 4;
  int level0_slowdown_trigger = 20;
  int level0_stop_trigger = 36;
  // Whether the write-ahead log appends through a shared mapping (see
  // LogMapping in core/env/file_system.h).
  LogMapping wal_mmap = LogMapping::kAuto;
  // File system; null means the POSIX one.
  FileSystem* fs = nullptr;
};

class Snapshot;

struct ReadOptions {
  const Snapshot* snapshot = nullptr;  // null: the latest state
  bool verify_checksums = true;
  bool fill_cache = true;
  // Iterators only: keys >= lower_bound and < upper_bound.
  bool has_lower_bound = false;
  std::string lower_bound;
  bool has_upper_bound = false;
  std::string upper_bound;
};

struct WriteOptions {
  // fdatasync the WAL before the write returns: it then survives power loss.
  bool sync = false;
};

}  // namespace lsm
