// LevelDB through leveldb/c.h (Debian's libleveldb-dev). LevelDB has no lz4,
// so it compresses with snappy; it has one background thread, fixed.
#include <leveldb/c.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "engine.h"

namespace bench {
namespace {

class LevelDBEngine : public Engine {
 public:
  explicit LevelDBEngine(const EngineConfig& config) : Engine(config) {
    options_ = leveldb_options_create();
    leveldb_options_set_create_if_missing(options_, 1);
    leveldb_options_set_write_buffer_size(options_, config.write_buffer_size);
    cache_ = leveldb_cache_create_lru(config.cache_size);
    leveldb_options_set_cache(options_, cache_);
    if (config.bloom_bits > 0) {
      filter_ = leveldb_filterpolicy_create_bloom(config.bloom_bits);
      leveldb_options_set_filter_policy(options_, filter_);
    }
    leveldb_options_set_block_size(options_, config.block_size);
    leveldb_options_set_compression(options_,
                                    config.compression ? leveldb_snappy_compression : leveldb_no_compression);
    read_ = leveldb_readoptions_create();
    write_ = leveldb_writeoptions_create();
    sync_ = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(sync_, 1);
  }
  ~LevelDBEngine() override {
    if (open_) Close();
    leveldb_writeoptions_destroy(sync_);
    leveldb_writeoptions_destroy(write_);
    leveldb_readoptions_destroy(read_);
    leveldb_options_destroy(options_);
    if (filter_) leveldb_filterpolicy_destroy(filter_);
    leveldb_cache_destroy(cache_);
  }

  const char* name() const override { return "leveldb"; }
  std::string version() const override {
    return std::to_string(leveldb_major_version()) + "." + std::to_string(leveldb_minor_version());
  }
  const char* compression_name() const override { return "snappy"; }

  void Open(bool fresh) override {
    char* err = nullptr;
    if (fresh) {
      leveldb_destroy_db(options_, config_.dir.c_str(), &err);
      Check(err, "leveldb_destroy_db");
    }
    db_ = leveldb_open(options_, config_.dir.c_str(), &err);
    Check(err, "leveldb_open");
    open_ = true;
  }

  void Close() override {
    leveldb_close(db_);
    db_ = nullptr;
    open_ = false;
  }

  void Put(const char* key, size_t klen, const char* value, size_t vlen, bool sync) override {
    char* err = nullptr;
    leveldb_put(db_, sync ? sync_ : write_, key, klen, value, vlen, &err);
    Check(err, "leveldb_put");
  }

  void Delete(const char* key, size_t klen, bool sync) override {
    char* err = nullptr;
    leveldb_delete(db_, sync ? sync_ : write_, key, klen, &err);
    Check(err, "leveldb_delete");
  }

  // leveldb_get returns a malloc'd copy; it is copied on into buf so that
  // every engine hands the value over the same way.
  bool Get(const char* key, size_t klen, char* buf, size_t cap, size_t* vlen) override {
    char* err = nullptr;
    size_t len = 0;
    char* v = leveldb_get(db_, read_, key, klen, &len, &err);
    Check(err, "leveldb_get");
    if (v == nullptr) return false;
    std::memcpy(buf, v, len < cap ? len : cap);
    leveldb_free(v);
    *vlen = len;
    return true;
  }

  bool Seek(const char* key, size_t klen) override {
    leveldb_iterator_t* it = leveldb_create_iterator(db_, read_);
    leveldb_iter_seek(it, key, klen);
    bool valid = leveldb_iter_valid(it) != 0;
    CheckIter(it);
    leveldb_iter_destroy(it);
    return valid;
  }

  long long Scan(bool forward, double* bytes) override {
    leveldb_iterator_t* it = leveldb_create_iterator(db_, read_);
    long long count = 0;
    size_t total = 0;
    for (forward ? leveldb_iter_seek_to_first(it) : leveldb_iter_seek_to_last(it); leveldb_iter_valid(it);
         forward ? leveldb_iter_next(it) : leveldb_iter_prev(it)) {
      size_t kl, vl;
      leveldb_iter_key(it, &kl);
      leveldb_iter_value(it, &vl);
      total += kl + vl;
      count++;
    }
    CheckIter(it);
    leveldb_iter_destroy(it);
    *bytes += static_cast<double>(total);
    return count;
  }

  void CompactAll() override { leveldb_compact_range(db_, nullptr, 0, nullptr, 0); }

  std::string Stats() override {
    char* p = leveldb_property_value(db_, "leveldb.stats");
    if (p == nullptr) return "";
    std::string s(p);
    leveldb_free(p);
    return s;
  }

 private:
  void Check(char* err, const char* what) const {
    if (err != nullptr) {
      std::string message(err);
      leveldb_free(err);
      Die(what, message);
    }
  }
  void CheckIter(leveldb_iterator_t* it) const {
    char* err = nullptr;
    leveldb_iter_get_error(it, &err);
    Check(err, "iteration");
  }

  leveldb_options_t* options_;
  leveldb_cache_t* cache_;
  leveldb_filterpolicy_t* filter_ = nullptr;
  leveldb_readoptions_t* read_;
  leveldb_writeoptions_t* write_;
  leveldb_writeoptions_t* sync_;
  leveldb_t* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Engine> MakeLevelDBEngine(const EngineConfig& config) {
  return std::make_unique<LevelDBEngine>(config);
}

}  // namespace bench
