// libFuzzer target: the input is a program of operations on the C ABI,
// checked step by step against a model (a std::map; a snapshot or an
// iterator is a copy of the map taken when it was made).
//
// Input layout: 3 bytes choose the options (block size, bloom filter,
// compression, block cache), then each operation is one opcode byte
// followed by its operands (key indexes, value sizes, bounds). Keys come
// from a fixed list of 64 (the empty key, binary bytes, shared prefixes,
// long keys) so that operations collide; seek targets may also be raw input
// bytes. Every value written is unique, so a stale read cannot pass.
//
// The database is small (64 KiB write buffer, 256-byte blocks possible)
// and flushes, compactions and close+reopen are operations, so tables,
// levels, the block cache and WAL replay all take part. The directory is
// reused and destroyed between inputs. Any difference from the model, or
// any unexpected status, traps.
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "lsm.h"

namespace {

using Map = std::map<std::string, std::string>;
using lsm::fuzz::Show;

constexpr int kMaxOps = 400;
constexpr int kMaxIters = 4;
constexpr int kMaxSnaps = 4;
constexpr int kMaxHeavy = 10;  // flushes + compactions + reopens per input

#define EXPECT_RC(call, want)                                                     \
  do {                                                                            \
    int rc_ = (call);                                                             \
    FUZZ_CHECK(rc_ == (want), "%s returned %d (%s: %s), expected %d", #call, rc_, \
               lsm_strerror(rc_), lsm_last_error(), (want));                      \
  } while (0)

const std::vector<std::string>& Keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"",
                                  std::string(1, '\0'),
                                  std::string(2, '\0'),
                                  "a",
                                  std::string("a\0", 2),
                                  "aa",
                                  "ab",
                                  "abc",
                                  "b",
                                  "ba",
                                  "bb",
                                  "\x7f",
                                  "\x80",
                                  "\xff",
                                  "\xff\xff"};
    for (int i = 0; k.size() < 56; i++) k.push_back("key" + std::to_string(i * 7));
    for (char c = 'a'; k.size() < 64; c++) k.push_back(std::string(300, 'p') + c);
    return k;
  }();
  return keys;
}

struct Iter {
  lsm_iter* it = nullptr;
  Map view;  // what it shows: the state when opened, within its bounds
  std::optional<std::string> pos;
  bool yielded = false;  // lsm_iter_next_entry / prev_entry state
};

struct Snap {
  lsm_snapshot* snap = nullptr;
  Map state;
};

class Program {
 public:
  Program(const uint8_t* data, size_t size) : in_(data, size) {
    dir_ = lsm::fuzz::ScratchDir("capi") + "/db";
    EXPECT_RC(lsm_destroy(dir_.c_str()), LSM_OK);
  }

  ~Program() {
    CloseAll();
    if (db_ != nullptr) EXPECT_RC(lsm_close(db_), LSM_OK);
    EXPECT_RC(lsm_destroy(dir_.c_str()), LSM_OK);
  }

  void Run() {
    Open();
    for (int n = 0; n < kMaxOps && !in_.empty(); n++) Step();
    FullCheck();
  }

 private:
  void Open() {
    lsm_options* o;
    EXPECT_RC(lsm_options_create(&o), LSM_OK);
    const uint8_t a = in_.Byte(), b = in_.Byte(), c = in_.Byte();
    static const size_t kBlockSizes[] = {256, 1024, 4096, 300};
    static const size_t kCacheSizes[] = {0, 8 << 10, 1 << 20, 64 << 10};
    EXPECT_RC(lsm_options_set_write_buffer_size(o, 64 << 10), LSM_OK);
    EXPECT_RC(lsm_options_set_block_size(o, kBlockSizes[a & 3]), LSM_OK);
    EXPECT_RC(lsm_options_set_bloom_bits_per_key(o, (a >> 2) & 1 ? 0 : 1 + (b % 20)), LSM_OK);
    EXPECT_RC(
        lsm_options_set_compression(o, (a >> 3) & 1 ? LSM_COMPRESSION_NONE : LSM_COMPRESSION_LZ4),
        LSM_OK);
    EXPECT_RC(lsm_options_set_block_cache_size(o, kCacheSizes[(a >> 4) & 3]), LSM_OK);
    EXPECT_RC(lsm_options_set_background_threads(o, 1 + ((a >> 6) & 1)), LSM_OK);
    EXPECT_RC(lsm_options_set_paranoid_checks(o, (a >> 7) & 1), LSM_OK);
    EXPECT_RC(lsm_options_set_max_open_files(o, 16 + (c & 7)), LSM_OK);
    EXPECT_RC(lsm_options_set_target_file_size(o, 64 << 10), LSM_OK);
    EXPECT_RC(lsm_options_set_max_bytes_for_level_base(o, 1 << 20), LSM_OK);
    EXPECT_RC(lsm_options_set_level_size_multiplier(o, 2 + (c >> 4) % 3), LSM_OK);
    EXPECT_RC(lsm_open(dir_.c_str(), o, &db_), LSM_OK);
    lsm_options_destroy(o);
  }

  const std::string& Key() { return Keys()[in_.Byte() & 63]; }

  // A seek target or range end: a listed key, or raw input bytes (0..3).
  std::string Target() {
    uint8_t b = in_.Byte();
    if (b & 0x80) return std::string(in_.Bytes(b & 3));
    return Keys()[b & 63];
  }

  // Values of 12 bytes and more are unique (they start with a write
  // counter), so a stale read cannot pass for a fresh one.
  std::string Value() {
    static const size_t kSizes[] = {0, 3, 12, 20, 60, 200, 1500, 6000};
    const size_t n = kSizes[in_.Byte() & 7];
    std::string v = std::to_string(++writes_) + "/";
    while (v.size() < n) v.push_back(static_cast<char>('a' + (v.size() * 7 + writes_) % 26));
    v.resize(n);
    return v;
  }

  int Snapshot() {  // an index into snaps_, or -1 for the latest state
    uint8_t b = in_.Byte();
    if (snaps_.empty() || (b & 0x80)) return -1;
    return b % snaps_.size();
  }

  void ReadOpts(int snap, lsm_read_options** ro) {
    EXPECT_RC(lsm_read_options_create(ro), LSM_OK);
    if (snap >= 0) EXPECT_RC(lsm_read_options_set_snapshot(*ro, snaps_[snap].snap), LSM_OK);
  }

  const Map& StateOf(int snap) const { return snap >= 0 ? snaps_[snap].state : model_; }

  void Step() {
    const uint8_t op = in_.Byte();
    switch (op % 20) {
      case 0:
      case 1:
      case 2: {  // put
        const std::string& k = Key();
        std::string v = Value();
        EXPECT_RC(lsm_put(db_, nullptr, k.data(), k.size(), v.data(), v.size()), LSM_OK);
        model_[k] = v;
        break;
      }
      case 3: {  // delete
        const std::string& k = Key();
        EXPECT_RC(lsm_delete(db_, nullptr, k.data(), k.size()), LSM_OK);
        model_.erase(k);
        break;
      }
      case 4: {  // a batch of up to 8 puts and deletes, applied at once
        lsm_batch* batch;
        EXPECT_RC(lsm_batch_create(&batch), LSM_OK);
        Map after = model_;
        int n = in_.Byte() % 9;
        for (int i = 0; i < n; i++) {
          const std::string& k = Key();
          if (in_.Byte() & 1) {
            std::string v = Value();
            EXPECT_RC(lsm_batch_put(batch, k.data(), k.size(), v.data(), v.size()), LSM_OK);
            after[k] = v;
          } else {
            EXPECT_RC(lsm_batch_delete(batch, k.data(), k.size()), LSM_OK);
            after.erase(k);
          }
        }
        FUZZ_CHECK(lsm_batch_count(batch) == static_cast<size_t>(n), "batch count %zu, want %d",
                   lsm_batch_count(batch), n);
        lsm_write_options* wo = nullptr;
        if (op & 0x80) {  // a sync write now and then
          EXPECT_RC(lsm_write_options_create(&wo), LSM_OK);
          EXPECT_RC(lsm_write_options_set_sync(wo, 1), LSM_OK);
        }
        EXPECT_RC(lsm_write(db_, wo, batch), LSM_OK);
        lsm_write_options_destroy(wo);
        lsm_batch_destroy(batch);
        model_ = std::move(after);
        break;
      }
      case 5:
      case 6:  // get
        Get(Snapshot(), Key());
        break;
      case 7: {  // get_into with a small buffer
        int snap = Snapshot();
        const std::string& k = Key();
        lsm_read_options* ro;
        ReadOpts(snap, &ro);
        char buf[16];
        size_t cap = in_.Byte() % (sizeof buf + 1), vlen = 0;
        const Map& state = StateOf(snap);
        auto want = state.find(k);
        int rc = lsm_get_into(db_, ro, k.data(), k.size(), cap ? buf : nullptr, cap, &vlen);
        if (want == state.end()) {
          FUZZ_CHECK(rc == LSM_NOT_FOUND, "get_into(%s) = %d, want NOT_FOUND", Show(k).c_str(), rc);
        } else {
          FUZZ_CHECK(
              rc == LSM_OK && vlen == want->second.size() &&
                  want->second.compare(0, std::min(cap, vlen), buf, std::min(cap, vlen)) == 0,
              "get_into(%s) = %d len %zu, want %s", Show(k).c_str(), rc, vlen,
              Show(want->second).c_str());
        }
        lsm_read_options_destroy(ro);
        break;
      }
      case 8:
        IterOpen(op);
        break;
      case 9:
      case 10: {  // iterator seek / seek_for_prev
        if (iters_.empty()) break;
        Iter& it = iters_[in_.Byte() % iters_.size()];
        std::string t = Target();
        if (op & 0x80) {
          EXPECT_RC(lsm_iter_seek_for_prev(it.it, t.data(), t.size()), LSM_OK);
          auto p = it.view.upper_bound(t);
          it.pos =
              p == it.view.begin() ? std::nullopt : std::optional<std::string>(std::prev(p)->first);
        } else {
          EXPECT_RC(lsm_iter_seek(it.it, t.data(), t.size()), LSM_OK);
          auto p = it.view.lower_bound(t);
          it.pos = p == it.view.end() ? std::nullopt : std::optional<std::string>(p->first);
        }
        it.yielded = false;
        CheckIter(it);
        break;
      }
      case 11:
      case 12:
        IterMove(op);
        break;
      case 13: {  // iterator close
        if (iters_.empty()) break;
        size_t i = in_.Byte() % iters_.size();
        lsm_iter_close(iters_[i].it);
        iters_.erase(iters_.begin() + static_cast<long>(i));
        break;
      }
      case 14: {  // snapshot create / release
        if ((op & 0x80) && !snaps_.empty()) {
          size_t i = in_.Byte() % snaps_.size();
          EXPECT_RC(lsm_snapshot_release(snaps_[i].snap), LSM_OK);
          snaps_.erase(snaps_.begin() + static_cast<long>(i));
        } else if (snaps_.size() < kMaxSnaps) {
          Snap s;
          EXPECT_RC(lsm_snapshot_create(db_, &s.snap), LSM_OK);
          s.state = model_;
          snaps_.push_back(std::move(s));
        }
        break;
      }
      case 15:  // flush
        if (heavy_++ < kMaxHeavy) EXPECT_RC(lsm_flush(db_), LSM_OK);
        break;
      case 16: {  // compact a range (either end may be open)
        if (heavy_++ >= kMaxHeavy) break;
        uint8_t b = in_.Byte();
        std::string lo = Target(), hi = Target();
        EXPECT_RC(lsm_compact_range(db_, (b & 1) ? lo.data() : nullptr, (b & 1) ? lo.size() : 0,
                                    (b & 2) ? hi.data() : nullptr, (b & 2) ? hi.size() : 0),
                  LSM_OK);
        break;
      }
      case 17:  // close and reopen
        if (heavy_++ < kMaxHeavy) Reopen();
        break;
      case 18:  // a scan of everything, both ways, at the latest state or a snapshot
        Scan(Snapshot());
        break;
      case 19: {  // properties and size estimates: any answer, but no failure
        char* s = nullptr;
        EXPECT_RC(lsm_property(db_, (op & 0x80) ? "lsm.stats" : "lsm.num-files-at-level0", &s),
                  LSM_OK);
        lsm_free(s);
        uint64_t size;
        std::string lo = Target();
        EXPECT_RC(lsm_approximate_size(db_, lo.data(), lo.size(), nullptr, 0, &size), LSM_OK);
        break;
      }
    }
  }

  void Get(int snap, const std::string& k) {
    lsm_read_options* ro;
    ReadOpts(snap, &ro);
    void* v = nullptr;
    size_t vlen = 0;
    int rc = lsm_get(db_, ro, k.data(), k.size(), &v, &vlen);
    const Map& state = StateOf(snap);
    auto want = state.find(k);
    if (want == state.end()) {
      FUZZ_CHECK(rc == LSM_NOT_FOUND, "get(%s) at snapshot %d = %d (%s) %s, want NOT_FOUND",
                 Show(k).c_str(), snap, rc, lsm_last_error(),
                 rc == LSM_OK ? Show(std::string(static_cast<char*>(v), vlen)).c_str() : "");
    } else {
      FUZZ_CHECK(rc == LSM_OK && std::string_view(static_cast<char*>(v), vlen) == want->second,
                 "get(%s) at snapshot %d = %d (%s) %s, want %s", Show(k).c_str(), snap, rc,
                 lsm_last_error(),
                 rc == LSM_OK ? Show(std::string(static_cast<char*>(v), vlen)).c_str() : "",
                 Show(want->second).c_str());
    }
    if (rc == LSM_OK) lsm_free(v);
    lsm_read_options_destroy(ro);
  }

  void IterOpen(uint8_t op) {
    if (iters_.size() >= kMaxIters) return;
    int snap = Snapshot();
    lsm_read_options* ro;
    ReadOpts(snap, &ro);
    Iter it;
    it.view = StateOf(snap);
    const uint8_t b = in_.Byte();
    if (b & 1) {  // lower bound (inclusive)
      std::string lo = Target();
      EXPECT_RC(lsm_read_options_set_lower_bound(ro, lo.data(), lo.size()), LSM_OK);
      it.view.erase(it.view.begin(), it.view.lower_bound(lo));
    }
    if (b & 2) {  // upper bound (exclusive)
      std::string hi = Target();
      EXPECT_RC(lsm_read_options_set_upper_bound(ro, hi.data(), hi.size()), LSM_OK);
      it.view.erase(it.view.lower_bound(hi), it.view.end());
    }
    if (b & 4) EXPECT_RC(lsm_read_options_set_fill_cache(ro, 0), LSM_OK);
    if (op & 0x80) EXPECT_RC(lsm_read_options_set_verify_checksums(ro, 0), LSM_OK);
    EXPECT_RC(lsm_iter_open(db_, ro, &it.it), LSM_OK);
    lsm_read_options_destroy(ro);  // the iterator keeps what it needs
    CheckIter(it);
    iters_.push_back(std::move(it));
  }

  void IterMove(uint8_t op) {
    if (iters_.empty()) return;
    Iter& it = iters_[in_.Byte() % iters_.size()];
    const void *k, *v;
    size_t kl, vl;
    switch ((op >> 5) & 7) {
      case 0:
        EXPECT_RC(lsm_iter_seek_first(it.it), LSM_OK);
        it.pos =
            it.view.empty() ? std::nullopt : std::optional<std::string>(it.view.begin()->first);
        it.yielded = false;
        break;
      case 1:
        EXPECT_RC(lsm_iter_seek_last(it.it), LSM_OK);
        it.pos =
            it.view.empty() ? std::nullopt : std::optional<std::string>(it.view.rbegin()->first);
        it.yielded = false;
        break;
      case 2:
      case 3:
        if (!it.pos) {
          EXPECT_RC(lsm_iter_next(it.it), LSM_INVALID);
          break;
        }
        EXPECT_RC(lsm_iter_next(it.it), LSM_OK);
        Advance(&it, true);
        it.yielded = false;
        break;
      case 4:
      case 5:
        if (!it.pos) {
          EXPECT_RC(lsm_iter_prev(it.it), LSM_INVALID);
          break;
        }
        EXPECT_RC(lsm_iter_prev(it.it), LSM_OK);
        Advance(&it, false);
        it.yielded = false;
        break;
      case 6:
      case 7: {
        const bool forward = ((op >> 5) & 7) == 6;
        if (it.yielded && it.pos) Advance(&it, forward);
        int rc = forward ? lsm_iter_next_entry(it.it, &k, &kl, &v, &vl)
                         : lsm_iter_prev_entry(it.it, &k, &kl, &v, &vl);
        if (!it.pos) {
          FUZZ_CHECK(rc == LSM_NOT_FOUND, "%s_entry = %d at the end", forward ? "next" : "prev",
                     rc);
          it.yielded = false;
        } else {
          FUZZ_CHECK(rc == LSM_OK && std::string_view(static_cast<const char*>(k), kl) == *it.pos &&
                         std::string_view(static_cast<const char*>(v), vl) == it.view[*it.pos],
                     "%s_entry = %d, want %s", forward ? "next" : "prev", rc,
                     Show(*it.pos).c_str());
          it.yielded = true;
        }
        break;
      }
    }
    CheckIter(it);
  }

  static void Advance(Iter* it, bool forward) {
    auto p = it->view.find(*it->pos);
    if (forward) {
      ++p;
      it->pos = p == it->view.end() ? std::nullopt : std::optional<std::string>(p->first);
    } else {
      it->pos =
          p == it->view.begin() ? std::nullopt : std::optional<std::string>(std::prev(p)->first);
    }
  }

  void CheckIter(Iter& it) {
    EXPECT_RC(lsm_iter_status(it.it), LSM_OK);
    const int valid = lsm_iter_valid(it.it);
    FUZZ_CHECK(valid == (it.pos ? 1 : 0), "iterator valid %d, model at %s", valid,
               it.pos ? Show(*it.pos).c_str() : "(end)");
    if (!it.pos) return;
    size_t kl, vl;
    const void* k = lsm_iter_key(it.it, &kl);
    const void* v = lsm_iter_value(it.it, &vl);
    FUZZ_CHECK(std::string_view(static_cast<const char*>(k), kl) == *it.pos,
               "iterator at %s, model at %s",
               Show(std::string(static_cast<const char*>(k), kl)).c_str(), Show(*it.pos).c_str());
    const std::string& want = it.view[*it.pos];
    FUZZ_CHECK(std::string_view(static_cast<const char*>(v), vl) == want,
               "iterator value at %s is %s, want %s", Show(*it.pos).c_str(),
               Show(std::string(static_cast<const char*>(v), vl)).c_str(), Show(want).c_str());
  }

  void Scan(int snap) {
    lsm_read_options* ro;
    ReadOpts(snap, &ro);
    lsm_iter* it;
    EXPECT_RC(lsm_iter_open(db_, ro, &it), LSM_OK);
    const Map& state = StateOf(snap);
    const void *k, *v;
    size_t kl, vl;
    auto want = state.begin();
    EXPECT_RC(lsm_iter_seek_first(it), LSM_OK);
    int rc;
    while ((rc = lsm_iter_next_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
      FUZZ_CHECK(want != state.end() &&
                     want->first == std::string_view(static_cast<const char*>(k), kl) &&
                     want->second == std::string_view(static_cast<const char*>(v), vl),
                 "forward scan at snapshot %d shows %s, want %s", snap,
                 Show(std::string(static_cast<const char*>(k), kl)).c_str(),
                 want == state.end() ? "(end)" : Show(want->first).c_str());
      ++want;
    }
    FUZZ_CHECK(rc == LSM_NOT_FOUND && want == state.end(), "forward scan ended with %d (%s)", rc,
               lsm_last_error());
    auto rwant = state.rbegin();
    EXPECT_RC(lsm_iter_seek_last(it), LSM_OK);
    while ((rc = lsm_iter_prev_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
      FUZZ_CHECK(rwant != state.rend() &&
                     rwant->first == std::string_view(static_cast<const char*>(k), kl) &&
                     rwant->second == std::string_view(static_cast<const char*>(v), vl),
                 "backward scan at snapshot %d shows %s, want %s", snap,
                 Show(std::string(static_cast<const char*>(k), kl)).c_str(),
                 rwant == state.rend() ? "(end)" : Show(rwant->first).c_str());
      ++rwant;
    }
    FUZZ_CHECK(rc == LSM_NOT_FOUND && rwant == state.rend(), "backward scan ended with %d (%s)", rc,
               lsm_last_error());
    lsm_iter_close(it);
    lsm_read_options_destroy(ro);
  }

  void CloseAll() {
    for (Iter& it : iters_) lsm_iter_close(it.it);
    iters_.clear();
    for (Snap& s : snaps_) EXPECT_RC(lsm_snapshot_release(s.snap), LSM_OK);
    snaps_.clear();
  }

  void Reopen() {
    if (!iters_.empty() || !snaps_.empty()) {
      EXPECT_RC(lsm_close(db_), LSM_BUSY);  // handles still open: nothing closed
      Get(-1, Key());
      CloseAll();
    }
    EXPECT_RC(lsm_close(db_), LSM_OK);
    db_ = nullptr;
    Open();  // options may differ from last time; every write must be there
    FullCheck();
  }

  void FullCheck() {
    Scan(-1);
    for (const auto& [k, v] : model_) Get(-1, k);
  }

  lsm::fuzz::Input in_;
  std::string dir_;
  lsm_db* db_ = nullptr;
  Map model_;
  std::vector<Iter> iters_;
  std::vector<Snap> snaps_;
  uint64_t writes_ = 0;
  int heavy_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Program p(data, size);
  p.Run();
  return 0;
}
