// The option table: every option of the engine, defined once. Each row
// gives the option's name (which is also its Options field, its C setter
// lsm_options_set_<name> and its lsm_options_set name), its type, its
// documented range, its default and a one-line description. Everything
// else is expanded from these rows:
//   - the fields of lsm::Options and their defaults (core/db/options.h);
//   - Options::Validate, which DB::Open runs (core/db/options.cc);
//   - the C ABI's typed setters, their range checks, and lsm_options_set's
//     names and value spellings (capi/lsm_c.cc);
//   - docs/options.md, the reference the bindings point to, written by
//     tools/lsm_options_doc.cc (ctest tools.options_doc checks that the
//     committed file matches, and that lsm.h, the Java and the Go bindings
//     expose every C ABI option).
// Adding an option: one row here, its declaration and comment in lsm.h
// (for a row that is part of the C ABI), its binding setters, and a
// regenerated docs/options.md.
//
// LSM_OPTION_TABLE(BOOL, SIZE, INT, ENUM, CORE_INT) calls one of its five
// arguments per row, in the order of the fields of Options:
//   BOOL(name, default, doc)                   bool; C: int 0 or 1
//   SIZE(name, type, min, max, default, doc)   unsigned bytes; C: size_t
//   INT(name, min, max, default, doc)          int
//   ENUM(name, type, default, VALUES, doc)     an enum class; C: int code.
//       VALUES(V) calls V(spelling, enumerator, c_code) per value: the
//       lsm_options_set spelling, the core enumerator and the lsm.h
//       constant (a token the core never expands, so the core does not
//       depend on lsm.h).
//   CORE_INT(name, min, max, default, doc)     int, core only: not in the
//       C ABI (so neither settable nor documented there).
// Ranges are inclusive. Sizes may be written as int expressions; users of
// the table convert them to the field's type.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>

// Values of the compression option (Compression in options.h).
#define LSM_OPTION_COMPRESSION_VALUES(V) \
  V("none", kNone, LSM_COMPRESSION_NONE) \
  V("lz4", kLz4, LSM_COMPRESSION_LZ4)

// Values of the wal_mmap option (LogMapping in core/env/file_system.h).
#define LSM_OPTION_WAL_MMAP_VALUES(V) \
  V("auto", kAuto, LSM_WAL_MMAP_AUTO) \
  V("off", kNever, LSM_WAL_MMAP_OFF)  \
  V("on", kAlways, LSM_WAL_MMAP_ON)

#define LSM_OPTION_TABLE(BOOL, SIZE, INT, ENUM, CORE_INT)                                        \
  BOOL(create_if_missing, true, "Create the database if it does not exist.")                     \
  BOOL(error_if_exists, false, "Fail (invalid argument) if the database already exists.")        \
  SIZE(write_buffer_size, size_t, 64 << 10, size_t{1} << 30, 4 << 20,                            \
       "Bytes of writes buffered in memory before they are written to a table file.")            \
  SIZE(block_size, size_t, 256, 4 << 20, 4 << 10,                                                \
       "Target uncompressed size of a table's data block.")                                      \
  SIZE(block_cache_size, size_t, 0, size_t{1} << 40, 8 << 20,                                    \
       "Bytes of uncompressed blocks cached in memory; 0 disables the cache.")                   \
  INT(bloom_bits_per_key, 0, 40, 10,                                                             \
      "Bloom filter bits per key (10: about 1% false positives); 0 builds no filters.")          \
  ENUM(compression, Compression, kLz4, LSM_OPTION_COMPRESSION_VALUES,                            \
       "Compression of the tables written from now on; existing tables stay readable either "    \
       "way.")                                                                                   \
  INT(max_open_files, 16, 1000000, 1000,                                                         \
      "Table files kept open at once (each with its index and filter in memory).")               \
  INT(background_threads, 1, 64, 2, "Threads that flush memtables and compact tables.")          \
  BOOL(paranoid_checks, false,                                                                   \
       "Treat any damage found as an error (corruption) instead of skipping what can be "        \
       "skipped and counting it in the \"lsm.stats\" property.")                                 \
  SIZE(target_file_size, uint64_t, 64 << 10, uint64_t{4} << 30, 8 << 20,                         \
       "Size at which compactions cut their output tables.")                                     \
  SIZE(max_bytes_for_level_base, uint64_t, 1 << 20, uint64_t{1} << 40, 64 << 20,                 \
       "Target size of level 1; level N's is this times level_size_multiplier^(N-1), and a "     \
       "level over its target is compacted into the next.")                                      \
  INT(level_size_multiplier, 2, 100, 10, "Ratio between the target sizes of adjacent levels.")   \
  CORE_INT(level0_compaction_trigger, 1, INT_MAX, 4,                                             \
           "Level-0 tables at which level 0 is merged into level 1.")                            \
  CORE_INT(level0_slowdown_trigger, 1, INT_MAX, 20,                                              \
           "Level-0 tables at which each write is delayed by a millisecond.")                    \
  CORE_INT(level0_stop_trigger, 1, INT_MAX, 36,                                                  \
           "Level-0 tables at which writes wait until compaction has brought the count down.")   \
  ENUM(wal_mmap, LogMapping, kAuto, LSM_OPTION_WAL_MMAP_VALUES,                                  \
       "Whether the write-ahead log's appends are copied into a shared mapping or written with " \
       "pwrite(2); auto maps only on ext4, xfs and tmpfs (docs/durability.md).")

// Lower bounds the core accepts below an option's documented minimum:
// X(name, floor). The engine works at these sizes, but a database made of
// 4 KiB memtables and tables, or with one table open at a time, is all
// overhead, so the C ABI (and with it every binding) holds users to the
// documented minimum. The core's own tests run between the two, to get
// many files and levels out of little data. Options::Validate uses the
// floor where one is listed here and the documented minimum elsewhere.
#define LSM_OPTION_CORE_FLOORS(X) \
  X(write_buffer_size, 4 << 10)   \
  X(max_open_files, 1)            \
  X(target_file_size, 4 << 10)    \
  X(max_bytes_for_level_base, 4 << 10)
