#include "core/table/bloom.h"

#include <algorithm>

#include "core/util/hash.h"

namespace lsm {

void BloomFilterBuilder::AddKey(std::string_view user_key) {
  uint64_t h = Hash64(user_key);
  // Versions of one user key arrive consecutively; count the key once.
  if (!hashes_.empty() && hashes_.back() == h) return;
  hashes_.push_back(h);
}

std::string BloomFilterBuilder::Finish() {
  uint64_t bits = std::max<uint64_t>(64, hashes_.size() * static_cast<uint64_t>(bits_per_key_));
  uint64_t bytes = (bits + 7) / 8;
  bits = bytes * 8;
  // k = bits_per_key * ln 2 minimises the false-positive rate.
  int k = std::clamp(static_cast<int>(bits_per_key_ * 0.69 + 0.5), 1, 30);
  std::string filter(bytes + 1, '\0');
  for (uint64_t h : hashes_) {
    uint32_t a = static_cast<uint32_t>(h), b = static_cast<uint32_t>(h >> 32);
    for (int i = 0; i < k; i++) {
      uint64_t bit = (a + static_cast<uint64_t>(i) * b) % bits;
      filter[bit / 8] = static_cast<char>(filter[bit / 8] | (1 << (bit % 8)));
    }
  }
  filter[bytes] = static_cast<char>(k);
  hashes_.clear();
  return filter;
}

bool BloomFilterMayContain(std::string_view filter, std::string_view user_key) {
  if (filter.size() < 2) return true;
  const uint64_t bits = (filter.size() - 1) * 8;
  const int k = static_cast<unsigned char>(filter.back());
  if (k < 1 || k > 30) return true;
  uint64_t h = Hash64(user_key);
  uint32_t a = static_cast<uint32_t>(h), b = static_cast<uint32_t>(h >> 32);
  for (int i = 0; i < k; i++) {
    uint64_t bit = (a + static_cast<uint64_t>(i) * b) % bits;
    if ((filter[bit / 8] & (1 << (bit % 8))) == 0) return false;
  }
  return true;
}

}  // namespace lsm
