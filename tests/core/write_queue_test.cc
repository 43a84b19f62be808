// WriteQueue (core/db/write_queue.h) on its own, without a database: who
// leads, what a group holds, how the group's writers are completed and the
// next leader found, and the helper-insert hand-off. Threads stand in for
// writers; the test thread decides when they have queued by watching the
// queue's size (under the queue's mutex), never by sleeping.
#include "core/db/write_queue.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace lsm {
namespace {

WriteBatch OnePut(const std::string& key, size_t value_size = 1) {
  WriteBatch b;
  b.Put(key, std::string(value_size, 'v'));
  return b;
}

class WriteQueueTest : public ::testing::Test {
 protected:
  // A writer thread: joins; if it comes to lead, writes its own group (as
  // DB::WriteImpl would, minus the log and memtable) and records that.
  struct Queued {
    WriteBatch batch;
    bool sync = false;
    Status result;
    std::atomic<bool> led{false};
    std::atomic<int> group_size{0};  // writes in the group it led
    std::thread thread;
  };

  void Start(Queued* q) {
    const size_t before = Size();
    q->thread = std::thread([this, q] {
      WriteQueue::Writer w(&q->batch, q->sync);
      std::unique_lock<std::mutex> l(mu_);
      if (queue_.Join(&w, &l)) {
        q->result = w.status;
        return;
      }
      q->led = true;
      WriteQueue::Group g = queue_.FormGroup(&w, &l);
      q->group_size = static_cast<int>(g.batch->Count());
      WriteQueue::Writer* next = queue_.Finish(&w, g, Status::OK());
      l.unlock();
      WriteQueue::Wake(next);
      q->result = Status::OK();
    });
    // Wait until it has queued (or led and left again, if it was alone).
    while (Size() == before && !q->led.load()) std::this_thread::yield();
  }

  size_t Size() {
    std::lock_guard<std::mutex> l(mu_);
    return queue_.size();
  }

  std::mutex mu_;
  WriteQueue queue_;
};

TEST_F(WriteQueueTest, LoneWriterLeadsAtOnce) {
  WriteBatch b = OnePut("k");
  WriteQueue::Writer w(&b, false);
  std::unique_lock<std::mutex> l(mu_);
  ASSERT_FALSE(queue_.Join(&w, &l)) << "a writer alone must lead";
  ASSERT_TRUE(l.owns_lock());
  WriteQueue::Group g = queue_.FormGroup(&w, &l);
  EXPECT_EQ(&b, g.batch) << "a group of one writes the caller's batch as it is";
  EXPECT_EQ(&w, g.last);
  EXPECT_EQ(nullptr, g.helper);
  EXPECT_EQ(nullptr, queue_.Finish(&w, g, Status::OK()));
  EXPECT_EQ(0u, queue_.size());
}

// Writers queued behind a leader are written in its group and completed
// with the group's status; none of them leads.
TEST_F(WriteQueueTest, LeaderTakesTheBatchesQueuedBehindIt) {
  WriteBatch mine = OnePut("leader");
  WriteQueue::Writer leader(&mine, false);
  std::unique_lock<std::mutex> l(mu_);
  ASSERT_FALSE(queue_.Join(&leader, &l));
  l.unlock();
  std::vector<std::unique_ptr<Queued>> others;
  for (int i = 0; i < 3; i++) {
    others.push_back(std::make_unique<Queued>());
    others.back()->batch = OnePut("k" + std::to_string(i));
    Start(others.back().get());
  }
  l.lock();
  ASSERT_EQ(4u, queue_.size());
  WriteQueue::Group g = queue_.FormGroup(&leader, &l);
  EXPECT_EQ(4u, g.batch->Count());
  EXPECT_NE(&mine, g.batch) << "the caller's batch must not be modified";
  EXPECT_EQ(1u, mine.Count());
  WriteQueue::Writer* next = queue_.Finish(&leader, g, Status::IOError("disk on fire"));
  l.unlock();
  EXPECT_EQ(nullptr, next);
  for (auto& q : others) {
    q->thread.join();
    EXPECT_FALSE(q->led.load());
    EXPECT_TRUE(q->result.IsIOError()) << q->result.ToString();
  }
}

// A sync write needs a syncing leader, and a flush request (no batch) goes
// alone: both end a non-sync leader's group, and the first of them leads
// next.
TEST_F(WriteQueueTest, GroupStopsAtSyncWriterAndFlushRequest) {
  for (bool flush : {false, true}) {
    SCOPED_TRACE(flush ? "flush request" : "sync writer");
    WriteBatch mine = OnePut("leader");
    WriteQueue::Writer leader(&mine, false);
    std::unique_lock<std::mutex> l(mu_);
    ASSERT_FALSE(queue_.Join(&leader, &l));
    l.unlock();
    Queued plain1, stopper, plain2;
    plain1.batch = OnePut("a");
    stopper.batch = OnePut("b");
    stopper.sync = !flush;
    plain2.batch = OnePut("c");
    Start(&plain1);
    if (flush) {
      // A flush request carries no batch: queue it by hand.
      WriteQueue::Writer request(nullptr, false);
      std::thread t([&] {
        std::unique_lock<std::mutex> ll(mu_);
        if (queue_.Join(&request, &ll)) return;
        stopper.led = true;
        WriteQueue::Writer* n = queue_.Finish(&request, WriteQueue::Group(), Status::OK());
        ll.unlock();
        WriteQueue::Wake(n);
      });
      while (Size() < 3) std::this_thread::yield();
      Start(&plain2);
      l.lock();
      WriteQueue::Group g = queue_.FormGroup(&leader, &l);
      EXPECT_EQ(2u, g.batch->Count()) << "leader and the writer before the request";
      WriteQueue::Writer* next = queue_.Finish(&leader, g, Status::OK());
      EXPECT_EQ(&request, next);
      l.unlock();
      WriteQueue::Wake(next);
      t.join();
    } else {
      Start(&stopper);
      Start(&plain2);
      l.lock();
      WriteQueue::Group g = queue_.FormGroup(&leader, &l);
      EXPECT_EQ(2u, g.batch->Count()) << "leader and the writer before the sync one";
      WriteQueue::Writer* next = queue_.Finish(&leader, g, Status::OK());
      ASSERT_NE(nullptr, next);
      EXPECT_TRUE(next->sync);
      l.unlock();
      WriteQueue::Wake(next);
    }
    plain1.thread.join();
    plain2.thread.join();
    if (stopper.thread.joinable()) stopper.thread.join();
    EXPECT_TRUE(stopper.led.load()) << "the writer that ended the group leads the next";
    EXPECT_EQ(0u, Size());
  }
}

// A small write does not wait behind a large group: a group grows to at
// most 128 KiB past a small leader's batch, or 1 MiB in all.
TEST_F(WriteQueueTest, GroupSizeIsBounded) {
  struct Case {
    size_t leader, each;
    uint32_t expected;  // writes in the group, leader included
  };
  for (const Case& c : {Case{10, 100 << 10, 2}, Case{200 << 10, 300 << 10, 3}}) {
    WriteBatch mine = OnePut("leader", c.leader);
    WriteQueue::Writer leader(&mine, false);
    std::unique_lock<std::mutex> l(mu_);
    ASSERT_FALSE(queue_.Join(&leader, &l));
    l.unlock();
    std::vector<std::unique_ptr<Queued>> others;
    for (int i = 0; i < 4; i++) {
      others.push_back(std::make_unique<Queued>());
      others.back()->batch = OnePut("k" + std::to_string(i), c.each);
      Start(others.back().get());
    }
    l.lock();
    WriteQueue::Group g = queue_.FormGroup(&leader, &l);
    EXPECT_EQ(c.expected, g.batch->Count()) << "leader " << c.leader << ", others " << c.each;
    WriteQueue::Writer* next = queue_.Finish(&leader, g, Status::OK());
    l.unlock();
    WriteQueue::Wake(next);  // the rest write their own groups
    int led = 0;
    for (auto& q : others) {
      q->thread.join();
      EXPECT_TRUE(q->result.ok());
      led += q->led.load() ? 1 : 0;
    }
    EXPECT_GE(led, 1);
    EXPECT_EQ(0u, Size());
  }
}

// A sync leader offers the group's insert to the second writer when that
// one is a sync writer too; CountSyncThreads counts the distinct threads
// of this group and the last.
TEST_F(WriteQueueTest, SyncGroupNamesAHelperAndCountsItsThreads) {
  WriteBatch mine = OnePut("leader");
  WriteQueue::Writer leader(&mine, true);
  std::unique_lock<std::mutex> l(mu_);
  ASSERT_FALSE(queue_.Join(&leader, &l));
  l.unlock();
  Queued s1, s2;
  s1.batch = OnePut("a");
  s1.sync = true;
  s2.batch = OnePut("b");
  s2.sync = true;
  Start(&s1);
  Start(&s2);
  l.lock();
  WriteQueue::Group g = queue_.FormGroup(&leader, &l);
  EXPECT_EQ(3u, g.batch->Count());
  ASSERT_NE(nullptr, g.helper);
  EXPECT_TRUE(g.helper->sync);
  EXPECT_NE(&leader, g.helper);
  EXPECT_EQ(3u, queue_.CountSyncThreads());
  EXPECT_EQ(3u, queue_.SyncGroupWritten(3)) << "sync writes the group covered";
  WriteQueue::Writer* next = queue_.Finish(&leader, g, Status::OK());
  l.unlock();
  EXPECT_EQ(nullptr, next);
  s1.thread.join();
  s2.thread.join();
  EXPECT_TRUE(s1.result.ok() && s2.result.ok());
}

// The hand-off itself: an offered insert is run by the writer it was offered
// to; a writer that is about to sleep refuses first, and then the offer
// fails (the leader inserts itself).
TEST_F(WriteQueueTest, HelperRunsAnOfferedInsertOrRefusesBeforeSleeping) {
  WriteBatch group = OnePut("k");
  MemTable mem;
  {
    WriteQueue::Writer helper(nullptr, true);
    ASSERT_TRUE(WriteQueue::OfferInsert(&helper, &group, &mem, 7));
    helper.RunChore(/*about_to_sleep=*/false);
    EXPECT_TRUE(WriteQueue::AwaitInsert(&helper).ok());
    std::string value;
    Status s;
    ASSERT_TRUE(mem.Get(LookupKey("k", 7), &value, &s));
    EXPECT_TRUE(s.ok());
    EXPECT_EQ("v", value);
    EXPECT_FALSE(mem.Get(LookupKey("k", 6), &value, &s)) << "inserted at the wrong sequence";
  }
  {
    WriteQueue::Writer helper(nullptr, true);
    helper.RunChore(/*about_to_sleep=*/true);
    EXPECT_FALSE(WriteQueue::OfferInsert(&helper, &group, &mem, 9))
        << "an insert was offered to a writer going to sleep";
  }
}

}  // namespace
}  // namespace lsm
