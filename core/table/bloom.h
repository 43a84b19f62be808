// Whole-table bloom filter over user keys.
//
// Format: bit array of ceil(m/8) bytes (m >= 64 bits), then one byte k (the
// number of probes). Probe i of a key with 64-bit hash h = XXH3-64(key)
// sets/tests bit (lo32(h) + i * hi32(h)) mod m, for i in [0, k).
// At 10 bits per key the false-positive rate is about 1%.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lsm {

class BloomFilterBuilder {
 public:
  explicit BloomFilterBuilder(int bits_per_key) : bits_per_key_(bits_per_key) {}
  void AddKey(std::string_view user_key);
  size_t num_keys() const { return hashes_.size(); }
  // The filter bytes; the builder is reset afterwards.
  std::string Finish();

 private:
  int bits_per_key_;
  std::vector<uint64_t> hashes_;
};

// False means the key is certainly absent; true means it may be present.
// A malformed filter (too short, k out of range) answers true.
bool BloomFilterMayContain(std::string_view filter, std::string_view user_key);

}  // namespace lsm
