#include "tests/core/gated_fs.h"

#include <chrono>

namespace lsm {
namespace test {

// ------------------------------------------------------------------- Gate

void Gate::Arm(Match m) {
  std::lock_guard<std::mutex> l(mu_);
  match_ = std::move(m);
  armed_ = true;
  open_ = false;
  held_total_ = 0;
}

void Gate::Open() {
  std::lock_guard<std::mutex> l(mu_);
  armed_ = false;
  open_ = true;
  cv_.notify_all();
}

bool Gate::WaitForHeld(double seconds) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, std::chrono::duration<double>(seconds), [this] { return held_ > 0; });
}

int Gate::held_total() const {
  std::lock_guard<std::mutex> l(mu_);
  return held_total_;
}

void Gate::Pass(const std::string& op, const std::string& path) {
  std::unique_lock<std::mutex> l(mu_);
  if (!armed_ || !match_(op, path)) return;
  held_++;
  held_total_++;
  cv_.notify_all();
  cv_.wait(l, [this] { return open_; });
  held_--;
}

Gate::Match OpOn(std::string op, std::string suffix) {
  return [op = std::move(op), suffix = std::move(suffix)](const std::string& o,
                                                          const std::string& path) {
    return o == op && path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
}

Gate::Match OpOnGatedThread(std::string op, std::string suffix) {
  return [match = OpOn(std::move(op), std::move(suffix))](const std::string& o,
                                                          const std::string& path) {
    return t_gated_thread && match(o, path);
  };
}

// ---------------------------------------------------------------- GatedFS

class GatedFS::File : public WritableFile {
 public:
  File(std::unique_ptr<WritableFile> f, std::string path, Gate* gate)
      : f_(std::move(f)), path_(std::move(path)), gate_(gate) {}
  Status Append(std::string_view data) override {
    gate_->Pass("append", path_);
    return f_->Append(data);
  }
  Status Flush() override { return f_->Flush(); }
  Status Sync() override {
    gate_->Pass("sync", path_);
    return f_->Sync();
  }
  Status Close() override { return f_->Close(); }

 private:
  std::unique_ptr<WritableFile> f_;
  const std::string path_;
  Gate* const gate_;
};

class GatedFS::RFile : public RandomAccessFile {
 public:
  RFile(std::unique_ptr<RandomAccessFile> f, std::string path, Gate* gate)
      : f_(std::move(f)), path_(std::move(path)), gate_(gate) {}
  Status Read(uint64_t offset, size_t n, char* scratch, std::string_view* result) const override {
    gate_->Pass("read", path_);
    return f_->Read(offset, n, scratch, result);
  }

 private:
  std::unique_ptr<RandomAccessFile> f_;
  const std::string path_;
  Gate* const gate_;
};

Status GatedFS::NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  gate_->Pass("create", path);
  std::unique_ptr<WritableFile> f;
  Status s = base_->NewWritableFile(path, &f);
  if (s.ok()) *out = std::make_unique<File>(std::move(f), path, gate_);
  return s;
}

Status GatedFS::NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) {
  return base_->NewSequentialFile(path, out);
}

Status GatedFS::NewRandomAccessFile(const std::string& path,
                                    std::unique_ptr<RandomAccessFile>* out) {
  std::unique_ptr<RandomAccessFile> f;
  Status s = base_->NewRandomAccessFile(path, &f);
  if (s.ok()) *out = std::make_unique<RFile>(std::move(f), path, gate_);
  return s;
}

bool GatedFS::FileExists(const std::string& path) { return base_->FileExists(path); }
Status GatedFS::GetFileSize(const std::string& path, uint64_t* size) {
  return base_->GetFileSize(path, size);
}
Status GatedFS::GetChildren(const std::string& dir, std::vector<std::string>* names) {
  return base_->GetChildren(dir, names);
}
Status GatedFS::RemoveFile(const std::string& path) { return base_->RemoveFile(path); }
Status GatedFS::RenameFile(const std::string& from, const std::string& to) {
  return base_->RenameFile(from, to);
}
Status GatedFS::CreateDir(const std::string& dir) { return base_->CreateDir(dir); }
Status GatedFS::RemoveDir(const std::string& dir) { return base_->RemoveDir(dir); }
Status GatedFS::SyncDir(const std::string& dir) { return base_->SyncDir(dir); }
Status GatedFS::LockFile(const std::string& path, std::unique_ptr<FileLock>* out) {
  return base_->LockFile(path, out);
}

}  // namespace test
}  // namespace lsm
