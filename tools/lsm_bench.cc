// lsm_bench: measures liblsm through its C ABI (what a user gets) on
// db_bench-style workloads and prints a table of throughput and latency.
//
//   lsm_bench --db=DIR [--num=N] [--benchmarks=fillseq,readrandom,...]
//             [--key_size=16] [--value_size=100] [--write_buffer_size=BYTES]
//             [--cache_size=BYTES] [--bloom_bits=10] [--block_size=4096]
//             [--compression=lz4|none] [--sync=0|1] [--seed=N] [--threads=N]
//
// Keys are zero-padded decimal numbers of key_size bytes; values are
// half-compressible (a random fragment of half the length, repeated), as in
// LevelDB's db_bench. Workloads run in the order given against one database;
// fill* workloads start from an empty database. Two pseudo-workloads help
// long runs: "compact" compacts the whole database (lsm_compact_range) and
// "stats" prints the lsm.stats property. With --threads=N, N threads
// share the operations of each workload (readseq/readreverse: each thread
// scans the whole database).
#include <lsm.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

struct Flags {
  std::string db;
  std::string benchmarks = "fillseq,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,seekrandom,deleterandom";
  long long num = 1000000;
  int key_size = 16;
  int value_size = 100;
  long long write_buffer_size = 64ll << 20;
  long long cache_size = 32ll << 20;
  int bloom_bits = 10;
  int block_size = 4096;
  std::string compression = "lz4";
  int sync = 0;
  unsigned seed = 301;
  int threads = 1;
};

[[noreturn]] void Usage(const char* msg) {
  std::fprintf(stderr, "lsm_bench: %s\n", msg);
  std::fprintf(stderr,
               "usage: lsm_bench --db=DIR [--num=N] [--benchmarks=a,b,...] [--key_size=N]\n"
               "       [--value_size=N] [--write_buffer_size=N] [--cache_size=N] [--bloom_bits=N]\n"
               "       [--block_size=N] [--compression=lz4|none] [--sync=0|1] [--seed=N] [--threads=N]\n");
  std::exit(2);
}

long long ParseInt(const std::string& name, const std::string& v) {
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0) Usage(("bad value for --" + name + ": " + v).c_str());
  return n;
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a.find('=') == std::string::npos) Usage(("bad argument " + a).c_str());
    std::string name = a.substr(2, a.find('=') - 2), v = a.substr(a.find('=') + 1);
    if (name == "db") f.db = v;
    else if (name == "benchmarks") f.benchmarks = v;
    else if (name == "num") f.num = ParseInt(name, v);
    else if (name == "key_size") f.key_size = static_cast<int>(ParseInt(name, v));
    else if (name == "value_size") f.value_size = static_cast<int>(ParseInt(name, v));
    else if (name == "write_buffer_size") f.write_buffer_size = ParseInt(name, v);
    else if (name == "cache_size") f.cache_size = ParseInt(name, v);
    else if (name == "bloom_bits") f.bloom_bits = static_cast<int>(ParseInt(name, v));
    else if (name == "block_size") f.block_size = static_cast<int>(ParseInt(name, v));
    else if (name == "compression") f.compression = v;
    else if (name == "sync") f.sync = static_cast<int>(ParseInt(name, v));
    else if (name == "seed") f.seed = static_cast<unsigned>(ParseInt(name, v));
    else if (name == "threads") f.threads = static_cast<int>(ParseInt(name, v));
    else Usage(("unknown flag --" + name).c_str());
  }
  if (f.db.empty()) Usage("--db is required");
  if (f.key_size < 8 || f.key_size > 1024) Usage("--key_size must be in [8, 1024]");
  if (f.num < 1) Usage("--num must be positive");
  if (f.threads < 1 || f.threads > 256) Usage("--threads must be in [1, 256]");
  if (f.compression != "lz4" && f.compression != "none") Usage("--compression must be lz4 or none");
  return f;
}

void Check(int rc, const char* what) {
  if (rc != LSM_OK) {
    std::fprintf(stderr, "lsm_bench: %s failed: %s (%s)\n", what, lsm_strerror(rc), lsm_last_error());
    std::exit(1);
  }
}

// Half-compressible values from a pool, as db_bench makes them.
class ValueSource {
 public:
  ValueSource(int value_size, unsigned seed) : size_(value_size) {
    std::mt19937 rng(seed);
    while (pool_.size() < static_cast<size_t>(std::max(1 << 20, value_size * 4))) {
      const int piece = 100;
      std::string fragment(piece / 2, '\0');
      for (char& c : fragment) c = static_cast<char>(' ' + rng() % 95);
      std::string chunk;
      while (chunk.size() < static_cast<size_t>(piece)) chunk += fragment;
      chunk.resize(piece);
      pool_ += chunk;
    }
  }
  const char* Next() {
    if (pos_ + size_ > pool_.size()) pos_ = 0;
    const char* p = pool_.data() + pos_;
    pos_ += size_;
    return p;
  }

 private:
  std::string pool_;
  size_t size_;
  size_t pos_ = 0;
};

struct Result {
  std::string name;
  long long ops = 0;
  long long found = 0;
  double seconds = 0;
  double bytes = 0;
  std::vector<uint32_t> lat_ns;
};

double Percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i] / 1000.0;
}

// What each benchmark thread owns.
struct ThreadState {
  ThreadState(const Flags& f, unsigned seed) : values(f.value_size, seed), rng(seed) {
    key.resize(static_cast<size_t>(f.key_size));
  }
  ValueSource values;
  std::mt19937_64 rng;
  std::string key;
  char buf[64 * 1024];
  std::vector<uint32_t> lat_ns;
  long long found = 0;
  double bytes = 0;
};

class Bench {
 public:
  explicit Bench(const Flags& f) : f_(f) {}

  void Open(bool fresh) {
    if (fresh) Check(lsm_destroy(f_.db.c_str()), "lsm_destroy");
    lsm_options* o;
    Check(lsm_options_create(&o), "lsm_options_create");
    Check(lsm_options_set_write_buffer_size(o, static_cast<size_t>(f_.write_buffer_size)), "write_buffer_size");
    Check(lsm_options_set_block_cache_size(o, static_cast<size_t>(f_.cache_size)), "block_cache_size");
    Check(lsm_options_set_bloom_bits_per_key(o, f_.bloom_bits), "bloom_bits_per_key");
    Check(lsm_options_set_block_size(o, static_cast<size_t>(f_.block_size)), "block_size");
    Check(lsm_options_set(o, "compression", f_.compression.c_str()), "compression");
    Check(lsm_open(f_.db.c_str(), o, &db_), "lsm_open");
    lsm_options_destroy(o);
  }

  void Close() {
    Check(lsm_close(db_), "lsm_close");
    db_ = nullptr;
  }

  Result Run(const std::string& name) {
    Result r;
    r.name = name;
    if (name.rfind("fill", 0) == 0) {
      if (db_) Close();
      Open(true);
    }
    const long long n = name == "fillsync" ? std::max(1ll, f_.num / 100) : f_.num;
    const bool sync = name == "fillsync" || f_.sync;
    std::vector<std::unique_ptr<ThreadState>> states;
    for (int t = 0; t < f_.threads; t++) {
      states.push_back(std::make_unique<ThreadState>(f_, f_.seed + 1000u * static_cast<unsigned>(t)));
    }
    std::function<void(ThreadState&, long long)> op;
    bool scan = false, forward = true;
    if (name == "fillseq") {
      op = [&](ThreadState& t, long long i) { Put(t, i, sync); };
    } else if (name == "fillrandom" || name == "overwrite" || name == "fillsync") {
      op = [&](ThreadState& t, long long) { Put(t, Rand(t), sync); };
    } else if (name == "readrandom") {
      op = [&](ThreadState& t, long long) {
        if (Get(t, Rand(t), false)) {
          t.found++;
          t.bytes += f_.key_size + f_.value_size;
        }
      };
    } else if (name == "readmissing") {
      op = [&](ThreadState& t, long long) { t.found += Get(t, Rand(t), true); };
    } else if (name == "seekrandom") {
      op = [&](ThreadState& t, long long) {
        lsm_iter* it;
        Check(lsm_iter_open(db_, nullptr, &it), "lsm_iter_open");
        MakeKey(t, Rand(t), false);
        Check(lsm_iter_seek(it, t.key.data(), t.key.size()), "lsm_iter_seek");
        t.found += lsm_iter_valid(it);
        lsm_iter_close(it);
      };
    } else if (name == "deleterandom") {
      op = [&](ThreadState& t, long long) {
        MakeKey(t, Rand(t), false);
        Check(lsm_delete(db_, sync ? wo_sync_ : nullptr, t.key.data(), t.key.size()), "lsm_delete");
      };
    } else if (name == "readseq" || name == "readreverse") {
      scan = true;
      forward = name == "readseq";
    } else if (name == "compact" || name == "stats") {
      // Not timed per operation: a full lsm_compact_range, or a dump of the
      // lsm.stats property.
      auto t0 = std::chrono::steady_clock::now();
      if (name == "compact") {
        Check(lsm_compact_range(db_, nullptr, 0, nullptr, 0), "lsm_compact_range");
      } else {
        std::printf("%s", Property("lsm.stats").c_str());
      }
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      r.ops = 1;
      return r;
    } else {
      std::fprintf(stderr, "lsm_bench: unknown benchmark %s\n", name.c_str());
      std::exit(2);
    }

    auto t0 = std::chrono::steady_clock::now();
    auto body = [&](int tid) {
      ThreadState& t = *states[static_cast<size_t>(tid)];
      if (scan) {
        Scan(t, forward);
        return;
      }
      // Thread tid does operations tid, tid + threads, ...
      const long long mine = (n - tid + f_.threads - 1) / f_.threads;
      t.lat_ns.reserve(static_cast<size_t>(mine));
      for (long long k = 0; k < mine; k++) {
        const long long i = tid + k * f_.threads;
        auto s = std::chrono::steady_clock::now();
        op(t, i);
        t.lat_ns.push_back(static_cast<uint32_t>(std::min<long long>(
            UINT32_MAX, std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - s).count())));
        if (tid == 0 && mine >= 1000000 && k % (mine / 10) == 0 && k > 0) {
          std::fprintf(stderr, "  %s: %lld%%\r", name.c_str(), k * 100 / mine);
        }
      }
    };
    if (f_.threads == 1) {
      body(0);
    } else {
      std::vector<std::thread> threads;
      for (int t = 0; t < f_.threads; t++) threads.emplace_back(body, t);
      for (auto& th : threads) th.join();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& t : states) {
      r.found += t->found;
      r.bytes += t->bytes;
      r.lat_ns.insert(r.lat_ns.end(), t->lat_ns.begin(), t->lat_ns.end());
      if (scan) r.ops += t->found;
    }
    if (!scan) r.ops = n;
    if (name.rfind("fill", 0) == 0 || name == "overwrite") {
      r.bytes = static_cast<double>(r.ops) * (f_.key_size + f_.value_size);
    }
    return r;
  }

  std::string Property(const char* name) {
    char* p = nullptr;
    if (lsm_property(db_, name, &p) != LSM_OK) return "";
    std::string s(p);
    lsm_free(p);
    return s;
  }

  lsm_db* db() { return db_; }

  ~Bench() {
    lsm_write_options_destroy(wo_sync_);
  }

 private:
  long long Rand(ThreadState& t) { return static_cast<long long>(t.rng() % static_cast<uint64_t>(f_.num)); }

  void MakeKey(ThreadState& t, long long i, bool missing) {
    // Missing keys end in '.', which no decimal key has.
    std::snprintf(t.key.data(), t.key.size() + 1, "%0*lld", f_.key_size, i);
    if (missing) t.key[t.key.size() - 1] = '.';
  }

  void Put(ThreadState& t, long long i, bool sync) {
    MakeKey(t, i, false);
    Check(lsm_put(db_, sync ? wo_sync_ : nullptr, t.key.data(), t.key.size(), t.values.Next(),
                  static_cast<size_t>(f_.value_size)),
          "lsm_put");
  }

  int Get(ThreadState& t, long long i, bool missing) {
    MakeKey(t, i, missing);
    size_t vlen;
    int rc = lsm_get_into(db_, nullptr, t.key.data(), t.key.size(), t.buf, sizeof(t.buf), &vlen);
    if (rc == LSM_NOT_FOUND) return 0;
    Check(rc, "lsm_get_into");
    return 1;
  }

  // One full scan through the fused call; latency is the mean per entry
  // (entries are too cheap to time one by one).
  void Scan(ThreadState& t, bool forward) {
    lsm_iter* it;
    Check(lsm_iter_open(db_, nullptr, &it), "lsm_iter_open");
    Check(forward ? lsm_iter_seek_first(it) : lsm_iter_seek_last(it), "seek");
    const void *k, *v;
    size_t kl, vl;
    auto s = std::chrono::steady_clock::now();
    long long count = 0;
    while ((forward ? lsm_iter_next_entry(it, &k, &kl, &v, &vl)
                    : lsm_iter_prev_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
      t.bytes += static_cast<double>(kl + vl);
      count++;
    }
    Check(lsm_iter_status(it), "iteration");
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - s).count();
    lsm_iter_close(it);
    t.found = count;
    if (count > 0) t.lat_ns.assign(1, static_cast<uint32_t>(ns / count));
  }

  static lsm_write_options* MakeSync() {
    lsm_write_options* w;
    Check(lsm_write_options_create(&w), "lsm_write_options_create");
    Check(lsm_write_options_set_sync(w, 1), "sync");
    return w;
  }

  const Flags& f_;
  lsm_db* db_ = nullptr;
  lsm_write_options* wo_sync_ = MakeSync();
};

long long DirBytes(const std::string& dir) {
  std::string cmd = "du -sb '" + dir + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  long long n = -1;
  if (std::fscanf(p, "%lld", &n) != 1) n = -1;
  pclose(p);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f = ParseFlags(argc, argv);
  std::printf("liblsm %s  keys: %d bytes  values: %d bytes (half compressible)  entries: %lld\n",
              lsm_version(), f.key_size, f.value_size, f.num);
  std::printf("write buffer: %lld MiB  block cache: %lld MiB  bloom bits: %d  block: %d B  compression: %s  sync: %d  threads: %d\n\n",
              f.write_buffer_size >> 20, f.cache_size >> 20, f.bloom_bits, f.block_size,
              f.compression.c_str(), f.sync, f.threads);
  std::printf("%-14s %12s %10s %10s %10s %10s %10s\n", "workload", "ops/s", "MB/s", "p50 us",
              "p99 us", "p99.9 us", "found");
  Bench b(f);
  std::string list = f.benchmarks + ",";
  for (size_t pos = 0, comma; (comma = list.find(',', pos)) != std::string::npos; pos = comma + 1) {
    std::string name = list.substr(pos, comma - pos);
    if (name.empty()) continue;
    if (b.db() == nullptr && name.rfind("fill", 0) != 0) b.Open(false);
    Result r = b.Run(name);
    if (name == "stats") continue;
    if (name == "compact") {
      std::printf("%-14s %12s %10s  (took %.2f s)\n", name.c_str(), "-", "-", r.seconds);
      std::fflush(stdout);
      continue;
    }
    double ops = r.seconds > 0 ? static_cast<double>(r.ops) / r.seconds : 0;
    double mbs = r.seconds > 0 ? r.bytes / r.seconds / 1048576.0 : 0;
    std::printf("%-14s %12.0f %10.1f %10.2f %10.2f %10.2f %10lld\n", name.c_str(), ops, mbs,
                Percentile(r.lat_ns, 50), Percentile(r.lat_ns, 99), Percentile(r.lat_ns, 99.9), r.found);
    std::fflush(stdout);
  }
  if (b.db() != nullptr) {
    std::string stats = b.Property("lsm.stats");
    std::printf("\ndatabase size on disk: %.1f MiB\n", DirBytes(f.db) / 1048576.0);
    for (const char* field : {"write-amplification: ", "wal-syncs: "}) {
      size_t w = stats.find(field);
      if (w != std::string::npos) std::printf("%s\n", stats.substr(w, stats.find('\n', w) - w).c_str());
    }
    b.Close();
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS: %.1f MiB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
