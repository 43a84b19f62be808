#include "core/db/version_set.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/db/filename.h"
#include "core/log/log_reader.h"
#include "core/table/two_level_iterator.h"
#include "core/util/coding.h"

namespace lsm {
namespace {

bool BeforeFile(std::string_view user_key, const FileMetaData& f) {
  return user_key.compare(ExtractUserKey(f.smallest)) < 0;
}
bool AfterFile(std::string_view user_key, const FileMetaData& f) {
  return user_key.compare(ExtractUserKey(f.largest)) > 0;
}

// The index of a sorted, non-overlapping level: one entry per file, keyed
// by the file's largest key, its value the file's number and size
// (fixed64 each). A level's iterator is a TwoLevelIterator over this and
// the files' tables, each opened only when the cursor reaches it.
class LevelFileIterator final : public Iterator {
 public:
  explicit LevelFileIterator(Version::FileList files) : files_(std::move(files)) {}

  bool Valid() const override { return index_ < files_.size(); }
  void SeekToFirst() override { index_ = 0; }
  void SeekToLast() override { index_ = files_.empty() ? 0 : files_.size() - 1; }
  void Seek(std::string_view target) override {
    // First file whose largest key is >= target.
    auto it = std::lower_bound(files_.begin(), files_.end(), target,
                               [](const std::shared_ptr<const FileMetaData>& f, std::string_view t) {
                                 return CompareInternalKeys(f->largest, t) < 0;
                               });
    index_ = static_cast<size_t>(it - files_.begin());
  }
  void Next() override { index_++; }
  void Prev() override { index_ = index_ == 0 ? files_.size() : index_ - 1; }
  std::string_view key() const override { return files_[index_]->largest; }
  std::string_view value() const override {
    EncodeFixed64(value_, files_[index_]->number);
    EncodeFixed64(value_ + 8, files_[index_]->file_size);
    return std::string_view(value_, sizeof(value_));
  }
  Status status() const override { return Status::OK(); }
  bool ok() const override { return true; }

 private:
  const Version::FileList files_;
  size_t index_ = 0;  // files_.size(): not positioned
  mutable char value_[16];
};

// A level's second level: the table a LevelFileIterator entry names.
class LevelTables final : public SecondLevel {
 public:
  LevelTables(TableCache* tc, const TableReadOptions& ro) : tc_(tc), ro_(ro) {}
  std::unique_ptr<Iterator> Open(std::string_view index_value, int, Status*) override {
    return tc_->NewIterator(ro_, DecodeFixed64(index_value.data()),
                            DecodeFixed64(index_value.data() + 8));
  }

 private:
  TableCache* const tc_;
  const TableReadOptions ro_;
};

}  // namespace

uint64_t Version::LevelBytes(int level) const {
  uint64_t total = 0;
  for (const auto& f : files_[level]) total += f->file_size;
  return total;
}

Status Version::Get(const TableReadOptions& ro, TableCache* tc, const LookupKey& key,
                    std::string* value, bool* found) const {
  *found = false;
  const std::string_view ukey = key.user_key();
  Status result;
  auto probe = [&](const FileMetaData& f) -> bool {  // true when decided
    std::shared_ptr<Table> table;
    Status s = tc->FindTable(f.number, f.file_size, &table);
    if (s.ok()) {
      s = table->Get(ro, key.internal_key(), [&](std::string_view k, std::string_view v) {
        ParsedInternalKey parsed;
        if (!ParseInternalKey(k, &parsed)) {
          result = Status::Corruption("bad internal key in table " + std::to_string(f.number));
          *found = true;
          return;
        }
        *found = true;
        if (parsed.type == ValueType::kValue) {
          value->assign(v.data(), v.size());
          result = Status::OK();
        } else {
          result = Status::NotFound();
        }
      });
    }
    if (!s.ok()) {
      result = s;
      *found = true;
    }
    return *found;
  };

  for (const auto& f : files_[0]) {  // newest first
    if (BeforeFile(ukey, *f) || AfterFile(ukey, *f)) continue;
    if (probe(*f)) return result;
  }
  for (int level = 1; level < kNumLevels; level++) {
    const FileList& files = files_[level];
    auto it = std::lower_bound(files.begin(), files.end(), ukey,
                               [](const std::shared_ptr<const FileMetaData>& f, std::string_view k) {
                                 return AfterFile(k, *f);
                               });
    if (it == files.end() || BeforeFile(ukey, **it)) continue;
    if (probe(**it)) return result;
  }
  return Status::OK();
}

void Version::AddIterators(const TableReadOptions& ro, TableCache* tc,
                           std::vector<std::unique_ptr<Iterator>>* out) const {
  for (const auto& f : files_[0]) out->push_back(tc->NewIterator(ro, f->number, f->file_size));
  for (int level = 1; level < kNumLevels; level++) {
    if (!files_[level].empty()) {
      out->push_back(NewTwoLevelIterator(std::make_unique<LevelFileIterator>(files_[level]),
                                         std::make_unique<LevelTables>(tc, ro)));
    }
  }
}

Version::FileList Version::Overlapping(int level, const std::string* begin,
                                       const std::string* end) const {
  std::string lo = begin ? *begin : std::string(), hi = end ? *end : std::string();
  bool has_lo = begin != nullptr, has_hi = end != nullptr;
  FileList out;
  for (bool grown = true; grown;) {
    grown = false;
    out.clear();
    for (const auto& f : files_[level]) {
      std::string_view fs = ExtractUserKey(f->smallest), fl = ExtractUserKey(f->largest);
      if ((has_hi && fs.compare(hi) > 0) || (has_lo && fl.compare(lo) < 0)) continue;
      out.push_back(f);
      if (level == 0) {
        // Level-0 files overlap each other: a file taken in widens the range
        // and may pull in more.
        if (has_lo && fs.compare(lo) < 0) {
          lo = std::string(fs);
          grown = true;
        }
        if (has_hi && fl.compare(hi) > 0) {
          hi = std::string(fl);
          grown = true;
        }
      }
    }
  }
  return out;
}

Status VersionSet::Apply(const Version& base, const VersionEdit& edit,
                         std::shared_ptr<Version>* out,
                         std::vector<const TableFile*>* created) const {
  auto v = std::make_shared<Version>();
  std::set<std::pair<int, uint64_t>> deleted(edit.deleted_files.begin(), edit.deleted_files.end());
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : base.files_[level]) {
      if (deleted.count({level, f->number}) == 0) v->files_[level].push_back(f);
    }
  }
  // A table the edit deletes from one level and adds to another (a trivial
  // move) stays the same object, so its count never drops to zero.
  std::map<uint64_t, std::shared_ptr<const FileMetaData>> moving;
  for (const auto& [level, number] : edit.deleted_files) {
    for (const auto& f : base.files_[level]) {
      if (f->number == number) moving[number] = f;
    }
  }
  for (const auto& [level, f] : edit.new_files) {
    auto it = moving.find(f.number);
    if (it != moving.end()) {
      v->files_[level].push_back(it->second);
      continue;
    }
    auto table = std::make_shared<const TableFile>(f, releaser_);
    if (created != nullptr) created->push_back(table.get());
    v->files_[level].push_back(std::move(table));
  }
  std::sort(v->files_[0].begin(), v->files_[0].end(),
            [](const auto& a, const auto& b) { return a->number > b->number; });
  for (int level = 1; level < kNumLevels; level++) {
    auto& files = v->files_[level];
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
      return CompareInternalKeys(a->smallest, b->smallest) < 0;
    });
    for (size_t i = 1; i < files.size(); i++) {
      if (ExtractUserKey(files[i - 1]->largest).compare(ExtractUserKey(files[i]->smallest)) >= 0) {
        return Status::Corruption("overlapping tables " + std::to_string(files[i - 1]->number) +
                                  " and " + std::to_string(files[i]->number) + " in level " +
                                  std::to_string(level));
      }
    }
  }
  *out = std::move(v);
  return Status::OK();
}

void VersionSet::Install(std::shared_ptr<const Version> v) { current_ = std::move(v); }

void VersionSet::EncodeSnapshot(std::string* rec) const {
  VersionEdit snap;
  snap.comparator = kComparatorName;
  snap.log_number = log_number_;
  snap.next_file_number = next_file_number_;
  snap.last_sequence = last_sequence_;
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : current_->files_[level]) snap.AddFile(level, *f);
  }
  snap.EncodeTo(rec);
}

Status VersionSet::SetCurrentFile(uint64_t manifest_number) {
  std::string name = ManifestFileName(dir_, manifest_number);
  std::string contents = name.substr(dir_.size() + 1) + "\n";
  std::string tmp = TempFileName(dir_, manifest_number);
  Status s = WriteStringToFileSync(fs_, contents, tmp);
  if (s.ok()) s = fs_->RenameFile(tmp, CurrentFileName(dir_));
  if (s.ok()) s = fs_->SyncDir(dir_);
  if (!s.ok()) fs_->RemoveFile(tmp);
  return s;
}

Status VersionSet::CreateNew() {
  VersionEdit edit;
  std::mutex mu;  // nothing else runs while a database is created
  std::unique_lock<std::mutex> lock(mu);
  edit.log_number = 0;
  return LogAndApply(&edit, &lock);
}

Status VersionSet::LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>* lock) {
  manifest_cv_.wait(*lock, [this] { return !manifest_busy_; });
  manifest_busy_ = true;

  std::unique_ptr<LogWriter> new_manifest;
  uint64_t new_manifest_number = 0;
  if (manifest_ == nullptr) new_manifest_number = NewFileNumber();
  if (edit->log_number && *edit->log_number > log_number_) {
    // Stays as given.
  } else {
    edit->log_number = log_number_;
  }
  edit->next_file_number = next_file_number_;
  edit->last_sequence = last_sequence_;

  std::shared_ptr<Version> v;
  std::vector<const TableFile*> created;
  Status s = Apply(*current_, *edit, &v, &created);
  if (!s.ok()) {
    manifest_busy_ = false;
    manifest_cv_.notify_all();
    return s;  // nothing was written
  }
  std::string rec;
  edit->EncodeTo(&rec);
  // A new MANIFEST opens with the whole state, read now, under the lock.
  std::string snapshot;
  if (new_manifest_number != 0) EncodeSnapshot(&snapshot);

  lock->unlock();
  if (new_manifest_number != 0) {
    std::unique_ptr<WritableFile> file;
    s = fs_->NewWritableFile(ManifestFileName(dir_, new_manifest_number), &file);
    if (s.ok()) {
      new_manifest = std::make_unique<LogWriter>(std::move(file));
      s = new_manifest->AddRecord(snapshot, false);
    }
  }
  LogWriter* writer = new_manifest ? new_manifest.get() : manifest_.get();
  if (s.ok()) s = writer->AddRecord(rec, true);
  if (s.ok() && new_manifest) s = SetCurrentFile(new_manifest_number);
  lock->lock();

  if (s.ok()) {
    if (new_manifest) {
      manifest_ = std::move(new_manifest);
      manifest_number_ = new_manifest_number;
    }
    log_number_ = *edit->log_number;
    for (const TableFile* t : created) t->armed.store(true, std::memory_order_release);
    Install(std::move(v));
  } else {
    if (new_manifest) {
      new_manifest->Close();
      fs_->RemoveFile(ManifestFileName(dir_, new_manifest_number));
    } else {
      // The MANIFEST may now end in a partial record: start a new one next
      // time rather than append after it.
      manifest_.reset();
    }
  }
  manifest_busy_ = false;
  manifest_cv_.notify_all();
  return s;
}

Status VersionSet::Recover() {
  std::string current;
  Status s = ReadFileToString(fs_, CurrentFileName(dir_), &current);
  if (!s.ok()) return s.IsNotFound() ? Status::Corruption("CURRENT file is missing") : s;
  if (current.size() < 2 || current.back() != '\n' || current.rfind("MANIFEST-", 0) != 0) {
    return Status::Corruption("CURRENT file is malformed");
  }
  current.pop_back();
  uint64_t manifest_number;
  FileType type;
  if (!ParseFileName(current, &manifest_number, &type) || type != FileType::kManifest) {
    return Status::Corruption("CURRENT names no MANIFEST");
  }
  std::unique_ptr<SequentialFile> file;
  s = fs_->NewSequentialFile(dir_ + "/" + current, &file);
  if (s.IsNotFound()) return Status::Corruption(current + " (named by CURRENT) is missing");
  if (!s.ok()) return s;

  LogReader reader(std::move(file));
  std::shared_ptr<Version> v = std::make_shared<Version>();
  bool have_log = false, have_next = false, have_seq = false;
  std::string rec;
  while (reader.ReadRecord(&rec)) {
    VersionEdit edit;
    s = edit.DecodeFrom(rec);
    if (s.IsNotSupported()) return Status::NotSupported(current + ": " + s.message());
    if (!s.ok()) return Status::Corruption(current + ": " + s.message());
    if (edit.comparator && *edit.comparator != kComparatorName) {
      return Status::Invalid("database uses comparator " + *edit.comparator);
    }
    std::shared_ptr<Version> next;
    s = Apply(*v, edit, &next);
    if (!s.ok()) return Status::Corruption(current + ": " + s.message());
    v = std::move(next);
    if (edit.log_number) {
      log_number_ = *edit.log_number;
      have_log = true;
    }
    if (edit.next_file_number) {
      next_file_number_ = *edit.next_file_number;
      have_next = true;
    }
    if (edit.last_sequence) {
      last_sequence_ = *edit.last_sequence;
      have_seq = true;
    }
  }
  if (!reader.io_status().ok()) return reader.io_status();
  // Every MANIFEST record was synced before it took effect, so damage here
  // (other than a torn tail, which was never acknowledged) is fatal.
  if (!reader.corruption().ok()) return Status::Corruption(current + ": " + reader.corruption().message());
  if (!have_log || !have_next || !have_seq) {
    return Status::Corruption(current + " lacks required fields");
  }
  // Every number the MANIFEST names is taken, even one at or above its
  // next_file_number (a damaged or hand-made MANIFEST): a new file must
  // never take the number of the log to replay or of a live table, and
  // opening counts only numbers below next_file_number as surely its own.
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v->files(level)) MarkFileNumberUsed(std::min(f->number, kMaxFileNumber));
  }
  MarkFileNumberUsed(std::min(log_number_, kMaxFileNumber));
  MarkFileNumberUsed(std::min(manifest_number, kMaxFileNumber));
  if (next_file_number_ > kMaxFileNumber) {
    return Status::Corruption(current + ": file numbers out of range");
  }
  // Tables of the edits replayed on the way that are gone by the end were
  // never armed; the survivors are the database's from here on.
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v->files(level)) {
      static_cast<const TableFile*>(f.get())->armed.store(true, std::memory_order_release);
    }
  }
  Install(std::move(v));
  return Status::OK();
}

Status VersionSet::Close() {
  if (manifest_ == nullptr) return Status::OK();
  Status s = manifest_->Close();
  manifest_.reset();
  return s;
}

}  // namespace lsm
