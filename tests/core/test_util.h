// Helpers shared by the core tests.
#pragma once

#include <string>

namespace lsm {
namespace test {

// A fresh, empty directory for one test, under $LSM_TEST_TMPDIR (or /tmp),
// named after the running GoogleTest test. Removed first if it exists.
std::string TempDir();

// Removes path and everything under it; missing is fine.
void RemoveAll(const std::string& path);

// Bytes of path; -1 if missing.
long long FileSize(const std::string& path);

// Flips the bits of the byte at offset in path (negative offsets count from
// the end). Returns false if the file is shorter.
bool CorruptByte(const std::string& path, long long offset);

// Shortens path to `size` bytes.
bool TruncateFile(const std::string& path, long long size);

}  // namespace test
}  // namespace lsm
