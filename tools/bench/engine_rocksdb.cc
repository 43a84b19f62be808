// RocksDB through rocksdb/c.h (Debian's librocksdb-dev), with lz4 and a
// block-based table configured like liblsm's: same block size, block cache
// and bloom bits. max_background_jobs is 2, as liblsm's background_threads.
#include <rocksdb/c.h>
#include <rocksdb/version.h>

#include <cstring>
#include <string>

#include "engine.h"

namespace bench {
namespace {

class RocksDBEngine : public Engine {
 public:
  explicit RocksDBEngine(const EngineConfig& config) : Engine(config) {
    options_ = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(options_, 1);
    rocksdb_options_set_write_buffer_size(options_, config.write_buffer_size);
    rocksdb_options_set_compression(options_, config.compression ? rocksdb_lz4_compression : rocksdb_no_compression);
    rocksdb_options_set_max_background_jobs(options_, 2);
    rocksdb_block_based_table_options_t* table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_size(table, config.block_size);
    cache_ = rocksdb_cache_create_lru(config.cache_size);
    rocksdb_block_based_options_set_block_cache(table, cache_);
    // The table options own the policy from here on.
    if (config.bloom_bits > 0) {
      rocksdb_block_based_options_set_filter_policy(table, rocksdb_filterpolicy_create_bloom(config.bloom_bits));
    }
    rocksdb_options_set_block_based_table_factory(options_, table);
    rocksdb_block_based_options_destroy(table);
    read_ = rocksdb_readoptions_create();
    write_ = rocksdb_writeoptions_create();
    sync_ = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(sync_, 1);
  }
  ~RocksDBEngine() override {
    if (open_) Close();
    rocksdb_writeoptions_destroy(sync_);
    rocksdb_writeoptions_destroy(write_);
    rocksdb_readoptions_destroy(read_);
    rocksdb_options_destroy(options_);
    rocksdb_cache_destroy(cache_);
  }

  const char* name() const override { return "rocksdb"; }
  std::string version() const override {
    return std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." + std::to_string(ROCKSDB_PATCH);
  }
  const char* compression_name() const override { return "lz4"; }

  void Open(bool fresh) override {
    char* err = nullptr;
    if (fresh) {
      rocksdb_destroy_db(options_, config_.dir.c_str(), &err);
      Check(err, "rocksdb_destroy_db");
    }
    db_ = rocksdb_open(options_, config_.dir.c_str(), &err);
    Check(err, "rocksdb_open");
    open_ = true;
  }

  void Close() override {
    rocksdb_close(db_);
    db_ = nullptr;
    open_ = false;
  }

  void Put(const char* key, size_t klen, const char* value, size_t vlen, bool sync) override {
    char* err = nullptr;
    rocksdb_put(db_, sync ? sync_ : write_, key, klen, value, vlen, &err);
    Check(err, "rocksdb_put");
  }

  void Delete(const char* key, size_t klen, bool sync) override {
    char* err = nullptr;
    rocksdb_delete(db_, sync ? sync_ : write_, key, klen, &err);
    Check(err, "rocksdb_delete");
  }

  // The pinned get avoids RocksDB's own copy; the value is copied into buf,
  // as every engine hands it over.
  bool Get(const char* key, size_t klen, char* buf, size_t cap, size_t* vlen) override {
    char* err = nullptr;
    rocksdb_pinnableslice_t* v = rocksdb_get_pinned(db_, read_, key, klen, &err);
    Check(err, "rocksdb_get_pinned");
    if (v == nullptr) return false;
    size_t len = 0;
    const char* p = rocksdb_pinnableslice_value(v, &len);
    std::memcpy(buf, p, len < cap ? len : cap);
    rocksdb_pinnableslice_destroy(v);
    *vlen = len;
    return true;
  }

  bool Seek(const char* key, size_t klen) override {
    rocksdb_iterator_t* it = rocksdb_create_iterator(db_, read_);
    rocksdb_iter_seek(it, key, klen);
    bool valid = rocksdb_iter_valid(it) != 0;
    CheckIter(it);
    rocksdb_iter_destroy(it);
    return valid;
  }

  long long Scan(bool forward, double* bytes) override {
    rocksdb_iterator_t* it = rocksdb_create_iterator(db_, read_);
    long long count = 0;
    size_t total = 0;
    for (forward ? rocksdb_iter_seek_to_first(it) : rocksdb_iter_seek_to_last(it); rocksdb_iter_valid(it);
         forward ? rocksdb_iter_next(it) : rocksdb_iter_prev(it)) {
      size_t kl, vl;
      rocksdb_iter_key(it, &kl);
      rocksdb_iter_value(it, &vl);
      total += kl + vl;
      count++;
    }
    CheckIter(it);
    rocksdb_iter_destroy(it);
    *bytes += static_cast<double>(total);
    return count;
  }

  void CompactAll() override { rocksdb_compact_range(db_, nullptr, 0, nullptr, 0); }

  std::string Stats() override {
    char* p = rocksdb_property_value(db_, "rocksdb.stats");
    if (p == nullptr) return "";
    std::string s(p);
    rocksdb_free(p);
    return s;
  }

 private:
  void Check(char* err, const char* what) const {
    if (err != nullptr) {
      std::string message(err);
      rocksdb_free(err);
      Die(what, message);
    }
  }
  void CheckIter(rocksdb_iterator_t* it) const {
    char* err = nullptr;
    rocksdb_iter_get_error(it, &err);
    Check(err, "iteration");
  }

  rocksdb_options_t* options_;
  rocksdb_cache_t* cache_;
  rocksdb_readoptions_t* read_;
  rocksdb_writeoptions_t* write_;
  rocksdb_writeoptions_t* sync_;
  rocksdb_t* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Engine> MakeRocksDBEngine(const EngineConfig& config) {
  return std::make_unique<RocksDBEngine>(config);
}

}  // namespace bench
