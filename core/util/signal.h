// Signal: a one-shot wake-up from one thread to another, for handing a
// write group's result (or the leadership) to a queued writer.
//
// Why not a condition variable on the DB mutex: a writer woken that way must
// re-take the DB mutex just to see that it is done, so every released
// writer queues behind the next leader, and on a small machine those
// hand-offs cost about half of one fdatasync per group. A Signal needs no
// shared lock: the waiter sleeps on its own word.
//
// Lifetime: the waiter owns the Signal and may destroy it as soon as Wait()
// returns, which can be before Set() returns. So Set() touches the object's
// memory only with the store that publishes it; on Linux the wake-up after
// it names the address to the kernel without dereferencing it, and waking a
// futex that no longer exists is harmless (any futex waiter must tolerate a
// spurious wake). Elsewhere Set() notifies while holding the lock, so the
// waiter cannot return before Set() is done with the object.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <condition_variable>
#include <mutex>
#endif

namespace lsm {

class Signal {
 public:
  Signal() = default;
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  // Returns once Set() has been called. Spins (yielding the CPU to any
  // thread that wants it) for up to `spin` first: a thread that sleeps in
  // the kernel must be woken, and on a virtual machine waking an idle CPU
  // costs tens of microseconds, a third of a fast fdatasync.
  void Wait(std::chrono::microseconds spin = std::chrono::microseconds(0)) {
    Wait(spin, [](bool) {});
  }

  // As above, calling poll(false) between spins and poll(true) once before
  // sleeping (unless set by then), so that a spinning waiter can take on
  // work handed to it meanwhile, and refuse more before it sleeps.
  template <typename Poll>
  void Wait(std::chrono::microseconds spin, Poll&& poll) {
    if (spin.count() > 0) {
      const auto deadline = std::chrono::steady_clock::now() + spin;
      while (!IsSet() && std::chrono::steady_clock::now() < deadline) {
        poll(false);
        std::this_thread::yield();
      }
    }
    if (!IsSet()) poll(true);
    Sleep();
  }

#if defined(__linux__)
  void Set() {
    int* word = reinterpret_cast<int*>(&state_);
    // Only a waiter that announced it sleeps (kSleeping) needs the syscall.
    if (state_.exchange(kSet, std::memory_order_acq_rel) == kSleeping) {
      syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }

 private:
  enum : int { kUnset = 0, kSet = 1, kSleeping = 2 };
  static_assert(sizeof(std::atomic<int>) == sizeof(int), "futex word must be a plain int");

  bool IsSet() const { return state_.load(std::memory_order_acquire) == kSet; }
  void Sleep() {
    while (!IsSet()) {
      int unset = kUnset;
      state_.compare_exchange_strong(unset, kSleeping, std::memory_order_acq_rel);
      // Returns at once unless the word is still kSleeping; spurious wakes loop.
      syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAIT_PRIVATE, kSleeping, nullptr,
              nullptr, 0);
    }
  }

  std::atomic<int> state_{kUnset};
#else
  void Set() {
    std::lock_guard<std::mutex> l(mu_);
    set_.store(true, std::memory_order_release);
    cv_.notify_one();
  }

 private:
  bool IsSet() const { return set_.load(std::memory_order_acquire); }
  void Sleep() {
    std::unique_lock<std::mutex> l(mu_);
    while (!IsSet()) cv_.wait(l);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> set_{false};
#endif
};

}  // namespace lsm
