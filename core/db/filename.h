// Names of the files in a database directory:
//   CURRENT            name of the live MANIFEST, replaced by atomic rename
//   LOCK               held (flock) while a process has the database open
//   MANIFEST-NNNNNN    log of version edits
//   NNNNNN.log         write-ahead log
//   NNNNNN.sst         table
//   NNNNNN.tmp         a file being written before it is renamed into place
// Numbers come from one counter (the MANIFEST's next_file_number), and a
// name holds its number in decimal, zero-padded to six digits: no other
// spelling is ours (a stray "99.log" is not 000099.log).
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

// The largest next_file_number a MANIFEST may hold: numbers stay far from
// wrapping and print in at most 19 digits.
constexpr uint64_t kMaxFileNumber = uint64_t{1} << 62;
// The largest number that opening adopts from a file it finds in the
// directory but its MANIFEST does not account for (one written after the
// MANIFEST's last edit). A counter that starts at 1 never gets near it, so
// a file above it (and above the MANIFEST's next_file_number) was put there
// by someone else: adopting it would push next_file_number towards
// kMaxFileNumber, and past it the next open would refuse the database.
constexpr uint64_t kMaxAdoptedFileNumber = kMaxFileNumber / 2;

// Parses a directory entry's name; false if it is not one of ours, spelled
// as the functions above spell it.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);
// True for a name ParseFileName refuses that still looks like one of ours
// ("99.log", "MANIFEST-x", "12345678901234567890.sst"): worth a note.
bool ResemblesFileName(const std::string& name);

}  // namespace lsm
