#include "core/db/compaction_job.h"

#include <algorithm>
#include <memory>

#include "core/db/builder.h"
#include "core/db/filename.h"
#include "core/table/merging_iterator.h"
#include "core/table/table_builder.h"

namespace lsm {

bool CompactionJob::KeyLivesDeeper(std::string_view user_key) {
  // Keys arrive in increasing order, so each level's cursor only moves on.
  for (size_t i = 0; i < deeper_.size(); i++) {
    const Version::FileList& files = deeper_[i];
    size_t& p = deeper_pos_[i];
    while (p < files.size() && ExtractUserKey(files[p]->largest).compare(user_key) < 0) p++;
    if (p < files.size() && ExtractUserKey(files[p]->smallest).compare(user_key) <= 0) return true;
  }
  return false;
}

size_t CompactionJob::StripeOf(SequenceNumber seq) const {
  return static_cast<size_t>(std::lower_bound(snapshots_.begin(), snapshots_.end(), seq) -
                             snapshots_.begin());
}

Status CompactionJob::Run(std::vector<FileMetaData>* outputs) {
  outputs->clear();
  deeper_pos_.assign(deeper_.size(), 0);
  TableReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  std::vector<std::unique_ptr<Iterator>> children;
  for (int i = 0; i < 2; i++) {
    for (const auto& f : c_.inputs[i]) {
      children.push_back(ctx_.table_cache->NewIterator(ro, f->number, f->file_size));
    }
  }
  auto input = NewMergingIterator(std::move(children));
  const TableOptions topts = MakeTableOptions(*ctx_.options);

  Status s;
  std::unique_ptr<WritableFile> file;
  std::unique_ptr<TableBuilder> builder;
  FileMetaData meta;
  std::vector<uint64_t> written;  // every output number, kept or not
  auto finish_output = [&]() -> Status {
    Status r = builder->Finish();
    if (r.ok()) r = file->Sync();
    Status cl = file->Close();
    if (r.ok()) r = cl;
    meta.file_size = builder->file_size();
    builder.reset();
    file.reset();
    if (r.ok()) outputs->push_back(meta);
    return r;
  };

  // Grandparent bytes the current output overlaps (for cutting outputs).
  size_t gp_index = 0;
  uint64_t gp_overlap = 0;
  bool seen_key = false;

  std::string current_user_key;
  bool has_current_user_key = false;
  size_t last_stripe = 0;
  bool stripe_kept = false;
  for (input->SeekToFirst(); input->Valid(); input->Next()) {
    if (ctx_.shutting_down->load(std::memory_order_relaxed)) {
      s = Status::Busy("compaction abandoned: database is closing");
      break;
    }
    ParsedInternalKey k;
    if (!ParseInternalKey(input->key(), &k)) {
      s = Status::Corruption("bad internal key in a table being compacted");
      break;
    }
    const bool new_user_key = !has_current_user_key || k.user_key != current_user_key;
    if (new_user_key) {
      current_user_key.assign(k.user_key);
      has_current_user_key = true;
      stripe_kept = false;
    }
    const size_t stripe = StripeOf(k.sequence);
    bool drop = false;
    if (stripe_kept && stripe == last_stripe) {
      drop = true;  // a newer version in the same stripe hides it from everyone
    } else if (k.type == ValueType::kDeletion && stripe == 0 && !KeyLivesDeeper(k.user_key)) {
      drop = true;
      // Older versions share stripe 0 and fall under the rule above.
      stripe_kept = true;
    } else {
      stripe_kept = true;
    }
    last_stripe = stripe;
    if (drop) continue;

    if (new_user_key) {
      while (gp_index < c_.grandparents.size() &&
             CompareUserKeys(ExtractUserKey(c_.grandparents[gp_index]->largest), k.user_key) < 0) {
        if (seen_key) gp_overlap += c_.grandparents[gp_index]->file_size;
        gp_index++;
      }
      seen_key = true;
      if (builder != nullptr && (builder->file_size() >= ctx_.options->target_file_size ||
                                 gp_overlap > c_.max_grandparent_overlap)) {
        s = finish_output();
        if (!s.ok()) break;
        gp_overlap = 0;
      }
    }
    if (builder == nullptr) {
      meta = FileMetaData();
      meta.number = ctx_.new_file_number();
      written.push_back(meta.number);
      s = ctx_.fs->NewWritableFile(TableFileName(ctx_.dir, meta.number), &file);
      if (!s.ok()) break;
      builder = std::make_unique<TableBuilder>(topts, file.get());
      meta.smallest.assign(input->key());
    }
    meta.largest.assign(input->key());
    s = builder->Add(input->key(), input->value());
    if (!s.ok()) break;
  }
  if (s.ok()) s = input->status();
  if (s.ok() && builder != nullptr) s = finish_output();
  if (s.ok() && !outputs->empty()) s = ctx_.fs->SyncDir(ctx_.dir);
  builder.reset();
  file.reset();
  input.reset();
  if (!s.ok()) {
    // Nothing names these files: remove them now.
    for (uint64_t n : written) ctx_.fs->RemoveFile(TableFileName(ctx_.dir, n));
    outputs->clear();
  }
  return s;
}

}  // namespace lsm
