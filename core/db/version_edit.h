// VersionEdit: one change to the set of live files, as recorded in the
// MANIFEST. Each MANIFEST record (log_format.h) holds one encoded edit:
// a sequence of (varint32 tag, fields) pairs, see docs/format.md:
//   1 comparator     varstring ("lsm.bytewise")
//   2 log_number     varint64   WALs numbered below this are obsolete
//   3 next_file      varint64   next file number to hand out
//   4 last_sequence  varint64
//   5 deleted_file   varint32 level, varint64 number
//   6 new_file       varint32 level, varint64 number, varint64 size,
//                    varstring smallest, varstring largest (internal keys)
// An unknown tag is Corruption: a newer format must not be half-understood.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/dbformat.h"
#include "core/util/status.h"

namespace lsm {

constexpr int kNumLevels = 7;
constexpr const char* kComparatorName = "lsm.bytewise";

struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest;  // internal keys
  std::string largest;
};

class VersionEdit {
 public:
  std::optional<std::string> comparator;
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<SequenceNumber> last_sequence;
  std::vector<std::pair<int, uint64_t>> deleted_files;  // (level, number)
  std::vector<std::pair<int, FileMetaData>> new_files;

  void AddFile(int level, const FileMetaData& f) { new_files.emplace_back(level, f); }
  void DeleteFile(int level, uint64_t number) { deleted_files.emplace_back(level, number); }

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(std::string_view src);
};

}  // namespace lsm
