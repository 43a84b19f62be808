// DB: the storage engine. One DB owns one database directory (a lock file
// keeps other openers out) and is safe to use from many threads at once.
//
// Write path: writers queue up (write_queue.h); the writer at the front
// takes the batches queued behind it (group commit), appends them to the
// WAL as one record, applies them to the memtable, and publishes the new
// last sequence. A full memtable is frozen (imm) and a background thread
// writes it to a level-0 table while writes continue into a fresh memtable
// and WAL.
//
// Read path: a read picks a sequence number (its snapshot's, or the latest)
// and takes a reference to the ReadView (the memtable, the frozen memtable
// and the current Version, replaced whole when one changes); it then reads
// with no lock held.
//
// The class is spread over files by concern:
//   db.cc             the public operations: writes, reads, snapshots,
//                     flush, CompactRange, properties, close
//   db_open.cc        open, recovery (log replay), destroy
//   db_background.cc  the background threads: flushes, compactions and
//                     installing their results
//   write_queue.h     the writer queue and group commit
//   builder.h         writing one table from a sorted stream
//   compaction_job.h  merging a compaction's inputs
//   obsolete_files.h  when files stop being needed, and removing them
//   stats.h           the statistics (DBStats) and their text and JSON forms
//
// Invariants (docs/format.md has the file-level ones):
// - Every acknowledged write is in a WAL numbered >= the MANIFEST's
//   log_number, or in a table the MANIFEST lists.
// - A table file is deleted only when no live Version lists it (its
//   reference count reaches zero: obsolete_files.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/db/compaction.h"
#include "core/db/db_iter.h"
#include "core/base/dbformat.h"
#include "core/db/obsolete_files.h"
#include "core/db/options.h"
#include "core/db/stats.h"
#include "core/db/table_cache.h"
#include "core/db/version_set.h"
#include "core/db/write_batch.h"
#include "core/db/write_queue.h"
#include "core/log/log_writer.h"
#include "core/memtable/memtable.h"
#include "core/table/table.h"

namespace lsm {

// Largest key and value the engine accepts (lsm.h documents the same).
constexpr size_t kMaxKeySize = size_t{1} << 20;     // 1 MiB
constexpr size_t kMaxValueSize = size_t{1} << 28;   // 256 MiB
constexpr size_t kMaxBatchSize = size_t{1} << 30;   // 1 GiB, a WAL record's limit

class Snapshot {
 public:
  SequenceNumber sequence() const { return sequence_; }

 private:
  friend class DB;
  explicit Snapshot(SequenceNumber s) : sequence_(s) {}
  const SequenceNumber sequence_;
};

class DB {
 public:
  static Status Open(const Options& options, const std::string& path, std::unique_ptr<DB>* out);
  // Removes every file of the database at path, then the directory if it
  // is left empty. Busy if the database is open.
  static Status Destroy(const std::string& path, FileSystem* fs = nullptr);

  // Waits for background work, closes the write-ahead log and the
  // MANIFEST, and releases the directory. Returns the first error met on
  // the way: a flush or compaction that failed while Close waited for it
  // (one abandoned because of the close is no error), or closing the log
  // or the MANIFEST. Everything is released whatever it returns; a second
  // call returns the same. Writes acknowledged before stay durable either
  // way (they are in the log or in tables).
  // REQUIRES: every iterator of this DB has been destroyed, and no other
  // call on this DB runs or follows (but the destructor).
  Status Close();
  // Close(), its status ignored.
  ~DB();
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;

  Status Put(const WriteOptions& wo, std::string_view key, std::string_view value);
  Status Delete(const WriteOptions& wo, std::string_view key);
  Status Write(const WriteOptions& wo, const WriteBatch& batch);

  // OK with *value, or NotFound.
  Status Get(const ReadOptions& ro, std::string_view key, std::string* value);

  std::unique_ptr<UserIterator> NewIterator(const ReadOptions& ro);

  const Snapshot* GetSnapshot();
  void ReleaseSnapshot(const Snapshot* snapshot);

  // Writes the memtable to a table and waits until that is done.
  Status Flush();
  // Merges the tables holding keys in [begin, end] (null: open end) into
  // one sorted level, dropping overwritten versions and deletions no
  // snapshot needs.
  Status CompactRange(const std::string* begin, const std::string* end);
  // Waits until no flush or compaction runs, is queued or is due (every
  // level under its trigger or target), and the files they made obsolete
  // are deleted. Returns the background error that stopped work, if one
  // did; Busy if the database is closing. Writes that go on meanwhile may
  // make it wait longer.
  Status WaitForCompactions();

  // Approximate bytes of table files holding keys in [begin, end) (null:
  // open end). Data still in memory is not counted.
  Status ApproximateSize(const std::string* begin, const std::string* end, uint64_t* size);

  // "lsm.stats" (text), "lsm.stats.json" (the same as one JSON object),
  // "lsm.num-files-at-level<N>", "lsm.sequence", "lsm.memtable-bytes",
  // "lsm.block-cache-bytes". False if unknown.
  bool GetProperty(std::string_view name, std::string* value);
  // The statistics as numbers (what "lsm.stats" shows).
  DBStats GetStats();

  // Checks a key/value/batch against the size limits (Invalid if over).
  static Status CheckKey(std::string_view key);
  static Status CheckValue(std::string_view value);

 private:
  DB(const Options& options, std::string dir);

  // db_open.cc
  Status Recover();
  void NoteIgnoredFile(const std::string& name, const char* why);
  // *last_replayed: the last sequence of the batches replayed so far, from
  // every log of this recovery (a batch must start above it).
  Status ReplayLog(uint64_t number, std::shared_ptr<MemTable>* mem, VersionEdit* edit,
                   SequenceNumber* max_sequence, std::optional<SequenceNumber>* last_replayed);

  // db.cc
  Status WriteImpl(const WriteOptions& wo, const WriteBatch* batch, bool force_flush);
  Status MakeRoomForWrite(bool force, std::unique_lock<std::mutex>* lock);
  // What a read needs besides its sequence number: the memtables and the
  // current Version, replaced as a whole whenever one of them changes, so
  // that a read takes one reference under mu_, not three (the writer waits
  // for mu_ on every write; each reference taken inside it is an atomic
  // update on a cache line that other threads also write).
  struct ReadView {
    std::shared_ptr<MemTable> mem;
    std::shared_ptr<MemTable> imm;  // null when no memtable is being flushed
    std::shared_ptr<const Version> version;
  };
  // Rebuilds view_ from mem_, imm_ and the current Version. REQUIRES: mu_
  // held; called in the same critical section as any change to them.
  void InstallReadView();
  // Drops a reader's view; removes the files that made obsolete.
  void ReleaseView(std::shared_ptr<const ReadView> view);
  // A memtable whose arena blocks and key filter suit write_buffer_size.
  std::shared_ptr<MemTable> NewMemTable() const {
    return std::make_shared<MemTable>(Arena::BlockSizeFor(options_.write_buffer_size),
                                      MemTable::FilterBytesFor(options_.write_buffer_size));
  }
  // REQUIRES: mu_ held.
  DBStats StatsLocked();

  // db_background.cc
  void StartBackgroundThreads();
  void Schedule(std::function<void()> job);
  void BackgroundWorker();
  void MaybeScheduleFlush();
  void MaybeScheduleCompaction();
  void BackgroundFlush();
  void BackgroundCompaction();
  int MaxBackgroundCompactions() const;
  // Writes mem to a new level-0 table and records it in *edit. Called with
  // *lock held; releases it while writing.
  Status WriteLevel0Table(MemTable* mem, VersionEdit* edit, std::unique_lock<std::mutex>* lock);
  // Records edit in the MANIFEST and installs it (VersionSet::LogAndApply);
  // then queues the logs and MANIFEST it made obsolete. Called with *lock
  // held.
  Status ApplyEdit(VersionEdit* edit, std::unique_lock<std::mutex>* lock);
  // Runs c and installs its result (recorded in *edit). Called with *lock
  // held; c is listed in running_compactions_ meanwhile.
  Status RunCompaction(Compaction* c, std::unique_lock<std::mutex>* lock, VersionEdit* edit);

  const Options options_;
  const std::string dir_;
  FileSystem* const fs_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<BlockCache> block_cache_;
  FilterStats filter_stats_;
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<ObsoleteFiles> obsolete_;  // outlives versions_ (its TableReleaser)
  std::unique_ptr<VersionSet> versions_;

  std::mutex mu_;
  std::condition_variable bg_cv_;  // background work finished / state changed

  // The write path (under mu_; mem_ and log_ also read by the leader
  // without it, since only a leader replaces them).
  WriteQueue write_queue_;
  std::shared_ptr<MemTable> mem_;
  std::shared_ptr<MemTable> imm_;
  std::shared_ptr<const ReadView> view_;  // of mem_, imm_ and the current Version
  std::unique_ptr<LogWriter> log_;
  uint64_t log_number_ = 0;
  std::vector<uint64_t> old_logs_;  // switched out, needed until a flush installs
  std::multiset<SequenceNumber> snapshots_;

  // State of background work (under mu_ unless atomic).
  Status bg_error_;
  std::atomic<bool> shutting_down_{false};  // read by compactions without mu_
  Status shutdown_error_;                   // the first failure of background work Close waited for
  bool closed_ = false;                     // Close ran (its result is close_status_)
  Status close_status_;
  bool flush_scheduled_ = false;
  int compactions_scheduled_ = 0;
  CompactionPicker picker_;
  std::vector<const Compaction*> running_compactions_;

  // The background threads and their queue of jobs.
  std::deque<std::function<void()>> jobs_;
  std::condition_variable jobs_cv_;
  int jobs_running_ = 0;
  std::vector<std::thread> threads_;

  // The counters of DBStats (under mu_); GetStats adds what is computed.
  DBStats stats_;
};

}  // namespace lsm
