// Background work: a small pool of threads running flushes (a frozen
// memtable to a level-0 table) and compactions (compaction.h picks them,
// compaction_job.h runs them), and installing what they made in the
// MANIFEST. Flushes take precedence: with several threads, one stays free
// for them. Every job ends by scheduling what its result calls for, and a
// worker removes the files a job made obsolete before it counts the job
// done (so WaitForCompactions also waits for the removal).
#include <algorithm>

#include "core/db/builder.h"
#include "core/db/compaction_job.h"
#include "core/db/db.h"
#include "core/db/filename.h"

namespace lsm {

void DB::StartBackgroundThreads() {
  for (int i = 0; i < std::max(1, options_.background_threads); i++) {
    threads_.emplace_back([this] { BackgroundWorker(); });
  }
  std::lock_guard<std::mutex> l(mu_);
  MaybeScheduleCompaction();
}

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
    if (obsolete_->pending()) obsolete_->Purge();
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

Status DB::WriteLevel0Table(MemTable* mem, VersionEdit* edit, std::unique_lock<std::mutex>* lock) {
  FileMetaData meta;
  meta.number = versions_->NewFileNumber();
  auto iter = mem->NewIterator();
  lock->unlock();
  Status s = BuildTable(fs_, dir_, options_, iter.get(), meta.number, &meta);
  lock->lock();
  if (s.ok() && meta.file_size > 0) {
    edit->AddFile(0, meta);
    stats_.flushes++;
    stats_.levels[0].written_bytes += meta.file_size;
  }
  return s;
}

Status DB::ApplyEdit(VersionEdit* edit, std::unique_lock<std::mutex>* lock) {
  const uint64_t old_manifest = versions_->manifest_number();
  Status s = versions_->LogAndApply(edit, lock);
  if (!s.ok()) return s;
  InstallReadView();
  if (old_manifest != 0 && versions_->manifest_number() != old_manifest) {
    obsolete_->Add(ManifestFileName(dir_, old_manifest));
  }
  // Logs below the MANIFEST's log number are in tables now.
  auto keep = std::partition(old_logs_.begin(), old_logs_.end(),
                             [this](uint64_t n) { return n >= versions_->log_number(); });
  for (auto it = keep; it != old_logs_.end(); ++it) obsolete_->Add(LogFileName(dir_, *it));
  old_logs_.erase(keep, old_logs_.end());
  return s;
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
      s = ApplyEdit(&edit, &l);
    }
    if (s.ok()) {
      stats_.level0_max_files = std::max(stats_.level0_max_files, versions_->current()->NumFiles(0));
      imm_.reset();
      InstallReadView();
    } else {
      if (bg_error_.ok()) bg_error_ = s;
      if (shutting_down_ && shutdown_error_.ok()) shutdown_error_ = s;
    }
  }
  flush_scheduled_ = false;
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

Status DB::RunCompaction(Compaction* c, std::unique_lock<std::mutex>* lock, VersionEdit* edit) {
  running_compactions_.push_back(c);
  Status s;
  if (c->IsTrivialMove()) {
    // The table object moves with it (version_set.h): nothing is released.
    const FileMetaData& f = *c->inputs[0][0];
    edit->DeleteFile(c->level, f.number);
    edit->AddFile(c->output_level(), f);
    s = ApplyEdit(edit, lock);
    if (s.ok()) stats_.levels[c->output_level()].moved_bytes += f.file_size;
  } else {
    // Snapshots, oldest first: versions a snapshot can see must survive.
    std::vector<SequenceNumber> snapshots(snapshots_.begin(), snapshots_.end());
    snapshots.erase(std::unique(snapshots.begin(), snapshots.end()), snapshots.end());
    std::vector<Version::FileList> deeper;
    {
      auto v = versions_->current();
      for (int level = c->output_level() + 1; level < kNumLevels; level++) {
        deeper.push_back(v->Overlapping(level, &c->smallest, &c->largest));
      }
    }
    CompactionJobContext ctx;
    ctx.options = &options_;
    ctx.fs = fs_;
    ctx.dir = dir_;
    ctx.table_cache = table_cache_.get();
    ctx.shutting_down = &shutting_down_;
    ctx.new_file_number = [this] {
      std::lock_guard<std::mutex> l(mu_);
      return versions_->NewFileNumber();
    };
    CompactionJob job(ctx, *c, std::move(snapshots), std::move(deeper));
    std::vector<FileMetaData> outputs;
    lock->unlock();
    s = job.Run(&outputs);
    lock->lock();
    uint64_t written = 0;
    if (s.ok()) {
      for (int i = 0; i < 2; i++) {
        for (const auto& f : c->inputs[i]) edit->DeleteFile(c->input_level(i), f->number);
      }
      for (const FileMetaData& m : outputs) {
        edit->AddFile(c->output_level(), m);
        written += m.file_size;
      }
      // If this fails, the outputs stay on disk until the next open: the
      // edit may have reached the MANIFEST (obsolete_files.h).
      s = ApplyEdit(edit, lock);
    }
    if (s.ok()) {
      LevelStats& st = stats_.levels[c->output_level()];
      st.read_bytes += c->InputBytes();
      st.written_bytes += written;
      st.compactions++;
    }
  }
  running_compactions_.erase(
      std::find(running_compactions_.begin(), running_compactions_.end(), c));
  return s;
}

}  // namespace lsm
