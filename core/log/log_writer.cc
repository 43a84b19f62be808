#include "core/log/log_writer.h"

#include "core/log/log_format.h"
#include "core/util/coding.h"
#include "core/util/hash.h"

namespace lsm {

Status LogWriter::AddRecord(std::string_view payload, bool sync) {
  if (payload.size() > kMaxLogRecordSize) {
    return Status::Invalid("log record of " + std::to_string(payload.size()) +
                           " bytes exceeds the limit");
  }
  char header[kLogHeaderSize];
  EncodeFixed32(header, static_cast<uint32_t>(payload.size()));
  EncodeFixed32(header + 4, Checksum(header, 4));
  EncodeFixed32(header + 8, Checksum(payload.data(), payload.size()));
  Status s = file_->Append(std::string_view(header, kLogHeaderSize));
  if (s.ok()) s = file_->Append(payload);
  if (s.ok()) s = sync ? file_->Sync() : file_->Flush();
  if (s.ok()) size_ += kLogHeaderSize + payload.size();
  return s;
}

}  // namespace lsm
