#include "core/table/format.h"

#include <lz4.h>

#include <cstring>
#include <memory>

#include "core/util/coding.h"
#include "core/util/hash.h"

namespace lsm {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* in) {
  return GetVarint64(in, &offset) && GetVarint64(in, &size);
}

void Footer::EncodeTo(std::string* dst) const {
  size_t start = dst->size();
  for (const BlockHandle* h : {&index, &filter, &properties}) {
    PutFixed64(dst, h->offset);
    PutFixed64(dst, h->size);
  }
  PutFixed32(dst, kTableFormatVersion);
  PutFixed32(dst, Checksum(dst->data() + start, 52));
  PutFixed64(dst, kTableMagic);
}

Status Footer::DecodeFrom(std::string_view in) {
  if (in.size() != kFooterSize) return Status::Corruption("table footer is truncated");
  const char* p = in.data();
  if (DecodeFixed64(p + 56) != kTableMagic) {
    return Status::Corruption("not a liblsm table (bad magic number)");
  }
  if (DecodeFixed32(p + 52) != Checksum(p, 52)) {
    return Status::Corruption("table footer checksum mismatch");
  }
  uint32_t version = DecodeFixed32(p + 48);
  if (version != kTableFormatVersion) {
    return Status::NotSupported("table format version " + std::to_string(version) +
                                " is unknown to this version of liblsm (a newer one wrote it?)");
  }
  BlockHandle* hs[] = {&index, &filter, &properties};
  for (int i = 0; i < 3; i++) {
    hs[i]->offset = DecodeFixed64(p + 16 * i);
    hs[i]->size = DecodeFixed64(p + 16 * i + 8);
  }
  return Status::OK();
}

std::string FinishBlock(std::string_view raw, bool lz4, BlockType* type) {
  std::string out;
  *type = BlockType::kRaw;
  if (lz4 && raw.size() <= static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    int bound = LZ4_compressBound(static_cast<int>(raw.size()));
    PutVarint32(&out, static_cast<uint32_t>(raw.size()));
    size_t prefix = out.size();
    out.resize(prefix + static_cast<size_t>(bound));
    int n = LZ4_compress_default(raw.data(), &out[prefix], static_cast<int>(raw.size()), bound);
    if (n > 0 && prefix + static_cast<size_t>(n) < raw.size() - raw.size() / 8) {
      out.resize(prefix + static_cast<size_t>(n));
      *type = BlockType::kLz4;
    }
  }
  if (*type == BlockType::kRaw) out.assign(raw.data(), raw.size());
  char t = static_cast<char>(*type);
  uint32_t check = Checksum2(out, std::string_view(&t, 1));
  out.push_back(t);
  PutFixed32(&out, check);
  return out;
}

namespace {

// ReadBlock's work; out(n) returns where the block's n bytes go.
template <typename Out>
Status ReadBlockInto(const RandomAccessFile* file, uint64_t file_size, const BlockHandle& handle,
                     bool verify_checksum, const Out& out) {
  if (handle.offset > file_size || handle.size > file_size - handle.offset ||
      file_size - handle.offset - handle.size < kBlockTrailerSize) {
    return Status::Corruption("block handle points outside the table");
  }
  const size_t n = static_cast<size_t>(handle.size);
  const size_t want = n + kBlockTrailerSize;
  // The stored bytes are only needed until they are checked and copied or
  // uncompressed: a per-thread buffer, kept up to 1 MiB, takes them. (Its
  // destructor zeroes the size, so a read during thread teardown after it
  // is gone allocates instead of using freed memory.)
  struct Scratch {
    std::unique_ptr<char[]> data;
    size_t size = 0;
    ~Scratch() { size = 0; }
  };
  thread_local Scratch scratch;
  constexpr size_t kMaxScratch = size_t{1} << 20;
  std::unique_ptr<char[]> big;
  char* buf;
  if (want <= scratch.size) {
    buf = scratch.data.get();
  } else if (want <= kMaxScratch) {
    size_t size = 4096;
    while (size < want) size *= 2;  // powers of two: few regrowths
    scratch.data.reset(new char[size]);
    scratch.size = size;
    buf = scratch.data.get();
  } else {
    big.reset(new char[want]);
    buf = big.get();
  }
  std::string_view got;
  Status s = file->Read(handle.offset, want, buf, &got);
  if (!s.ok()) return s;
  if (got.size() != want) return Status::Corruption("truncated block read");
  const char* data = got.data();
  const char type = data[n];
  if (verify_checksum) {
    uint32_t stored = DecodeFixed32(data + n + 1);
    if (stored != Checksum(data, n + 1)) {
      return Status::Corruption("block checksum mismatch at offset " + std::to_string(handle.offset));
    }
  }
  switch (static_cast<BlockType>(type)) {
    case BlockType::kRaw: {
      char* dst = out(n);
      if (n > 0) std::memcpy(dst, data, n);
      return Status::OK();
    }
    case BlockType::kLz4: {
      uint32_t raw_len;
      const char* p = GetVarint32Ptr(data, data + n, &raw_len);
      // lz4 expands at most 255-fold: a larger claim is damage, and must
      // not make the reader allocate it.
      if (p == nullptr || raw_len > (1u << 30) || raw_len > 255 * static_cast<uint64_t>(data + n - p) + 64) {
        return Status::Corruption("bad lz4 block header");
      }
      char* dst = out(raw_len);
      int got_len = LZ4_decompress_safe(p, dst, static_cast<int>(data + n - p), static_cast<int>(raw_len));
      if (got_len < 0 || static_cast<uint32_t>(got_len) != raw_len) {
        return Status::Corruption("lz4 block does not decompress");
      }
      return Status::OK();
    }
  }
  return Status::Corruption("unknown block type " + std::to_string(static_cast<int>(type)));
}

}  // namespace

Status ReadBlock(const RandomAccessFile* file, uint64_t file_size, const BlockHandle& handle,
                 bool verify_checksum, BlockContents* contents) {
  BlockContents c;
  Status s = ReadBlockInto(file, file_size, handle, verify_checksum, [&c](size_t n) {
    c.data = BlockBuffer(n);
    c.size = n;
    return c.data.data();
  });
  if (s.ok()) *contents = std::move(c);
  return s;
}

// Straight into the string: these blocks (filters, and the tools' reads)
// live as long as their table or are read once, so they take no pooled
// buffer, and no copy.
Status ReadBlock(const RandomAccessFile* file, uint64_t file_size, const BlockHandle& handle,
                 bool verify_checksum, std::string* contents) {
  std::string c;
  Status s = ReadBlockInto(file, file_size, handle, verify_checksum, [&c](size_t n) {
    c.resize(n);
    return c.data();
  });
  if (s.ok()) *contents = std::move(c);
  return s;
}

}  // namespace lsm
