// Table output: writing a sorted stream of internal keys to one new table
// file (a flush writes a memtable this way; the compaction job cuts its
// output into several such files itself, with the same TableOptions).
#pragma once

#include <cstdint>
#include <string>

#include "core/db/options.h"
#include "core/db/version_edit.h"
#include "core/env/file_system.h"
#include "core/base/iterator.h"
#include "core/table/table_builder.h"

namespace lsm {

TableOptions MakeTableOptions(const Options& options);

// Writes every entry of input to table file `number` in dir, syncs it and
// the directory, and fills in *meta. If input is empty, or on failure, the
// file is removed and meta->file_size is 0.
Status BuildTable(FileSystem* fs, const std::string& dir, const Options& options,
                  Iterator* input, uint64_t number, FileMetaData* meta);

}  // namespace lsm
