#include "core/util/status.h"

namespace lsm {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "Not found"; break;
    case Code::kInvalid: name = "Invalid argument"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kIOError: name = "I/O error"; break;
    case Code::kBusy: name = "Busy"; break;
    case Code::kNoMemory: name = "Out of memory"; break;
    case Code::kNotSupported: name = "Not supported"; break;
  }
  std::string s(name);
  if (!msg_.empty()) {
    s += ": ";
    s += msg_;
  }
  return s;
}

}  // namespace lsm
