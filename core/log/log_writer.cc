#include "core/log/log_writer.h"

#include "core/log/log_format.h"
#include "core/util/coding.h"
#include "core/util/hash.h"

namespace lsm {

Status LogWriter::AddRecord(std::string_view a, std::string_view b, Then then) {
  const size_t length = a.size() + b.size();
  if (length > kMaxLogRecordSize) {
    return Status::Invalid("log record of " + std::to_string(length) + " bytes exceeds the limit");
  }
  char header[kLogHeaderSize];
  EncodeFixed32(header, static_cast<uint32_t>(length));
  EncodeFixed32(header + 4, Checksum(header, 4));
  EncodeFixed32(header + 8, Checksum2(a, b));
  // The file buffers appends up to its buffer size, so a record that fits
  // reaches the OS in the single pwrite(2) (or copy) of Flush/Sync.
  Status s = file_->Append(std::string_view(header, kLogHeaderSize));
  if (s.ok()) s = file_->Append(a);
  if (s.ok() && !b.empty()) s = file_->Append(b);
  if (s.ok()) {
    switch (then) {
      case Then::kFlush: s = file_->Flush(); break;
      case Then::kFlushForSync: s = file_->FlushForSync(); break;
      case Then::kSync: s = file_->Sync(); break;
    }
  }
  if (s.ok()) size_ += kLogHeaderSize + length;
  return s;
}

}  // namespace lsm
