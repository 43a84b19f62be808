// Compile-time checks that lsm.h and the core agree wherever the glue
// (lsm_c.cc) passes one's value off as the other's: status codes, size
// limits and the version macros. A change to either side that breaks the
// agreement stops the build here, instead of handing C callers a wrong
// code or limit. Included once, by lsm_c.cc; it defines nothing at run
// time.
#pragma once

#include "core/db/db.h"
#include "core/util/status.h"
#include "lsm.h"

namespace lsm::capi {

// ---------------------------------------------------------- status codes
// The core's status codes beside the C codes they become, one row each.
// FromStatus (lsm_c.cc) turns one into the other with a cast, which is
// right only while every row holds equal values.
#define LSM_STATUS_CODE_TABLE(ROW)  \
  ROW(kOk, LSM_OK)                  \
  ROW(kNotFound, LSM_NOT_FOUND)     \
  ROW(kInvalid, LSM_INVALID)        \
  ROW(kCorruption, LSM_CORRUPTION)  \
  ROW(kIOError, LSM_IO_ERROR)       \
  ROW(kBusy, LSM_BUSY)              \
  ROW(kNoMemory, LSM_NO_MEMORY)     \
  ROW(kNotSupported, LSM_NOT_SUPPORTED)

#define LSM_STATUS_CODE_EQUAL(core, c)                             \
  static_assert(static_cast<int>(Status::Code::core) == (c),       \
                "Status::Code::" #core " differs from " #c " (lsm.h): " \
                "FromStatus's cast would hand C callers the wrong code");
LSM_STATUS_CODE_TABLE(LSM_STATUS_CODE_EQUAL)
#undef LSM_STATUS_CODE_EQUAL

// Every core code has a row: the switch has no default, so a code added to
// Status::Code and not to the table is a -Wswitch diagnostic, made an error
// here whatever the build's warning flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch"
constexpr bool HasRow(Status::Code code) {
  switch (code) {
#define LSM_STATUS_CODE_CASE(core, c) case Status::Code::core:
    LSM_STATUS_CODE_TABLE(LSM_STATUS_CODE_CASE)
#undef LSM_STATUS_CODE_CASE
    return true;
  }
  return false;
}
#pragma GCC diagnostic pop
static_assert(HasRow(Status::Code::kOk));

// The C codes are 0 .. rows-1, each once: lsm.h promises fixed small codes
// and lsm_strerror names each of them.
#define LSM_STATUS_CODE_BIT(core, c) | (1u << (c))
#define LSM_STATUS_CODE_ONE(core, c) +1
constexpr unsigned kStatusCodeRows = 0 LSM_STATUS_CODE_TABLE(LSM_STATUS_CODE_ONE);
constexpr unsigned kStatusCodeBits = 0u LSM_STATUS_CODE_TABLE(LSM_STATUS_CODE_BIT);
#undef LSM_STATUS_CODE_BIT
#undef LSM_STATUS_CODE_ONE
static_assert(kStatusCodeRows < 32 && kStatusCodeBits == (1u << kStatusCodeRows) - 1,
              "the C status codes must be 0, 1, 2, ... with no gap or repeat");

// ---------------------------------------------------------------- limits
// lsm.h states the limits for callers; the core enforces its own constants.
static_assert(kMaxKeySize == LSM_MAX_KEY_SIZE, "lsm.h's LSM_MAX_KEY_SIZE is not the core's limit");
static_assert(kMaxValueSize == LSM_MAX_VALUE_SIZE,
              "lsm.h's LSM_MAX_VALUE_SIZE is not the core's limit");
static_assert(kMaxBatchSize == LSM_MAX_BATCH_SIZE,
              "lsm.h's LSM_MAX_BATCH_SIZE is not the core's limit");

// --------------------------------------------------------------- version
// LSM_VERSION_STRING spells MAJOR.MINOR.PATCH (lsm_version() returns it),
// and LSM_VERSION_NUMBER's encoding holds only while MINOR and PATCH < 100.
constexpr bool SpellsVersion(const char* s, int major, int minor, int patch) {
  int parts[3] = {0, 0, 0};
  int part = 0;
  bool digits = false;
  for (; *s != '\0'; ++s) {
    if (*s == '.') {
      if (!digits || part == 2) return false;
      ++part;
      digits = false;
    } else if (*s >= '0' && *s <= '9') {
      parts[part] = parts[part] * 10 + (*s - '0');
      digits = true;
    } else {
      return false;
    }
  }
  return digits && part == 2 && parts[0] == major && parts[1] == minor && parts[2] == patch;
}
static_assert(SpellsVersion(LSM_VERSION_STRING, LSM_VERSION_MAJOR, LSM_VERSION_MINOR,
                            LSM_VERSION_PATCH),
              "LSM_VERSION_STRING does not spell LSM_VERSION_MAJOR.MINOR.PATCH");
static_assert(LSM_VERSION_MINOR < 100 && LSM_VERSION_PATCH < 100,
              "LSM_VERSION_NUMBER's encoding needs MINOR and PATCH below 100");

}  // namespace lsm::capi
