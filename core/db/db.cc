#include "core/db/db.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "core/db/filename.h"
#include "core/log/log_format.h"
#include "core/log/log_reader.h"
#include "core/table/merging_iterator.h"
#include "core/table/table_builder.h"

namespace lsm {

struct DB::Writer {
  const WriteBatch* batch = nullptr;  // null: a flush request
  bool sync = false;
  bool force_flush = false;
  bool done = false;
  Status status;
  std::condition_variable cv;
};

namespace {

TableOptions MakeTableOptions(const Options& o) {
  TableOptions t;
  t.block_size = o.block_size;
  t.lz4 = o.compression == Compression::kLz4;
  t.bloom_bits_per_key = o.bloom_bits_per_key;
  return t;
}

uint64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status DB::CheckKey(std::string_view key) {
  if (key.size() > kMaxKeySize) {
    return Status::Invalid("key of " + std::to_string(key.size()) + " bytes exceeds the " +
                           std::to_string(kMaxKeySize) + "-byte limit");
  }
  return Status::OK();
}

Status DB::CheckValue(std::string_view value) {
  if (value.size() > kMaxValueSize) {
    return Status::Invalid("value of " + std::to_string(value.size()) + " bytes exceeds the " +
                           std::to_string(kMaxValueSize) + "-byte limit");
  }
  return Status::OK();
}

DB::DB(const Options& options, std::string dir)
    : options_(options), dir_(std::move(dir)),
      fs_(options.fs != nullptr ? options.fs : FileSystem::Default()) {
  if (options_.block_cache_size > 0) {
    block_cache_ = std::make_unique<BlockCache>(options_.block_cache_size);
  }
  table_cache_ = std::make_unique<TableCache>(dir_, fs_, options_.max_open_files,
                                              block_cache_.get(), &filter_stats_);
  versions_ = std::make_unique<VersionSet>(dir_, fs_, table_cache_.get());
}

Status DB::Open(const Options& options, const std::string& path, std::unique_ptr<DB>* out) {
  out->reset();
  if (path.empty()) return Status::Invalid("database path is empty");
  std::unique_ptr<DB> db(new DB(options, path));
  Status s = db->Recover();
  // A missing file here (a parent directory, say) is a file-system failure
  // to the caller, not a missing key.
  if (s.IsNotFound()) return Status::IOError(s.message());
  if (!s.ok()) return s;
  for (int i = 0; i < std::max(1, options.background_threads); i++) {
    db->threads_.emplace_back([p = db.get()] { p->BackgroundWorker(); });
  }
  {
    std::lock_guard<std::mutex> l(db->mu_);
    db->MaybeScheduleCompaction();
  }
  *out = std::move(db);
  return Status::OK();
}

DB::~DB() {
  {
    std::unique_lock<std::mutex> l(mu_);
    shutting_down_ = true;
    jobs_cv_.notify_all();
    bg_cv_.wait(l, [this] { return jobs_running_ == 0 && jobs_.empty() && !compaction_running_; });
  }
  for (auto& t : threads_) t.join();
  if (log_) log_->Close();
  versions_->Close();
}

// ---------------------------------------------------------------- recovery

Status DB::Recover() {
  Status s;
  if (!fs_->FileExists(dir_)) {
    if (!options_.create_if_missing) {
      return Status::Invalid(dir_ + ": database does not exist (create_if_missing is off)");
    }
    s = fs_->CreateDir(dir_);
    if (!s.ok()) return s;
  } else if (!options_.create_if_missing && !fs_->FileExists(CurrentFileName(dir_))) {
    // Checked before locking too, so a directory that is no database is
    // left as it was (no LOCK file).
    return Status::Invalid(dir_ + ": database does not exist (create_if_missing is off)");
  }
  s = fs_->LockFile(LockFileName(dir_), &lock_);
  if (!s.ok()) return s;

  if (!fs_->FileExists(CurrentFileName(dir_))) {
    if (!options_.create_if_missing) {
      return Status::Invalid(dir_ + ": database does not exist (create_if_missing is off)");
    }
    s = versions_->CreateNew();
    if (!s.ok()) return s;
    s = versions_->Close();  // the MANIFEST is rewritten below
    if (!s.ok()) return s;
  } else if (options_.error_if_exists) {
    return Status::Invalid(dir_ + ": database exists (error_if_exists is on)");
  }

  s = versions_->Recover();
  if (!s.ok()) return s;

  std::vector<std::string> names;
  s = fs_->GetChildren(dir_, &names);
  if (!s.ok()) return s;
  std::set<uint64_t> tables_on_disk;
  std::vector<uint64_t> logs;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    versions_->MarkFileNumberUsed(number);
    if (type == FileType::kTable) tables_on_disk.insert(number);
    if (type == FileType::kLog && number >= versions_->log_number()) logs.push_back(number);
  }
  auto current = versions_->current();
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : current->files(level)) {
      if (tables_on_disk.count(f->number) == 0) {
        return Status::Corruption(TableFileName(dir_, f->number) + ": table file is missing");
      }
    }
  }

  std::sort(logs.begin(), logs.end());
  VersionEdit edit;
  SequenceNumber max_sequence = versions_->last_sequence();
  std::shared_ptr<MemTable> mem = std::make_shared<MemTable>();
  for (uint64_t number : logs) {
    s = ReplayLog(number, &mem, &edit, &max_sequence);
    if (!s.ok()) return s;
  }
  std::mutex recovery_mu;  // nothing else runs yet; LogAndApply wants a lock
  std::unique_lock<std::mutex> lock(recovery_mu);
  versions_->set_last_sequence(max_sequence);
  if (!mem->empty()) {
    s = WriteLevel0Table(mem.get(), &edit, &lock);
    if (!s.ok()) return s;
  }

  // A fresh WAL; the replayed ones become obsolete once the edit commits.
  log_number_ = versions_->NewFileNumber();
  std::unique_ptr<WritableFile> file;
  s = fs_->NewWritableFile(LogFileName(dir_, log_number_), &file);
  if (s.ok()) s = fs_->SyncDir(dir_);
  if (!s.ok()) return s;
  log_ = std::make_unique<LogWriter>(std::move(file));
  edit.log_number = log_number_;
  s = versions_->LogAndApply(&edit, &lock);
  if (!s.ok()) return s;
  pending_outputs_.clear();
  mem_ = std::make_shared<MemTable>();
  std::lock_guard<std::mutex> l(mu_);
  DeleteObsoleteFiles();
  return Status::OK();
}

Status DB::ReplayLog(uint64_t number, std::shared_ptr<MemTable>* mem, VersionEdit* edit,
                     SequenceNumber* max_sequence) {
  const std::string path = LogFileName(dir_, number);
  std::unique_ptr<SequentialFile> file;
  Status s = fs_->NewSequentialFile(path, &file);
  if (!s.ok()) return s;
  LogReader reader(std::move(file));
  std::string record;
  WriteBatch batch;
  std::mutex replay_mu;
  std::unique_lock<std::mutex> lock(replay_mu);
  while (reader.ReadRecord(&record)) {
    s = batch.SetRep(record);
    if (s.ok()) s = batch.InsertInto(mem->get());
    if (!s.ok()) {
      // A record whose checksum holds but whose contents do not parse:
      // treated like a damaged record. (InsertInto may have applied a prefix
      // of it; those entries carry their own sequence numbers and are as
      // valid as the record's checksum, which held.)
      if (options_.paranoid_checks) return Status::Corruption(path + ": " + s.message());
      wal_dropped_records_++;
      wal_dropped_bytes_ += record.size();
      continue;
    }
    if (batch.Count() > 0) {
      *max_sequence = std::max(*max_sequence, batch.sequence() + batch.Count() - 1);
    }
    if ((*mem)->ApproximateMemoryUsage() > options_.write_buffer_size) {
      versions_->set_last_sequence(*max_sequence);
      s = WriteLevel0Table(mem->get(), edit, &lock);
      if (!s.ok()) return s;
      *mem = std::make_shared<MemTable>();
    }
  }
  if (!reader.io_status().ok()) return reader.io_status();
  if (!reader.corruption().ok()) {
    if (options_.paranoid_checks) {
      return Status::Corruption(path + ": " + reader.corruption().message());
    }
  }
  wal_dropped_records_ += reader.dropped_records();
  wal_dropped_bytes_ += reader.dropped_bytes();
  wal_torn_tail_bytes_ += reader.torn_tail_bytes();
  return Status::OK();
}

// ------------------------------------------------------------ table output

Status DB::BuildTable(Iterator* input, uint64_t number, FileMetaData* meta) {
  meta->number = number;
  meta->file_size = 0;
  const std::string path = TableFileName(dir_, number);
  std::unique_ptr<WritableFile> file;
  Status s = fs_->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  TableBuilder builder(MakeTableOptions(options_), file.get());
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
  if (s.ok()) s = fs_->SyncDir(dir_);
  if (s.ok() && builder.num_entries() > 0) {
    meta->file_size = builder.file_size();
  } else {
    fs_->RemoveFile(path);  // failed, or nothing to keep (file_size stays 0)
  }
  return s;
}

// Writes mem to a new level-0 table and records it in *edit. Called with
// *lock held; releases it while writing. The table's number stays in
// pending_outputs_ (so that no one deletes it) until the caller has
// installed the edit and erases it.
Status DB::WriteLevel0Table(MemTable* mem, VersionEdit* edit, std::unique_lock<std::mutex>* lock) {
  FileMetaData meta;
  meta.number = versions_->NewFileNumber();
  pending_outputs_.insert(meta.number);
  auto iter = mem->NewIterator();
  lock->unlock();
  Status s = BuildTable(iter.get(), meta.number, &meta);
  lock->lock();
  if (s.ok() && meta.file_size > 0) {
    edit->AddFile(0, meta);
    flush_count_++;
    flush_bytes_ += meta.file_size;
    comp_stats_[0].written_bytes += meta.file_size;
  }
  return s;
}

// ------------------------------------------------------------------ writes

Status DB::Put(const WriteOptions& wo, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(wo, batch);
}

Status DB::Delete(const WriteOptions& wo, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(wo, batch);
}

Status DB::Write(const WriteOptions& wo, const WriteBatch& batch) {
  if (batch.ApproximateSize() > kMaxBatchSize) {
    return Status::Invalid("write batch of " + std::to_string(batch.ApproximateSize()) +
                           " bytes exceeds the " + std::to_string(kMaxBatchSize) + "-byte limit");
  }
  Status check;
  Status parsed = batch.ForEach(
      [&check](std::string_view k, std::string_view v) {
        if (check.ok()) check = CheckKey(k);
        if (check.ok()) check = CheckValue(v);
      },
      [&check](std::string_view k) {
        if (check.ok()) check = CheckKey(k);
      });
  if (!parsed.ok()) return Status::Invalid("malformed write batch: " + parsed.message());
  if (!check.ok()) return check;
  if (batch.Count() == 0) return Status::OK();
  return WriteImpl(wo, &batch, false);
}

Status DB::WriteImpl(const WriteOptions& wo, const WriteBatch* batch, bool force_flush) {
  Writer w;
  w.batch = batch;
  w.sync = wo.sync;
  w.force_flush = force_flush;

  std::unique_lock<std::mutex> l(mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.wait(l);
  if (w.done) return w.status;

  // This thread leads a group. Only the leader switches memtables and
  // inserts into mem_, so mem_ is stable while it works unlocked.
  Status s = MakeRoomForWrite(force_flush, &l);
  Writer* last_writer = &w;
  if (s.ok() && batch != nullptr) {
    const WriteBatch* group = BuildBatchGroup(&last_writer);
    const SequenceNumber first = versions_->last_sequence() + 1;
    const SequenceNumber last = first + group->Count() - 1;
    // The record is the group's operations behind a fresh header carrying
    // the sequence: the caller's batch is never modified.
    char header[WriteBatch::kHeaderSize];
    EncodeFixed64(header, first);
    EncodeFixed32(header + 8, group->Count());
    const bool sync = w.sync;
    MemTable* mem = mem_.get();
    LogWriter* log = log_.get();
    l.unlock();
    s = log->AddRecord(std::string_view(header, sizeof(header)), group->body(), sync);
    if (s.ok()) s = group->InsertInto(mem, first);
    l.lock();
    if (s.ok()) {
      versions_->set_last_sequence(last);
      user_bytes_written_ += group->ApproximateSize();
      wal_bytes_written_ += group->ApproximateSize() + kLogHeaderSize;
    } else if (bg_error_.ok()) {
      // The WAL may now end in a partial record, and whether the group
      // reached the disk is unknown: refuse writes until reopened.
      bg_error_ = s;
    }
    if (group == &group_batch_) group_batch_.Clear();
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != &w) {
      ready->status = s;
      ready->done = true;
      ready->cv.notify_one();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return s;
}

// REQUIRES: the front writer has a batch. Returns the batch to log: the
// leader's own, or group_batch_ holding it and the batches queued behind.
const WriteBatch* DB::BuildBatchGroup(Writer** last_writer) {
  Writer* first = writers_.front();
  const WriteBatch* result = first->batch;
  size_t size = first->batch->ApproximateSize();
  // Small writes must not wait behind a large group.
  size_t max_size = size <= (128 << 10) ? size + (128 << 10) : (1 << 20);
  *last_writer = first;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->sync && !first->sync) break;  // a sync write needs a syncing leader
    if (w->batch == nullptr) break;      // a flush request goes alone
    size += w->batch->ApproximateSize();
    if (size > max_size) break;
    if (result == first->batch) {
      group_batch_.Clear();
      group_batch_.Append(*first->batch);
      result = &group_batch_;
    }
    group_batch_.Append(*w->batch);
    *last_writer = w;
  }
  return result;
}

Status DB::MakeRoomForWrite(bool force, std::unique_lock<std::mutex>* lock) {
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    if (mem_->empty()) return Status::OK();  // nothing to flush
    if (!force && mem_->ApproximateMemoryUsage() < options_.write_buffer_size) return Status::OK();
    if (imm_ != nullptr) {
      // The previous memtable is still being flushed: wait for it.
      uint64_t start = NowMicros();
      bg_cv_.wait(*lock);
      stall_micros_ += NowMicros() - start;
      continue;
    }
    uint64_t number = versions_->NewFileNumber();
    std::unique_ptr<WritableFile> file;
    Status s = fs_->NewWritableFile(LogFileName(dir_, number), &file);
    // The new log's directory entry must be durable before a sync write to
    // it is acknowledged, and the old log's tail before any write to the new
    // one is: otherwise a power loss could keep a later sync write and lose
    // earlier writes.
    if (s.ok()) s = fs_->SyncDir(dir_);
    if (s.ok()) {
      s = log_->Sync();
      if (!s.ok()) bg_error_ = s;  // acknowledged writes may not be on disk
    }
    if (!s.ok()) {
      file.reset();
      fs_->RemoveFile(LogFileName(dir_, number));
      return s;
    }
    s = log_->Close();
    log_ = std::make_unique<LogWriter>(std::move(file));
    log_number_ = number;
    if (!s.ok()) {
      // The old WAL's last writes were acknowledged; if closing it failed,
      // whether they are on disk is unknown.
      bg_error_ = s;
      return s;
    }
    imm_ = std::move(mem_);
    mem_ = std::make_shared<MemTable>();
    force = false;
    MaybeScheduleFlush();
  }
}

Status DB::Flush() {
  Status s = WriteImpl(WriteOptions(), nullptr, true);
  if (!s.ok()) return s;
  std::unique_lock<std::mutex> l(mu_);
  bg_cv_.wait(l, [this] { return imm_ == nullptr || !bg_error_.ok(); });
  return bg_error_;
}

// -------------------------------------------------------- background work

void DB::Schedule(std::function<void()> job) {
  jobs_.push_back(std::move(job));
  jobs_cv_.notify_one();
}

void DB::BackgroundWorker() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    jobs_cv_.wait(l, [this] { return !jobs_.empty() || shutting_down_; });
    if (jobs_.empty()) return;  // shutting down with nothing queued
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    jobs_running_++;
    l.unlock();
    job();
    l.lock();
    jobs_running_--;
    bg_cv_.notify_all();
  }
}

void DB::MaybeScheduleFlush() {
  if (flush_scheduled_ || imm_ == nullptr || shutting_down_) return;
  flush_scheduled_ = true;
  Schedule([this] { BackgroundFlush(); });
}

void DB::MaybeScheduleCompaction() {
  if (compaction_scheduled_ || compaction_running_ || shutting_down_ || !bg_error_.ok()) return;
  if (versions_->current()->NumFiles(0) < options_.level0_compaction_trigger) return;
  compaction_scheduled_ = true;
  Schedule([this] { BackgroundCompaction(); });
}

void DB::BackgroundFlush() {
  std::unique_lock<std::mutex> l(mu_);
  Status s;
  if (imm_ != nullptr && bg_error_.ok()) {
    VersionEdit edit;
    std::shared_ptr<MemTable> imm = imm_;
    s = WriteLevel0Table(imm.get(), &edit, &l);
    if (s.ok()) {
      edit.log_number = log_number_;  // every older WAL is now in a table
      s = versions_->LogAndApply(&edit, &l);
    }
    for (const auto& [level, f] : edit.new_files) pending_outputs_.erase(f.number);
    if (s.ok()) {
      imm_.reset();
      DeleteObsoleteFiles();
    } else if (bg_error_.ok()) {
      bg_error_ = s;
    }
  }
  flush_scheduled_ = false;
  MaybeScheduleCompaction();
  bg_cv_.notify_all();
}

void DB::BackgroundCompaction() {
  std::unique_lock<std::mutex> l(mu_);
  compaction_scheduled_ = false;
  if (compaction_running_ || shutting_down_ || !bg_error_.ok()) return;
  // All of level 0, and what it overlaps in level 1. (No Version is held
  // past this block: a held Version keeps the compaction's inputs alive.)
  std::string lo, hi;
  {
    auto v = versions_->current();
    if (v->NumFiles(0) < options_.level0_compaction_trigger) return;
    bool first = true;
    for (const auto& f : v->files(0)) {
      std::string_view s = ExtractUserKey(f->smallest), e = ExtractUserKey(f->largest);
      if (first || s.compare(lo) < 0) lo.assign(s);
      if (first || e.compare(hi) > 0) hi.assign(e);
      first = false;
    }
  }
  compaction_running_ = true;
  Status s = RunCompaction(&lo, &hi, 1, &l);
  compaction_running_ = false;
  if (!s.ok() && bg_error_.ok() && !shutting_down_) bg_error_ = s;
  MaybeScheduleCompaction();
  bg_cv_.notify_all();
}

Status DB::CompactRange(const std::string* begin, const std::string* end) {
  Status s = Flush();
  if (!s.ok()) return s;
  std::unique_lock<std::mutex> l(mu_);
  bg_cv_.wait(l, [this] { return !compaction_running_ || !bg_error_.ok(); });
  if (!bg_error_.ok()) return bg_error_;
  compaction_running_ = true;
  s = RunCompaction(begin, end, kNumLevels - 1, &l);
  compaction_running_ = false;
  if (!s.ok() && bg_error_.ok()) bg_error_ = s;
  bg_cv_.notify_all();
  return s;
}

Status DB::RunCompaction(const std::string* begin, const std::string* end, int max_input_level,
                         std::unique_lock<std::mutex>* lock) {
  auto v = versions_->current();
  // Grow the range until it covers every file it overlaps in the input
  // levels, so that no file left out holds a version of a key in range.
  std::string lo = begin ? *begin : std::string(), hi = end ? *end : std::string();
  const std::string* plo = begin ? &lo : nullptr;
  const std::string* phi = end ? &hi : nullptr;
  std::vector<std::pair<int, std::shared_ptr<const FileMetaData>>> inputs;
  int deepest = 0;
  for (bool grown = true; grown;) {
    grown = false;
    inputs.clear();
    deepest = 0;
    for (int level = 0; level <= max_input_level; level++) {
      for (const auto& f : v->Overlapping(level, plo, phi)) {
        inputs.emplace_back(level, f);
        deepest = level;
        std::string_view s = ExtractUserKey(f->smallest), e = ExtractUserKey(f->largest);
        if (plo && s.compare(lo) < 0) {
          lo.assign(s);
          grown = true;
        }
        if (phi && e.compare(hi) > 0) {
          hi.assign(e);
          grown = true;
        }
      }
    }
  }
  if (inputs.empty()) return Status::OK();
  const int output_level = std::max(1, deepest);
  // Bottommost: no deeper level holds any key of the range.
  bool bottommost = true;
  for (int level = output_level + 1; level < kNumLevels; level++) {
    if (!v->Overlapping(level, plo, phi).empty()) bottommost = false;
  }
  const SequenceNumber smallest_snapshot =
      snapshots_.empty() ? versions_->last_sequence() : *snapshots_.begin();
  v.reset();  // holding it would keep the inputs from being deleted

  VersionEdit edit;
  Status s = DoCompactionWork(inputs, output_level, smallest_snapshot, bottommost, &edit, lock);
  if (s.ok()) {
    for (const auto& [level, f] : inputs) edit.DeleteFile(level, f->number);
    s = versions_->LogAndApply(&edit, lock);
  }
  for (const auto& [level, f] : edit.new_files) pending_outputs_.erase(f.number);
  if (s.ok()) {
    obsolete_files_pending_ = true;
    DeleteObsoleteFiles();
  }
  return s;
}

// Called with *lock held; works unlocked. Output files stay in
// pending_outputs_ until the caller has installed (or abandoned) them.
Status DB::DoCompactionWork(
    const std::vector<std::pair<int, std::shared_ptr<const FileMetaData>>>& inputs,
    int output_level, SequenceNumber smallest_snapshot, bool bottommost, VersionEdit* edit,
    std::unique_lock<std::mutex>* lock) {
  TableReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  std::vector<std::unique_ptr<Iterator>> children;
  uint64_t read_bytes = 0;
  for (const auto& [level, f] : inputs) {
    children.push_back(table_cache_->NewIterator(ro, f->number, f->file_size));
    read_bytes += f->file_size;
  }
  auto input = NewMergingIterator(std::move(children));
  const TableOptions topts = MakeTableOptions(options_);
  lock->unlock();

  Status s;
  std::unique_ptr<WritableFile> file;
  std::unique_ptr<TableBuilder> builder;
  FileMetaData meta;
  std::vector<FileMetaData> outputs;
  std::vector<uint64_t> allocated;  // output numbers, kept in pending_outputs_
  auto finish_output = [&]() -> Status {
    Status r = builder->Finish();
    if (r.ok()) r = file->Sync();
    Status c = file->Close();
    if (r.ok()) r = c;
    meta.file_size = builder->file_size();
    builder.reset();
    file.reset();
    if (r.ok()) outputs.push_back(meta);
    return r;
  };

  std::string current_user_key;
  bool has_current_user_key = false;
  SequenceNumber last_sequence_for_key = kMaxSequenceNumber;
  for (input->SeekToFirst(); input->Valid(); input->Next()) {
    if (shutting_down_) {
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
      last_sequence_for_key = kMaxSequenceNumber + 1;
    }
    bool drop = false;
    if (last_sequence_for_key <= smallest_snapshot) {
      drop = true;  // a newer version is visible to every reader
    } else if (k.type == ValueType::kDeletion && k.sequence <= smallest_snapshot && bottommost) {
      drop = true;  // nothing older remains below for it to hide
    }
    last_sequence_for_key = k.sequence;
    if (drop) continue;

    // Cut files only between user keys: a level's files must not share one.
    if (builder != nullptr && new_user_key && builder->file_size() >= options_.target_file_size) {
      s = finish_output();
      if (!s.ok()) break;
    }
    if (builder == nullptr) {
      lock->lock();
      meta = FileMetaData();
      meta.number = versions_->NewFileNumber();
      pending_outputs_.insert(meta.number);
      allocated.push_back(meta.number);
      lock->unlock();
      s = fs_->NewWritableFile(TableFileName(dir_, meta.number), &file);
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
  if (s.ok() && !outputs.empty()) s = fs_->SyncDir(dir_);
  builder.reset();
  file.reset();
  input.reset();

  lock->lock();
  uint64_t written = 0;
  for (const auto& m : outputs) {
    edit->AddFile(output_level, m);
    written += m.file_size;
  }
  if (!s.ok()) {
    // Nothing is installed: forget every output so that DeleteObsoleteFiles
    // removes them.
    for (uint64_t n : allocated) pending_outputs_.erase(n);
    edit->new_files.clear();
    return s;
  }
  comp_stats_[output_level].read_bytes += read_bytes;
  comp_stats_[output_level].written_bytes += written;
  comp_stats_[output_level].count++;
  return s;
}

void DB::DeleteObsoleteFiles() {
  if (!bg_error_.ok()) return;  // what is live may be unclear after a failure
  std::set<uint64_t> live = pending_outputs_;
  versions_->AddLiveFiles(&live);
  std::vector<std::string> names;
  if (!fs_->GetChildren(dir_, &names).ok()) return;
  auto current = versions_->current();
  size_t current_files = 0;
  for (int level = 0; level < kNumLevels; level++) current_files += current->files(level).size();
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    bool keep = true;
    switch (type) {
      case FileType::kLog:
        keep = number >= versions_->log_number() || number == log_number_;
        break;
      case FileType::kManifest:
        keep = number >= versions_->manifest_number();
        break;
      case FileType::kTable:
        keep = live.count(number) > 0;
        break;
      case FileType::kTemp:
        keep = live.count(number) > 0;
        break;
      case FileType::kCurrent:
      case FileType::kLock:
        break;
    }
    if (!keep) {
      if (type == FileType::kTable) table_cache_->Evict(number);
      fs_->RemoveFile(dir_ + "/" + name);
    }
  }
  // Files held only by old Versions (iterators) go when those are released.
  obsolete_files_pending_ = live.size() > current_files + pending_outputs_.size();
}

void DB::IteratorClosed() {
  std::lock_guard<std::mutex> l(mu_);
  if (obsolete_files_pending_) DeleteObsoleteFiles();
}

// ------------------------------------------------------------------- reads

Status DB::Get(const ReadOptions& ro, std::string_view key, std::string* value) {
  Status s = CheckKey(key);
  if (!s.ok()) return s;
  std::shared_ptr<MemTable> mem, imm;
  std::shared_ptr<const Version> v;
  SequenceNumber seq;
  {
    std::lock_guard<std::mutex> l(mu_);
    seq = ro.snapshot ? ro.snapshot->sequence() : versions_->last_sequence();
    mem = mem_;
    imm = imm_;
    v = versions_->current();
  }
  LookupKey lkey(key, seq);
  if (mem->Get(lkey, value, &s)) return s;
  if (imm != nullptr && imm->Get(lkey, value, &s)) return s;
  TableReadOptions tro;
  tro.verify_checksums = ro.verify_checksums;
  tro.fill_cache = ro.fill_cache;
  bool found = false;
  s = v->Get(tro, table_cache_.get(), lkey, value, &found);
  if (!found && s.ok()) return Status::NotFound();
  return s;
}

std::unique_ptr<UserIterator> DB::NewIterator(const ReadOptions& ro) {
  std::shared_ptr<MemTable> mem, imm;
  std::shared_ptr<const Version> v;
  DBIterOptions dio;
  {
    std::lock_guard<std::mutex> l(mu_);
    dio.sequence = ro.snapshot ? ro.snapshot->sequence() : versions_->last_sequence();
    mem = mem_;
    imm = imm_;
    v = versions_->current();
  }
  TableReadOptions tro;
  tro.verify_checksums = ro.verify_checksums;
  tro.fill_cache = ro.fill_cache;
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(mem->NewIterator());
  if (imm != nullptr) children.push_back(imm->NewIterator());
  v->AddIterators(tro, table_cache_.get(), &children);
  if (ro.has_lower_bound) dio.lower_bound = ro.lower_bound;
  if (ro.has_upper_bound) dio.upper_bound = ro.upper_bound;
  // The closure owns the memtables and the Version until the iterator dies.
  auto on_close = [this, mem, imm, v]() mutable {
    mem.reset();
    imm.reset();
    v.reset();
    IteratorClosed();
  };
  return NewDBIterator(NewMergingIterator(std::move(children)), std::move(dio), std::move(on_close));
}

const Snapshot* DB::GetSnapshot() {
  std::lock_guard<std::mutex> l(mu_);
  SequenceNumber seq = versions_->last_sequence();
  snapshots_.insert(seq);
  return new Snapshot(seq);
}

void DB::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = snapshots_.find(snapshot->sequence());
    if (it != snapshots_.end()) snapshots_.erase(it);
  }
  delete snapshot;
}

// -------------------------------------------------------------- properties

bool DB::GetProperty(std::string_view name, std::string* value) {
  value->clear();
  std::lock_guard<std::mutex> l(mu_);
  constexpr std::string_view kFilesAtLevel = "lsm.num-files-at-level";
  if (name.substr(0, kFilesAtLevel.size()) == kFilesAtLevel) {
    std::string_view rest = name.substr(kFilesAtLevel.size());
    if (rest.empty() || rest.size() > 2 || (rest.size() > 1 && rest[0] == '0')) return false;
    int level = 0;
    for (char c : rest) {
      if (c < '0' || c > '9') return false;
      level = level * 10 + (c - '0');
    }
    if (level >= kNumLevels) return false;
    *value = std::to_string(versions_->current()->NumFiles(level));
    return true;
  }
  if (name == "lsm.stats") {
    *value = StatsString();
    return true;
  }
  if (name == "lsm.sequence") {
    *value = std::to_string(versions_->last_sequence());
    return true;
  }
  if (name == "lsm.memtable-bytes") {
    *value = std::to_string(mem_->ApproximateMemoryUsage() +
                            (imm_ ? imm_->ApproximateMemoryUsage() : 0));
    return true;
  }
  if (name == "lsm.block-cache-bytes") {
    *value = std::to_string(block_cache_ ? block_cache_->usage() : 0);
    return true;
  }
  return false;
}

// REQUIRES: mu_ held.
std::string DB::StatsString() {
  auto v = versions_->current();
  std::string out;
  char line[256];
  out += "level  files        bytes   compacted-read  compacted-written\n";
  uint64_t total_bytes = 0, total_written = 0;
  for (int level = 0; level < kNumLevels; level++) {
    uint64_t bytes = v->LevelBytes(level);
    total_bytes += bytes;
    total_written += comp_stats_[level].written_bytes;
    std::snprintf(line, sizeof(line), "%5d %6d %12" PRIu64 " %16" PRIu64 " %18" PRIu64 "\n", level,
                  v->NumFiles(level), bytes, comp_stats_[level].read_bytes,
                  comp_stats_[level].written_bytes);
    out += line;
  }
  const double wamp = user_bytes_written_ == 0
                          ? 0.0
                          : static_cast<double>(wal_bytes_written_ + total_written) /
                                static_cast<double>(user_bytes_written_);
  std::snprintf(line, sizeof(line),
                "table-bytes: %" PRIu64 "\nuser-bytes-written: %" PRIu64
                "\nwrite-amplification: %.2f\nflushes: %" PRIu64 "\nstall-micros: %" PRIu64 "\n",
                total_bytes, user_bytes_written_, wamp, flush_count_, stall_micros_);
  out += line;
  std::snprintf(line, sizeof(line),
                "block-cache: hits %" PRIu64 " misses %" PRIu64 " bytes %zu\n"
                "bloom-filter: checked %" PRIu64 " useful %" PRIu64 "\n",
                block_cache_ ? block_cache_->hits() : 0, block_cache_ ? block_cache_->misses() : 0,
                block_cache_ ? block_cache_->usage() : size_t{0},
                filter_stats_.checked.load(), filter_stats_.useful.load());
  out += line;
  std::snprintf(line, sizeof(line),
                "wal-recovery: dropped-records %" PRIu64 " dropped-bytes %" PRIu64
                " torn-tail-bytes %" PRIu64 "\n",
                wal_dropped_records_, wal_dropped_bytes_, wal_torn_tail_bytes_);
  out += line;
  return out;
}

// ----------------------------------------------------------------- destroy

Status DB::Destroy(const std::string& path, FileSystem* fs) {
  if (fs == nullptr) fs = FileSystem::Default();
  if (path.empty()) return Status::Invalid("database path is empty");
  std::vector<std::string> names;
  Status s = fs->GetChildren(path, &names);
  if (s.IsNotFound()) return Status::OK();  // nothing to destroy
  if (!s.ok()) return s;
  std::unique_ptr<FileLock> lock;
  s = fs->LockFile(LockFileName(path), &lock);
  if (!s.ok()) return s;
  Status result;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type) || type == FileType::kLock) continue;
    Status r = fs->RemoveFile(path + "/" + name);
    if (result.ok() && !r.ok()) result = r;
  }
  lock.reset();
  fs->RemoveFile(LockFileName(path));
  fs->RemoveDir(path);  // fails harmlessly if the user keeps other files there
  return result;
}

}  // namespace lsm
