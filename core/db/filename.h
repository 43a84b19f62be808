// Names of the files in a database directory:
//   CURRENT            name of the live MANIFEST, replaced by atomic rename
//   LOCK               held (flock) while a process has the database open
//   MANIFEST-NNNNNN    log of version edits
//   NNNNNN.log         write-ahead log
//   NNNNNN.sst         table
//   NNNNNN.tmp         a file being written before it is renamed into place
// Numbers come from one counter (the MANIFEST's next_file_number).
#pragma once

#include <cstdint>
#include <string>

namespace lsm {

enum class FileType { kLog, kTable, kManifest, kCurrent, kLock, kTemp };

std::string LogFileName(const std::string& dir, uint64_t number);
std::string TableFileName(const std::string& dir, uint64_t number);
std::string ManifestFileName(const std::string& dir, uint64_t number);
std::string CurrentFileName(const std::string& dir);
std::string LockFileName(const std::string& dir);
std::string TempFileName(const std::string& dir, uint64_t number);

// Parses a directory entry's name; false if it is not one of ours.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);

}  // namespace lsm
