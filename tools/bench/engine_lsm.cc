// liblsm through lsm.h.
#include <lsm.h>

#include <string>

#include "engine.h"

namespace bench {
namespace {

class LsmEngine : public Engine {
 public:
  explicit LsmEngine(const EngineConfig& config) : Engine(config) {
    Check(lsm_write_options_create(&sync_), "lsm_write_options_create");
    Check(lsm_write_options_set_sync(sync_, 1), "lsm_write_options_set_sync");
  }
  ~LsmEngine() override {
    if (open_) Close();
    lsm_write_options_destroy(sync_);
  }

  const char* name() const override { return "lsm"; }
  std::string version() const override { return lsm_version(); }
  const char* compression_name() const override { return "lz4"; }

  void Open(bool fresh) override {
    if (fresh) Check(lsm_destroy(config_.dir.c_str()), "lsm_destroy");
    lsm_options* o;
    Check(lsm_options_create(&o), "lsm_options_create");
    Check(lsm_options_set_write_buffer_size(o, config_.write_buffer_size), "write_buffer_size");
    Check(lsm_options_set_block_cache_size(o, config_.cache_size), "block_cache_size");
    Check(lsm_options_set_bloom_bits_per_key(o, config_.bloom_bits), "bloom_bits_per_key");
    Check(lsm_options_set_block_size(o, config_.block_size), "block_size");
    Check(lsm_options_set(o, "compression", config_.compression ? "lz4" : "none"), "compression");
    Check(lsm_options_set(o, "wal_mmap", config_.wal_mmap.c_str()), "wal_mmap");
    int rc = lsm_open(config_.dir.c_str(), o, &db_);
    lsm_options_destroy(o);
    Check(rc, "lsm_open");
    open_ = true;
  }

  void Close() override {
    // liblsm stores its write-ahead log through a mapping (lsm.stats says
    // how much); the rest of what it writes goes through write(2).
    const std::string stats = Stats();
    const std::string field = "wal-bytes-written: ";
    const size_t at = stats.find(field);
    const size_t open = stats.find(" (", at);
    if (at == std::string::npos || open == std::string::npos) Die("lsm.stats", "no " + field + "line");
    mapped_bytes_ += std::stoll(stats.substr(open + 2));
    Check(lsm_close(db_), "lsm_close");
    db_ = nullptr;
    open_ = false;
  }

  void Put(const char* key, size_t klen, const char* value, size_t vlen, bool sync) override {
    Check(lsm_put(db_, sync ? sync_ : nullptr, key, klen, value, vlen), "lsm_put");
  }

  void Delete(const char* key, size_t klen, bool sync) override {
    Check(lsm_delete(db_, sync ? sync_ : nullptr, key, klen), "lsm_delete");
  }

  bool Get(const char* key, size_t klen, char* buf, size_t cap, size_t* vlen) override {
    int rc = lsm_get_into(db_, nullptr, key, klen, buf, cap, vlen);
    if (rc == LSM_NOT_FOUND) return false;
    Check(rc, "lsm_get_into");
    return true;
  }

  bool Seek(const char* key, size_t klen) override {
    lsm_iter* it;
    Check(lsm_iter_open(db_, nullptr, &it), "lsm_iter_open");
    Check(lsm_iter_seek(it, key, klen), "lsm_iter_seek");
    bool valid = lsm_iter_valid(it) != 0;
    lsm_iter_close(it);
    return valid;
  }

  // One call per entry: the fused step.
  long long Scan(bool forward, double* bytes) override {
    lsm_iter* it;
    Check(lsm_iter_open(db_, nullptr, &it), "lsm_iter_open");
    Check(forward ? lsm_iter_seek_first(it) : lsm_iter_seek_last(it), "lsm_iter_seek");
    const void *k, *v;
    size_t kl, vl;
    long long count = 0;
    size_t total = 0;
    while ((forward ? lsm_iter_next_entry(it, &k, &kl, &v, &vl)
                    : lsm_iter_prev_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
      total += kl + vl;
      count++;
    }
    Check(lsm_iter_status(it), "iteration");
    lsm_iter_close(it);
    *bytes += static_cast<double>(total);
    return count;
  }

  void CompactAll() override { Check(lsm_compact_range(db_, nullptr, 0, nullptr, 0), "lsm_compact_range"); }

  long long bytes_written_by_mapping() const override { return mapped_bytes_; }

  std::string Stats() override {
    char* p = nullptr;
    if (lsm_property(db_, "lsm.stats", &p) != LSM_OK) return "";
    std::string s(p);
    lsm_free(p);
    return s;
  }

 private:
  void Check(int rc, const char* what) const {
    if (rc != LSM_OK) Die(what, std::string(lsm_strerror(rc)) + ": " + lsm_last_error());
  }

  lsm_db* db_ = nullptr;
  lsm_write_options* sync_ = nullptr;
  long long mapped_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Engine> MakeLsmEngine(const EngineConfig& config) { return std::make_unique<LsmEngine>(config); }

}  // namespace bench
