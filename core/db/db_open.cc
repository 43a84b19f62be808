// Opening a database: locking its directory, recovering its state from the
// MANIFEST and the write-ahead logs, and starting a fresh log; and
// destroying one. Recovery replays every log at or above the MANIFEST's
// log number into memtables (flushed to level-0 tables as they fill),
// writes what is left to one more table, and records it all in one
// MANIFEST edit naming a new, empty log. Only then are the replayed logs
// and whatever else the directory holds that the state does not use
// removed: the one time the directory is swept.
#include <algorithm>

#include "core/db/db.h"
#include "core/db/filename.h"
#include "core/log/log_reader.h"

namespace lsm {

DB::DB(const Options& options, std::string dir)
    : options_(options), dir_(std::move(dir)),
      fs_(options.fs != nullptr ? options.fs : FileSystem::Default()), picker_(options_) {
  if (options_.block_cache_size > 0) {
    block_cache_ = std::make_unique<BlockCache>(options_.block_cache_size);
  }
  table_cache_ = std::make_unique<TableCache>(dir_, fs_, options_.max_open_files,
                                              block_cache_.get(), &filter_stats_);
  obsolete_ = std::make_unique<ObsoleteFiles>(dir_, fs_, table_cache_.get());
  versions_ = std::make_unique<VersionSet>(dir_, fs_, obsolete_.get());
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
  db->StartBackgroundThreads();
  *out = std::move(db);
  return Status::OK();
}

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
      for (const auto& [level, f] : edit.new_files) {
        fs_->RemoveFile(TableFileName(dir_, f.number)).Ignore();  // else swept at the next open
      }
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
  mem_ = NewMemTable();
  InstallReadView();
  obsolete_->SweepDirectory(*versions_, log_number_);
  return Status::OK();
}

// A file in the directory that is not the database's (see Recover).
void DB::NoteIgnoredFile(const std::string& name, const char* why) {
  if (stats_.ignored_files++ == 0) stats_.first_ignored_file = name + ": " + why;
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
      stats_.wal_dropped_records++;
      stats_.wal_dropped_bytes += record.size();
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
  stats_.wal_dropped_records += reader.dropped_records();
  stats_.wal_dropped_bytes += reader.dropped_bytes();
  stats_.wal_torn_tail_bytes += reader.torn_tail_bytes();
  return Status::OK();
}

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
  // The database's files are gone (result says if not); the LOCK file and
  // the directory are left if they cannot go (a user's own files in it).
  fs->RemoveFile(LockFileName(path)).Ignore();
  fs->RemoveDir(path).Ignore();
  return result;
}

}  // namespace lsm
