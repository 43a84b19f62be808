// DB: the storage engine. One DB owns one database directory (a lock file
// keeps other openers out) and is safe to use from many threads at once.
//
// Write path: writers queue up; the writer at the front takes the batches
// queued behind it (group commit), appends them to the WAL as one record,
// applies them to the memtable, and publishes the new last sequence. A full
// memtable is frozen (imm) and a background thread writes it to a level-0
// table while writes continue into a fresh memtable and WAL.
//
// Read path: a read picks a sequence number (its snapshot's, or the latest)
// and takes references to the memtable, the frozen memtable and the current
// Version; it then reads with no lock held.
//
// Invariants (docs/format.md has the file-level ones):
// - Every acknowledged write is in a WAL numbered >= the MANIFEST's
//   log_number, or in a table the MANIFEST lists.
// - A table file is deleted only when no live Version lists it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/db/compaction.h"
#include "core/db/db_iter.h"
#include "core/db/dbformat.h"
#include "core/db/options.h"
#include "core/db/table_cache.h"
#include "core/db/version_set.h"
#include "core/db/write_batch.h"
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

  // "lsm.stats", "lsm.num-files-at-level<N>", "lsm.sequence",
  // "lsm.memtable-bytes", "lsm.block-cache-bytes". False if unknown.
  bool GetProperty(std::string_view name, std::string* value);

  // Checks a key/value/batch against the size limits (Invalid if over).
  static Status CheckKey(std::string_view key);
  static Status CheckValue(std::string_view value);

 private:
  struct Writer;
  struct CompactionStats {  // per output level
    uint64_t read_bytes = 0;
    uint64_t written_bytes = 0;
    uint64_t moved_bytes = 0;  // trivial moves: no rewrite
    uint64_t count = 0;
  };

  DB(const Options& options, std::string dir);

  Status Recover();
  void NoteIgnoredFile(const std::string& name, const char* why);
  // *last_replayed: the last sequence of the batches replayed so far, from
  // every log of this recovery (a batch must start above it).
  Status ReplayLog(uint64_t number, std::shared_ptr<MemTable>* mem, VersionEdit* edit,
                   SequenceNumber* max_sequence, std::optional<SequenceNumber>* last_replayed);
  Status WriteLevel0Table(MemTable* mem, VersionEdit* edit, std::unique_lock<std::mutex>* lock);
  Status BuildTable(Iterator* input, uint64_t number, FileMetaData* meta);

  Status WriteImpl(const WriteOptions& wo, const WriteBatch* batch, bool force_flush);
  Status MakeRoomForWrite(bool force, std::unique_lock<std::mutex>* lock);
  const WriteBatch* BuildBatchGroup(Writer** last_writer);
  void WaitForSyncCompany(std::unique_lock<std::mutex>* lock);
  size_t CountSyncThreads();

  void Schedule(std::function<void()> job);
  void BackgroundWorker();
  void MaybeScheduleFlush();
  void MaybeScheduleCompaction();
  void BackgroundFlush();
  void BackgroundCompaction();
  int MaxBackgroundCompactions() const;

  // Runs c and installs its result (recorded in *edit). Called with *lock
  // held; c is listed in running_compactions_ meanwhile.
  Status RunCompaction(Compaction* c, std::unique_lock<std::mutex>* lock, VersionEdit* edit);
  Status DoCompactionWork(const Compaction& c, const std::vector<SequenceNumber>& snapshots,
                          VersionEdit* edit, std::unique_lock<std::mutex>* lock);

  void DeleteObsoleteFiles(std::unique_lock<std::mutex>* lock);
  // Drops a reader's reference to a Version; if it was the last one and
  // tables it listed are obsolete, deletes them.
  void ReleaseVersion(std::shared_ptr<const Version> v);
  // A memtable whose arena blocks and key filter suit write_buffer_size.
  std::shared_ptr<MemTable> NewMemTable() const {
    return std::make_shared<MemTable>(Arena::BlockSizeFor(options_.write_buffer_size),
                                      MemTable::FilterBytesFor(options_.write_buffer_size));
  }
  std::string StatsString();

  const Options options_;
  const std::string dir_;
  FileSystem* const fs_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<BlockCache> block_cache_;
  FilterStats filter_stats_;
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<VersionSet> versions_;

  std::mutex mu_;
  std::condition_variable bg_cv_;  // background work finished / state changed
  std::shared_ptr<MemTable> mem_;
  std::shared_ptr<MemTable> imm_;
  std::unique_ptr<LogWriter> log_;
  uint64_t log_number_ = 0;
  std::deque<Writer*> writers_;
  // Group commit of sync writes: the threads served by the last sync group,
  // how many distinct threads the last two served, and the last sync's
  // duration. The two vectors below last_sync_group_ are the current
  // leader's scratch, touched only by the leader (the next one starts
  // after this one is done), under mu_ or not.
  std::vector<std::thread::id> last_sync_group_;
  std::vector<std::thread::id> group_sync_threads_;
  std::vector<std::thread::id> sync_thread_scratch_;
  size_t expected_sync_writers_ = 1;
  std::atomic<size_t> queued_writers_{0};  // writers_.size(), readable without mu_
  uint64_t last_sync_micros_ = 0;
  uint64_t wal_syncs_ = 0;        // fdatasyncs of the WAL for sync writes
  uint64_t synced_writes_ = 0;    // sync writes they covered
  uint64_t wal_sync_micros_ = 0;  // time those fdatasyncs took
  uint64_t helped_syncs_ = 0;     // of those, groups whose insert a waiting writer ran
  WriteBatch group_batch_;
  std::multiset<SequenceNumber> snapshots_;
  std::set<uint64_t> pending_outputs_;  // table numbers being written
  Status bg_error_;
  std::atomic<bool> shutting_down_{false};  // read by compactions without mu_
  Status shutdown_error_;                   // the first failure of background work Close waited for
  bool closed_ = false;                     // Close ran (its result is close_status_)
  Status close_status_;
  bool flush_scheduled_ = false;
  int compactions_scheduled_ = 0;
  CompactionPicker picker_;
  std::vector<const Compaction*> running_compactions_;
  // Some table no longer current is kept only for a reader (an iterator or a
  // Get in flight); whoever lets go last deletes it. Read without mu_.
  std::atomic<bool> obsolete_files_pending_{false};

  std::deque<std::function<void()>> jobs_;
  std::condition_variable jobs_cv_;
  int jobs_running_ = 0;
  std::vector<std::thread> threads_;

  // Statistics (under mu_ unless atomic).
  CompactionStats comp_stats_[kNumLevels];
  uint64_t flush_count_ = 0;
  uint64_t flush_bytes_ = 0;
  uint64_t user_bytes_written_ = 0;
  uint64_t wal_bytes_written_ = 0;
  uint64_t wal_bytes_mapped_ = 0;  // of those, stored through a mapping
  uint64_t stall_micros_ = 0;
  int max_level0_files_ = 0;  // most level-0 files seen after a flush
  uint64_t slowdowns_ = 0;  // writes delayed by the level-0 slowdown trigger
  uint64_t stops_ = 0;      // waits at the level-0 stop trigger
  uint64_t wal_dropped_records_ = 0;
  uint64_t wal_dropped_bytes_ = 0;
  uint64_t wal_torn_tail_bytes_ = 0;
  // Files found at open that look like the database's but are not (a name
  // liblsm does not write, a number it never handed out); left alone.
  uint64_t ignored_files_ = 0;
  std::string first_ignored_file_;
};

}  // namespace lsm
