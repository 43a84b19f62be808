#include "core/db/obsolete_files.h"

#include <set>

#include "core/db/filename.h"

namespace lsm {

void ObsoleteFiles::TableReleased(uint64_t number) {
  if (stopped_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> l(mu_);
  tables_.push_back(number);
  pending_.store(true, std::memory_order_release);
}

void ObsoleteFiles::Add(std::string path) {
  std::lock_guard<std::mutex> l(mu_);
  paths_.push_back(std::move(path));
  pending_.store(true, std::memory_order_release);
}

void ObsoleteFiles::Purge() {
  std::vector<uint64_t> tables;
  std::vector<std::string> paths;
  {
    std::lock_guard<std::mutex> l(mu_);
    tables.swap(tables_);
    paths.swap(paths_);
    pending_.store(false, std::memory_order_release);
  }
  for (uint64_t number : tables) {
    table_cache_->Evict(number);
    fs_->RemoveFile(TableFileName(dir_, number));
  }
  for (const std::string& path : paths) fs_->RemoveFile(path);
}

void ObsoleteFiles::Stop() { stopped_.store(true, std::memory_order_release); }

void ObsoleteFiles::SweepDirectory(const VersionSet& versions, uint64_t keep_log) {
  std::vector<std::string> names;
  if (!fs_->GetChildren(dir_, &names).ok()) return;  // they go at a later open
  std::set<uint64_t> live;
  auto current = versions.current();
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : current->files(level)) live.insert(f->number);
  }
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    // Never handed out, so not ours (see DB::Recover): left alone.
    if (number >= versions.next_file_number()) continue;
    bool keep = true;
    switch (type) {
      case FileType::kLog:
        keep = number >= versions.log_number() || number == keep_log;
        break;
      case FileType::kManifest:
        keep = number >= versions.manifest_number();
        break;
      case FileType::kTemp:
        keep = number > versions.manifest_number();
        break;
      case FileType::kTable:
        keep = live.count(number) > 0;
        break;
      case FileType::kCurrent:
      case FileType::kLock:
        break;
    }
    if (!keep) fs_->RemoveFile(dir_ + "/" + name);
  }
}

}  // namespace lsm
