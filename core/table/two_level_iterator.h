// TwoLevelIterator: one cursor over a sequence of sorted runs, found through
// an index. The index iterator's entries each name one run (its key is at
// least the run's last key, so Seek on the index finds the run a target
// falls in); the second level opens the run an index entry names. A table
// is a two-level iterator over its index block and data blocks; a sorted
// level is one over its file list and tables.
//
// The iterator positions only on entries of the runs: it steps over empty
// runs, and an error (from the index, from opening a run, or from a run)
// stops it: it becomes !Valid() and status() keeps the error.
#pragma once

#include <memory>
#include <string_view>

#include "core/base/iterator.h"
#include "core/util/status.h"

namespace lsm {

class SecondLevel {
 public:
  virtual ~SecondLevel() = default;
  // Opens the run index_value names. direction: +1 or -1 when a scan steps
  // into it from the run before or after, 0 after a seek (a hint, for
  // readahead). Null with a non-OK status when it cannot be opened.
  virtual std::unique_ptr<Iterator> Open(std::string_view index_value, int direction,
                                         Status* status) = 0;
};

std::unique_ptr<Iterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index,
                                              std::unique_ptr<SecondLevel> second_level);

}  // namespace lsm
