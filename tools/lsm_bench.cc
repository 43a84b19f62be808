// lsm_bench: db_bench-style workloads against liblsm and, in the same run,
// against LevelDB and RocksDB, each through its own C API, each given the
// same settings; prints a side-by-side table and, with --json, writes the
// results for tools/bench_chart.py.
//
//   lsm_bench --db=DIR [--engines=lsm,leveldb,rocksdb] [--benchmarks=a,b:T,...]
//             [--num=N] [--reads=N] [--key_size=16] [--value_size=100]
//             [--write_buffer_size=BYTES] [--cache_size=BYTES] [--bloom_bits=10]
//             [--block_size=4096] [--compression=lz4|none] [--sync=0|1]
//             [--threads=N] [--seed=N] [--json=FILE] [--wal_mmap=auto|off|on]
//
// --wal_mmap is liblsm's option of that name (lsm_options_set_wal_mmap);
// the other engines have no such choice and ignore it.
//
// Workloads (db_bench's meanings): fillseq, fillrandom, overwrite,
// readrandom, readmissing, readseq, readreverse, seekrandom, deleterandom,
// fillsync, readwhilewriting; and two helpers, "compact" (compact everything,
// reporting the database's size on disk before and after: their ratio is
// the space the engine held beyond the compacted live data) and "stats"
// (print the engine's statistics). "name:T" runs one workload
// with T threads instead of --threads. fill* workloads start from an empty
// database; the others use what the workloads before them left.
//
// Keys are zero-padded decimal numbers of key_size bytes, drawn uniformly from
// [0, num); readmissing's keys end in '.', which no written key has. Values
// are half-compressible: a random fragment of half the length, repeated, as
// db_bench makes them. Threads share a workload's operations (num writes or
// --reads reads); readseq and readreverse scan everything once per thread;
// fillsync writes num/100 keys, each with a synced write; readwhilewriting
// runs the readers while one more thread overwrites random keys, and counts
// the reads. Before each timed workload the tool calls sync(2), so that
// writeback left by earlier work does not fall on it.
//
// Each engine runs in a process of its own (forked), so that its peak
// resident memory and the bytes it wrote are its own. Write amplification is
// the bytes the process passed to write(2) and friends (/proc/self/io wchar:
// log, tables, MANIFEST, whatever the engine writes), plus what it stored
// into files through shared mappings (liblsm's write-ahead log; the engine
// reports it), over the bytes of keys and values the workloads wrote.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/engine.h"

namespace {

struct Flags {
  std::string db;
  std::vector<std::string> engines = bench::AvailableEngines();
  std::string benchmarks =
      "fillseq,fillrandom,overwrite,readrandom,readrandom:2,readmissing,seekrandom,readseq,readreverse,"
      "readwhilewriting,deleterandom,fillsync,fillsync:4";
  long long num = 1000000;
  long long reads = -1;  // -1: num
  int key_size = 16;
  int value_size = 100;
  long long write_buffer_size = 64ll << 20;
  long long cache_size = 32ll << 20;
  int bloom_bits = 10;
  int block_size = 4096;
  std::string compression = "lz4";
  std::string wal_mmap = "auto";
  int sync = 0;
  unsigned seed = 301;
  int threads = 1;
  std::string json;
  std::string command_line;
};

// With an empty msg (--help): the usage on stdout, exit status 0.
[[noreturn]] void Usage(const std::string& msg) {
  FILE* out = msg.empty() ? stdout : stderr;
  if (!msg.empty()) std::fprintf(stderr, "lsm_bench: %s\n", msg.c_str());
  std::string engines;
  for (const std::string& e : bench::AvailableEngines()) engines += (engines.empty() ? "" : ",") + e;
  std::fprintf(
      out,
      "usage: lsm_bench --db=DIR [--engines=lsm,leveldb,rocksdb] [--benchmarks=a,b:THREADS,...]\n"
      "       [--num=N] [--reads=N] [--key_size=N] [--value_size=N] [--write_buffer_size=N]\n"
      "       [--cache_size=N] [--bloom_bits=N] [--block_size=N] [--compression=lz4|none]\n"
      "       [--sync=0|1] [--threads=N] [--seed=N] [--json=FILE] [--wal_mmap=auto|off|on]\n"
      "engines in this build: %s\n",
      engines.c_str());
  std::exit(msg.empty() ? 0 : 2);
}

long long ParseInt(const std::string& name, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0 || errno != 0) Usage("bad value for --" + name + ": " + v);
  return n;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 0; i < argc; i++) f.command_line += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") Usage("");
    if (a.rfind("--", 0) != 0 || a.find('=') == std::string::npos) Usage("bad argument " + a);
    std::string name = a.substr(2, a.find('=') - 2), v = a.substr(a.find('=') + 1);
    auto as_int = [&](int lo, int hi) {
      long long n = ParseInt(name, v);
      if (n < lo || n > hi) Usage("--" + name + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return static_cast<int>(n);
    };
    if (name == "db") f.db = v;
    else if (name == "engines") f.engines = Split(v);
    else if (name == "benchmarks") f.benchmarks = v;
    else if (name == "num") f.num = ParseInt(name, v);
    else if (name == "reads") f.reads = ParseInt(name, v);
    else if (name == "key_size") f.key_size = as_int(8, 1024);
    else if (name == "value_size") f.value_size = as_int(0, 1 << 20);
    else if (name == "write_buffer_size") f.write_buffer_size = ParseInt(name, v);
    else if (name == "cache_size") f.cache_size = ParseInt(name, v);
    else if (name == "bloom_bits") f.bloom_bits = as_int(0, 64);
    else if (name == "block_size") f.block_size = as_int(256, 1 << 20);
    else if (name == "compression") f.compression = v;
    else if (name == "wal_mmap") f.wal_mmap = v;
    else if (name == "sync") f.sync = as_int(0, 1);
    else if (name == "seed") f.seed = static_cast<unsigned>(ParseInt(name, v));
    else if (name == "threads") f.threads = as_int(1, 256);
    else if (name == "json") f.json = v;
    else Usage("unknown flag --" + name);
  }
  if (f.db.empty()) Usage("--db is required");
  if (f.num < 1) Usage("--num must be positive");
  if (f.reads < 0) f.reads = f.num;
  if (f.compression != "lz4" && f.compression != "none") Usage("--compression must be lz4 or none");
  if (f.wal_mmap != "auto" && f.wal_mmap != "off" && f.wal_mmap != "on") {
    Usage("--wal_mmap must be auto, off or on");
  }
  if (f.engines.empty()) Usage("--engines names no engine");
  const std::vector<std::string> have = bench::AvailableEngines();
  for (const std::string& e : f.engines) {
    if (std::find(have.begin(), have.end(), e) == have.end()) {
      std::string list;
      for (const std::string& h : have) list += (list.empty() ? "" : ",") + h;
      Usage("engine " + e + " is not in this build (it has: " + list + ")");
    }
  }
  return f;
}

// One workload as asked: a name and a thread count.
struct Workload {
  std::string name;
  int threads;
};

const char* const kWorkloads[] = {"fillseq",     "fillrandom", "overwrite",    "readrandom",
                                  "readmissing", "readseq",    "readreverse",  "seekrandom",
                                  "deleterandom", "fillsync",  "readwhilewriting", "compact", "stats"};

std::vector<Workload> ParseWorkloads(const Flags& f) {
  std::vector<Workload> out;
  for (const std::string& item : Split(f.benchmarks)) {
    Workload w{item, f.threads};
    size_t colon = item.find(':');
    if (colon != std::string::npos) {
      w.name = item.substr(0, colon);
      long long t = ParseInt("benchmarks", item.substr(colon + 1));
      if (t < 1 || t > 256) Usage("thread count in " + item + " must be in [1, 256]");
      w.threads = static_cast<int>(t);
    }
    if (std::find_if(std::begin(kWorkloads), std::end(kWorkloads), [&](const char* k) { return w.name == k; }) ==
        std::end(kWorkloads)) {
      Usage("unknown benchmark " + w.name);
    }
    out.push_back(w);
  }
  if (out.empty()) Usage("--benchmarks names no workload");
  return out;
}

// Half-compressible values from a pool, as db_bench makes them.
class ValueSource {
 public:
  ValueSource(int value_size, unsigned seed) : size_(static_cast<size_t>(value_size)) {
    std::mt19937 rng(seed);
    while (pool_.size() < std::max<size_t>(1 << 20, size_ * 4)) {
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

// What each benchmark thread owns.
struct ThreadState {
  ThreadState(const Flags& f, unsigned seed)
      : values(f.value_size, seed), rng(seed), key(static_cast<size_t>(f.key_size), '0'),
        buf(static_cast<size_t>(f.value_size) + 1) {}
  ValueSource values;
  std::mt19937_64 rng;
  std::string key;
  std::vector<char> buf;
  std::vector<uint32_t> lat_ns;
  long long found = 0;
  long long scanned = 0;
  double bytes = 0;          // bytes read or written
  double written_bytes = 0;  // key and value bytes handed to the engine to write
};

// One workload's outcome on one engine.
struct Result {
  std::string engine;
  int step = 0;  // the workload's position in --benchmarks (a workload may repeat)
  std::string workload;
  int threads = 1;
  long long ops = 0;
  long long found = -1;  // -1: not a read workload
  double seconds = 0;
  double bytes = 0;
  double p50 = 0, p99 = 0, p999 = 0;  // microseconds
  long long db_bytes_before = 0, db_bytes_after = 0;  // compact only
  double ops_per_sec() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  double mb_per_sec() const { return seconds > 0 ? bytes / seconds / 1048576.0 : 0; }
};

// One engine's whole-run figures.
struct EngineSummary {
  std::string name, version, compression;
  long long db_bytes = 0;
  double written_bytes = 0;  // by the process (wchar)
  double user_bytes = 0;     // keys and values handed to the engine
  long long peak_rss_kb = 0;
  double write_amplification() const { return user_bytes > 0 ? written_bytes / user_bytes : 0; }
};

double Percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i] / 1000.0;
}

long long ProcWrittenBytes() {
  std::ifstream in("/proc/self/io");
  std::string field;
  long long value;
  while (in >> field >> value) {
    if (field == "wchar:") return value;
  }
  return 0;
}

long long DirBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  long long total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      auto size = it->file_size(size_ec);
      if (!size_ec) total += static_cast<long long>(size);
    }
  }
  return total;
}

// Runs every workload against one engine; lives in the engine's own process.
class Runner {
 public:
  Runner(const Flags& f, bench::Engine& engine, std::string dir) : f_(f), e_(engine), dir_(std::move(dir)) {}

  Result Run(const Workload& w) {
    Result r;
    r.engine = e_.name();
    r.workload = w.name;
    r.threads = w.threads;
    const std::string& name = w.name;
    if (name.rfind("fill", 0) == 0) {
      if (e_.is_open()) e_.Close();
      e_.Open(true);
    } else if (!e_.is_open()) {
      e_.Open(false);
    }
    if (name == "compact" || name == "stats") {
      auto t0 = std::chrono::steady_clock::now();
      if (name == "compact") {
        r.db_bytes_before = DirBytes(dir_);
        e_.CompactAll();
        r.db_bytes_after = DirBytes(dir_);
      } else {
        // With --json=- stdout carries only the JSON.
        FILE* out = f_.json == "-" ? stderr : stdout;
        std::fprintf(out, "[%s] statistics:\n%s\n", e_.name(), e_.Stats().c_str());
        std::fflush(out);
      }
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return r;
    }

    // Start every timed workload with no dirty pages left by the one
    // before (or by another engine's run): the kernel's writeback of those
    // would otherwise land on whichever workload comes next.
    ::sync();

    const bool sync = name == "fillsync" || f_.sync;
    const bool reading = name == "readrandom" || name == "readmissing" || name == "seekrandom" ||
                         name == "readwhilewriting";
    const bool scan = name == "readseq" || name == "readreverse";
    const long long n = name == "fillsync" ? std::max(1ll, f_.num / 100) : reading ? f_.reads : f_.num;
    std::vector<std::unique_ptr<ThreadState>> states;
    for (int t = 0; t < w.threads; t++) {
      states.push_back(std::make_unique<ThreadState>(f_, f_.seed + 1000u * static_cast<unsigned>(t) + seq_));
    }
    seq_ += 7;  // each workload draws its own keys

    std::function<void(ThreadState&, long long)> op;
    if (name == "fillseq") {
      op = [&](ThreadState& t, long long i) { Put(t, i, sync); };
    } else if (name == "fillrandom" || name == "overwrite" || name == "fillsync") {
      op = [&](ThreadState& t, long long) { Put(t, Rand(t), sync); };
    } else if (name == "readrandom" || name == "readwhilewriting") {
      op = [&](ThreadState& t, long long) { t.found += Get(t, Rand(t), false); };
    } else if (name == "readmissing") {
      op = [&](ThreadState& t, long long) { t.found += Get(t, Rand(t), true); };
    } else if (name == "seekrandom") {
      op = [&](ThreadState& t, long long) {
        MakeKey(t, Rand(t), false);
        t.found += e_.Seek(t.key.data(), t.key.size());
      };
    } else if (name == "deleterandom") {
      op = [&](ThreadState& t, long long) {
        MakeKey(t, Rand(t), false);
        e_.Delete(t.key.data(), t.key.size(), sync);
        t.written_bytes += static_cast<double>(t.key.size());
      };
    }

    // readwhilewriting's writer: overwrites random keys until the readers stop.
    std::atomic<bool> readers_done{false};
    std::unique_ptr<ThreadState> writer_state;
    std::thread writer;
    if (name == "readwhilewriting") {
      writer_state = std::make_unique<ThreadState>(f_, f_.seed + 999999u + seq_);
      writer = std::thread([&] {
        ThreadState& t = *writer_state;
        while (!readers_done.load(std::memory_order_relaxed)) Put(t, Rand(t), sync);
      });
    }

    auto t0 = std::chrono::steady_clock::now();
    auto body = [&](int tid) {
      ThreadState& t = *states[static_cast<size_t>(tid)];
      if (scan) {
        auto s = std::chrono::steady_clock::now();
        t.scanned = e_.Scan(name == "readseq", &t.bytes);
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - s).count();
        // Entries are too cheap to time one by one: the mean per entry.
        if (t.scanned > 0) t.lat_ns.assign(1, static_cast<uint32_t>(ns / t.scanned));
        return;
      }
      // Thread tid does operations tid, tid + threads, ...
      const long long mine = (n - tid + w.threads - 1) / w.threads;
      t.lat_ns.reserve(static_cast<size_t>(std::max(0ll, mine)));
      const bool progress = tid == 0 && isatty(2) && mine >= 200000;
      for (long long k = 0; k < mine; k++) {
        const long long i = tid + k * w.threads;
        auto s = std::chrono::steady_clock::now();
        op(t, i);
        t.lat_ns.push_back(static_cast<uint32_t>(std::min<long long>(
            UINT32_MAX,
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - s).count())));
        if (progress && k % (mine / 20) == 0) {
          std::fprintf(stderr, "\r  [%s] %s: %lld%%  ", e_.name(), name.c_str(), k * 100 / mine);
        }
      }
    };
    if (w.threads == 1) {
      body(0);
    } else {
      std::vector<std::thread> threads;
      for (int t = 0; t < w.threads; t++) threads.emplace_back(body, t);
      for (auto& th : threads) th.join();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (writer.joinable()) {
      readers_done = true;
      writer.join();
      user_bytes_ += writer_state->written_bytes;
    }

    std::vector<uint32_t> lat;
    for (auto& t : states) {
      lat.insert(lat.end(), t->lat_ns.begin(), t->lat_ns.end());
      r.bytes += t->bytes + t->written_bytes;
      user_bytes_ += t->written_bytes;
      if (scan) r.ops += t->scanned;
      if (reading) r.found = std::max(0ll, r.found) + t->found;
    }
    if (!scan) r.ops = n;
    if (name == "readrandom" || name == "readwhilewriting") {
      r.bytes = static_cast<double>(r.found) * (f_.key_size + f_.value_size);
    }
    r.p50 = Percentile(lat, 50);
    r.p99 = Percentile(lat, 99);
    r.p999 = Percentile(lat, 99.9);
    if (isatty(2)) std::fprintf(stderr, "\r%60s\r", "");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::fprintf(stderr, "  [%s] %s%s: %.0f ops/s (peak RSS so far %.1f MiB)\n", e_.name(), name.c_str(),
                 w.threads == f_.threads ? "" : (":" + std::to_string(w.threads)).c_str(), r.ops_per_sec(),
                 ru.ru_maxrss / 1024.0);
    return r;
  }

  double user_bytes() const { return user_bytes_; }

 private:
  long long Rand(ThreadState& t) { return static_cast<long long>(t.rng() % static_cast<uint64_t>(f_.num)); }

  // Zero-padded decimal, written from the right: cheaper than snprintf, so
  // that key making costs as little as possible next to the engine.
  void MakeKey(ThreadState& t, long long i, bool missing) {
    char* p = t.key.data() + t.key.size();
    char* const begin = t.key.data();
    unsigned long long v = static_cast<unsigned long long>(i);
    while (p > begin) {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    if (missing) t.key.back() = '.';
  }

  void Put(ThreadState& t, long long i, bool sync) {
    MakeKey(t, i, false);
    e_.Put(t.key.data(), t.key.size(), t.values.Next(), static_cast<size_t>(f_.value_size), sync);
    t.written_bytes += static_cast<double>(t.key.size() + static_cast<size_t>(f_.value_size));
  }

  int Get(ThreadState& t, long long i, bool missing) {
    MakeKey(t, i, missing);
    size_t vlen;
    return e_.Get(t.key.data(), t.key.size(), t.buf.data(), t.buf.size(), &vlen) ? 1 : 0;
  }

  const Flags& f_;
  bench::Engine& e_;
  const std::string dir_;
  unsigned seq_ = 0;
  double user_bytes_ = 0;
};

// --- the records an engine's process sends back to the parent, one per line:
//   R <engine> <step> <workload> <threads> <ops> <found> <seconds> <bytes> <p50> <p99> <p999> <db_before> <db_after>
//   E <engine> <version> <compression> <db_bytes> <written_bytes> <user_bytes> <peak_rss_kb>
// (names and versions have no spaces).

void RunEngine(const Flags& f, const std::vector<Workload>& workloads, const std::string& name, FILE* out) {
  bench::EngineConfig config;
  config.dir = f.db + "/" + name;
  config.write_buffer_size = static_cast<size_t>(f.write_buffer_size);
  config.cache_size = static_cast<size_t>(f.cache_size);
  config.bloom_bits = f.bloom_bits;
  config.block_size = static_cast<size_t>(f.block_size);
  config.compression = f.compression != "none";
  config.wal_mmap = f.wal_mmap;
  std::unique_ptr<bench::Engine> engine = bench::MakeEngine(name, config);
  const long long written0 = ProcWrittenBytes();
  Runner runner(f, *engine, config.dir);
  for (size_t i = 0; i < workloads.size(); i++) {
    const Workload& w = workloads[i];
    Result r = runner.Run(w);
    if (w.name == "stats") continue;
    std::fprintf(out, "R %s %zu %s %d %lld %lld %.9f %.0f %.3f %.3f %.3f %lld %lld\n", r.engine.c_str(), i,
                 r.workload.c_str(), r.threads, r.ops, r.found, r.seconds, r.bytes, r.p50, r.p99, r.p999,
                 r.db_bytes_before, r.db_bytes_after);
    std::fflush(out);
  }
  if (engine->is_open()) engine->Close();
  const long long written = ProcWrittenBytes() - written0 + engine->bytes_written_by_mapping();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::fprintf(out, "E %s %s %s %lld %lld %.0f %ld\n", name.c_str(), engine->version().c_str(),
               config.compression ? engine->compression_name() : "none", DirBytes(config.dir), written,
               runner.user_bytes(), ru.ru_maxrss);
  std::fflush(out);
}

// Forks a process for the engine and reads its records back.
bool RunEngineProcess(const Flags& f, const std::vector<Workload>& workloads, const std::string& name,
                      std::vector<Result>* results, std::vector<EngineSummary>* summaries) {
  int fds[2];
  if (pipe(fds) != 0) {
    std::perror("lsm_bench: pipe");
    return false;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("lsm_bench: fork");
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    FILE* out = fdopen(fds[1], "w");
    RunEngine(f, workloads, name, out);
    std::fclose(out);
    std::fflush(stdout);
    _exit(0);
  }
  close(fds[1]);
  FILE* in = fdopen(fds[0], "r");
  char line[1024];
  while (std::fgets(line, sizeof(line), in) != nullptr) {
    char engine[64], a[256], b[256];
    if (line[0] == 'R') {
      Result r;
      if (std::sscanf(line, "R %63s %d %255s %d %lld %lld %lf %lf %lf %lf %lf %lld %lld", engine, &r.step, a,
                      &r.threads, &r.ops, &r.found, &r.seconds, &r.bytes, &r.p50, &r.p99, &r.p999,
                      &r.db_bytes_before, &r.db_bytes_after) == 13) {
        r.engine = engine;
        r.workload = a;
        results->push_back(r);
      }
    } else if (line[0] == 'E') {
      EngineSummary s;
      long long written;
      if (std::sscanf(line, "E %63s %255s %255s %lld %lld %lf %lld", engine, a, b, &s.db_bytes, &written,
                      &s.user_bytes, &s.peak_rss_kb) == 7) {
        s.name = engine;
        s.version = a;
        s.compression = b;
        s.written_bytes = static_cast<double>(written);
        summaries->push_back(s);
      }
    }
  }
  std::fclose(in);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || summaries->empty() || summaries->back().name != name) {
    std::fprintf(stderr, "lsm_bench: the %s run failed (see above)\n", name.c_str());
    return false;
  }
  return true;
}

// Each result's throughput over the best other engine's at the same step of
// the run; 0 when no other engine ran it.
double RatioToBestOther(const Result& r, const std::vector<Result>& all) {
  double best = 0;
  for (const Result& o : all) {
    if (o.engine != r.engine && o.step == r.step) {
      best = std::max(best, o.ops_per_sec());
    }
  }
  return best > 0 ? r.ops_per_sec() / best : 0;
}

std::string Thousands(double v) {
  std::string digits = std::to_string(static_cast<long long>(v + 0.5));
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      return line.substr(line.find(':') + 2);
    }
  }
  return "unknown";
}

bool WriteJson(const Flags& f, const std::vector<Result>& results, const std::vector<EngineSummary>& summaries) {
  FILE* out = f.json == "-" ? stdout : std::fopen(f.json.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "lsm_bench: cannot write %s: %s\n", f.json.c_str(), std::strerror(errno));
    return false;
  }
  struct utsname u;
  uname(&u);
  char date[32];
  time_t now = time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::fprintf(out, "{\n  \"command\": %s,\n  \"date\": \"%s\",\n", JsonString(f.command_line).c_str(), date);
  std::fprintf(out, "  \"machine\": {\"cpus\": %u, \"cpu\": %s, \"kernel\": %s},\n",
               std::thread::hardware_concurrency(), JsonString(CpuModel()).c_str(),
               JsonString(std::string(u.sysname) + " " + u.release).c_str());
  std::fprintf(
      out,
      "  \"settings\": {\"num\": %lld, \"reads\": %lld, \"key_size\": %d, \"value_size\": %d, "
      "\"write_buffer_size\": %lld, \"cache_size\": %lld, \"bloom_bits\": %d, \"block_size\": %d, "
      "\"compression\": %s, \"wal_mmap\": %s, \"sync\": %d, \"threads\": %d, \"seed\": %u},\n",
      f.num, f.reads, f.key_size, f.value_size, f.write_buffer_size, f.cache_size, f.bloom_bits,
      f.block_size, JsonString(f.compression).c_str(), JsonString(f.wal_mmap).c_str(), f.sync,
      f.threads, f.seed);
  std::fprintf(out, "  \"engines\": [\n");
  for (size_t i = 0; i < summaries.size(); i++) {
    const EngineSummary& s = summaries[i];
    std::fprintf(out,
                 "    {\"engine\": %s, \"version\": %s, \"compression\": %s, \"db_bytes\": %lld, "
                 "\"written_bytes\": %.0f, \"user_bytes\": %.0f, \"write_amplification\": %.3f, "
                 "\"peak_rss_bytes\": %lld}%s\n",
                 JsonString(s.name).c_str(), JsonString(s.version).c_str(), JsonString(s.compression).c_str(),
                 s.db_bytes, s.written_bytes, s.user_bytes, s.write_amplification(), s.peak_rss_kb * 1024,
                 i + 1 < summaries.size() ? "," : "");
  }
  std::fprintf(out, "  ],\n  \"results\": [\n");
  for (size_t i = 0; i < results.size(); i++) {
    const Result& r = results[i];
    std::fprintf(out,
                 "    {\"step\": %d, \"workload\": %s, \"threads\": %d, \"engine\": %s, \"ops\": %lld, "
                 "\"seconds\": %.6f, "
                 "\"ops_per_sec\": %.1f, \"mb_per_sec\": %.3f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
                 "\"p999_us\": %.3f, ",
                 r.step, JsonString(r.workload).c_str(), r.threads, JsonString(r.engine).c_str(), r.ops, r.seconds,
                 r.ops_per_sec(), r.mb_per_sec(), r.p50, r.p99, r.p999);
    if (r.found >= 0) std::fprintf(out, "\"found\": %lld, ", r.found);
    if (r.workload == "compact") {
      std::fprintf(out, "\"db_bytes_before\": %lld, \"db_bytes_after\": %lld, ", r.db_bytes_before, r.db_bytes_after);
    }
    double ratio = RatioToBestOther(r, results);
    if (ratio > 0) {
      std::fprintf(out, "\"ratio_to_best_other\": %.3f", ratio);
    } else {
      std::fprintf(out, "\"ratio_to_best_other\": null");
    }
    std::fprintf(out, "}%s\n", i + 1 < results.size() ? "," : "");
  }
  std::fprintf(out, "  ]\n}\n");
  bool ok = std::ferror(out) == 0;
  if (out != stdout) ok = std::fclose(out) == 0 && ok;
  if (!ok) std::fprintf(stderr, "lsm_bench: writing %s failed\n", f.json.c_str());
  return ok;
}

void PrintTable(const Flags& f, const std::vector<Workload>& workloads, const std::vector<Result>& results,
                const std::vector<EngineSummary>& summaries) {
  std::printf("\n%lld keys of %d bytes, values of %d bytes (half compressible); %lld reads; "
              "write buffer %lld MiB, block cache %lld MiB, bloom bits %d, blocks %d B, sync %d\n",
              f.num, f.key_size, f.value_size, f.reads, f.write_buffer_size >> 20, f.cache_size >> 20, f.bloom_bits,
              f.block_size, f.sync);
  std::printf("engines:");
  for (const EngineSummary& s : summaries) {
    std::printf(" %s %s (%s)%s", s.name.c_str(), s.version.c_str(), s.compression.c_str(),
                &s == &summaries.back() ? "\n\n" : ",");
  }
  std::printf("%-18s %-8s %12s %9s %9s %9s %9s %9s %8s\n", "workload", "engine", "ops/s", "MB/s", "p50 us", "p99 us",
              "p99.9 us", "found", "vs best");
  std::map<std::pair<std::string, int>, int> seen;  // a repeated workload is labelled "#2", ...
  for (size_t i = 0; i < workloads.size(); i++) {
    const Workload& w = workloads[i];
    if (w.name == "stats") continue;
    const int n = ++seen[{w.name, w.threads}];
    std::string label = w.name + (w.threads > 1 ? " x" + std::to_string(w.threads) : "") +
                        (n > 1 ? " #" + std::to_string(n) : "");
    bool first = true;
    for (const Result& r : results) {
      if (r.step != static_cast<int>(i)) continue;
      if (w.name == "compact") {
        std::printf("%-18s %-8s %12s   took %.2f s; on disk %.1f -> %.1f MiB (%.2fx the compacted size)\n",
                    first ? label.c_str() : "", r.engine.c_str(), "-", r.seconds, r.db_bytes_before / 1048576.0,
                    r.db_bytes_after / 1048576.0,
                    r.db_bytes_after > 0 ? static_cast<double>(r.db_bytes_before) / r.db_bytes_after : 0.0);
      } else {
        double ratio = RatioToBestOther(r, results);
        char ratio_text[32] = "-";
        if (ratio > 0) std::snprintf(ratio_text, sizeof(ratio_text), "%.2fx", ratio);
        std::printf("%-18s %-8s %12s %9.1f %9.2f %9.2f %9.2f %9s %8s\n", first ? label.c_str() : "",
                    r.engine.c_str(), Thousands(r.ops_per_sec()).c_str(), r.mb_per_sec(), r.p50, r.p99, r.p999,
                    r.found >= 0 ? std::to_string(r.found).c_str() : "-", ratio_text);
      }
      first = false;
    }
  }
  std::printf("\n%-8s %14s %14s %14s %12s\n", "engine", "size on disk", "bytes written", "write amp", "peak RSS");
  for (const EngineSummary& s : summaries) {
    std::printf("%-8s %10.1f MiB %10.1f MiB %14.2f %8.1f MiB\n", s.name.c_str(), s.db_bytes / 1048576.0,
                s.written_bytes / 1048576.0, s.write_amplification(), s.peak_rss_kb / 1024.0);
  }
  std::printf("\n\"vs best\": ops/s over the best other engine's in this run. Write amp: bytes the engine's\n"
              "process wrote (WAL, tables, MANIFEST, logs) over the key and value bytes it was given.\n");
}

}  // namespace

int main(int argc, char** argv) {
  Flags f = ParseFlags(argc, argv);
  std::vector<Workload> workloads = ParseWorkloads(f);
  std::error_code ec;
  std::filesystem::create_directories(f.db, ec);
  if (ec) {
    std::fprintf(stderr, "lsm_bench: cannot create %s: %s\n", f.db.c_str(), ec.message().c_str());
    return 1;
  }
  std::vector<Result> results;
  std::vector<EngineSummary> summaries;
  for (const std::string& e : f.engines) {
    std::fprintf(stderr, "running %s\n", e.c_str());
    if (!RunEngineProcess(f, workloads, e, &results, &summaries)) return 1;
  }
  if (f.json != "-") PrintTable(f, workloads, results, summaries);
  if (!f.json.empty() && !WriteJson(f, results, summaries)) return 1;
  return 0;
}
