// Checksums and hashes. Every checksum in liblsm's files is the low 32 bits
// of XXH3-64 (seed 0) over the bytes docs/format.md names; the bloom filter
// hashes user keys with the full 64-bit XXH3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <xxhash.h>

namespace lsm {

inline uint64_t Hash64(const void* data, size_t n) { return XXH3_64bits(data, n); }
inline uint64_t Hash64(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

inline uint32_t Checksum(const void* data, size_t n) {
  return static_cast<uint32_t>(XXH3_64bits(data, n));
}

// Checksum of a followed by b, as if they were one buffer.
uint32_t Checksum2(std::string_view a, std::string_view b);

}  // namespace lsm
