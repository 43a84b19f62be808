// DBIter: turns the merged stream of internal entries (every version of
// every key, deletions included) into the user's view at one sequence
// number: each user key once, its newest version visible at that sequence,
// deleted keys hidden, restricted to [lower_bound, upper_bound).
//
// Forward: the internal iterator sits on the entry being shown; key/value
//   point into it.
// Reverse: the internal iterator sits just before every entry of the key
//   being shown; key/value are copies held in saved_key_/saved_value_.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/base/dbformat.h"
#include "core/base/iterator.h"

namespace lsm {

struct DBIterOptions {
  SequenceNumber sequence = kMaxSequenceNumber;
  std::optional<std::string> lower_bound;  // inclusive
  std::optional<std::string> upper_bound;  // exclusive
};

// Also offered by the DB iterator: the last key <= target.
class UserIterator : public Iterator {
 public:
  virtual void SeekForPrev(std::string_view target) = 0;
};

// `on_close` runs when the iterator is destroyed (the database uses it to
// release what the iterator pinned).
std::unique_ptr<UserIterator> NewDBIterator(std::unique_ptr<Iterator> internal,
                                            DBIterOptions options,
                                            std::function<void()> on_close);

}  // namespace lsm
