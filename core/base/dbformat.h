// Internal keys: every entry the engine stores is keyed by
//   user_key | fixed64-LE( sequence << 8 | type )
// so that one user key can have many versions. Internal keys order by user
// key ascending (bytewise), then sequence descending, then type descending:
// the newest version of a key comes first, which is what point reads and
// snapshot reads want.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/util/coding.h"

namespace lsm {

using SequenceNumber = uint64_t;

// Sequence numbers use 56 bits; the low byte of the tag holds the type.
constexpr SequenceNumber kMaxSequenceNumber = (uint64_t{1} << 56) - 1;

enum class ValueType : uint8_t {
  kDeletion = 0,
  kValue = 1,
};
// For Seek: with sequence descending and type descending, (seq, kValue) sorts
// before every entry of that key at seq or older.
constexpr ValueType kValueTypeForSeek = ValueType::kValue;

inline uint64_t PackTag(SequenceNumber seq, ValueType t) {
  return (seq << 8) | static_cast<uint8_t>(t);
}

struct ParsedInternalKey {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = ValueType::kValue;
};

inline void AppendInternalKey(std::string* dst, std::string_view user_key,
                              SequenceNumber seq, ValueType t) {
  dst->append(user_key.data(), user_key.size());
  PutFixed64(dst, PackTag(seq, t));
}

// Both tolerate a damaged key shorter than 8 bytes (it then reads as a user
// key with tag 0) so a bad block can never cause an out-of-bounds read;
// table readers report such keys as corruption.
inline std::string_view ExtractUserKey(std::string_view ikey) {
  return ikey.size() >= 8 ? ikey.substr(0, ikey.size() - 8) : ikey;
}
inline uint64_t ExtractTag(std::string_view ikey) {
  return ikey.size() >= 8 ? DecodeFixed64(ikey.data() + ikey.size() - 8) : 0;
}

// False if ikey is too short or carries an unknown type (a damaged file).
bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* out);

// Three-way bytewise comparison (as memcmp, then shorter first), inline and
// eight bytes at a time: keys are short and compared in every search step,
// where a call into the C library's memcmp costs more than the comparison.
inline int CompareBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      x = __builtin_bswap64(x);  // first byte most significant, as memcmp
      y = __builtin_bswap64(y);
#endif
      return x < y ? -1 : 1;
    }
  }
  for (; i < n; i++) {
    const unsigned char ca = static_cast<unsigned char>(a[i]), cb = static_cast<unsigned char>(b[i]);
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// Three-way comparisons.
inline int CompareUserKeys(std::string_view a, std::string_view b) { return CompareBytes(a, b); }
// By user key, then newest (highest tag) first. Inline: every search in
// blocks, memtables and merges runs it.
inline int CompareInternalKeys(std::string_view a, std::string_view b) {
  int r = CompareBytes(ExtractUserKey(a), ExtractUserKey(b));
  if (r != 0) return r;
  uint64_t ta = ExtractTag(a), tb = ExtractTag(b);
  if (ta > tb) return -1;
  if (ta < tb) return 1;
  return 0;
}

struct InternalKeyLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return CompareInternalKeys(a, b) < 0;
  }
};

// A key to position iterators at the newest entry of user_key visible at
// sequence `seq` (memtable and table seeks use it).
class LookupKey {
 public:
  LookupKey(std::string_view user_key, SequenceNumber seq) {
    AppendInternalKey(&ikey_, user_key, seq, kValueTypeForSeek);
  }
  std::string_view internal_key() const { return ikey_; }
  std::string_view user_key() const { return ExtractUserKey(ikey_); }

 private:
  std::string ikey_;
};

}  // namespace lsm
