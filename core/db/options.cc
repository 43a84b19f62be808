// Options::Validate and the range checks it shares with the C ABI; both are
// expanded from the option table (core/db/option_table.h).
#include "core/db/options.h"

#include <string>

namespace lsm {

namespace {

struct CoreFloor {
  std::string_view name;
  int64_t floor;
};

constexpr CoreFloor kCoreFloors[] = {
#define LSM_OPTION_FLOOR_ENTRY(name, floor) {#name, floor},
    LSM_OPTION_CORE_FLOORS(LSM_OPTION_FLOOR_ENTRY)
#undef LSM_OPTION_FLOOR_ENTRY
};

// The lower bound Validate applies to the option called name: its floor if
// LSM_OPTION_CORE_FLOORS lists one, else its documented minimum.
constexpr int64_t CoreMin(std::string_view name, int64_t documented_min) {
  for (const CoreFloor& f : kCoreFloors) {
    if (f.name == name) return f.floor;
  }
  return documented_min;
}

// Every floor names a SIZE or INT row and lies below its documented
// minimum; otherwise it would be dead, or would tighten the C ABI's range
// in the core without anyone noticing.
constexpr bool FloorBelowMin(std::string_view name, int64_t documented_min) {
  return CoreMin(name, documented_min) <= documented_min;
}
#define LSM_OPTION_SKIP_BOOL(name, def, doc)
#define LSM_OPTION_SKIP_ENUM(name, type, def, values, doc)
#define LSM_OPTION_FLOOR_CHECK_SIZE(name, type, min, max, def, doc) \
  static_assert(FloorBelowMin(#name, min), #name ": its core floor exceeds its minimum");
#define LSM_OPTION_FLOOR_CHECK_INT(name, min, max, def, doc) \
  static_assert(FloorBelowMin(#name, min), #name ": its core floor exceeds its minimum");
LSM_OPTION_TABLE(LSM_OPTION_SKIP_BOOL, LSM_OPTION_FLOOR_CHECK_SIZE, LSM_OPTION_FLOOR_CHECK_INT,
                 LSM_OPTION_SKIP_ENUM, LSM_OPTION_FLOOR_CHECK_INT)
#undef LSM_OPTION_FLOOR_CHECK_SIZE
#undef LSM_OPTION_FLOOR_CHECK_INT

constexpr bool IsRangedOption(std::string_view name) {
  constexpr std::string_view kRanged[] = {
#define LSM_OPTION_NAME_SIZE(name, type, min, max, def, doc) #name,
#define LSM_OPTION_NAME_INT(name, min, max, def, doc) #name,
      LSM_OPTION_TABLE(LSM_OPTION_SKIP_BOOL, LSM_OPTION_NAME_SIZE, LSM_OPTION_NAME_INT,
                       LSM_OPTION_SKIP_ENUM, LSM_OPTION_NAME_INT)
#undef LSM_OPTION_NAME_SIZE
#undef LSM_OPTION_NAME_INT
  };
  for (std::string_view r : kRanged) {
    if (r == name) return true;
  }
  return false;
}
#define LSM_OPTION_FLOOR_NAMES_ROW(name, floor) \
  static_assert(IsRangedOption(#name), #name ": a core floor for no sized or int option");
LSM_OPTION_CORE_FLOORS(LSM_OPTION_FLOOR_NAMES_ROW)
#undef LSM_OPTION_FLOOR_NAMES_ROW

}  // namespace

Status CheckOptionRange(std::string_view name, uint64_t value, uint64_t min, uint64_t max) {
  if (value >= min && value <= max) return Status::OK();
  return Status::Invalid(std::string(name) + " must be in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "], got " + std::to_string(value));
}

Status CheckOptionRange(std::string_view name, int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return Status::OK();
  return Status::Invalid(std::string(name) + " must be in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "], got " + std::to_string(value));
}

std::string OptionAlternatives(std::initializer_list<std::string_view> items, bool quoted) {
  std::string out;
  size_t i = 0;
  for (std::string_view item : items) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    if (quoted) out += '"';
    out += item;
    if (quoted) out += '"';
    i++;
  }
  return out;
}

Status Options::Validate() const {
  Status s;
#define LSM_OPTION_VALIDATE_SIZE(name, type, min, max, def, doc)                                \
  s = CheckOptionRange(#name, static_cast<uint64_t>(name),                                      \
                       static_cast<uint64_t>(CoreMin(#name, min)), static_cast<uint64_t>(max)); \
  if (!s.ok()) return s;
#define LSM_OPTION_VALIDATE_INT(name, min, max, def, doc)                      \
  s = CheckOptionRange(#name, static_cast<int64_t>(name), CoreMin(#name, min), \
                       static_cast<int64_t>(max));                             \
  if (!s.ok()) return s;
  // An enum field can hold a value outside its enumerators (a cast from an
  // integer); the engine would treat it as one of them by accident.
#define LSM_OPTION_IS_VALUE(spelling, enumerator, c_code) known = known || value == E::enumerator;
#define LSM_OPTION_SPELLING(spelling, enumerator, c_code) spelling,
#define LSM_OPTION_VALIDATE_ENUM(name, type, def, values, doc)                                    \
  {                                                                                               \
    using E = type;                                                                               \
    const E value = name;                                                                         \
    bool known = false;                                                                           \
    values(LSM_OPTION_IS_VALUE);                                                                  \
    if (!known) {                                                                                 \
      return Status::Invalid(#name " must be " +                                                  \
                             OptionAlternatives({values(LSM_OPTION_SPELLING)}, true) + ", got " + \
                             std::to_string(static_cast<int>(value)));                            \
    }                                                                                             \
  }
  LSM_OPTION_TABLE(LSM_OPTION_SKIP_BOOL, LSM_OPTION_VALIDATE_SIZE, LSM_OPTION_VALIDATE_INT,
                   LSM_OPTION_VALIDATE_ENUM, LSM_OPTION_VALIDATE_INT)
#undef LSM_OPTION_VALIDATE_SIZE
#undef LSM_OPTION_VALIDATE_INT
#undef LSM_OPTION_VALIDATE_ENUM
#undef LSM_OPTION_IS_VALUE
#undef LSM_OPTION_SPELLING
  // The level-0 triggers are not checked against each other, though a stop
  // trigger below the compaction trigger stalls writes for good once level
  // 0 reaches it: databases opened that way exist (tests that turn level-0
  // compaction off with a trigger of 100 and never make 36 tables), and
  // refusing them is a change of behaviour that issue 18 leaves out.
  return Status::OK();
}

#undef LSM_OPTION_SKIP_BOOL
#undef LSM_OPTION_SKIP_ENUM

}  // namespace lsm
