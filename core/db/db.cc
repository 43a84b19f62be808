#include "core/db/db.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <new>

#include "core/db/filename.h"
#include "core/log/log_format.h"
#include "core/log/log_reader.h"
#include "core/table/merging_iterator.h"
#include "core/table/table_builder.h"
#include "core/util/signal.h"

namespace lsm {

namespace {

// A write group's memtable insert. The arena can run out of memory midway:
// that must come back as a status (and then, as bg_error_, stop writes until
// reopening), not as an exception unwinding out of a queued writer, which
// would leave the write queue pointing at a dead Writer and every other
// writer waiting forever. The entries already inserted stay invisible: the
// group's sequence is never published.
Status InsertGroup(const WriteBatch* group, MemTable* mem, SequenceNumber first) {
  try {
    return group->InsertInto(mem, first);
  } catch (const std::bad_alloc&) {
    return Status::NoMemory("out of memory inserting a write group into the memtable");
  }
}

}  // namespace

struct DB::Writer {
  const WriteBatch* batch = nullptr;  // null: a flush request
  bool sync = false;
  std::thread::id thread = std::this_thread::get_id();
  bool force_flush = false;
  bool done = false;  // written before signal is set, read after
  Status status;
  Signal signal;  // set once: done, or now at the front and leading

  // A sync leader may hand a waiting sync writer of its group the group's
  // memtable insert, which that writer then runs while the leader syncs
  // (see WriteImpl). The leader fills in the insert, then moves chore from
  // kNone to kOffered; the writer runs it and stores kDone. A writer about
  // to sleep moves kNone to kRefused first, so nothing is offered to a
  // thread that would have to be woken for it.
  enum Chore : int { kNone, kOffered, kDone, kRefused };
  std::atomic<int> chore{kNone};
  const WriteBatch* chore_batch = nullptr;
  MemTable* chore_mem = nullptr;
  SequenceNumber chore_first = 0;
  Status chore_status;

  // Runs an offered insert (poll of Signal::Wait; about_to_sleep: refuse
  // from now on if nothing was offered).
  void RunChore(bool about_to_sleep) {
    int state = chore.load(std::memory_order_acquire);
    if (state == kNone && about_to_sleep &&
        chore.compare_exchange_strong(state, kRefused, std::memory_order_acq_rel)) {
      return;
    }
    if (state != kOffered) return;
    chore_status = InsertGroup(chore_batch, chore_mem, chore_first);
    chore.store(kDone, std::memory_order_release);
  }
};

namespace {

// The most a queued sync writer spins before sleeping (see WriteImpl).
constexpr uint64_t kMaxSyncSpinMicros = 250;

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
      fs_(options.fs != nullptr ? options.fs : FileSystem::Default()), picker_(options_) {
  if (options_.block_cache_size > 0) {
    block_cache_ = std::make_unique<BlockCache>(options_.block_cache_size);
  }
  table_cache_ = std::make_unique<TableCache>(dir_, fs_, options_.max_open_files,
                                              block_cache_.get(), &filter_stats_);
  versions_ = std::make_unique<VersionSet>(dir_, fs_);
}

Status DB::Open(const Options& options, const std::string& path, std::unique_ptr<DB>* out) {
  out->reset();
  if (Status s = options.Validate(); !s.ok()) return s;
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
  lock_.reset();
  close_status_ = s;
  return s;
}

DB::~DB() { Close(); }

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
  // Numbers the MANIFEST has handed out are ours whatever their size; of
  // the others, only those a counter could have reached since (see
  // kMaxAdoptedFileNumber). Files that are not ours are left alone: not
  // adopted, replayed or deleted, just counted in "lsm.stats".
  const uint64_t manifest_next = versions_->next_file_number();
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) {
      if (ResemblesFileName(name)) NoteIgnoredFile(name, "not a name liblsm writes");
      continue;
    }
    if (number >= manifest_next && number > kMaxAdoptedFileNumber) {
      NoteIgnoredFile(name, "number out of range");
      continue;
    }
    versions_->MarkFileNumberUsed(number);
    if (type == FileType::kTable) tables_on_disk.insert(number);
    if (type == FileType::kLog && number >= versions_->log_number()) logs.push_back(number);
  }
  // The log the MANIFEST names was created (and its directory entry
  // synced) before any edit named it, and is deleted only after a later
  // synced edit moves past it. If it is gone, the MANIFEST lost edits that
  // had taken effect (a damaged or cut tail): opening would serve an older
  // state, so refuse. (Lost compaction edits show as missing tables below.)
  if (versions_->log_number() != 0 &&
      std::find(logs.begin(), logs.end(), versions_->log_number()) == logs.end()) {
    return Status::Corruption(
        dir_ + ": the MANIFEST names write-ahead log " + std::to_string(versions_->log_number()) +
        ", which is gone: the MANIFEST lost edits that had taken effect");
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
  std::optional<SequenceNumber> last_replayed;  // of the batches replayed so far
  std::shared_ptr<MemTable> mem = NewMemTable();
  for (uint64_t number : logs) {
    s = ReplayLog(number, &mem, &edit, &max_sequence, &last_replayed);
    if (!s.ok()) {
      // Replay may have flushed earlier logs to tables that no MANIFEST
      // names: remove them, so that a refused open leaves the directory
      // as it found it.
      for (const auto& [level, f] : edit.new_files) fs_->RemoveFile(TableFileName(dir_, f.number));
      return s;
    }
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
  s = fs_->NewLogFile(LogFileName(dir_, log_number_), options_.wal_mmap, &file);
  if (s.ok()) s = fs_->SyncDir(dir_);
  if (!s.ok()) return s;
  log_ = std::make_unique<LogWriter>(std::move(file));
  edit.log_number = log_number_;
  s = versions_->LogAndApply(&edit, &lock);
  if (!s.ok()) return s;
  pending_outputs_.clear();
  mem_ = NewMemTable();
  std::unique_lock<std::mutex> l(mu_);
  DeleteObsoleteFiles(&l);
  return Status::OK();
}

// A file in the directory that is not the database's (see Recover).
void DB::NoteIgnoredFile(const std::string& name, const char* why) {
  if (ignored_files_++ == 0) first_ignored_file_ = name + ": " + why;
}

Status DB::ReplayLog(uint64_t number, std::shared_ptr<MemTable>* mem, VersionEdit* edit,
                     SequenceNumber* max_sequence,
                     std::optional<SequenceNumber>* last_replayed) {
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
    // Parsed whole before any of it is applied: a batch is all or nothing.
    if (s.ok()) s = batch.Validate();
    // Sequence numbers must fit in 56 bits and grow from batch to batch (a
    // repeat would make two entries with one internal key).
    if (s.ok() && batch.Count() > 0) {
      const SequenceNumber first = batch.sequence(), last = first + (batch.Count() - 1);
      if (first > kMaxSequenceNumber || batch.Count() - 1 > kMaxSequenceNumber - first) {
        s = Status::Corruption("write batch sequence numbers out of range");
      } else if (last_replayed->has_value() && first <= **last_replayed) {
        s = Status::Corruption("write batch sequence numbers do not increase");
      } else {
        s = batch.InsertInto(mem->get());
        if (s.ok()) {
          *last_replayed = last;
        }
      }
    }
    // A record whose checksum holds but that holds an operation this
    // version does not know was written by a newer one: skipping it as
    // damage would lose that library's acknowledged writes (and the log is
    // deleted once recovery ends), so the open is refused.
    if (s.IsNotSupported()) return Status::NotSupported(path + ": " + s.message());
    if (!s.ok()) {
      // A record whose checksum holds but whose contents do not parse:
      // treated like a damaged record, skipped whole.
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
      *mem = NewMemTable();
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
  Writer w;
  w.batch = batch;
  w.sync = wo.sync;
  w.force_flush = force_flush;

  std::unique_lock<std::mutex> l(mu_);
  writers_.push_back(&w);
  queued_writers_.store(writers_.size(), std::memory_order_release);
  if (&w != writers_.front()) {
    // Wait without mu_: a leader finishing a group signals each writer it
    // served, and the writer that is then at the front.
    // A sync writer expects to wait about one fdatasync: it spins through
    // up to two syncs' time (bounded, for slow disks) so that it is
    // running, not asleep, when its group is done (see Signal::Wait).
    const auto spin = std::chrono::microseconds(
        w.sync ? std::min<uint64_t>(kMaxSyncSpinMicros, 2 * last_sync_micros_) : 0);
    l.unlock();
    if (w.sync) {
      w.signal.Wait(spin, [&w](bool about_to_sleep) { w.RunChore(about_to_sleep); });
    } else {
      w.signal.Wait(spin);
    }
    if (w.done) return w.status;
    l.lock();
  }

  // This thread leads a group. Only the leader switches memtables and
  // inserts into mem_, so mem_ is stable while it works unlocked.
  Status s = MakeRoomForWrite(force_flush, &l);
  Writer* last_writer = &w;
  if (s.ok() && batch != nullptr) {
    if (w.sync) WaitForSyncCompany(&l);
    const WriteBatch* group = BuildBatchGroup(&last_writer);
    const SequenceNumber first = versions_->last_sequence() + 1;
    const SequenceNumber last = first + group->Count() - 1;
    // The record is the group's operations behind a fresh header carrying
    // the sequence: the caller's batch is never modified.
    char header[WriteBatch::kHeaderSize];
    EncodeFixed64(header, first);
    EncodeFixed32(header + 8, group->Count());
    const bool sync = w.sync;
    if (sync) {
      // The threads this sync group serves (see WaitForSyncCompany): only
      // the sync writers, since non-sync writes a sync leader took along
      // are neither sync writes nor company worth waiting for.
      group_sync_threads_.clear();
      for (Writer* x : writers_) {
        if (x->sync) group_sync_threads_.push_back(x->thread);
        if (x == last_writer) break;
      }
    }
    // A second sync writer in the group is likely spinning (see above):
    // it can insert the group into the memtable while this thread syncs.
    Writer* helper = sync && last_writer != &w && writers_[1]->sync ? writers_[1] : nullptr;
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
    s = log->AddRecord(std::string_view(header, sizeof(header)), group->body(),
                       sync ? LogWriter::Then::kFlushForSync : LogWriter::Then::kFlush);
    const uint64_t mapped = log->bytes_mapped() - mapped_before;
    bool handed = false;
    if (s.ok() && helper != nullptr) {
      helper->chore_batch = group;
      helper->chore_mem = mem;
      helper->chore_first = first;
      int none = Writer::kNone;
      handed = helper->chore.compare_exchange_strong(none, Writer::kOffered, std::memory_order_acq_rel);
    }
    if (s.ok() && !handed) s = InsertGroup(group, mem, first);
    bool synced = false;
    uint64_t sync_micros = 0;
    size_t expected = 0;
    if (s.ok() && sync) {
      // Leader-only state: the next leader starts after this one is done.
      expected = CountSyncThreads();
      const uint64_t start = NowMicros();
      s = log->Sync();
      sync_micros = NowMicros() - start;
      synced = true;
    }
    if (handed) {
      // The helper cannot sleep before it is done: it took the insert on.
      while (helper->chore.load(std::memory_order_acquire) != Writer::kDone) std::this_thread::yield();
      if (s.ok()) s = helper->chore_status;
    }
    l.lock();
    if (synced) {
      last_sync_micros_ = sync_micros;
      wal_sync_micros_ += sync_micros;
      wal_syncs_++;
      if (handed) helped_syncs_++;
    }
    if (s.ok()) {
      versions_->set_last_sequence(last);
      user_bytes_written_ += group->ApproximateSize();
      wal_bytes_written_ += group->ApproximateSize() + kLogHeaderSize;
      wal_bytes_mapped_ += mapped;
      if (sync) {
        expected_sync_writers_ = expected;
        synced_writes_ += group_sync_threads_.size();
        last_sync_group_.swap(group_sync_threads_);
      }
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
    queued_writers_.store(writers_.size(), std::memory_order_release);
    if (ready != &w) {
      ready->status = s;
      ready->done = true;
      ready->signal.Set();  // ready may be gone from here on
    }
    if (ready == last_writer) break;
  }
  // The next leader cannot leave before it is signalled, so it is safe to
  // signal after unlocking, which spares it waking into a held mu_.
  Writer* next = writers_.empty() ? nullptr : writers_.front();
  l.unlock();
  if (next != nullptr) next->signal.Set();
  return s;
}

// The number of distinct threads among this sync group's and the last
// one's: how many sync writers the next leader may expect.
size_t DB::CountSyncThreads() {
  sync_thread_scratch_.assign(group_sync_threads_.begin(), group_sync_threads_.end());
  sync_thread_scratch_.insert(sync_thread_scratch_.end(), last_sync_group_.begin(),
                              last_sync_group_.end());
  std::sort(sync_thread_scratch_.begin(), sync_thread_scratch_.end());
  return static_cast<size_t>(std::unique(sync_thread_scratch_.begin(), sync_thread_scratch_.end()) -
                             sync_thread_scratch_.begin());
}

// A sync group costs one fdatasync however many writers it holds, but when
// several threads write synchronously in a loop they fall into two cohorts
// that alternate (one syncs while the other queues), halving what one sync
// could cover. So a sync leader that has recently served N distinct threads
// waits, for a small part of one sync's duration, until N writers are
// queued. A single writer never waits.
void DB::WaitForSyncCompany(std::unique_lock<std::mutex>* lock) {
  if (expected_sync_writers_ <= 1 || writers_.size() >= expected_sync_writers_) return;
  const auto wait = std::chrono::microseconds(std::min<uint64_t>(500, last_sync_micros_ / 2 + 1));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  // Spin (yielding) rather than sleep: the wait is short, and a sleeping
  // thread's wake-up would cost about as much as the wait saves.
  const size_t expected = expected_sync_writers_;
  lock->unlock();
  bool arrived = false;
  while (!(arrived = queued_writers_.load(std::memory_order_acquire) >= expected) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  lock->lock();
  // Someone is slower, or stopped writing: expect one fewer next time.
  if (!arrived && writers_.size() < expected_sync_writers_) expected_sync_writers_--;
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
      stall_micros_ += NowMicros() - start;
      slowdowns_++;
      continue;
    }
    if (mem_->empty()) return Status::OK();  // nothing to flush
    if (!force && mem_->ApproximateMemoryUsage() < options_.write_buffer_size) return Status::OK();
    if (imm_ != nullptr || l0 >= options_.level0_stop_trigger) {
      // The previous memtable is still being flushed, or level 0 is full:
      // wait (writes stop, they do not fail).
      if (l0 >= options_.level0_stop_trigger) stops_++;
      uint64_t start = NowMicros();
      MaybeScheduleCompaction();
      bg_cv_.wait(*lock);
      stall_micros_ += NowMicros() - start;
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
    mem_ = NewMemTable();
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

int DB::MaxBackgroundCompactions() const {
  // One thread stays free for flushes when there are several.
  return std::max(1, options_.background_threads - 1);
}

void DB::MaybeScheduleCompaction() {
  if (shutting_down_ || !bg_error_.ok()) return;
  if (compactions_scheduled_ >= MaxBackgroundCompactions()) return;
  auto v = versions_->current();
  bool needed = false;
  for (int level = 0; level + 1 < kNumLevels && !needed; level++) {
    needed = picker_.Score(*v, level) >= 1.0;
  }
  if (!needed) return;
  compactions_scheduled_++;
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
      max_level0_files_ = std::max(max_level0_files_, versions_->current()->NumFiles(0));
      imm_.reset();
      DeleteObsoleteFiles(&l);
    } else {
      if (bg_error_.ok()) bg_error_ = s;
      if (shutting_down_ && shutdown_error_.ok()) shutdown_error_ = s;
    }
  }
  flush_scheduled_ = false;
  // While DeleteObsoleteFiles had the mutex released, a writer may have
  // frozen the next memtable; its MaybeScheduleFlush saw this flush still
  // scheduled and left it to us.
  MaybeScheduleFlush();
  MaybeScheduleCompaction();
  bg_cv_.notify_all();
}

void DB::BackgroundCompaction() {
  std::unique_lock<std::mutex> l(mu_);
  std::unique_ptr<Compaction> c;
  if (!shutting_down_ && bg_error_.ok()) {
    c = picker_.PickAuto(*versions_->current(), running_compactions_);
  }
  if (c != nullptr) {
    VersionEdit edit;
    Status s = RunCompaction(c.get(), &l, &edit);
    if (!s.ok() && bg_error_.ok() && !shutting_down_) bg_error_ = s;
    // A compaction the close abandoned (Busy) lost nothing: its inputs
    // stay. Any other failure while Close waits is Close's to report.
    if (!s.ok() && !s.IsBusy() && shutting_down_ && shutdown_error_.ok()) shutdown_error_ = s;
  }
  compactions_scheduled_--;
  if (c != nullptr) {
    // The result may call for more (a level pushed over its target), and a
    // compaction that conflicted with this one may now go ahead. (When
    // nothing could be picked, rescheduling would only spin: the running
    // compaction that blocked this one reschedules when it ends.)
    MaybeScheduleCompaction();
    MaybeScheduleCompaction();
  }
  bg_cv_.notify_all();
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
  return s;
}

Status DB::WaitForCompactions() {
  std::unique_lock<std::mutex> l(mu_);
  // A compaction that ends reschedules before it is counted out (see
  // BackgroundCompaction), so "none scheduled" also means "none due", except
  // after a background error or at shutdown, which stop scheduling.
  bg_cv_.wait(l, [this] {
    return !bg_error_.ok() || shutting_down_ ||
           (imm_ == nullptr && !flush_scheduled_ && compactions_scheduled_ == 0 &&
            running_compactions_.empty());
  });
  if (!bg_error_.ok()) return bg_error_;
  if (shutting_down_) return Status::Busy("database is closing");
  return Status::OK();
}

// Runs c and installs its result. Called with *lock held; c is listed in
// running_compactions_ meanwhile so that others keep out of its way.
Status DB::RunCompaction(Compaction* c, std::unique_lock<std::mutex>* lock, VersionEdit* result) {
  running_compactions_.push_back(c);
  VersionEdit& edit = *result;
  Status s;
  uint64_t written = 0;
  if (c->IsTrivialMove()) {
    const FileMetaData& f = *c->inputs[0][0];
    edit.DeleteFile(c->level, f.number);
    edit.AddFile(c->output_level(), f);
    s = versions_->LogAndApply(&edit, lock);
    if (s.ok()) comp_stats_[c->output_level()].moved_bytes += f.file_size;
  } else {
    // Snapshots, oldest first: versions a snapshot can see must survive.
    std::vector<SequenceNumber> snapshots(snapshots_.begin(), snapshots_.end());
    snapshots.erase(std::unique(snapshots.begin(), snapshots.end()), snapshots.end());
    s = DoCompactionWork(*c, snapshots, &edit, lock);
    if (s.ok()) {
      for (int i = 0; i < 2; i++) {
        for (const auto& f : c->inputs[i]) edit.DeleteFile(c->input_level(i), f->number);
      }
      for (const auto& [level, f] : edit.new_files) written += f.file_size;
      s = versions_->LogAndApply(&edit, lock);
    }
    for (const auto& [level, f] : edit.new_files) pending_outputs_.erase(f.number);
    if (s.ok()) {
      CompactionStats& st = comp_stats_[c->output_level()];
      st.read_bytes += c->InputBytes();
      st.written_bytes += written;
      st.count++;
    }
  }
  running_compactions_.erase(
      std::find(running_compactions_.begin(), running_compactions_.end(), c));
  if (s.ok()) {
    obsolete_files_pending_ = true;
    DeleteObsoleteFiles(lock);
  }
  return s;
}

// Merges c's inputs into new tables at c's output level, dropping what no
// reader can see:
// - of the versions of a key that fall between the same two snapshots (a
//   "stripe"; the newest stripe ends at the latest state), only the newest
//   is visible to anyone;
// - a deletion in the oldest stripe hides nothing anyone can see once no
//   deeper level holds the key (then the older versions are dropped too).
// Called with *lock held; works unlocked. Output files stay in
// pending_outputs_ until the caller has installed (or abandoned) them.
Status DB::DoCompactionWork(const Compaction& c, const std::vector<SequenceNumber>& snapshots,
                            VersionEdit* edit, std::unique_lock<std::mutex>* lock) {
  TableReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  std::vector<std::unique_ptr<Iterator>> children;
  for (int i = 0; i < 2; i++) {
    for (const auto& f : c.inputs[i]) {
      children.push_back(table_cache_->NewIterator(ro, f->number, f->file_size));
    }
  }
  auto input = NewMergingIterator(std::move(children));
  // Files below the output level, to tell whether a key lives on there.
  std::vector<Version::FileList> deeper;
  {
    auto v = versions_->current();
    for (int level = c.output_level() + 1; level < kNumLevels; level++) {
      deeper.push_back(v->Overlapping(level, &c.smallest, &c.largest));
    }
  }
  std::vector<size_t> deeper_pos(deeper.size(), 0);
  auto key_lives_deeper = [&](std::string_view user_key) {
    // Keys arrive in increasing order, so each level's cursor only moves on.
    for (size_t i = 0; i < deeper.size(); i++) {
      const Version::FileList& files = deeper[i];
      size_t& p = deeper_pos[i];
      while (p < files.size() && ExtractUserKey(files[p]->largest).compare(user_key) < 0) p++;
      if (p < files.size() && ExtractUserKey(files[p]->smallest).compare(user_key) <= 0) return true;
    }
    return false;
  };
  auto stripe_of = [&snapshots](SequenceNumber seq) {
    return static_cast<size_t>(std::lower_bound(snapshots.begin(), snapshots.end(), seq) -
                               snapshots.begin());
  };

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
    Status cl = file->Close();
    if (r.ok()) r = cl;
    meta.file_size = builder->file_size();
    builder.reset();
    file.reset();
    if (r.ok()) outputs.push_back(meta);
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
      stripe_kept = false;
    }
    const size_t stripe = stripe_of(k.sequence);
    bool drop = false;
    if (stripe_kept && stripe == last_stripe) {
      drop = true;  // a newer version in the same stripe hides it from everyone
    } else if (k.type == ValueType::kDeletion && stripe == 0 && !key_lives_deeper(k.user_key)) {
      drop = true;
      // Older versions share stripe 0 and fall under the rule above.
      stripe_kept = true;
    } else {
      stripe_kept = true;
    }
    last_stripe = stripe;
    if (drop) continue;

    if (new_user_key) {
      // Track how much of the level below the output this file spans, and
      // cut files only between user keys: a level's files must not share one.
      while (gp_index < c.grandparents.size() &&
             CompareUserKeys(ExtractUserKey(c.grandparents[gp_index]->largest), k.user_key) < 0) {
        if (seen_key) gp_overlap += c.grandparents[gp_index]->file_size;
        gp_index++;
      }
      seen_key = true;
      if (builder != nullptr && (builder->file_size() >= options_.target_file_size ||
                                 gp_overlap > c.max_grandparent_overlap)) {
        s = finish_output();
        if (!s.ok()) break;
        gp_overlap = 0;
      }
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
  if (!s.ok()) {
    // Nothing is installed: forget every output so that DeleteObsoleteFiles
    // removes them.
    for (uint64_t n : allocated) pending_outputs_.erase(n);
    return s;
  }
  for (const auto& m : outputs) edit->AddFile(c.output_level(), m);
  return s;
}

// Called with *lock held; lists the directory and removes files without it
// (readers and writers need not wait for the file system).
void DB::DeleteObsoleteFiles(std::unique_lock<std::mutex>* lock) {
  if (!bg_error_.ok()) return;  // what is live may be unclear after a failure
  // List first: a file created after the listing is not in it, so it can
  // not be taken for obsolete; one created before it is in pending_outputs_
  // or a Version by the time the live set is taken below.
  lock->unlock();
  std::vector<std::string> names;
  Status listed = fs_->GetChildren(dir_, &names);
  lock->lock();
  if (!listed.ok() || !bg_error_.ok()) return;
  std::set<uint64_t> live = pending_outputs_;
  versions_->AddLiveFiles(&live);
  auto current = versions_->current();
  size_t current_files = 0;
  for (int level = 0; level < kNumLevels; level++) current_files += current->files(level).size();
  std::vector<std::string> doomed;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    // Never handed out, so not ours (see Recover): left alone.
    if (number >= versions_->next_file_number()) continue;
    bool keep = true;
    switch (type) {
      case FileType::kLog:
        keep = number >= versions_->log_number() || number == log_number_;
        break;
      case FileType::kManifest:
        // A newer one may be being written by LogAndApply right now.
        keep = number >= versions_->manifest_number();
        break;
      case FileType::kTemp:
        // The CURRENT update of a MANIFEST being installed uses its number.
        keep = number > versions_->manifest_number();
        break;
      case FileType::kTable:
        keep = live.count(number) > 0;
        break;
      case FileType::kCurrent:
      case FileType::kLock:
        break;
    }
    if (!keep) {
      if (type == FileType::kTable) table_cache_->Evict(number);
      doomed.push_back(dir_ + "/" + name);
    }
  }
  // Files held only by old Versions (iterators) go when those are released.
  obsolete_files_pending_ = live.size() > current_files + pending_outputs_.size();
  if (doomed.empty()) return;
  lock->unlock();
  for (const std::string& path : doomed) fs_->RemoveFile(path);  // a racing pass may win
  lock->lock();
}

void DB::ReleaseVersion(std::shared_ptr<const Version> v) {
  // Tables can be freed only when a replaced Version dies (the current one
  // is also held by the VersionSet). Whether it died is read from
  // Version::Destroyed(), and obsolete_files_pending_ under mu_: a pass
  // running now may have counted this Version's files as live and be about
  // to set the flag, and a read before that would leave them on disk until
  // some later pass.
  const uint64_t destroyed = Version::Destroyed();
  v.reset();
  if (Version::Destroyed() == destroyed) return;
  std::unique_lock<std::mutex> l(mu_);
  if (obsolete_files_pending_) DeleteObsoleteFiles(&l);
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
  ReleaseVersion(std::move(v));
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
    ReleaseVersion(std::move(v));
  };
  return NewDBIterator(NewMergingIterator(std::move(children)), std::move(dio), std::move(on_close));
}

Status DB::ApproximateSize(const std::string* begin, const std::string* end, uint64_t* size) {
  *size = 0;
  std::shared_ptr<const Version> v;
  {
    std::lock_guard<std::mutex> l(mu_);
    v = versions_->current();
  }
  // Internal keys placed before every version of begin / end.
  std::string ibegin, iend;
  if (begin) AppendInternalKey(&ibegin, *begin, kMaxSequenceNumber, kValueTypeForSeek);
  if (end) AppendInternalKey(&iend, *end, kMaxSequenceNumber, kValueTypeForSeek);
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v->files(level)) {
      if (end && CompareInternalKeys(f->smallest, iend) >= 0) continue;
      if (begin && CompareInternalKeys(f->largest, ibegin) < 0) continue;
      std::shared_ptr<Table> table;
      Status s = table_cache_->FindTable(f->number, f->file_size, &table);
      if (!s.ok()) return s;
      // Data blocks only, with or without bounds: index, filter and footer
      // are not "keys in the range".
      uint64_t from = begin ? table->ApproximateOffsetOf(ibegin) : 0;
      uint64_t to = end ? table->ApproximateOffsetOf(iend) : table->DataEnd();
      if (to > from) *size += to - from;
    }
  }
  ReleaseVersion(std::move(v));
  return Status::OK();
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
  char line[512];
  out +=
      "level files        bytes       target  score   read-bytes  written-bytes  moved-bytes "
      "compactions\n";
  uint64_t total_bytes = 0, total_written = 0, last_level_bytes = 0;
  for (int level = 0; level < kNumLevels; level++) {
    const uint64_t bytes = v->LevelBytes(level);
    const CompactionStats& st = comp_stats_[level];
    total_bytes += bytes;
    total_written += st.written_bytes;
    if (bytes > 0) last_level_bytes = bytes;
    const uint64_t target = level == 0 ? 0 : picker_.MaxBytesForLevel(level);
    std::snprintf(line, sizeof(line),
                  "%5d %5d %12" PRIu64 " %12" PRIu64 " %6.2f %12" PRIu64 " %14" PRIu64 " %12" PRIu64
                  " %11" PRIu64 "\n",
                  level, v->NumFiles(level), bytes, target, picker_.Score(*v, level),
                  st.read_bytes, st.written_bytes, st.moved_bytes, st.count);
    out += line;
  }
  // Write amplification: bytes written to the WAL and to tables (flushes
  // count as level 0's written bytes) per byte of user writes.
  const double wamp = user_bytes_written_ == 0
                          ? 0.0
                          : static_cast<double>(wal_bytes_written_ + total_written) /
                                static_cast<double>(user_bytes_written_);
  // Space amplification, estimated as all table bytes over the deepest
  // non-empty level's (where the live data ends up).
  const double samp = last_level_bytes == 0 ? 0.0
                                            : static_cast<double>(total_bytes) /
                                                  static_cast<double>(last_level_bytes);
  std::snprintf(line, sizeof(line),
                "table-bytes: %" PRIu64 "\nuser-bytes-written: %" PRIu64 "\nwal-bytes-written: %" PRIu64
                " (%" PRIu64 " through a mapping)\nwrite-amplification: %.2f\nspace-amplification: %.2f\nflushes: %" PRIu64
                "\nlevel0-max-files: %d\nstall-micros: %" PRIu64 "\nslowdowns: %" PRIu64 "\nstops: %" PRIu64
                "\nrunning-compactions: %zu\nwal-syncs: %" PRIu64 " for %" PRIu64 " sync writes, %" PRIu64
                " us syncing, %" PRIu64 " with the memtable insert run by a waiting writer\n",
                total_bytes, user_bytes_written_, wal_bytes_written_, wal_bytes_mapped_, wamp, samp, flush_count_,
                max_level0_files_, stall_micros_, slowdowns_, stops_, running_compactions_.size(), wal_syncs_,
                synced_writes_, wal_sync_micros_, helped_syncs_);
  out += line;
  std::snprintf(line, sizeof(line),
                "block-cache: hits %" PRIu64 " misses %" PRIu64 " bytes %zu capacity %zu\n"
                "bloom-filter: checked %" PRIu64 " useful %" PRIu64 "\n",
                block_cache_ ? block_cache_->hits() : 0, block_cache_ ? block_cache_->misses() : 0,
                block_cache_ ? block_cache_->usage() : size_t{0},
                block_cache_ ? block_cache_->capacity() : size_t{0},
                filter_stats_.checked.load(), filter_stats_.useful.load());
  out += line;
  std::snprintf(line, sizeof(line),
                "wal-recovery: dropped-records %" PRIu64 " dropped-bytes %" PRIu64
                " torn-tail-bytes %" PRIu64 "\n",
                wal_dropped_records_, wal_dropped_bytes_, wal_torn_tail_bytes_);
  out += line;
  if (log_ != nullptr) out += "wal-appends: " + log_->append_path() + "\n";
  out += "ignored-files: " + std::to_string(ignored_files_);
  if (ignored_files_ > 0) out += " (" + first_ignored_file_ + ")";
  out += "\n";
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
