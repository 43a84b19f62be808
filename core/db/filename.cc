#include "core/db/filename.h"

#include <cstdio>

namespace lsm {
namespace {

std::string Numbered(const std::string& dir, uint64_t number, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/%06llu.%s", static_cast<unsigned long long>(number), suffix);
  return dir + buf;
}

// Reads a number as Numbered writes it: at least six digits, and no
// leading zero past that padding.
bool ParseNumber(const std::string& s, uint64_t* out) {
  if (s.size() < 6 || s.size() > 19 || (s.size() > 6 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string LogFileName(const std::string& dir, uint64_t n) { return Numbered(dir, n, "log"); }
std::string TableFileName(const std::string& dir, uint64_t n) { return Numbered(dir, n, "sst"); }
std::string TempFileName(const std::string& dir, uint64_t n) { return Numbered(dir, n, "tmp"); }

std::string ManifestFileName(const std::string& dir, uint64_t number) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/MANIFEST-%06llu", static_cast<unsigned long long>(number));
  return dir + buf;
}

std::string CurrentFileName(const std::string& dir) { return dir + "/CURRENT"; }
std::string LockFileName(const std::string& dir) { return dir + "/LOCK"; }

bool ParseFileName(const std::string& name, uint64_t* number, FileType* type) {
  if (name == "CURRENT") {
    *number = 0;
    *type = FileType::kCurrent;
    return true;
  }
  if (name == "LOCK") {
    *number = 0;
    *type = FileType::kLock;
    return true;
  }
  if (name.rfind("MANIFEST-", 0) == 0) {
    *type = FileType::kManifest;
    return ParseNumber(name.substr(9), number);
  }
  size_t dot = name.find('.');
  if (dot == std::string::npos) return false;
  std::string suffix = name.substr(dot + 1);
  if (suffix == "log") {
    *type = FileType::kLog;
  } else if (suffix == "sst") {
    *type = FileType::kTable;
  } else if (suffix == "tmp") {
    *type = FileType::kTemp;
  } else {
    return false;
  }
  return ParseNumber(name.substr(0, dot), number);
}

bool ResemblesFileName(const std::string& name) {
  auto ends_with = [&name](const char* suffix) {
    const std::string s(suffix);
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return name.rfind("MANIFEST-", 0) == 0 || ends_with(".log") || ends_with(".sst") ||
         ends_with(".tmp");
}

}  // namespace lsm
