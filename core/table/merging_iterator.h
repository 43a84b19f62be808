// MergingIterator: merges child iterators over internal keys into one
// sorted stream, in both directions. Children must not yield the same
// internal key twice (each key/sequence pair lives in exactly one source).
#pragma once

#include <memory>
#include <vector>

#include "core/base/iterator.h"

namespace lsm {

std::unique_ptr<Iterator> NewMergingIterator(std::vector<std::unique_ptr<Iterator>> children);

}  // namespace lsm
