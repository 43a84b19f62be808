// Log record format, shared by the write-ahead log and the MANIFEST.
// A log file is a sequence of records, each:
//
//   fixed32 length        payload length in bytes
//   fixed32 length_check  Checksum(the 4 bytes of `length`)
//   fixed32 payload_check Checksum(payload)
//   payload               `length` bytes
//
// (Checksum = low 32 bits of XXH3-64, seed 0; integers little-endian.)
// The separate length check lets a reader tell a damaged payload, which it
// can step over, from a damaged header, after which it cannot find the next
// record. docs/format.md gives the recovery rules; log_reader.h implements
// them.
#pragma once

#include <cstddef>

namespace lsm {

constexpr size_t kLogHeaderSize = 12;
// The header's first two fields, length and length_check.
constexpr size_t kLogLengthFieldsSize = 8;
// Payloads are bounded so that `length` never overflows and a damaged
// length cannot make a reader allocate gigabytes.
constexpr size_t kMaxLogRecordSize = size_t{1} << 30;

}  // namespace lsm
