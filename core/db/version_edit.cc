#include "core/db/version_edit.h"

#include "core/util/coding.h"

namespace lsm {
namespace {

enum Tag : uint32_t {
  kComparator = 1,
  kLogNumber = 2,
  kNextFile = 3,
  kLastSequence = 4,
  kDeletedFile = 5,
  kNewFile = 6,
};

bool GetLevel(std::string_view* in, int* level) {
  uint32_t v;
  if (!GetVarint32(in, &v) || v >= static_cast<uint32_t>(kNumLevels)) return false;
  *level = static_cast<int>(v);
  return true;
}

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (comparator) {
    PutVarint32(dst, kComparator);
    PutLengthPrefixed(dst, *comparator);
  }
  if (log_number) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, *log_number);
  }
  if (next_file_number) {
    PutVarint32(dst, kNextFile);
    PutVarint64(dst, *next_file_number);
  }
  if (last_sequence) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, *last_sequence);
  }
  for (const auto& [level, number] : deleted_files) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, number);
  }
  for (const auto& [level, f] : new_files) {
    PutVarint32(dst, kNewFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixed(dst, f.smallest);
    PutLengthPrefixed(dst, f.largest);
  }
}

Status VersionEdit::DecodeFrom(std::string_view in) {
  *this = VersionEdit();
  while (!in.empty()) {
    uint32_t tag;
    if (!GetVarint32(&in, &tag)) return Status::Corruption("bad tag in version edit");
    bool ok = true;
    switch (tag) {
      case kComparator: {
        std::string_view name;
        ok = GetLengthPrefixed(&in, &name);
        if (ok) comparator = std::string(name);
        break;
      }
      case kLogNumber: {
        uint64_t v;
        ok = GetVarint64(&in, &v);
        if (ok) log_number = v;
        break;
      }
      case kNextFile: {
        uint64_t v;
        ok = GetVarint64(&in, &v);
        if (ok) next_file_number = v;
        break;
      }
      case kLastSequence: {
        uint64_t v;
        ok = GetVarint64(&in, &v) && v <= kMaxSequenceNumber;
        if (ok) last_sequence = v;
        break;
      }
      case kDeletedFile: {
        int level;
        uint64_t number;
        ok = GetLevel(&in, &level) && GetVarint64(&in, &number);
        if (ok) deleted_files.emplace_back(level, number);
        break;
      }
      case kNewFile: {
        int level;
        FileMetaData f;
        std::string_view smallest, largest;
        ok = GetLevel(&in, &level) && GetVarint64(&in, &f.number) &&
             GetVarint64(&in, &f.file_size) && GetLengthPrefixed(&in, &smallest) &&
             GetLengthPrefixed(&in, &largest) && smallest.size() >= 8 && largest.size() >= 8;
        if (ok) {
          f.smallest = std::string(smallest);
          f.largest = std::string(largest);
          new_files.emplace_back(level, std::move(f));
        }
        break;
      }
      default:
        // A field a later version added (every record that reaches here
        // passed its checksum): not damage, but not for this version.
        return Status::NotSupported(
            "version edit field " + std::to_string(tag) +
            " is unknown to this version of liblsm (a newer one wrote it?)");
    }
    if (!ok) return Status::Corruption("truncated field in version edit");
  }
  return Status::OK();
}

}  // namespace lsm
