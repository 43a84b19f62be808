// Options of the core engine. The fields of Options, their defaults and
// their ranges come from the option table (core/db/option_table.h), which
// documents each; the C ABI's lsm_options maps onto the same table, so the
// defaults here are lsm.h's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/db/option_table.h"
#include "core/env/file_system.h"
#include "core/util/status.h"

namespace lsm {

enum class Compression { kNone = 0, kLz4 = 1 };

struct Options {
#define LSM_OPTION_FIELD_BOOL(name, def, doc) bool name = def;
#define LSM_OPTION_FIELD_SIZE(name, type, min, max, def, doc) type name = def;
#define LSM_OPTION_FIELD_INT(name, min, max, def, doc) int name = def;
#define LSM_OPTION_FIELD_ENUM(name, type, def, values, doc) type name = type::def;
  LSM_OPTION_TABLE(LSM_OPTION_FIELD_BOOL, LSM_OPTION_FIELD_SIZE, LSM_OPTION_FIELD_INT,
                   LSM_OPTION_FIELD_ENUM, LSM_OPTION_FIELD_INT)
#undef LSM_OPTION_FIELD_BOOL
#undef LSM_OPTION_FIELD_SIZE
#undef LSM_OPTION_FIELD_INT
#undef LSM_OPTION_FIELD_ENUM

  // File system; null means the POSIX one.
  FileSystem* fs = nullptr;

  // OK if every option is within its range and every enum holds one of its
  // values; otherwise Invalid, naming the first option that is not and its
  // allowed range. The ranges are the option table's, except that the
  // floors of LSM_OPTION_CORE_FLOORS replace the documented minimums.
  // DB::Open runs this before it touches the file system.
  Status Validate() const;
};

// The checks behind Options::Validate and the C ABI's setters
// (capi/lsm_c.cc), so that both apply the table's limits with one piece of
// code and word their refusals alike: Invalid("<name> must be in [<min>,
// <max>], got <value>") when value is outside [min, max], else OK.
Status CheckOptionRange(std::string_view name, uint64_t value, uint64_t min, uint64_t max);
Status CheckOptionRange(std::string_view name, int64_t value, int64_t min, int64_t max);

// The alternatives an enum option takes, for messages: `a, b or c`, or with
// quoted set, `"a", "b" or "c"`.
std::string OptionAlternatives(std::initializer_list<std::string_view> items, bool quoted);

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
