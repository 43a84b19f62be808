#include "core/db/builder.h"

#include <memory>

#include "core/db/filename.h"

namespace lsm {

TableOptions MakeTableOptions(const Options& o) {
  TableOptions t;
  t.block_size = o.block_size;
  t.lz4 = o.compression == Compression::kLz4;
  t.bloom_bits_per_key = o.bloom_bits_per_key;
  return t;
}

Status BuildTable(FileSystem* fs, const std::string& dir, const Options& options,
                  Iterator* input, uint64_t number, FileMetaData* meta) {
  meta->number = number;
  meta->file_size = 0;
  const std::string path = TableFileName(dir, number);
  std::unique_ptr<WritableFile> file;
  Status s = fs->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  TableBuilder builder(MakeTableOptions(options), file.get());
  input->SeekToFirst();
  if (input->Valid()) meta->smallest.assign(input->key());
  for (; input->Valid() && s.ok(); input->Next()) {
    meta->largest.assign(input->key());
    s = builder.Add(input->key(), input->value());
  }
  if (s.ok()) s = input->status();
  if (s.ok()) s = builder.Finish();
  if (s.ok()) s = file->Sync();
  Status c = file->Close();
  if (s.ok()) s = c;
  if (s.ok()) s = fs->SyncDir(dir);
  if (s.ok() && builder.num_entries() > 0) {
    meta->file_size = builder.file_size();
  } else {
    fs->RemoveFile(path);  // failed, or nothing to keep (file_size stays 0)
  }
  return s;
}

}  // namespace lsm
