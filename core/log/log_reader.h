// LogReader: reads back the records of a log file (log_format.h), applying
// the recovery rules of docs/format.md:
//
// - The tail of the file may be torn by a crash mid-append: a header cut
//   short, a record whose declared length runs past the end of the file, a
//   final record whose payload check fails, or a stretch of zero bytes to the
//   end of the file. A log file (FileSystem::NewLogFile) may reserve zeros
//   past its last record, so a header or a final record cut short and then
//   followed by zeros is torn too. The reader stops there silently
//   (torn_tail_bytes()).
// - A record before the tail whose payload check fails is damage: it is
//   reported and skipped (the next record starts right after it).
// - A header before the tail whose length check fails is damage after
//   which no later record can be found: it is reported and reading stops.
//
// "Reported" means: the first such problem is kept in corruption() and the
// skipped bytes and records are counted; the caller decides whether damage is
// fatal (paranoid checks) or tolerated.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/env/file_system.h"
#include "core/util/status.h"

namespace lsm {

class LogReader {
 public:
  explicit LogReader(std::unique_ptr<SequentialFile> file) : file_(std::move(file)) {}

  // Reads the next intact record into *record; false at the end (or on an
  // I/O error, see io_status()).
  bool ReadRecord(std::string* record);

  const Status& io_status() const { return io_status_; }
  // OK, or a Corruption describing the first damage found.
  const Status& corruption() const { return corruption_; }
  uint64_t dropped_records() const { return dropped_records_; }
  uint64_t dropped_bytes() const { return dropped_bytes_; }
  uint64_t torn_tail_bytes() const { return torn_tail_bytes_; }

 private:
  // Makes at least n unread bytes available in buf_ unless the file ends
  // first; returns the number available.
  size_t Fill(size_t n);
  // Reads to the end of the file; returns how many bytes that was.
  uint64_t ConsumeRest();
  // True if every byte from skip bytes past the read position to the end of
  // the file is zero (or there is none); consumes nothing. Memory grows only
  // with the run of zeros, since it stops at the first other byte.
  bool ZeroFrom(size_t skip);
  void ReportDamage(const std::string& what, uint64_t bytes, bool record);

  std::unique_ptr<SequentialFile> file_;
  std::string buf_;
  size_t pos_ = 0;        // read position in buf_
  uint64_t offset_ = 0;   // file offset of buf_[pos_]
  bool eof_ = false;
  bool stopped_ = false;
  Status io_status_;
  Status corruption_;
  uint64_t dropped_records_ = 0;
  uint64_t dropped_bytes_ = 0;
  uint64_t torn_tail_bytes_ = 0;
};

}  // namespace lsm
