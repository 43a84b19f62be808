// Tests for core/util/signal.h: a Set before or after Wait releases the
// waiter, with or without the spinning phase, a waiter's poll runs while it
// spins and once before it sleeps, and a waiter may destroy its
// Signal the moment Wait returns (the group-commit hand-off relies on it;
// run under the sanitizers this catches a Set that touches freed memory).
#include "core/util/signal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "tests/core/test_util.h"

namespace lsm {
namespace {

using std::chrono::microseconds;

TEST(SignalTest, SetBeforeWaitReturnsAtOnce) {
  Signal s;
  s.Set();
  s.Wait();
  s.Wait(microseconds(100));  // stays set
}

TEST(SignalTest, WaitBlocksUntilSet) {
  for (const auto spin : {microseconds(0), microseconds(50), microseconds(100000)}) {
    Signal s;
    std::atomic<bool> released{false};
    std::atomic<long> tid{0};
    std::thread waiter([&] {
      tid = static_cast<long>(::gettid());
      s.Wait(spin);
      released = true;
    });
    while (tid.load() == 0) std::this_thread::yield();
    if (spin < microseconds(1000)) {
      // A short spin ends in a sleep: once the waiter sleeps it is past its
      // spin and still inside Wait.
      ASSERT_TRUE(test::WaitUntilThreadSleeps(tid.load())) << "no thread states in /proc";
    } else {
      // A long spin: elapsed time is what is tested (Wait keeps spinning
      // for its whole 100 ms without returning), not waiting for work.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_FALSE(released.load()) << "Wait returned before Set, spin " << spin.count() << " us";
    s.Set();
    waiter.join();
    EXPECT_TRUE(released.load());
  }
}

// Each round the waiter owns a fresh Signal on the heap and deletes it as
// soon as Wait returns, while the setter may still be inside Set().
TEST(SignalTest, WaiterMayDestroyItAsSoonAsWaitReturns) {
  constexpr int kRounds = 20000;
  std::vector<Signal*> slots(kRounds, nullptr);
  std::atomic<int> published{0};
  std::thread waiter([&] {
    for (int i = 0; i < kRounds; i++) {
      auto* s = new Signal;
      slots[i] = s;
      published.store(i + 1, std::memory_order_release);
      s->Wait(i % 2 == 0 ? microseconds(0) : microseconds(20));
      delete s;
    }
  });
  for (int i = 0; i < kRounds; i++) {
    while (published.load(std::memory_order_acquire) <= i) std::this_thread::yield();
    slots[i]->Set();
  }
  waiter.join();
}

// A chain of hand-offs between threads, as leaders pass the write queue on:
// every thread is released exactly once, in order.
TEST(SignalTest, HandOffChain) {
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<Signal>> signals;
  for (int i = 0; i <= kThreads; i++) signals.push_back(std::make_unique<Signal>());
  std::atomic<int> order{0};
  std::vector<int> seen(kThreads, -1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; i++) {
    threads.emplace_back([&, i] {
      signals[i]->Wait(microseconds(i % 2 == 0 ? 0 : 200));
      seen[i] = order.fetch_add(1);
      signals[i + 1]->Set();
    });
  }
  signals[0]->Set();
  signals[kThreads]->Wait();
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; i++) EXPECT_EQ(seen[i], i);
}

// Wait with a poll: poll(false) between spins, poll(true) once before
// sleeping, and never poll(true) for a Signal set before the spin ends (a
// sync writer refuses handed work only when it is really going to sleep).
TEST(SignalTest, WaitPollsWhileSpinningAndOnceBeforeSleeping) {
  struct Counts {
    std::atomic<int> spinning{0};
    std::atomic<int> before_sleep{0};
    void operator()(bool about_to_sleep) { (about_to_sleep ? before_sleep : spinning)++; }
  };
  {  // no spin: straight to the poll before sleeping
    Signal s;
    Counts c;
    std::atomic<long> tid{0};
    std::thread waiter([&] {
      tid = static_cast<long>(::gettid());
      s.Wait(microseconds(0), [&c](bool b) { c(b); });
    });
    while (c.before_sleep.load() == 0) std::this_thread::yield();
    // Asleep in Wait: no poll may follow the one before sleeping.
    ASSERT_TRUE(test::WaitUntilThreadSleeps(tid.load())) << "no thread states in /proc";
    EXPECT_EQ(c.before_sleep.load(), 1);
    EXPECT_EQ(c.spinning.load(), 0);
    s.Set();
    waiter.join();
    EXPECT_EQ(c.before_sleep.load(), 1);
  }
  {  // set while spinning: polled, never about to sleep
    Signal s;
    Counts c;
    std::thread waiter([&] { s.Wait(microseconds(60 * 1000 * 1000), [&c](bool b) { c(b); }); });
    while (c.spinning.load() < 3) std::this_thread::yield();
    s.Set();
    waiter.join();
    EXPECT_EQ(c.before_sleep.load(), 0);
  }
  {  // set before Wait: nothing to poll for
    Signal s;
    Counts c;
    s.Set();
    s.Wait(microseconds(1000), [&c](bool b) { c(b); });
    EXPECT_EQ(c.spinning.load() + c.before_sleep.load(), 0);
  }
}

}  // namespace
}  // namespace lsm
