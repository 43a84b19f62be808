// The database's public operations: writes (through the write queue),
// reads, snapshots, flush and manual compaction, properties and statistics,
// close. db.h says how the class is spread over files.
#include "core/db/db.h"

#include <algorithm>
#include <chrono>

#include "core/db/filename.h"
#include "core/log/log_format.h"
#include "core/table/merging_iterator.h"

namespace lsm {

namespace {

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

Status DB::Close() {
  if (closed_) return close_status_;
  closed_ = true;
  Status s;
  {
    std::unique_lock<std::mutex> l(mu_);
    shutting_down_ = true;
    jobs_cv_.notify_all();
    bg_cv_.wait(l, [this] {
      return jobs_running_ == 0 && jobs_.empty() && running_compactions_.empty();
    });
    s = shutdown_error_;
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  if (log_) {
    Status c = log_->Close();
    if (s.ok()) s = c;
    log_.reset();
  }
  Status m = versions_->Close();
  if (s.ok()) s = m;
  // What background work made obsolete goes now; the live tables' last
  // references go with versions_, and those tables stay.
  obsolete_->Purge();
  obsolete_->Stop();
  lock_.reset();
  close_status_ = s;
  return s;
}

DB::~DB() { Close().Ignore(); }  // a caller who wants the result calls Close()

// ------------------------------------------------------------------ writes

// Put and Delete check their arguments directly rather than through
// Write's parse of the batch, and size the batch once: a single key and
// value are within kMaxBatchSize by the key and value limits.
Status DB::Put(const WriteOptions& wo, std::string_view key, std::string_view value) {
  Status s = CheckKey(key);
  if (s.ok()) s = CheckValue(value);
  if (!s.ok()) return s;
  WriteBatch batch;
  batch.Reserve(WriteBatch::kHeaderSize + 1 + VarintLength(key.size()) + key.size() +
                VarintLength(value.size()) + value.size());
  batch.Put(key, value);
  return WriteImpl(wo, &batch, false);
}

Status DB::Delete(const WriteOptions& wo, std::string_view key) {
  Status s = CheckKey(key);
  if (!s.ok()) return s;
  WriteBatch batch;
  batch.Reserve(WriteBatch::kHeaderSize + 1 + VarintLength(key.size()) + key.size());
  batch.Delete(key);
  return WriteImpl(wo, &batch, false);
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
  WriteQueue::Writer w(batch, wo.sync);
  std::unique_lock<std::mutex> l(mu_);
  if (write_queue_.Join(&w, &l)) return w.status;

  // This thread leads a group. Only the leader switches memtables and
  // inserts into mem_, so mem_ is stable while it works unlocked.
  Status s = MakeRoomForWrite(force_flush, &l);
  WriteQueue::Group group;
  if (s.ok() && batch != nullptr) {
    group = write_queue_.FormGroup(&w, &l);
    const WriteBatch* const updates = group.batch;
    const SequenceNumber first = versions_->last_sequence() + 1;
    const SequenceNumber last = first + updates->Count() - 1;
    // The record is the group's operations behind a fresh header carrying
    // the sequence: the caller's batch is never modified.
    char header[WriteBatch::kHeaderSize];
    EncodeFixed64(header, first);
    EncodeFixed32(header + 8, updates->Count());
    const bool sync = w.sync;
    MemTable* mem = mem_.get();
    LogWriter* log = log_.get();
    l.unlock();
    // Append, then insert into the memtable and sync. With a helper the
    // insert overlaps the fdatasync instead of preceding it (in fillsync:4
    // the leader's 4 inserts took 4.5 us of a 70 us group). Inserted
    // entries stay invisible until last_sequence is published below; and
    // if the sync fails they never reach a table, since a memtable is
    // persisted only by a flush after a leader switches it out, which
    // bg_error_ prevents from then on (nor does closing flush).
    const uint64_t mapped_before = log->bytes_mapped();
    s = log->AddRecord(std::string_view(header, sizeof(header)), updates->body(),
                       sync ? LogWriter::Then::kFlushForSync : LogWriter::Then::kFlush);
    const uint64_t mapped = log->bytes_mapped() - mapped_before;
    const bool handed = s.ok() && group.helper != nullptr &&
                        WriteQueue::OfferInsert(group.helper, updates, mem, first);
    if (s.ok() && !handed) s = WriteQueue::InsertGroup(updates, mem, first);
    bool synced = false;
    uint64_t sync_micros = 0;
    size_t expected = 0;
    if (s.ok() && sync) {
      expected = write_queue_.CountSyncThreads();
      const uint64_t start = NowMicros();
      s = log->Sync();
      sync_micros = NowMicros() - start;
      synced = true;
    }
    if (handed) {
      Status helped = WriteQueue::AwaitInsert(group.helper);
      if (s.ok()) s = helped;
    }
    l.lock();
    if (synced) {
      write_queue_.RecordSync(sync_micros);
      stats_.wal_sync_micros += sync_micros;
      stats_.wal_syncs++;
      if (handed) stats_.helped_syncs++;
    }
    if (s.ok()) {
      versions_->set_last_sequence(last);
      stats_.user_bytes_written += updates->ApproximateSize();
      stats_.wal_bytes_written += updates->ApproximateSize() + kLogHeaderSize;
      stats_.wal_bytes_mapped += mapped;
      if (sync) stats_.synced_writes += write_queue_.SyncGroupWritten(expected);
    } else if (bg_error_.ok()) {
      // The WAL may now end in a partial record, and whether the group
      // reached the disk is unknown: refuse writes until reopened.
      bg_error_ = s;
    }
  }
  WriteQueue::Writer* next = write_queue_.Finish(&w, group, s);
  l.unlock();
  WriteQueue::Wake(next);
  return s;
}

Status DB::MakeRoomForWrite(bool force, std::unique_lock<std::mutex>* lock) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    const int l0 = versions_->current()->NumFiles(0);
    if (allow_delay && l0 >= options_.level0_slowdown_trigger) {
      // Level 0 is filling faster than compaction drains it: slow each
      // write a little now rather than stop all writes later.
      allow_delay = false;
      uint64_t start = NowMicros();
      lock->unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      lock->lock();
      stats_.stall_micros += NowMicros() - start;
      stats_.slowdowns++;
      continue;
    }
    if (mem_->empty()) return Status::OK();  // nothing to flush
    if (!force && mem_->ApproximateMemoryUsage() < options_.write_buffer_size) return Status::OK();
    if (imm_ != nullptr || l0 >= options_.level0_stop_trigger) {
      // The previous memtable is still being flushed, or level 0 is full:
      // wait (writes stop, they do not fail).
      if (l0 >= options_.level0_stop_trigger) stats_.stops++;
      uint64_t start = NowMicros();
      MaybeScheduleCompaction();
      bg_cv_.wait(*lock);
      stats_.stall_micros += NowMicros() - start;
      continue;
    }
    uint64_t number = versions_->NewFileNumber();
    std::unique_ptr<WritableFile> file;
    Status s = fs_->NewLogFile(LogFileName(dir_, number), options_.wal_mmap, &file);
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
      fs_->RemoveFile(LogFileName(dir_, number)).Ignore();  // unused; else gone at the next open
      return s;
    }
    s = log_->Close();
    log_ = std::make_unique<LogWriter>(std::move(file));
    old_logs_.push_back(log_number_);  // removed once the flush installs
    log_number_ = number;
    if (!s.ok()) {
      // The old WAL's last writes were acknowledged; if closing it failed,
      // whether they are on disk is unknown.
      bg_error_ = s;
      return s;
    }
    imm_ = std::move(mem_);
    mem_ = NewMemTable();
    InstallReadView();
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

Status DB::CompactRange(const std::string* begin, const std::string* end) {
  Status s = Flush();
  if (!s.ok()) return s;
  std::unique_lock<std::mutex> l(mu_);
  // Runs one manual compaction step, waiting out running compactions it
  // conflicts with. *ran tells whether there was anything to compact.
  auto step = [&](int level, int output_level, bool whole_output_range, bool* ran) -> Status {
    *ran = false;
    while (true) {
      if (!bg_error_.ok()) return bg_error_;
      bool conflict = false;
      std::unique_ptr<Compaction> c =
          picker_.PickRange(*versions_->current(), level, output_level, begin, end,
                            whole_output_range, running_compactions_, &conflict);
      if (c == nullptr && conflict) {
        bg_cv_.wait(l);  // a running compaction overlaps: let it finish
        continue;
      }
      if (c == nullptr) return Status::OK();
      *ran = true;
      VersionEdit edit;
      return RunCompaction(c.get(), &l, &edit);
    }
  };
  // Everything in range moves down to the deepest level holding any of it.
  // The last step takes every file of that level in range, so that all of
  // the range is rewritten and every overwritten version and deletion no
  // snapshot needs is gone; if nothing moves into it, it is rewritten in
  // place. A background compaction may move part of the range deeper
  // meanwhile; then the deeper level is the new destination and the steps
  // repeat (at most once per level).
  auto deepest = [&] {
    int d = 1;
    auto v = versions_->current();
    for (int level = 1; level < kNumLevels; level++) {
      if (!v->Overlapping(level, begin, end).empty()) d = level;
    }
    return d;
  };
  int last = deepest();
  for (int round = 0; round < kNumLevels && s.ok(); round++) {
    bool ran = false;
    for (int level = 0; level < last && s.ok(); level++) {
      s = step(level, level + 1, level + 1 == last, &ran);
    }
    if (s.ok() && !ran) s = step(last, last, false, &ran);
    const int now = deepest();
    if (now == last) break;
    last = now;
  }
  // A level left over its target moves on down.
  for (int level = last; s.ok() && level + 1 < kNumLevels &&
                         versions_->current()->LevelBytes(level) > picker_.MaxBytesForLevel(level);
       level++) {
    bool ran = false;
    s = step(level, level + 1, false, &ran);
  }
  if (!s.ok() && bg_error_.ok()) bg_error_ = s;
  MaybeScheduleCompaction();
  bg_cv_.notify_all();
  l.unlock();
  if (obsolete_->pending()) obsolete_->Purge();  // the inputs, released above
  return s;
}

Status DB::WaitForCompactions() {
  std::unique_lock<std::mutex> l(mu_);
  // A compaction that ends reschedules before it is counted out (see
  // BackgroundCompaction), so "none scheduled" also means "none due", except
  // after a background error or at shutdown, which stop scheduling. A job
  // is counted out of jobs_running_ once its obsolete files are removed.
  bg_cv_.wait(l, [this] {
    return !bg_error_.ok() || shutting_down_ ||
           (imm_ == nullptr && !flush_scheduled_ && compactions_scheduled_ == 0 &&
            running_compactions_.empty() && jobs_.empty() && jobs_running_ == 0);
  });
  if (!bg_error_.ok()) return bg_error_;
  if (shutting_down_) return Status::Busy("database is closing");
  return Status::OK();
}

void DB::InstallReadView() {
  auto view = std::make_shared<ReadView>();
  view->mem = mem_;
  view->imm = imm_;
  view->version = versions_->current();
  view_ = std::move(view);
}

void DB::ReleaseView(std::shared_ptr<const ReadView> view) {
  // If this was the last reference to a Version no longer current, its
  // tables that no other Version lists were queued as it died.
  view.reset();
  if (obsolete_->pending()) obsolete_->Purge();
}

// ------------------------------------------------------------------- reads

Status DB::Get(const ReadOptions& ro, std::string_view key, std::string* value) {
  Status s = CheckKey(key);
  if (!s.ok()) return s;
  std::shared_ptr<const ReadView> view;
  SequenceNumber seq;
  {
    std::lock_guard<std::mutex> l(mu_);
    seq = ro.snapshot ? ro.snapshot->sequence() : versions_->last_sequence();
    view = view_;
  }
  LookupKey lkey(key, seq);
  if (view->mem->Get(lkey, value, &s)) return s;
  if (view->imm != nullptr && view->imm->Get(lkey, value, &s)) return s;
  TableReadOptions tro;
  tro.verify_checksums = ro.verify_checksums;
  tro.fill_cache = ro.fill_cache;
  bool found = false;
  s = view->version->Get(tro, table_cache_.get(), lkey, value, &found);
  ReleaseView(std::move(view));
  if (!found && s.ok()) return Status::NotFound();
  return s;
}

std::unique_ptr<UserIterator> DB::NewIterator(const ReadOptions& ro) {
  std::shared_ptr<const ReadView> view;
  DBIterOptions dio;
  {
    std::lock_guard<std::mutex> l(mu_);
    dio.sequence = ro.snapshot ? ro.snapshot->sequence() : versions_->last_sequence();
    view = view_;
  }
  TableReadOptions tro;
  tro.verify_checksums = ro.verify_checksums;
  tro.fill_cache = ro.fill_cache;
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(view->mem->NewIterator());
  if (view->imm != nullptr) children.push_back(view->imm->NewIterator());
  view->version->AddIterators(tro, table_cache_.get(), &children);
  if (ro.has_lower_bound) dio.lower_bound = ro.lower_bound;
  if (ro.has_upper_bound) dio.upper_bound = ro.upper_bound;
  // The closure owns the memtables and the Version until the iterator dies.
  auto on_close = [this, view]() mutable { ReleaseView(std::move(view)); };
  return NewDBIterator(NewMergingIterator(std::move(children)), std::move(dio), std::move(on_close));
}

Status DB::ApproximateSize(const std::string* begin, const std::string* end, uint64_t* size) {
  *size = 0;
  std::shared_ptr<const ReadView> view;
  {
    std::lock_guard<std::mutex> l(mu_);
    view = view_;
  }
  const Version* v = view->version.get();
  Status s;
  // Internal keys placed before every version of begin / end.
  std::string ibegin, iend;
  if (begin) AppendInternalKey(&ibegin, *begin, kMaxSequenceNumber, kValueTypeForSeek);
  if (end) AppendInternalKey(&iend, *end, kMaxSequenceNumber, kValueTypeForSeek);
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v->files(level)) {
      if (end && CompareInternalKeys(f->smallest, iend) >= 0) continue;
      if (begin && CompareInternalKeys(f->largest, ibegin) < 0) continue;
      std::shared_ptr<Table> table;
      s = table_cache_->FindTable(f->number, f->file_size, &table);
      if (!s.ok()) break;
      // Data blocks only, with or without bounds: index, filter and footer
      // are not "keys in the range".
      uint64_t from = begin ? table->ApproximateOffsetOf(ibegin) : 0;
      uint64_t to = end ? table->ApproximateOffsetOf(iend) : table->DataEnd();
      if (to > from) *size += to - from;
    }
    if (!s.ok()) break;
  }
  ReleaseView(std::move(view));
  return s;
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
    *value = FormatStats(StatsLocked());
    return true;
  }
  if (name == "lsm.stats.json") {
    *value = FormatStatsJson(StatsLocked());
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

DBStats DB::GetStats() {
  std::lock_guard<std::mutex> l(mu_);
  return StatsLocked();
}

DBStats DB::StatsLocked() {
  DBStats st = stats_;
  auto v = versions_->current();
  for (int level = 0; level < kNumLevels; level++) {
    LevelStats& ls = st.levels[level];
    ls.files = v->NumFiles(level);
    ls.bytes = v->LevelBytes(level);
    ls.target_bytes = level == 0 ? 0 : picker_.MaxBytesForLevel(level);
    ls.score = picker_.Score(*v, level);
  }
  st.running_compactions = running_compactions_.size();
  if (block_cache_) {
    st.block_cache_hits = block_cache_->hits();
    st.block_cache_misses = block_cache_->misses();
    st.block_cache_bytes = block_cache_->usage();
    st.block_cache_capacity = block_cache_->capacity();
  }
  st.bloom_checked = filter_stats_.checked.load();
  st.bloom_useful = filter_stats_.useful.load();
  if (log_ != nullptr) st.wal_appends = log_->append_path();
  return st;
}

}  // namespace lsm
