// LogWriter: appends records (log_format.h) to a file. Each AddRecord
// hands the whole record to the OS before returning (one pwrite(2), or one
// copy into a mapping for a file from FileSystem::NewLogFile, for records
// up to the file's buffer size), so an acknowledged record survives a crash
// of the process; with sync it also survives power loss.
// REQUIRES: external synchronization.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/env/file_system.h"
#include "core/util/status.h"

namespace lsm {

class LogWriter {
 public:
  explicit LogWriter(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {}

  // What AddRecord does once the record is appended.
  enum class Then {
    kFlush,          // hand it to the OS: it survives a crash of the process
    kFlushForSync,   // the same, in the way suited to a Sync the caller makes next
    kSync,           // make it durable: it survives power loss
  };

  Status AddRecord(std::string_view payload, bool sync) {
    return AddRecord(payload, {}, sync ? Then::kSync : Then::kFlush);
  }
  // Appends one record whose payload is a followed by b (saves the caller
  // from concatenating them).
  Status AddRecord(std::string_view a, std::string_view b, Then then);
  Status Sync() { return file_->Sync(); }
  Status Close() { return file_->Close(); }
  uint64_t size() const { return size_; }
  uint64_t bytes_mapped() const { return file_->bytes_mapped(); }
  std::string append_path() const { return file_->append_path(); }

 private:
  std::unique_ptr<WritableFile> file_;
  uint64_t size_ = 0;
};

}  // namespace lsm
