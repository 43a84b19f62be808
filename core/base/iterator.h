// Iterator: the internal cursor interface shared by memtables, blocks,
// tables, the merging iterator and the database iterator.
//
// key() and value() return views valid until the next move or destruction.
// A positioned iterator that hits an error becomes !Valid() and reports the
// error through status(); an iterator that runs off either end is !Valid()
// with an OK status.
#pragma once

#include <memory>
#include <string_view>

#include "core/util/status.h"

namespace lsm {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry >= target.
  virtual void Seek(std::string_view target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
  // status().ok() without building a Status: merging and level iterators
  // ask it of their children at every step.
  virtual bool ok() const { return status().ok(); }
};

// An iterator over nothing, carrying a status (OK for an empty source).
std::unique_ptr<Iterator> NewEmptyIterator(Status s = Status::OK());

}  // namespace lsm
