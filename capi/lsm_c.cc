// The C ABI (include/lsm.h) over the C++ core. Every entry point validates
// its arguments, calls the core, and turns the resulting Status into a code
// plus a thread-local message. No exception crosses this boundary: each
// entry point runs inside Guard(), which maps bad_alloc to LSM_NO_MEMORY and
// anything else to LSM_IO_ERROR with the exception's text.
#include "lsm.h"

#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_set>

#include "capi/abi_checks.h"
#include "core/db/db.h"

struct lsm_options {
  lsm::Options o;
};
struct lsm_read_options {
  lsm::ReadOptions o;
  const lsm_snapshot* snap = nullptr;
};
struct lsm_write_options {
  lsm::WriteOptions o;
};
struct lsm_batch {
  lsm::WriteBatch b;
};
struct lsm_db {
  std::unique_ptr<lsm::DB> db;
  unsigned fork_generation = 0;  // ForkGeneration() when opened
  std::atomic<int> open_iterators{0};
  std::atomic<int> open_snapshots{0};
};
struct lsm_snapshot {
  lsm_db* db;
  const lsm::Snapshot* snap;
};
struct lsm_iter {
  lsm_db* db;
  std::unique_ptr<lsm::UserIterator> it;
  bool yielded = false;  // the last *_entry call yielded the current entry
};

namespace {

thread_local std::string t_last_error;

int Fail(int code, const std::string& msg) {
  t_last_error = msg;
  return code;
}

// The cast is the mapping: capi/abi_checks.h asserts at compile time that
// each core code equals its LSM_* code.
int FromStatus(const lsm::Status& s) {
  if (s.ok()) return LSM_OK;
  t_last_error = s.message().empty() ? s.ToString() : s.message();
  return static_cast<int>(s.code());
}

template <typename F>
int Guard(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Fail(LSM_NO_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return Fail(LSM_IO_ERROR, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(LSM_IO_ERROR, "internal error");
  }
}

#define LSM_REQUIRE(cond, msg)                  \
  do {                                          \
    if (!(cond)) return Fail(LSM_INVALID, msg); \
  } while (0)

// Live snapshot handles, so that a second release is refused instead of
// freeing twice.
std::mutex g_snapshots_mu;
std::unordered_set<const lsm_snapshot*> g_snapshots;

// fork(2) copies a process's handles into the child, but not the threads
// that serve them (background work, a writer holding a mutex): a child that
// used or closed one could hang, or write into the parent's log behind its
// back. Each fork bumps this number in the child, and a handle opened
// under an older number is refused there.
std::atomic<unsigned> g_fork_generation{0};

unsigned ForkGeneration() { return g_fork_generation.load(std::memory_order_relaxed); }

// Also holds g_snapshots_mu across the fork, so that the child never
// finds it locked by a thread it does not have.
void CountForksOnce() {
  static const int registered =
      ::pthread_atfork([] { g_snapshots_mu.lock(); }, [] { g_snapshots_mu.unlock(); },
                       [] {
                         g_snapshots_mu.unlock();
                         g_fork_generation.fetch_add(1, std::memory_order_relaxed);
                       });
  (void)registered;
}

constexpr char kInheritedHandle[] =
    "the database handle was opened by the parent of this process, before fork(): a child "
    "process can neither use nor close it (open the database anew once the parent has closed it)";

// A usable database handle: not NULL, and opened in this process.
#define LSM_DB_REQUIRE(db)                                                    \
  do {                                                                        \
    LSM_REQUIRE((db) != nullptr, "database handle is NULL");                  \
    LSM_REQUIRE((db)->fork_generation == ForkGeneration(), kInheritedHandle); \
  } while (0)

// A (pointer, length) pair is valid if the pointer is non-NULL or the
// length is zero.
bool BytesOk(const void* p, size_t n) { return p != nullptr || n == 0; }

std::string_view Bytes(const void* p, size_t n) {
  return n == 0 ? std::string_view() : std::string_view(static_cast<const char*>(p), n);
}

int CheckKey(const void* key, size_t klen) {
  LSM_REQUIRE(BytesOk(key, klen), "key is NULL with a non-zero length");
  return FromStatus(lsm::DB::CheckKey(Bytes(key, klen)));
}

int CheckValue(const void* val, size_t vlen) {
  LSM_REQUIRE(BytesOk(val, vlen), "value is NULL with a non-zero length");
  return FromStatus(lsm::DB::CheckValue(Bytes(val, vlen)));
}

// One end of an optional key range: NULL (with length 0) is an open end.
int CheckRangeEnd(const void* key, size_t len, const char* name) {
  if (key == nullptr) {
    if (len == 0) return LSM_OK;
    return Fail(LSM_INVALID, std::string(name) + " is NULL with a non-zero length");
  }
  return CheckKey(key, len);
}

int CheckBool(int on, const char* name) {
  if (on == 0 || on == 1) return LSM_OK;
  return Fail(LSM_INVALID, std::string(name) + " must be 0 or 1, got " + std::to_string(on));
}

const lsm::ReadOptions kDefaultRead;
const lsm::WriteOptions kDefaultWrite;

// Resolves read options for db: checks the snapshot belongs to it.
int ResolveRead(const lsm_db* db, const lsm_read_options* ropts, const lsm::ReadOptions** out) {
  if (ropts == nullptr) {
    *out = &kDefaultRead;
    return LSM_OK;
  }
  LSM_REQUIRE(ropts->snap == nullptr || ropts->snap->db == db,
              "read options name a snapshot of another database");
  *out = &ropts->o;
  return LSM_OK;
}

}  // namespace

extern "C" {

const char* lsm_version(void) { return LSM_VERSION_STRING; }

const char* lsm_strerror(int status) {
  switch (status) {
    case LSM_OK: return "OK";
    case LSM_NOT_FOUND: return "not found";
    case LSM_INVALID: return "invalid argument";
    case LSM_CORRUPTION: return "data corruption";
    case LSM_IO_ERROR: return "I/O error";
    case LSM_BUSY: return "busy";
    case LSM_NO_MEMORY: return "out of memory";
    case LSM_NOT_SUPPORTED: return "not supported";
    default: return "unknown status code";
  }
}

const char* lsm_last_error(void) { return t_last_error.c_str(); }

void lsm_free(void* p) { std::free(p); }

// ------------------------------------------------------------- options

int lsm_options_create(lsm_options** out) {
  return Guard([&] {
    LSM_REQUIRE(out != nullptr, "out is NULL");
    *out = new lsm_options();
    return LSM_OK;
  });
}

void lsm_options_destroy(lsm_options* opts) { delete opts; }

#define LSM_OPTS_REQUIRE() LSM_REQUIRE(opts != nullptr, "options handle is NULL")

// The typed setters, one per C ABI row of the option table
// (core/db/option_table.h). Their signatures are lsm.h's, which the
// compiler holds them to: a C function defined with other parameters than
// its declaration does not compile. The ranges they check are the table's
// documented ones, through the same check as Options::Validate.

#define LSM_C_BOOL_SETTER(name, def, doc)                 \
  int lsm_options_set_##name(lsm_options* opts, int on) { \
    return Guard([&] {                                    \
      LSM_OPTS_REQUIRE();                                 \
      if (int rc = CheckBool(on, #name)) return rc;       \
      opts->o.name = on;                                  \
      return LSM_OK;                                      \
    });                                                   \
  }
#define LSM_C_SIZE_SETTER(name, type, min, max, def, doc)                                \
  int lsm_options_set_##name(lsm_options* opts, size_t bytes) {                          \
    return Guard([&] {                                                                   \
      LSM_OPTS_REQUIRE();                                                                \
      if (int rc = FromStatus(lsm::CheckOptionRange(#name, static_cast<uint64_t>(bytes), \
                                                    static_cast<uint64_t>(min),          \
                                                    static_cast<uint64_t>(max)))) {      \
        return rc;                                                                       \
      }                                                                                  \
      opts->o.name = bytes;                                                              \
      return LSM_OK;                                                                     \
    });                                                                                  \
  }
#define LSM_C_INT_SETTER(name, min, max, def, doc)                                  \
  int lsm_options_set_##name(lsm_options* opts, int n) {                            \
    return Guard([&] {                                                              \
      LSM_OPTS_REQUIRE();                                                           \
      if (int rc = FromStatus(lsm::CheckOptionRange(#name, static_cast<int64_t>(n), \
                                                    static_cast<int64_t>(min),      \
                                                    static_cast<int64_t>(max)))) {  \
        return rc;                                                                  \
      }                                                                             \
      opts->o.name = n;                                                             \
      return LSM_OK;                                                                \
    });                                                                             \
  }
// An enum setter takes the lsm.h constants of its row's values.
#define LSM_C_ENUM_CASE(spelling, enumerator, c_code) \
  if (code == (c_code)) {                             \
    field = E::enumerator;                            \
    return LSM_OK;                                    \
  }
#define LSM_C_ENUM_CONSTANT(spelling, enumerator, c_code) #c_code,
#define LSM_C_ENUM_SETTER(name, type, def, values, doc)                                            \
  int lsm_options_set_##name(lsm_options* opts, int code) {                                        \
    return Guard([&] {                                                                             \
      LSM_OPTS_REQUIRE();                                                                          \
      using E = lsm::type;                                                                         \
      E& field = opts->o.name;                                                                     \
      values(LSM_C_ENUM_CASE);                                                                     \
      return Fail(LSM_INVALID, #name " must be " +                                                 \
                                   lsm::OptionAlternatives({values(LSM_C_ENUM_CONSTANT)}, false) + \
                                   ", got " + std::to_string(code));                               \
    });                                                                                            \
  }
#define LSM_C_CORE_ONLY(name, min, max, def, doc)

LSM_OPTION_TABLE(LSM_C_BOOL_SETTER, LSM_C_SIZE_SETTER, LSM_C_INT_SETTER, LSM_C_ENUM_SETTER,
                 LSM_C_CORE_ONLY)

namespace {

int ParseBool(const std::string& name, const char* value, int* out) {
  std::string v(value);
  if (v == "1" || v == "true") {
    *out = 1;
  } else if (v == "0" || v == "false") {
    *out = 0;
  } else {
    return Fail(LSM_INVALID, name + ": expected 0, 1, true or false, got \"" + v + "\"");
  }
  return LSM_OK;
}

int ParseSize(const std::string& name, const char* value, unsigned long long max,
              unsigned long long* out) {
  std::string v(value);
  bool digits = !v.empty() && v.size() <= 20;
  for (char c : v) digits = digits && c >= '0' && c <= '9';
  errno = 0;
  unsigned long long n = digits ? std::strtoull(v.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE || n > max) {
    return Fail(LSM_INVALID, name + ": expected a decimal number, got \"" + v + "\"");
  }
  *out = n;
  return LSM_OK;
}

}  // namespace

// lsm_options_set: each C ABI row of the table is a name; its value is
// parsed by the row's kind and handed to the row's typed setter, which
// checks the range.
#define LSM_C_SET_BOOL(name, def, doc)               \
  if (n == #name) {                                  \
    int b;                                           \
    if (int rc = ParseBool(n, value, &b)) return rc; \
    return lsm_options_set_##name(opts, b);          \
  }
#define LSM_C_SET_SIZE(name, type, min, max, def, doc)         \
  if (n == #name) {                                            \
    unsigned long long u;                                      \
    if (int rc = ParseSize(n, value, SIZE_MAX, &u)) return rc; \
    return lsm_options_set_##name(opts, u);                    \
  }
#define LSM_C_SET_INT(name, min, max, def, doc)                 \
  if (n == #name) {                                             \
    unsigned long long u;                                       \
    if (int rc = ParseSize(n, value, INT32_MAX, &u)) return rc; \
    return lsm_options_set_##name(opts, static_cast<int>(u));   \
  }
#define LSM_C_SET_ENUM_CASE(spelling, enumerator, c_code) \
  if (v == spelling) return set(c_code);
#define LSM_C_ENUM_SPELLING(spelling, enumerator, c_code) spelling,
#define LSM_C_SET_ENUM(name, type, def, values, doc)                                            \
  if (n == #name) {                                                                             \
    const std::string v(value);                                                                 \
    auto set = [&](int code) { return lsm_options_set_##name(opts, code); };                    \
    values(LSM_C_SET_ENUM_CASE);                                                                \
    return Fail(LSM_INVALID, #name ": expected " +                                              \
                                 lsm::OptionAlternatives({values(LSM_C_ENUM_SPELLING)}, true) + \
                                 ", got \"" + v + "\"");                                        \
  }

int lsm_options_set(lsm_options* opts, const char* name, const char* value) {
  return Guard([&]() -> int {
    LSM_OPTS_REQUIRE();
    LSM_REQUIRE(name != nullptr, "option name is NULL");
    LSM_REQUIRE(value != nullptr, "option value is NULL");
    const std::string n(name);
    LSM_OPTION_TABLE(LSM_C_SET_BOOL, LSM_C_SET_SIZE, LSM_C_SET_INT, LSM_C_SET_ENUM, LSM_C_CORE_ONLY)
    return Fail(LSM_INVALID, "unknown option \"" + n + "\"");
  });
}

int lsm_read_options_create(lsm_read_options** out) {
  return Guard([&] {
    LSM_REQUIRE(out != nullptr, "out is NULL");
    *out = new lsm_read_options();
    return LSM_OK;
  });
}

void lsm_read_options_destroy(lsm_read_options* ropts) { delete ropts; }

int lsm_read_options_set_snapshot(lsm_read_options* ropts, const lsm_snapshot* snap) {
  LSM_REQUIRE(ropts != nullptr, "read options handle is NULL");
  ropts->snap = snap;
  ropts->o.snapshot = snap ? snap->snap : nullptr;
  return LSM_OK;
}

int lsm_read_options_set_verify_checksums(lsm_read_options* ropts, int on) {
  LSM_REQUIRE(ropts != nullptr, "read options handle is NULL");
  if (int rc = CheckBool(on, "verify_checksums")) return rc;
  ropts->o.verify_checksums = on;
  return LSM_OK;
}

int lsm_read_options_set_fill_cache(lsm_read_options* ropts, int on) {
  LSM_REQUIRE(ropts != nullptr, "read options handle is NULL");
  if (int rc = CheckBool(on, "fill_cache")) return rc;
  ropts->o.fill_cache = on;
  return LSM_OK;
}

int lsm_read_options_set_lower_bound(lsm_read_options* ropts, const void* key, size_t len) {
  return Guard([&] {
    LSM_REQUIRE(ropts != nullptr, "read options handle is NULL");
    if (int rc = CheckKey(key, len)) return rc;
    ropts->o.has_lower_bound = key != nullptr;
    ropts->o.lower_bound.assign(Bytes(key, len));
    return LSM_OK;
  });
}

int lsm_read_options_set_upper_bound(lsm_read_options* ropts, const void* key, size_t len) {
  return Guard([&] {
    LSM_REQUIRE(ropts != nullptr, "read options handle is NULL");
    if (int rc = CheckKey(key, len)) return rc;
    ropts->o.has_upper_bound = key != nullptr;
    ropts->o.upper_bound.assign(Bytes(key, len));
    return LSM_OK;
  });
}

int lsm_write_options_create(lsm_write_options** out) {
  return Guard([&] {
    LSM_REQUIRE(out != nullptr, "out is NULL");
    *out = new lsm_write_options();
    return LSM_OK;
  });
}

void lsm_write_options_destroy(lsm_write_options* wopts) { delete wopts; }

int lsm_write_options_set_sync(lsm_write_options* wopts, int on) {
  LSM_REQUIRE(wopts != nullptr, "write options handle is NULL");
  if (int rc = CheckBool(on, "sync")) return rc;
  wopts->o.sync = on;
  return LSM_OK;
}

// ------------------------------------------------------------ database

int lsm_open(const char* path, const lsm_options* opts, lsm_db** out) {
  return Guard([&] {
    LSM_REQUIRE(path != nullptr, "path is NULL");
    LSM_REQUIRE(out != nullptr, "out is NULL");
    LSM_REQUIRE(path[0] != '\0', "path is empty");
    lsm::Options o = opts ? opts->o : lsm::Options();
    CountForksOnce();
    auto handle = std::make_unique<lsm_db>();
    handle->fork_generation = ForkGeneration();
    int rc = FromStatus(lsm::DB::Open(o, path, &handle->db));
    if (rc == LSM_OK) *out = handle.release();
    return rc;
  });
}

int lsm_close(lsm_db* db) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    int iters = db->open_iterators.load(), snaps = db->open_snapshots.load();
    if (iters > 0 || snaps > 0) {
      return Fail(LSM_BUSY, "cannot close: " + std::to_string(iters) + " iterator(s) and " +
                                std::to_string(snaps) + " snapshot(s) still open");
    }
    // Freed whatever Close met: the handle is gone either way.
    const lsm::Status s = db->db->Close();
    delete db;
    return FromStatus(s);
  });
}

int lsm_put(lsm_db* db, const lsm_write_options* wopts, const void* key, size_t klen,
            const void* val, size_t vlen) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    if (int rc = CheckKey(key, klen)) return rc;
    if (int rc = CheckValue(val, vlen)) return rc;
    return FromStatus(db->db->Put(wopts ? wopts->o : kDefaultWrite, Bytes(key, klen), Bytes(val, vlen)));
  });
}

int lsm_delete(lsm_db* db, const lsm_write_options* wopts, const void* key, size_t klen) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    if (int rc = CheckKey(key, klen)) return rc;
    return FromStatus(db->db->Delete(wopts ? wopts->o : kDefaultWrite, Bytes(key, klen)));
  });
}

int lsm_write(lsm_db* db, const lsm_write_options* wopts, const lsm_batch* batch) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    LSM_REQUIRE(batch != nullptr, "batch handle is NULL");
    return FromStatus(db->db->Write(wopts ? wopts->o : kDefaultWrite, batch->b));
  });
}

int lsm_get(lsm_db* db, const lsm_read_options* ropts, const void* key, size_t klen, void** val,
            size_t* vlen) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    LSM_REQUIRE(val != nullptr, "val is NULL");
    LSM_REQUIRE(vlen != nullptr, "vlen is NULL");
    if (int rc = CheckKey(key, klen)) return rc;
    const lsm::ReadOptions* ro;
    if (int rc = ResolveRead(db, ropts, &ro)) return rc;
    std::string value;
    lsm::Status s = db->db->Get(*ro, Bytes(key, klen), &value);
    if (s.IsNotFound()) return Fail(LSM_NOT_FOUND, "key not found");
    if (!s.ok()) return FromStatus(s);
    void* p = std::malloc(value.empty() ? 1 : value.size());
    if (p == nullptr) return Fail(LSM_NO_MEMORY, "out of memory copying the value");
    std::memcpy(p, value.data(), value.size());
    *val = p;
    *vlen = value.size();
    return LSM_OK;
  });
}

int lsm_get_into(lsm_db* db, const lsm_read_options* ropts, const void* key, size_t klen,
                 void* buf, size_t cap, size_t* vlen) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    LSM_REQUIRE(BytesOk(buf, cap), "buf is NULL with a non-zero capacity");
    LSM_REQUIRE(vlen != nullptr, "vlen is NULL");
    if (int rc = CheckKey(key, klen)) return rc;
    const lsm::ReadOptions* ro;
    if (int rc = ResolveRead(db, ropts, &ro)) return rc;
    // Reused per thread so that repeated lookups do not allocate.
    thread_local std::string value;
    lsm::Status s = db->db->Get(*ro, Bytes(key, klen), &value);
    if (s.IsNotFound()) return Fail(LSM_NOT_FOUND, "key not found");
    if (!s.ok()) return FromStatus(s);
    if (cap > 0) std::memcpy(buf, value.data(), std::min(cap, value.size()));
    *vlen = value.size();
    return LSM_OK;
  });
}

int lsm_flush(lsm_db* db) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    return FromStatus(db->db->Flush());
  });
}

int lsm_wait_for_compactions(lsm_db* db) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    return FromStatus(db->db->WaitForCompactions());
  });
}

int lsm_compact_range(lsm_db* db, const void* begin, size_t blen, const void* end, size_t elen) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    if (int rc = CheckRangeEnd(begin, blen, "begin")) return rc;
    if (int rc = CheckRangeEnd(end, elen, "end")) return rc;
    std::string b(Bytes(begin, blen)), e(Bytes(end, elen));
    return FromStatus(db->db->CompactRange(begin ? &b : nullptr, end ? &e : nullptr));
  });
}

int lsm_approximate_size(lsm_db* db, const void* begin, size_t blen, const void* end,
                         size_t elen, uint64_t* size) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    LSM_REQUIRE(size != nullptr, "size is NULL");
    if (int rc = CheckRangeEnd(begin, blen, "begin")) return rc;
    if (int rc = CheckRangeEnd(end, elen, "end")) return rc;
    std::string b(Bytes(begin, blen)), e(Bytes(end, elen));
    uint64_t n = 0;
    int rc = FromStatus(db->db->ApproximateSize(begin ? &b : nullptr, end ? &e : nullptr, &n));
    if (rc == LSM_OK) *size = n;
    return rc;
  });
}

int lsm_property(lsm_db* db, const char* name, char** out) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    LSM_REQUIRE(name != nullptr, "property name is NULL");
    LSM_REQUIRE(out != nullptr, "out is NULL");
    std::string value;
    if (!db->db->GetProperty(name, &value)) {
      return Fail(LSM_NOT_FOUND, std::string("unknown property \"") + name + "\"");
    }
    char* p = static_cast<char*>(std::malloc(value.size() + 1));
    if (p == nullptr) return Fail(LSM_NO_MEMORY, "out of memory copying the property");
    std::memcpy(p, value.c_str(), value.size() + 1);
    *out = p;
    return LSM_OK;
  });
}

int lsm_destroy(const char* path) {
  return Guard([&] {
    LSM_REQUIRE(path != nullptr, "path is NULL");
    LSM_REQUIRE(path[0] != '\0', "path is empty");
    return FromStatus(lsm::DB::Destroy(path));
  });
}

// --------------------------------------------------------------- batch

int lsm_batch_create(lsm_batch** out) {
  return Guard([&] {
    LSM_REQUIRE(out != nullptr, "out is NULL");
    *out = new lsm_batch();
    return LSM_OK;
  });
}

void lsm_batch_destroy(lsm_batch* batch) { delete batch; }

int lsm_batch_put(lsm_batch* batch, const void* key, size_t klen, const void* val, size_t vlen) {
  return Guard([&] {
    LSM_REQUIRE(batch != nullptr, "batch handle is NULL");
    if (int rc = CheckKey(key, klen)) return rc;
    if (int rc = CheckValue(val, vlen)) return rc;
    // Refuse here rather than at lsm_write, so the batch stays writable.
    LSM_REQUIRE(batch->b.ApproximateSize() + klen + vlen + 11 <= lsm::kMaxBatchSize,
                "batch would exceed LSM_MAX_BATCH_SIZE");
    batch->b.Put(Bytes(key, klen), Bytes(val, vlen));
    return LSM_OK;
  });
}

int lsm_batch_delete(lsm_batch* batch, const void* key, size_t klen) {
  return Guard([&] {
    LSM_REQUIRE(batch != nullptr, "batch handle is NULL");
    if (int rc = CheckKey(key, klen)) return rc;
    LSM_REQUIRE(batch->b.ApproximateSize() + klen + 6 <= lsm::kMaxBatchSize,
                "batch would exceed LSM_MAX_BATCH_SIZE");
    batch->b.Delete(Bytes(key, klen));
    return LSM_OK;
  });
}

int lsm_batch_clear(lsm_batch* batch) {
  LSM_REQUIRE(batch != nullptr, "batch handle is NULL");
  batch->b.Clear();
  return LSM_OK;
}

size_t lsm_batch_count(const lsm_batch* batch) { return batch ? batch->b.Count() : 0; }

// ----------------------------------------------------------- snapshots

int lsm_snapshot_create(lsm_db* db, lsm_snapshot** out) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    LSM_REQUIRE(out != nullptr, "out is NULL");
    auto snap = std::make_unique<lsm_snapshot>();
    snap->db = db;
    {
      std::lock_guard<std::mutex> l(g_snapshots_mu);
      g_snapshots.insert(snap.get());
    }
    snap->snap = db->db->GetSnapshot();
    db->open_snapshots++;
    *out = snap.release();
    return LSM_OK;
  });
}

int lsm_snapshot_release(lsm_snapshot* snap) {
  if (snap == nullptr) return LSM_OK;
  {
    std::lock_guard<std::mutex> l(g_snapshots_mu);
    auto found = g_snapshots.find(snap);
    if (found == g_snapshots.end()) {
      return Fail(LSM_INVALID, "snapshot handle is not live (released twice?)");
    }
    if (snap->db->fork_generation != ForkGeneration()) return Fail(LSM_INVALID, kInheritedHandle);
    g_snapshots.erase(found);
  }
  snap->db->db->ReleaseSnapshot(snap->snap);
  snap->db->open_snapshots--;
  delete snap;
  return LSM_OK;
}

// ----------------------------------------------------------- iterators

int lsm_iter_open(lsm_db* db, const lsm_read_options* ropts, lsm_iter** out) {
  return Guard([&] {
    LSM_DB_REQUIRE(db);
    LSM_REQUIRE(out != nullptr, "out is NULL");
    const lsm::ReadOptions* ro;
    if (int rc = ResolveRead(db, ropts, &ro)) return rc;
    auto it = std::make_unique<lsm_iter>();
    it->db = db;
    it->it = db->db->NewIterator(*ro);
    db->open_iterators++;
    *out = it.release();
    return LSM_OK;
  });
}

void lsm_iter_close(lsm_iter* it) {
  if (it == nullptr) return;
  if (it->db->fork_generation != ForkGeneration()) return;  // the parent's: left alone
  lsm_db* db = it->db;
  delete it;
  db->open_iterators--;
}

#define LSM_ITER_REQUIRE()                                                      \
  do {                                                                          \
    LSM_REQUIRE(it != nullptr, "iterator handle is NULL");                      \
    LSM_REQUIRE(it->db->fork_generation == ForkGeneration(), kInheritedHandle); \
  } while (0)

namespace {

// Status after a move: OK unless the iterator stopped on an error.
int AfterMove(lsm_iter* it) {
  it->yielded = false;
  return FromStatus(it->it->status());
}

int Yield(lsm_iter* it, const void** key, size_t* klen, const void** val, size_t* vlen) {
  if (!it->it->Valid()) {
    it->yielded = false;
    int rc = FromStatus(it->it->status());
    return rc != LSM_OK ? rc : Fail(LSM_NOT_FOUND, "iterator is exhausted");
  }
  std::string_view k = it->it->key(), v = it->it->value();
  *key = k.data();
  *klen = k.size();
  *val = v.data();
  *vlen = v.size();
  it->yielded = true;
  return LSM_OK;
}

}  // namespace

int lsm_iter_seek_first(lsm_iter* it) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    it->it->SeekToFirst();
    return AfterMove(it);
  });
}

int lsm_iter_seek_last(lsm_iter* it) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    it->it->SeekToLast();
    return AfterMove(it);
  });
}

int lsm_iter_seek(lsm_iter* it, const void* target, size_t len) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    if (int rc = CheckKey(target, len)) return rc;
    it->it->Seek(Bytes(target, len));
    return AfterMove(it);
  });
}

int lsm_iter_seek_for_prev(lsm_iter* it, const void* target, size_t len) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    if (int rc = CheckKey(target, len)) return rc;
    it->it->SeekForPrev(Bytes(target, len));
    return AfterMove(it);
  });
}

int lsm_iter_next(lsm_iter* it) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    LSM_REQUIRE(it->it->Valid(), "iterator is not positioned on an entry");
    it->it->Next();
    return AfterMove(it);
  });
}

int lsm_iter_prev(lsm_iter* it) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    LSM_REQUIRE(it->it->Valid(), "iterator is not positioned on an entry");
    it->it->Prev();
    return AfterMove(it);
  });
}

int lsm_iter_valid(const lsm_iter* it) { return it != nullptr && it->it->Valid() ? 1 : 0; }

const void* lsm_iter_key(const lsm_iter* it, size_t* len) {
  if (it == nullptr || !it->it->Valid()) {
    if (len) *len = 0;
    return nullptr;
  }
  std::string_view k = it->it->key();
  if (len) *len = k.size();
  return k.data();
}

const void* lsm_iter_value(const lsm_iter* it, size_t* len) {
  if (it == nullptr || !it->it->Valid()) {
    if (len) *len = 0;
    return nullptr;
  }
  std::string_view v = it->it->value();
  if (len) *len = v.size();
  return v.data();
}

int lsm_iter_status(const lsm_iter* it) {
  LSM_ITER_REQUIRE();
  return FromStatus(it->it->status());
}

int lsm_iter_next_entry(lsm_iter* it, const void** key, size_t* klen, const void** val,
                        size_t* vlen) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    LSM_REQUIRE(key && klen && val && vlen, "an output pointer is NULL");
    if (it->yielded && it->it->Valid()) it->it->Next();
    return Yield(it, key, klen, val, vlen);
  });
}

int lsm_iter_prev_entry(lsm_iter* it, const void** key, size_t* klen, const void** val,
                        size_t* vlen) {
  return Guard([&] {
    LSM_ITER_REQUIRE();
    LSM_REQUIRE(key && klen && val && vlen, "an output pointer is NULL");
    if (it->yielded && it->it->Valid()) it->it->Prev();
    return Yield(it, key, klen, val, vlen);
  });
}

}  // extern "C"
