// libFuzzer target: the input is the bytes of a table file (.sst).
//
// The table is opened from memory with the engine's reader (Table::Open),
// then read every way a database reads it: a forward and a backward scan,
// seeks to keys found and made up, point lookups, offset estimates. Any
// outcome is fine as long as it is a Status: a crash, an out-of-bounds
// access, undefined behaviour or a leak is a bug.
//
// Each input is read twice: as given (checksums verified, so mostly the
// footer and checksum checks run), and with its footer and metadata-block
// checksums repaired and data-block checksums not verified, so that mutated
// bytes reach the block, index, filter, properties and lz4 parsers.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/dbformat.h"
#include "core/table/format.h"
#include "core/table/table.h"
#include "fuzz_util.h"

namespace lsm {
namespace {

constexpr int kMaxSteps = 2000;    // entries visited per scan
constexpr size_t kMaxProbes = 12;  // keys sought and looked up

// Repairs the checksums that Table::Open always verifies: the three
// metadata blocks the footer names (where they lie within the file) and the
// footer's own.
std::string FixTableChecksums(std::string_view in) {
  std::string out(in);
  if (out.size() < kFooterSize) return out;
  char* footer = &out[out.size() - kFooterSize];
  const uint64_t size = out.size();
  for (int i = 0; i < 3; i++) {
    uint64_t offset = DecodeFixed64(footer + 16 * i);
    uint64_t n = DecodeFixed64(footer + 16 * i + 8);
    if (offset > size || n > size - offset || size - offset - n < kBlockTrailerSize) continue;
    if (i == 1 && n == 0) continue;  // no filter
    char* block = &out[offset];
    EncodeFixed32(block + n + 1, Checksum(block, n + 1));
  }
  EncodeFixed32(footer + 52, Checksum(footer, 52));
  return out;
}

// Reads every byte of s, so that a view into freed or foreign memory is
// caught by AddressSanitizer here rather than going unnoticed.
uint64_t Touch(std::string_view s) { return Hash64(s); }

void Exercise(const std::string& bytes, bool verify_checksums, uint64_t* sink) {
  BlockCache cache(16 << 10);  // small: blocks get evicted and re-read
  FilterStats filter_stats;
  std::shared_ptr<Table> table;
  Status s = Table::Open(std::make_unique<fuzz::MemRandomAccessFile>(bytes), bytes.size(),
                         /*cache_id=*/7, &cache, &filter_stats, &table);
  if (!s.ok()) return;
  for (const auto& [name, value] : table->properties()) *sink += Touch(name) + value;
  *sink += table->DataEnd();

  TableReadOptions ro;
  ro.verify_checksums = verify_checksums;
  std::vector<std::string> keys;  // a sample of the keys found
  auto it = table->NewIterator(ro);
  int steps = 0;
  for (it->SeekToFirst(); it->Valid() && steps < kMaxSteps; it->Next(), steps++) {
    *sink += Touch(it->key()) + Touch(it->value());
    if (keys.size() < kMaxProbes / 2 && steps % 3 == 0) keys.emplace_back(it->key());
  }
  *sink += static_cast<uint64_t>(it->status().code());
  steps = 0;
  for (it->SeekToLast(); it->Valid() && steps < kMaxSteps; it->Prev(), steps++) {
    *sink += Touch(it->key()) + Touch(it->value());
    if (keys.size() < kMaxProbes && steps % 3 == 0) keys.emplace_back(it->key());
  }
  *sink += static_cast<uint64_t>(it->status().code());

  // Keys around the ones found, and some that lie outside any table.
  const size_t found = keys.size();
  for (size_t i = 0; i < found; i++) {
    std::string user(ExtractUserKey(keys[i]));
    keys.emplace_back(LookupKey(user, kMaxSequenceNumber).internal_key());
    std::string oldest;
    AppendInternalKey(&oldest, user, 0, ValueType::kDeletion);
    keys.push_back(std::move(oldest));
  }
  keys.push_back(std::string());
  keys.push_back(std::string("\x01", 1));
  keys.push_back(std::string(20, '\xff'));

  for (const std::string& k : keys) {
    it->Seek(k);
    for (int i = 0; i < 3 && it->Valid(); i++) {
      *sink += Touch(it->key()) + Touch(it->value());
      if (i == 1) {
        it->Prev();
      } else {
        it->Next();
      }
    }
    *sink += static_cast<uint64_t>(it->status().code());
    s = table->Get(ro, k, [sink](std::string_view key, std::string_view value) {
      *sink += Touch(key) + Touch(value);
    });
    *sink += static_cast<uint64_t>(s.code());
    *sink += table->ApproximateOffsetOf(k);
  }
}

}  // namespace
}  // namespace lsm

volatile uint64_t g_sink;  // keeps the reads of Touch from being optimized out

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint64_t local = 0;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  lsm::Exercise(bytes, /*verify_checksums=*/true, &local);
  std::string fixed = lsm::FixTableChecksums(bytes);
  if (fixed != bytes) lsm::Exercise(fixed, /*verify_checksums=*/false, &local);
  g_sink = local;
  return 0;
}
