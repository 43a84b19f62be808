#include "tests/core/fault_fs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

namespace lsm {
namespace test {

namespace {

// A step of the simulation itself failed on the real disk: what the test
// sees would no longer be what a power loss leaves, so the test fails.
void Simulated(const Status& s, const char* step) {
  if (!s.ok()) ADD_FAILURE() << "FaultFS: " << step << " failed: " << s.ToString();
}

constexpr char kAsideMark[] = ".faultfs-aside-";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const char* OpName(uint32_t op) {
  switch (op) {
    case FaultFS::kCreate:
      return "create";
    case FaultFS::kAppend:
      return "append";
    case FaultFS::kSync:
      return "sync";
    case FaultFS::kRename:
      return "rename";
    case FaultFS::kRemove:
      return "remove";
    case FaultFS::kSyncDir:
      return "syncdir";
    case FaultFS::kOpenRead:
      return "open";
    case FaultFS::kRead:
      return "read";
    case FaultFS::kLock:
      return "lock";
    case FaultFS::kClose:
      return "close";
    default:
      return "call";
  }
}

long long DiskSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

}  // namespace

// ------------------------------------------------------------------ files

class FaultFS::File : public WritableFile {
 public:
  File(FaultFS* fs, std::string path, std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    bool torn = false;
    double keep = 0;
    Status s = fs_->Check(kAppend, path_, &torn, &keep);
    if (!s.ok()) {
      if (torn && !data.empty()) {
        // A full disk takes part of the write: a prefix reaches the file.
        std::string_view part = data.substr(0, static_cast<size_t>(keep * data.size()));
        if (base_->Append(part).ok() && base_->Flush().ok()) fs_->NoteAppend(path_, part.size());
      }
      return s;
    }
    s = base_->Append(data);
    if (s.ok()) fs_->NoteAppend(path_, data.size());
    return s;
  }
  Status Flush() override {
    Status s = fs_->Check(kAppend, path_);
    return s.ok() ? base_->Flush() : s;
  }
  Status Sync() override {
    Status s = fs_->Check(kSync, path_);
    if (!s.ok()) return s;
    s = base_->Sync();
    if (s.ok()) fs_->NoteSync(path_);
    return s;
  }
  // The file is closed either way; an injected fault is what close(2)
  // reports when writeback failed (NFS, a failing disk).
  Status Close() override {
    Status c = base_->Close();
    Status s = fs_->Check(kClose, path_);
    return s.ok() ? c : s;
  }

 private:
  FaultFS* const fs_;
  const std::string path_;
  std::unique_ptr<WritableFile> base_;
};

class FaultFS::ReadFile : public RandomAccessFile {
 public:
  ReadFile(FaultFS* fs, std::string path, std::unique_ptr<RandomAccessFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
  Status Read(uint64_t offset, size_t n, char* scratch, std::string_view* result) const override {
    Status s = fs_->Check(kRead, path_);
    return s.ok() ? base_->Read(offset, n, scratch, result) : s;
  }

 private:
  FaultFS* const fs_;
  const std::string path_;
  std::unique_ptr<RandomAccessFile> base_;
};

class FaultFS::SeqFile : public SequentialFile {
 public:
  SeqFile(FaultFS* fs, std::string path, std::unique_ptr<SequentialFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
  Status Read(size_t n, char* scratch, std::string_view* result) override {
    Status s = fs_->Check(kRead, path_);
    return s.ok() ? base_->Read(n, scratch, result) : s;
  }

 private:
  FaultFS* const fs_;
  const std::string path_;
  std::unique_ptr<SequentialFile> base_;
};

// ------------------------------------------------------------ bookkeeping

FaultFS::~FaultFS() {
  // Never rewound: the disk keeps everything, so removals stand.
  for (const DirOp& op : dir_ops_) {
    // A copy kept aside that cannot be removed stays in the test's
    // directory, which the test removes.
    if (!op.aside.empty()) base_->RemoveFile(op.aside).Ignore();
  }
}

std::string FaultFS::DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string FaultFS::AsideName() { return std::to_string(++aside_counter_); }

Status FaultFS::Check(Op op, const std::string& path, bool* torn, double* keep) {
  std::lock_guard<std::mutex> l(mu_);
  return CheckLocked(op, path, torn, keep);
}

Status FaultFS::CheckLocked(Op op, const std::string& path, bool* torn, double* keep) {
  if (off_) return Status::IOError(path + ": the power is off");
  if (op & kMutating) {
    mutating_++;
    if (off_at_ != 0 && mutating_ >= off_at_) {
      off_ = true;
      cv_.notify_all();
      return Status::IOError(path + ": the power went off");
    }
  }
  if (!has_fault_ || !(fault_.ops & op) || !EndsWith(path, fault_.suffix) || fault_.limit == 0) {
    return Status::OK();
  }
  if (fault_seen_ < fault_.countdown) {
    fault_seen_++;
    return Status::OK();
  }
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  if (fault_.probability < 1.0 && uniform(rng_) >= fault_.probability) return Status::OK();
  if (fault_.limit > 0) fault_.limit--;
  injected_++;
  if (torn != nullptr && fault_.torn && op == kAppend) {
    *torn = true;
    *keep = uniform(rng_);
  }
  return Status::IOError(
      path + ": injected " + OpName(op) +
      (fault_.enospc ? " ENOSPC: No space left on device" : " EIO: Input/output error"));
}

void FaultFS::NoteAppend(const std::string& path, uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) it->second.size += n;
}

void FaultFS::NoteSync(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) it->second.synced = it->second.size;
}

void FaultFS::SetFault(const Fault& f) {
  std::lock_guard<std::mutex> l(mu_);
  fault_ = f;
  fault_seen_ = 0;
  has_fault_ = true;
}

void FaultFS::ClearFault() {
  std::lock_guard<std::mutex> l(mu_);
  has_fault_ = false;
}

uint64_t FaultFS::injected() const {
  std::lock_guard<std::mutex> l(mu_);
  return injected_;
}

void FaultFS::FailWritesTo(const std::string& suffix, bool syncs_only) {
  if (suffix.empty()) return ClearFault();
  Fault f;
  f.ops = syncs_only ? kSync : (kAppend | kSync);
  f.suffix = suffix;
  SetFault(f);
}

void FaultFS::PowerOff() {
  std::lock_guard<std::mutex> l(mu_);
  off_ = true;
  cv_.notify_all();
}

void FaultFS::PowerOffAfter(uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  off_at_ = mutating_ + std::max<uint64_t>(n, 1);
}

bool FaultFS::off() const {
  std::lock_guard<std::mutex> l(mu_);
  return off_;
}

uint64_t FaultFS::mutating_calls() const {
  std::lock_guard<std::mutex> l(mu_);
  return mutating_;
}

void FaultFS::ApplyPowerLoss(bool keep_some_unsynced) {
  std::lock_guard<std::mutex> l(mu_);
  // Undo the directory changes no SyncDir made durable, newest first.
  for (auto op = dir_ops_.rbegin(); op != dir_ops_.rend(); ++op) {
    if (op->kind == DirOp::kRemoved) {
      if (!op->had_state || op->state.entry_durable) {
        Simulated(base_->RenameFile(op->aside, op->path), "restoring a removed file");
        if (op->had_state) files_[op->path] = op->state;
      } else {
        // Its creation was never durable either.
        Simulated(base_->RemoveFile(op->aside), "dropping a removed file");
      }
      continue;
    }
    // A rename: the target's entry goes back to the source's name, or
    // vanishes if the source's own entry was never durable.
    auto it = files_.find(op->path);
    const bool tracked = it != files_.end();
    FileState st = tracked ? it->second : FileState();
    if (tracked) files_.erase(it);
    if (!op->had_state || op->state.entry_durable) {
      Simulated(base_->RenameFile(op->path, op->from), "undoing a rename");
      if (tracked) files_[op->from] = st;
    } else {
      Simulated(base_->RemoveFile(op->path), "dropping a renamed file");
    }
    if (!op->aside.empty()) {
      Simulated(base_->RenameFile(op->aside, op->path), "restoring a replaced file");
      if (op->aside_had_state) files_[op->path] = op->aside_state;
    }
  }
  dir_ops_.clear();
  for (const auto& [path, st] : files_) {
    if (!st.entry_durable) {
      ::unlink(path.c_str());
      continue;
    }
    const long long on_disk = DiskSize(path);
    if (on_disk < 0) continue;
    uint64_t keep = st.synced;
    if (keep_some_unsynced && st.size > st.synced) {
      keep += std::uniform_int_distribution<uint64_t>(0, st.size - st.synced)(rng_);
    }
    if (static_cast<long long>(keep) < on_disk) ::truncate(path.c_str(), static_cast<off_t>(keep));
  }
  files_.clear();
  off_ = false;
  off_at_ = 0;
  has_fault_ = false;
  hold_tables_ = false;
  cv_.notify_all();
}

void FaultFS::HoldTables() {
  std::lock_guard<std::mutex> l(mu_);
  hold_tables_ = true;
}

void FaultFS::BlockNextRemove() {
  std::lock_guard<std::mutex> l(mu_);
  block_remove_ = true;
  remove_entered_ = false;
  remove_released_ = false;
}

bool FaultFS::WaitRemoveEntered(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] { return remove_entered_; });
}

void FaultFS::ReleaseRemove() {
  std::lock_guard<std::mutex> l(mu_);
  remove_released_ = true;
  cv_.notify_all();
}

// ------------------------------------------------------------- FileSystem

Status FaultFS::NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  {
    std::unique_lock<std::mutex> l(mu_);
    if (EndsWith(path, ".sst")) cv_.wait(l, [this] { return !hold_tables_ || off_; });
    Status s = CheckLocked(kCreate, path, nullptr, nullptr);
    if (!s.ok()) return s;
  }
  const bool existed = base_->FileExists(path);
  std::unique_ptr<WritableFile> f;
  Status s = base_->NewWritableFile(path, &f);
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto [it, created] = files_.try_emplace(path);
    // An entry that existed before we saw it is durable; one we created is
    // durable only after its directory is synced.
    if (created) it->second.entry_durable = existed;
    it->second.size = 0;  // opened truncated
    it->second.synced = 0;
  }
  out->reset(new File(this, path, std::move(f)));
  return Status::OK();
}

Status FaultFS::NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) {
  Status s = Check(kOpenRead, path);
  if (!s.ok()) return s;
  std::unique_ptr<SequentialFile> f;
  s = base_->NewSequentialFile(path, &f);
  if (s.ok()) out->reset(new SeqFile(this, path, std::move(f)));
  return s;
}

Status FaultFS::NewRandomAccessFile(const std::string& path,
                                    std::unique_ptr<RandomAccessFile>* out) {
  Status s = Check(kOpenRead, path);
  if (!s.ok()) return s;
  std::unique_ptr<RandomAccessFile> f;
  s = base_->NewRandomAccessFile(path, &f);
  if (s.ok()) out->reset(new ReadFile(this, path, std::move(f)));
  return s;
}

bool FaultFS::FileExists(const std::string& path) { return base_->FileExists(path); }

Status FaultFS::GetFileSize(const std::string& path, uint64_t* size) {
  return base_->GetFileSize(path, size);
}

Status FaultFS::GetChildren(const std::string& dir, std::vector<std::string>* names) {
  Status s = base_->GetChildren(dir, names);
  // Files kept aside for a possible power loss are not there for the user.
  names->erase(
      std::remove_if(names->begin(), names->end(),
                     [](const std::string& n) { return n.find(kAsideMark) != std::string::npos; }),
      names->end());
  return s;
}

Status FaultFS::RemoveFile(const std::string& path) {
  std::unique_lock<std::mutex> l(mu_);
  if (block_remove_) {
    block_remove_ = false;
    remove_entered_ = true;
    cv_.notify_all();
    cv_.wait_for(l, std::chrono::seconds(30), [this] { return remove_released_; });
  }
  Status s = CheckLocked(kRemove, path, nullptr, nullptr);
  if (!s.ok()) return s;
  if (!base_->FileExists(path)) return base_->RemoveFile(path);  // its own error
  DirOp op;
  op.kind = DirOp::kRemoved;
  op.path = path;
  op.aside = path + kAsideMark + AsideName();
  s = base_->RenameFile(path, op.aside);
  if (!s.ok()) return s;
  auto it = files_.find(path);
  if (it != files_.end()) {
    op.had_state = true;
    op.state = it->second;
    files_.erase(it);
  }
  dir_ops_.push_back(std::move(op));
  return Status::OK();
}

Status FaultFS::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> l(mu_);
  Status s = CheckLocked(kRename, from, nullptr, nullptr);
  if (!s.ok()) return s;
  if (!base_->FileExists(from)) return base_->RenameFile(from, to);  // its own error
  DirOp op;
  op.kind = DirOp::kRenamed;
  op.path = to;
  op.from = from;
  if (base_->FileExists(to)) {
    op.aside = to + kAsideMark + AsideName();
    s = base_->RenameFile(to, op.aside);
    if (!s.ok()) return s;
    auto old = files_.find(to);
    if (old != files_.end()) {
      op.aside_had_state = true;
      op.aside_state = old->second;
      files_.erase(old);
    }
  }
  s = base_->RenameFile(from, to);
  if (!s.ok()) {
    if (!op.aside.empty()) Simulated(base_->RenameFile(op.aside, to), "restoring a rename's target");
    return s;
  }
  auto it = files_.find(from);
  if (it != files_.end()) {
    op.had_state = true;
    op.state = it->second;
    files_[to] = it->second;
    files_.erase(from);
  }
  dir_ops_.push_back(std::move(op));
  return Status::OK();
}

Status FaultFS::CreateDir(const std::string& dir) {
  Status s = Check(kCreate, dir);
  return s.ok() ? base_->CreateDir(dir) : s;
}

Status FaultFS::RemoveDir(const std::string& dir) {
  Status s = Check(kRemove, dir);
  return s.ok() ? base_->RemoveDir(dir) : s;
}

Status FaultFS::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  Status s = CheckLocked(kSyncDir, dir, nullptr, nullptr);
  if (!s.ok()) return s;
  s = base_->SyncDir(dir);
  if (!s.ok()) return s;
  for (auto& [path, st] : files_) {
    if (DirOf(path) == dir) st.entry_durable = true;
  }
  std::vector<DirOp> rest;
  for (DirOp& op : dir_ops_) {
    if (DirOf(op.path) != dir) {
      rest.push_back(std::move(op));
    } else if (!op.aside.empty()) {
      // Durable now: the removed file's copy is no longer needed. One that
      // cannot go stays in the test's directory, which the test removes.
      base_->RemoveFile(op.aside).Ignore();
    }
  }
  dir_ops_ = std::move(rest);
  return Status::OK();
}

Status FaultFS::LockFile(const std::string& path, std::unique_ptr<FileLock>* out) {
  Status s = Check(kLock, path);
  return s.ok() ? base_->LockFile(path, out) : s;
}

}  // namespace test
}  // namespace lsm
