// The storage engines lsm_bench can drive, behind one interface so that each
// workload runs the same code against each engine. Every engine is reached
// through its own C API (liblsm's lsm.h, LevelDB's leveldb/c.h, RocksDB's
// rocksdb/c.h): that is what a program embedding it would use.
//
// An engine is used by one benchmark process; Put, Delete, Get, Seek and Scan
// may be called from many threads at once (all three engines are
// thread-safe), the rest from one thread. Failures end the process with a
// message naming the engine (Die), since a benchmark cannot go on after one.
#ifndef LSM_TOOLS_BENCH_ENGINE_H_
#define LSM_TOOLS_BENCH_ENGINE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace bench {

// The settings every engine is given, so that they are compared like for like.
struct EngineConfig {
  std::string dir;               // the engine's own database directory
  size_t write_buffer_size = 0;  // bytes of memtable before a flush
  size_t cache_size = 0;         // block cache, bytes
  int bloom_bits = 10;           // bloom filter bits per key (0: no filter)
  size_t block_size = 4096;      // table block size, bytes
  bool compression = true;       // lz4 (liblsm, RocksDB) or snappy (LevelDB)
  std::string wal_mmap = "auto";  // liblsm only: lsm_options_set(.., "wal_mmap", ..)
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual const char* name() const = 0;
  // The library's version as it reports it, or as its package names it.
  virtual std::string version() const = 0;
  // The compression the engine uses when compression is on.
  virtual const char* compression_name() const = 0;

  // Opens the database, after removing any old one when fresh.
  virtual void Open(bool fresh) = 0;
  virtual void Close() = 0;
  bool is_open() const { return open_; }

  virtual void Put(const char* key, size_t klen, const char* value, size_t vlen, bool sync) = 0;
  virtual void Delete(const char* key, size_t klen, bool sync) = 0;
  // Copies the value (up to cap bytes) into buf; false when the key is absent.
  virtual bool Get(const char* key, size_t klen, char* buf, size_t cap, size_t* vlen) = 0;
  // Opens an iterator, seeks to the first key >= key, and closes it again;
  // returns whether the iterator was on an entry (db_bench's seekrandom).
  virtual bool Seek(const char* key, size_t klen) = 0;
  // Reads every entry once with a new iterator, forward or backward; returns
  // the entry count and adds the key and value bytes read to *bytes.
  virtual long long Scan(bool forward, double* bytes) = 0;
  // Compacts the whole key space and waits for it.
  virtual void CompactAll() = 0;
  // The engine's own statistics text (empty when it has none).
  virtual std::string Stats() = 0;
  // Bytes the engine wrote to files by storing into shared mappings, which
  // /proc/self/io's wchar does not see, up to the last Close.
  virtual long long bytes_written_by_mapping() const { return 0; }

 protected:
  explicit Engine(const EngineConfig& config) : config_(config) {}
  [[noreturn]] void Die(const char* what, const std::string& message) const;

  EngineConfig config_;
  bool open_ = false;
};

// The engines this build of lsm_bench has, in the order they are run.
std::vector<std::string> AvailableEngines();
// nullptr when name is not an available engine.
std::unique_ptr<Engine> MakeEngine(const std::string& name, const EngineConfig& config);

std::unique_ptr<Engine> MakeLsmEngine(const EngineConfig& config);
#ifdef LSM_BENCH_LEVELDB
std::unique_ptr<Engine> MakeLevelDBEngine(const EngineConfig& config);
#endif
#ifdef LSM_BENCH_ROCKSDB
std::unique_ptr<Engine> MakeRocksDBEngine(const EngineConfig& config);
#endif

}  // namespace bench

#endif  // LSM_TOOLS_BENCH_ENGINE_H_
