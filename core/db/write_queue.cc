#include "core/db/write_queue.h"

#include <algorithm>
#include <chrono>
#include <new>

namespace lsm {

Status WriteQueue::InsertGroup(const WriteBatch* group, MemTable* mem, SequenceNumber first) {
  try {
    return group->InsertInto(mem, first);
  } catch (const std::bad_alloc&) {
    return Status::NoMemory("out of memory inserting a write group into the memtable");
  }
}

void WriteQueue::Writer::RunChore(bool about_to_sleep) {
  int state = chore.load(std::memory_order_acquire);
  if (state == kNone && about_to_sleep &&
      chore.compare_exchange_strong(state, kRefused, std::memory_order_acq_rel)) {
    return;
  }
  if (state != kOffered) return;
  chore_status = InsertGroup(chore_batch, chore_mem, chore_first);
  chore.store(kDone, std::memory_order_release);
}

bool WriteQueue::Join(Writer* w, std::unique_lock<std::mutex>* lock) {
  writers_.push_back(w);
  queued_writers_.store(writers_.size(), std::memory_order_release);
  if (w == writers_.front()) return false;
  // Wait without the lock: a leader finishing a group signals each writer
  // it served, and the writer that is then at the front. A sync writer
  // expects to wait about one fdatasync: it spins through up to two syncs'
  // time (bounded, for slow disks) so that it is running, not asleep, when
  // its group is done (see Signal::Wait), and can take the insert.
  const auto spin = std::chrono::microseconds(
      w->sync ? std::min<uint64_t>(kMaxSyncSpinMicros, 2 * last_sync_micros_) : 0);
  lock->unlock();
  if (w->sync) {
    w->signal.Wait(spin, [w](bool about_to_sleep) { w->RunChore(about_to_sleep); });
  } else {
    w->signal.Wait(spin);
  }
  if (w->done) return true;
  lock->lock();
  return false;
}

WriteQueue::Group WriteQueue::FormGroup(Writer* leader, std::unique_lock<std::mutex>* lock) {
  if (leader->sync) WaitForSyncCompany(lock);
  Group g;
  g.batch = leader->batch;
  g.last = leader;
  size_t size = leader->batch->ApproximateSize();
  // Small writes must not wait behind a large group.
  const size_t max_size = size <= (128 << 10) ? size + (128 << 10) : (1 << 20);
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->sync && !leader->sync) break;  // a sync write needs a syncing leader
    if (w->batch == nullptr) break;       // a flush request goes alone
    size += w->batch->ApproximateSize();
    if (size > max_size) break;
    if (g.batch == leader->batch) {
      group_batch_.Clear();
      group_batch_.Append(*leader->batch);
      g.batch = &group_batch_;
    }
    group_batch_.Append(*w->batch);
    g.last = w;
  }
  if (leader->sync) {
    // The threads this sync group serves: only the sync writers, since
    // non-sync writes a sync leader took along are neither sync writes nor
    // company worth waiting for.
    group_sync_threads_.clear();
    for (Writer* x : writers_) {
      if (x->sync) group_sync_threads_.push_back(x->thread);
      if (x == g.last) break;
    }
    // A second sync writer in the group is likely spinning (see Join).
    if (g.last != leader && writers_[1]->sync) g.helper = writers_[1];
  }
  return g;
}

bool WriteQueue::OfferInsert(Writer* helper, const WriteBatch* group, MemTable* mem,
                             SequenceNumber first) {
  helper->chore_batch = group;
  helper->chore_mem = mem;
  helper->chore_first = first;
  int none = Writer::kNone;
  return helper->chore.compare_exchange_strong(none, Writer::kOffered, std::memory_order_acq_rel);
}

Status WriteQueue::AwaitInsert(Writer* helper) {
  // The helper cannot sleep before it is done: it took the insert on.
  while (helper->chore.load(std::memory_order_acquire) != Writer::kDone) std::this_thread::yield();
  return helper->chore_status;
}

size_t WriteQueue::CountSyncThreads() {
  sync_thread_scratch_.assign(group_sync_threads_.begin(), group_sync_threads_.end());
  sync_thread_scratch_.insert(sync_thread_scratch_.end(), last_sync_group_.begin(),
                              last_sync_group_.end());
  std::sort(sync_thread_scratch_.begin(), sync_thread_scratch_.end());
  return static_cast<size_t>(std::unique(sync_thread_scratch_.begin(), sync_thread_scratch_.end()) -
                             sync_thread_scratch_.begin());
}

size_t WriteQueue::SyncGroupWritten(size_t expected) {
  expected_sync_writers_ = expected;
  const size_t covered = group_sync_threads_.size();
  last_sync_group_.swap(group_sync_threads_);
  return covered;
}

// A sync leader that has recently served N distinct threads waits, for a
// small part of one sync's duration, until N writers are queued. A single
// writer never waits.
void WriteQueue::WaitForSyncCompany(std::unique_lock<std::mutex>* lock) {
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

WriteQueue::Writer* WriteQueue::Finish(Writer* leader, const Group& group, const Status& s) {
  if (group.batch == &group_batch_) group_batch_.Clear();
  Writer* const last = group.last != nullptr ? group.last : leader;
  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    queued_writers_.store(writers_.size(), std::memory_order_release);
    if (ready != leader) {
      ready->status = s;
      ready->done = true;
      ready->signal.Set();  // ready may be gone from here on
    }
    if (ready == last) break;
  }
  return writers_.empty() ? nullptr : writers_.front();
}

}  // namespace lsm
