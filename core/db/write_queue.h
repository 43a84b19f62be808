// WriteQueue: the writers waiting to write, and group commit.
//
// Every write joins the queue. The writer at the front leads: it takes the
// batches queued behind it (a group), appends them to the log as one
// record, inserts them into the memtable, and then completes every writer
// of the group with the group's status and wakes the next leader. The
// queue decides who leads, what a group holds, and how sync writers
// cooperate; the database does the writing (DB::WriteImpl).
//
// Sync groups. A group with sync writes costs one fdatasync however many
// writers it holds. Two refinements keep that sync busy:
// - sync cohorts: when several threads write synchronously in a loop they
//   fall into two cohorts that alternate (one syncs while the other
//   queues), halving what one sync could cover; a sync leader that served
//   N distinct threads lately waits briefly for N writers
//   (WaitForSyncCompany);
// - the helper insert: a second sync writer of the group, spinning while it
//   waits, may be handed the group's memtable insert (OfferInsert), which it
//   runs while the leader syncs.
//
// Locking: the queue is guarded by the mutex whose lock the calls take (the
// database's). Calls marked "leader only" may run without it: only the
// leader touches that state, and the next leader starts after it is done.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/base/dbformat.h"
#include "core/db/write_batch.h"
#include "core/memtable/memtable.h"
#include "core/util/signal.h"
#include "core/util/status.h"

namespace lsm {

class WriteQueue {
 public:
  struct Writer {
    Writer(const WriteBatch* b, bool s) : batch(b), sync(s) {}

    const WriteBatch* const batch;  // null: a request to switch memtables (a flush)
    const bool sync;
    const std::thread::id thread = std::this_thread::get_id();
    bool done = false;  // written before signal is set, read after
    Status status;
    Signal signal;  // set once: done, or now at the front and leading

    // The helper insert. The leader fills in the chore, then moves chore
    // from kNone to kOffered; the writer runs it and stores kDone. A writer
    // about to sleep moves kNone to kRefused first, so nothing is offered
    // to a thread that would have to be woken for it.
    enum Chore : int { kNone, kOffered, kDone, kRefused };
    std::atomic<int> chore{kNone};
    const WriteBatch* chore_batch = nullptr;
    MemTable* chore_mem = nullptr;
    SequenceNumber chore_first = 0;
    Status chore_status;

    // Runs an offered insert (the poll of Signal::Wait; about_to_sleep:
    // refuse from now on if nothing was offered).
    void RunChore(bool about_to_sleep);
  };

  // What a leader writes: one batch (its own, or the queue's scratch batch
  // holding the group's), through last, and the writer that may take the
  // memtable insert (or null).
  struct Group {
    const WriteBatch* batch = nullptr;
    Writer* last = nullptr;
    Writer* helper = nullptr;
  };

  // A group's memtable insert. Running out of memory midway comes back as
  // a status, never as an exception out of a queued writer (which would
  // leave the queue pointing at a dead Writer and every writer behind it
  // waiting forever). What was inserted stays invisible: the group's
  // sequence is never published.
  static Status InsertGroup(const WriteBatch* group, MemTable* mem, SequenceNumber first);

  // Queues w and waits. Returns true when a leader has completed w
  // (w->status is the result); false when w is at the front and leads
  // (*lock held again). *lock is released while waiting.
  bool Join(Writer* w, std::unique_lock<std::mutex>* lock);

  // REQUIRES: leader at the front, with a batch. For a sync leader, first
  // waits briefly for the sync company it expects (releasing *lock
  // meanwhile); then takes the group.
  Group FormGroup(Writer* leader, std::unique_lock<std::mutex>* lock);

  // Leader only. Hands the group's insert to helper; false if helper
  // refused (it is going to sleep), and then the leader inserts.
  static bool OfferInsert(Writer* helper, const WriteBatch* group, MemTable* mem,
                          SequenceNumber first);
  // Leader only. Waits for an insert OfferInsert handed over; its status.
  static Status AwaitInsert(Writer* helper);
  // Leader only: the number of distinct threads among this sync group's
  // and the last one's, how many sync writers the next leader may expect.
  size_t CountSyncThreads();

  // A sync took micros (the spin and company waits scale with it).
  void RecordSync(uint64_t micros) { last_sync_micros_ = micros; }
  // A sync group was written: expected (from CountSyncThreads) becomes the
  // company the next sync leader waits for. Returns the sync writes the
  // group covered.
  size_t SyncGroupWritten(size_t expected);

  // Completes the leader's group with status s (the leader itself is not
  // signalled) and returns the next leader, to Wake once *lock is released
  // (it cannot leave before it is woken, so waking after unlocking is safe
  // and spares it waking into a held mutex). Null if the queue is empty.
  Writer* Finish(Writer* leader, const Group& group, const Status& s);
  static void Wake(Writer* next) {
    if (next != nullptr) next->signal.Set();
  }

  size_t size() const { return writers_.size(); }

 private:
  // The most a queued sync writer spins before sleeping (see Join).
  static constexpr uint64_t kMaxSyncSpinMicros = 250;

  void WaitForSyncCompany(std::unique_lock<std::mutex>* lock);

  std::deque<Writer*> writers_;
  std::atomic<size_t> queued_writers_{0};  // writers_.size(), readable without the lock
  WriteBatch group_batch_;                 // a group of several writers' batches
  // The threads served by the last sync group and by this one; scratch for
  // CountSyncThreads (the last two are leader only).
  std::vector<std::thread::id> last_sync_group_;
  std::vector<std::thread::id> group_sync_threads_;
  std::vector<std::thread::id> sync_thread_scratch_;
  size_t expected_sync_writers_ = 1;
  uint64_t last_sync_micros_ = 0;
};

}  // namespace lsm
