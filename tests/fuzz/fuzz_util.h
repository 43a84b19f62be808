// Helpers shared by the libFuzzer targets in this folder: in-memory files
// over the fuzzer's input, a per-process scratch directory, and checksum
// repair so that mutated inputs get past the checksums and reach the
// parsers behind them.
//
// A failed check in a target calls FUZZ_CHECK, which prints what failed and
// traps: libFuzzer then saves the input as a crash.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/env/file_system.h"
#include "core/log/log_format.h"
#include "core/util/coding.h"
#include "core/util/hash.h"

#define FUZZ_CHECK(cond, ...)                                                         \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: check failed: %s\n  ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                              \
      std::fprintf(stderr, "\n");                                                     \
      __builtin_trap();                                                               \
    }                                                                                 \
  } while (0)

namespace lsm {
namespace fuzz {

// Reads a buffer as a whole; thread-safe (Read is const).
class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::string data) : data_(std::move(data)) {}
  Status Read(uint64_t offset, size_t n, char* scratch, std::string_view* result) const override {
    if (offset > data_.size()) {
      *result = {};
      return Status::OK();
    }
    size_t k = std::min(n, data_.size() - static_cast<size_t>(offset));
    std::memcpy(scratch, data_.data() + offset, k);
    *result = std::string_view(scratch, k);
    return Status::OK();
  }

 private:
  const std::string data_;
};

// Reads a buffer front to back, at most `chunk` bytes per Read (short reads
// before the end are allowed by the SequentialFile contract).
class MemSequentialFile final : public SequentialFile {
 public:
  MemSequentialFile(std::string_view data, size_t chunk) : data_(data), chunk_(chunk) {}
  Status Read(size_t n, char* scratch, std::string_view* result) override {
    size_t k = std::min({n, chunk_, data_.size() - pos_});
    std::memcpy(scratch, data_.data() + pos_, k);
    pos_ += k;
    *result = std::string_view(scratch, k);
    return Status::OK();
  }

 private:
  const std::string data_;
  const size_t chunk_;
  size_t pos_ = 0;
};

// Consumes the fuzzer's input byte by byte; reads past the end give 0.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ == end_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  uint8_t Byte() { return p_ < end_ ? *p_++ : 0; }
  // Up to n bytes (fewer at the end).
  std::string_view Bytes(size_t n) {
    n = std::min(n, left());
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Walks a log file image (log_format.h) and rewrites each record's
// length_check and payload_check to match, as far as records can be
// followed (a length over the limit or past the end stops it).
inline std::string FixLogChecksums(std::string_view in) {
  std::string out(in);
  size_t pos = 0;
  while (out.size() - pos >= kLogHeaderSize) {
    char* h = &out[pos];
    uint32_t length = DecodeFixed32(h);
    if (length > kMaxLogRecordSize || length > out.size() - pos - kLogHeaderSize) break;
    EncodeFixed32(h + 4, Checksum(h, 4));
    EncodeFixed32(h + 8, Checksum(h + kLogHeaderSize, length));
    pos += kLogHeaderSize + length;
  }
  return out;
}

// Removes path and everything under it; missing is fine.
inline void RemoveAll(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = ::opendir(path.c_str())) {
      while (struct dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        RemoveAll(path + "/" + e->d_name);
      }
      ::closedir(d);
    }
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

// A scratch directory for this process (created; removed at exit):
// $LSM_FUZZ_TMPDIR, else /dev/shm (tmpfs: fdatasync costs nothing), else
// $TMPDIR or /tmp; then lsm-fuzz-<name>-<pid>, so parallel jobs never share.
inline const std::string& ScratchDir(const char* name) {
  // Never destroyed: the atexit handler below runs after static destructors
  // of objects constructed before it was registered (this one).
  static const std::string* const dir = [name] {
    const char* base = std::getenv("LSM_FUZZ_TMPDIR");
    struct stat st;
    if (base == nullptr || *base == '\0') {
      if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && ::access("/dev/shm", W_OK) == 0) {
        base = "/dev/shm";
      } else {
        base = std::getenv("TMPDIR");
        if (base == nullptr || *base == '\0') base = "/tmp";
      }
    }
    std::string d = std::string(base) + "/lsm-fuzz-" + name + "-" + std::to_string(::getpid());
    RemoveAll(d);
    if (::mkdir(d.c_str(), 0755) != 0) {
      std::fprintf(stderr, "cannot create scratch directory %s\n", d.c_str());
      std::abort();
    }
    std::atexit([] { RemoveAll(ScratchDir(nullptr)); });
    return new std::string(d);
  }();
  return *dir;
}

inline void WriteFileOrDie(const std::string& path, std::string_view data) {
  Status s = WriteStringToFileSync(FileSystem::Default(), data, path);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), s.ToString().c_str());
    std::abort();
  }
}

// A short printable rendering of bytes for failure messages.
inline std::string Show(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 40)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 40) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace fuzz
}  // namespace lsm
