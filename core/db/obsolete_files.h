// Obsolete files: what the database no longer needs, and when it goes.
//
// - A table is obsolete exactly when the last Version listing it dies (its
//   TableFile's reference count reaches zero: see version_set.h), whether
//   that Version was the current one or one a reader held.
// - A write-ahead log is obsolete once a flush has installed a MANIFEST
//   edit whose log number is above it (everything in it is in a table).
// - A MANIFEST is obsolete once a newer one is installed.
// They are queued here as they become obsolete, from any thread and under
// any lock, and removed by Purge, which the database calls where it holds
// no mutex: readers and writers never wait for the file system.
//
// The directory itself is listed only at open (SweepDirectory): files a
// crash or a failed install left behind go then.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/db/table_cache.h"
#include "core/db/version_set.h"
#include "core/env/file_system.h"

namespace lsm {

class ObsoleteFiles final : public TableReleaser {
 public:
  ObsoleteFiles(std::string dir, FileSystem* fs, TableCache* table_cache)
      : dir_(std::move(dir)), fs_(fs), table_cache_(table_cache) {}

  void TableReleased(uint64_t number) override;
  // A log or MANIFEST (by full path) that is no longer needed.
  void Add(std::string path);
  // Whether Purge has anything to do (cheap; read without a lock).
  bool pending() const { return pending_.load(std::memory_order_acquire); }
  // Removes everything queued. Runs without the database mutex; several
  // threads may purge at once.
  void Purge();
  // From now on, releases are ignored: closing drops the last references to
  // every live table, which must stay.
  void Stop();

  // At open, with nothing running: removes every file of the database that
  // the recovered state does not use (tables no Version lists, logs below
  // log_number but `keep_log`, MANIFESTs and temporary files but the
  // current MANIFEST's). Files liblsm did not write, or whose number it
  // never handed out (at or above next_file_number), are left alone.
  void SweepDirectory(const VersionSet& versions, uint64_t keep_log);

 private:
  const std::string dir_;
  FileSystem* const fs_;
  TableCache* const table_cache_;
  std::mutex mu_;  // guards the two queues
  std::vector<uint64_t> tables_;
  std::vector<std::string> paths_;
  std::atomic<bool> pending_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace lsm
