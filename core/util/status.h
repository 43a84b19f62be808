// Status: the outcome of an engine operation. The core never throws for
// expected failures; every fallible call returns a Status. The codes mirror
// the C ABI's LSM_* status codes one for one (capi/include/lsm.h), so the
// glue maps them without a table.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace lsm {

class [[nodiscard]] Status {
 public:
  enum class Code : int {
    kOk = 0,
    kNotFound = 1,
    kInvalid = 2,
    kCorruption = 3,
    kIOError = 4,
    kBusy = 5,
    kNoMemory = 6,
    kNotSupported = 7,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg = {}) { return Status(Code::kNotFound, msg); }
  static Status Invalid(std::string_view msg) { return Status(Code::kInvalid, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status NoMemory(std::string_view msg) { return Status(Code::kNoMemory, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsInvalid() const { return code_ == Code::kInvalid; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }

  Code code() const { return code_; }
  const std::string& message() const { return msg_; }

  // "Corruption: <message>", for logs and test failure output.
  std::string ToString() const;

  // Status is [[nodiscard]]: a result dropped on purpose says so with this
  // (and a comment saying why nothing is lost).
  void Ignore() const {}

 private:
  Status(Code code, std::string_view msg) : code_(code), msg_(msg) {}

  Code code_ = Code::kOk;
  std::string msg_;
};

}  // namespace lsm
