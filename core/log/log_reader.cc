#include "core/log/log_reader.h"

#include <algorithm>

#include "core/log/log_format.h"
#include "core/util/coding.h"
#include "core/util/hash.h"

namespace lsm {

size_t LogReader::Fill(size_t n) {
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  constexpr size_t kChunk = 64 * 1024;
  while (buf_.size() - pos_ < n && !eof_ && io_status_.ok()) {
    // At most doubling per read: a length from a damaged header costs
    // memory only as far as the file really goes.
    size_t want = std::max(kChunk, std::min(n - (buf_.size() - pos_), buf_.size()));
    size_t old = buf_.size();
    buf_.resize(old + want);
    std::string_view got;
    Status s = file_->Read(want, &buf_[old], &got);
    if (!s.ok()) {
      io_status_ = s;
      buf_.resize(old);
      break;
    }
    if (got.data() != &buf_[old]) std::copy(got.begin(), got.end(), &buf_[old]);
    buf_.resize(old + got.size());
    if (got.empty()) eof_ = true;
  }
  return buf_.size() - pos_;
}

uint64_t LogReader::ConsumeRest() {
  uint64_t bytes = 0;
  do {
    bytes += buf_.size() - pos_;
    buf_.clear();
    pos_ = 0;
  } while (Fill(1) > 0);
  return bytes;
}

bool LogReader::ZeroFrom(size_t skip) {
  size_t checked = skip;  // bytes from pos_ known to be skipped or zero
  while (true) {
    const size_t avail = Fill(checked + 1);
    if (!io_status_.ok()) return false;
    if (avail <= checked) return true;  // the end of the file
    const char* from = buf_.data() + pos_ + checked;
    const char* to = buf_.data() + pos_ + avail;
    if (std::any_of(from, to, [](char c) { return c != 0; })) return false;
    checked = avail;
  }
}

void LogReader::ReportDamage(const std::string& what, uint64_t bytes, bool record) {
  if (corruption_.ok()) {
    corruption_ = Status::Corruption(what + " at offset " + std::to_string(offset_));
  }
  dropped_bytes_ += bytes;
  if (record) dropped_records_++;
}

bool LogReader::ReadRecord(std::string* record) {
  while (!stopped_) {
    size_t avail = Fill(kLogHeaderSize);
    if (!io_status_.ok()) return false;
    if (avail == 0) return false;  // clean end
    if (avail < kLogHeaderSize) {  // header cut short: torn tail
      torn_tail_bytes_ += avail;
      stopped_ = true;
      return false;
    }
    const char* h = buf_.data() + pos_;
    uint32_t length = DecodeFixed32(h);
    if (DecodeFixed32(h + 4) != Checksum(h, 4) || length > kMaxLogRecordSize) {
      // Only zeros after the length fields: a tail zero-filled by a crash,
      // or a header cut short in front of the zeros a log file reserves.
      const bool torn = ZeroFrom(kLogLengthFieldsSize);
      if (!io_status_.ok()) return false;
      const uint64_t rest = ConsumeRest();
      if (!io_status_.ok()) return false;
      stopped_ = true;
      if (torn) {
        torn_tail_bytes_ += rest;
      } else {  // no later record can be located
        ReportDamage("bad log record header", rest, false);
      }
      return false;
    }
    const size_t total = kLogHeaderSize + length;
    avail = Fill(total);
    if (!io_status_.ok()) return false;
    if (avail < total) {  // record runs past the end: torn tail
      torn_tail_bytes_ += avail;
      stopped_ = true;
      return false;
    }
    h = buf_.data() + pos_;
    const char* payload = h + kLogHeaderSize;
    if (DecodeFixed32(h + 8) != Checksum(payload, length)) {
      // The final record, with nothing or only zeros after it: torn mid-write.
      const bool last = ZeroFrom(total);
      if (!io_status_.ok()) return false;
      if (last) {
        torn_tail_bytes_ += ConsumeRest();
        stopped_ = true;
        return false;
      }
      ReportDamage("log record checksum mismatch", total, true);
      pos_ += total;
      offset_ += total;
      continue;
    }
    record->assign(payload, length);
    pos_ += total;
    offset_ += total;
    return true;
  }
  return false;
}

}  // namespace lsm
