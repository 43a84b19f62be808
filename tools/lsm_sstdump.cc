// lsm_sstdump: shows what is inside a liblsm table file (.sst): the footer,
// the properties block, and for every data block its stored size, whether it
// is lz4-compressed, and whether its checksum holds. With --entries it also
// prints each entry. The layout is described in docs/format.md.
//
//   lsm_sstdump [--entries] FILE.sst...
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "core/base/dbformat.h"
#include "core/env/file_system.h"
#include "core/table/block.h"
#include "core/table/format.h"
#include "core/table/table.h"
#include "core/util/coding.h"
#include "core/util/hash.h"

namespace {

std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

int Dump(const std::string& path, bool entries) {
  lsm::FileSystem* fs = lsm::FileSystem::Default();
  uint64_t size;
  lsm::Status s = fs->GetFileSize(path, &size);
  std::unique_ptr<lsm::RandomAccessFile> file;
  if (s.ok()) s = fs->NewRandomAccessFile(path, &file);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), s.ToString().c_str());
    return 1;
  }
  char buf[lsm::kFooterSize];
  std::string_view got;
  lsm::Footer footer;
  if (size >= lsm::kFooterSize) s = file->Read(size - lsm::kFooterSize, lsm::kFooterSize, buf, &got);
  s = size < lsm::kFooterSize ? lsm::Status::Corruption("shorter than a footer") : footer.DecodeFrom(got);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), s.ToString().c_str());
    return 1;
  }
  std::printf("%s: %" PRIu64 " bytes, format version %u, magic LSMSTAB1\n", path.c_str(), size,
              lsm::kTableFormatVersion);
  std::printf("  index block      offset %" PRIu64 " size %" PRIu64 "\n", footer.index.offset, footer.index.size);
  std::printf("  filter block     offset %" PRIu64 " size %" PRIu64 "%s\n", footer.filter.offset,
              footer.filter.size, footer.filter.size ? " (bloom)" : " (none)");
  std::printf("  properties block offset %" PRIu64 " size %" PRIu64 "\n", footer.properties.offset,
              footer.properties.size);

  std::shared_ptr<lsm::Table> table;
  s = lsm::Table::Open(std::move(file), size, 0, nullptr, nullptr, &table);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), s.ToString().c_str());
    return 1;
  }
  std::printf("  properties:\n");
  for (const auto& [name, value] : table->properties()) {
    std::printf("    %-26s %" PRIu64 "\n", name.c_str(), value);
  }

  // Walk the index and inspect each data block's trailer directly.
  std::unique_ptr<lsm::RandomAccessFile> raw;
  fs->NewRandomAccessFile(path, &raw);
  std::string index_contents;
  s = lsm::ReadBlock(raw.get(), size, footer.index, true, &index_contents);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: index: %s\n", path.c_str(), s.ToString().c_str());
    return 1;
  }
  auto index = lsm::Block::NewIterator(std::make_shared<const lsm::Block>(std::move(index_contents)),
                                       lsm::CompareInternalKeys);
  uint64_t blocks = 0, lz4_blocks = 0, bad = 0, stored = 0, uncompressed = 0;
  for (index->SeekToFirst(); index->Valid(); index->Next()) {
    std::string_view v = index->value();
    lsm::BlockHandle h;
    if (!h.DecodeFrom(&v)) {
      bad++;
      continue;
    }
    blocks++;
    stored += h.size;
    std::string trailer(lsm::kBlockTrailerSize, '\0');
    std::string_view t;
    if (raw->Read(h.offset + h.size, lsm::kBlockTrailerSize, trailer.data(), &t).ok() &&
        t.size() == lsm::kBlockTrailerSize && t[0] == static_cast<char>(lsm::BlockType::kLz4)) {
      lz4_blocks++;
    }
    std::string contents;
    lsm::Status bs = lsm::ReadBlock(raw.get(), size, h, true, &contents);
    if (!bs.ok()) {
      bad++;
      std::printf("  block at %" PRIu64 ": %s\n", h.offset, bs.ToString().c_str());
      continue;
    }
    uncompressed += contents.size();
  }
  std::printf("  data blocks: %" PRIu64 " (%" PRIu64 " lz4, %" PRIu64 " raw), %" PRIu64
              " bytes stored for %" PRIu64 " bytes uncompressed, %" PRIu64 " failed checks\n",
              blocks, lz4_blocks, blocks - lz4_blocks, stored, uncompressed, bad);

  if (entries) {
    lsm::TableReadOptions ro;
    auto it = table->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      lsm::ParsedInternalKey k;
      if (!lsm::ParseInternalKey(it->key(), &k)) {
        std::printf("    (bad internal key)\n");
        continue;
      }
      std::printf("    '%s' @%" PRIu64 " %s '%s'\n", Printable(k.user_key).c_str(), k.sequence,
                  k.type == lsm::ValueType::kValue ? "=" : "deleted",
                  Printable(it->value()).c_str());
    }
    if (!it->status().ok()) std::printf("  iteration: %s\n", it->status().ToString().c_str());
  }
  return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool entries = false;
  int rc = 0, files = 0;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--entries") == 0) {
      entries = true;
      continue;
    }
    files++;
    rc |= Dump(argv[i], entries);
  }
  if (files == 0) {
    std::fprintf(stderr, "usage: lsm_sstdump [--entries] FILE.sst...\n");
    return 2;
  }
  return rc;
}
