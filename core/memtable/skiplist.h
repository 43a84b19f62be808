// SkipList: an ordered set of keys in an Arena.
//
// Concurrency: one writer at a time (the caller serializes Insert), any
// number of readers with no lock. A node is fully built before it is linked
// with a release store, and readers load links with acquire, so a reader
// sees either the old list or the list with the complete new node. Nodes are
// never removed or modified after insertion; they live as long as the arena.
//
// Node layout, one arena allocation:
//   next[h-1] ... next[1] | Node{ next[0], key } | extra bytes
// The tower grows downward from the Node, so the links every search follows
// (next[0] and the key) and whatever InsertWith stored after the node (the
// memtable puts its entry there) share cache lines: one miss per step of a
// search instead of two.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <new>

#include "core/util/arena.h"
#include "core/util/random.h"

namespace lsm {

// Cmp: int operator()(const Key&, const Key&) const, three-way.
template <typename Key, class Cmp>
class SkipList {
 private:
  struct Node;

 public:
  SkipList(Cmp cmp, Arena* arena)
      : cmp_(cmp), arena_(arena), head_(NewHead()), rnd_(0xdecafbad) {
    for (int i = 0; i < kMaxHeight; i++) {
      head_->SetNext(i, nullptr);
      last_[i] = head_;
    }
  }
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // REQUIRES: no equal key is present; external synchronization of writers.
  void Insert(const Key& key) {
    InsertWith(0, [&](char*) { return key; });
  }

  // Allocates a node with `extra` bytes after it, calls make_key(extra
  // bytes), which fills them and returns the key (it may point into them),
  // and inserts that key. Same requirements as Insert.
  template <class MakeKey>
  void InsertWith(size_t extra, MakeKey&& make_key) {
    int height = RandomHeight();
    char* mem = arena_->Allocate(sizeof(std::atomic<Node*>) * (height - 1) + sizeof(Node) + extra);
    Node* n = reinterpret_cast<Node*>(mem + sizeof(std::atomic<Node*>) * (height - 1));
    new (n) Node(make_key(reinterpret_cast<char*>(n + 1)));
    const Key& key = n->key;
    Node* prev[kMaxHeight];
    if (last_[0] == head_ || cmp_(last_[0]->key, key) < 0) {
      // Appending (ascending inserts, as in a sequential load): the last
      // node of each level precedes the key; no search.
      for (int i = 0; i < kMaxHeight; i++) prev[i] = last_[i];
    } else {
      Node* x = FindGreaterOrEqual(key, prev);
      assert(x == nullptr || cmp_(key, x->key) != 0);
      (void)x;
    }
    int max_height = max_height_.load(std::memory_order_relaxed);
    if (height > max_height) {
      for (int i = max_height; i < height; i++) prev[i] = head_;
      // Readers that see the new height before the node read nullptr from
      // head_ at the new levels, which is a valid (empty) list there.
      max_height_.store(height, std::memory_order_relaxed);
    }
    for (int i = 0; i < height; i++) {
      n->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
      prev[i]->SetNext(i, n);
      if (n->NoBarrierNext(i) == nullptr) last_[i] = n;
    }
  }

  // For tests, with no writer running: every level's keys strictly ascend,
  // each level's nodes appear in the level below, and the writer's record of
  // each level's last node is right.
  bool LevelsAreConsistent() const {
    const int height = max_height_.load(std::memory_order_relaxed);
    for (int level = 0; level < kMaxHeight; level++) {
      Node* last = head_;
      Node* below = head_;
      for (Node* x = head_->Next(level); x != nullptr; x = x->Next(level)) {
        if (last != head_ && !(cmp_(last->key, x->key) < 0)) return false;
        if (level > 0) {
          while (below != nullptr && below != x) below = below->Next(level - 1);
          if (below == nullptr) return false;
        }
        last = x;
      }
      if (last_[level] != last) return false;
      if (level >= height && last != head_) return false;
    }
    return true;
  }

  bool Contains(const Key& key) const {
    Node* x = FindGreaterOrEqual(key, nullptr);
    return x != nullptr && cmp_(key, x->key) == 0;
  }

  class Iterator {
   public:
    explicit Iterator(const SkipList* list) : list_(list), node_(nullptr) {}
    bool Valid() const { return node_ != nullptr; }
    const Key& key() const { return node_->key; }
    void Next() { node_ = node_->Next(0); }
    // O(log n): skiplists have no back links.
    void Prev() {
      node_ = list_->FindLessThan(node_->key);
      if (node_ == list_->head_) node_ = nullptr;
    }
    void Seek(const Key& target) { node_ = list_->FindGreaterOrEqual(target, nullptr); }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const SkipList* list_;
    Node* node_;
  };

 private:
  static constexpr int kMaxHeight = 12;

  struct Node {
    explicit Node(const Key& k) : key(k) {}
    Node* Next(int n) { return link(n)->load(std::memory_order_acquire); }
    void SetNext(int n, Node* x) { link(n)->store(x, std::memory_order_release); }
    Node* NoBarrierNext(int n) { return link(n)->load(std::memory_order_relaxed); }
    void NoBarrierSetNext(int n, Node* x) { link(n)->store(x, std::memory_order_relaxed); }

    // Level 0 is next0_; level n > 0 sits n slots below the node (the tower
    // was allocated there, sized to the node's height).
    std::atomic<Node*>* link(int n) { return &next0_ - n; }

   private:
    std::atomic<Node*> next0_;

   public:
    Key const key;
  };

  // Nodes sit at an offset of whole pointers into arena memory, which is
  // only pointer-aligned.
  static_assert(alignof(Node) <= alignof(void*), "Node needs more than the arena's alignment");

  Node* NewHead() {
    char* mem = arena_->Allocate(sizeof(std::atomic<Node*>) * (kMaxHeight - 1) + sizeof(Node));
    return new (mem + sizeof(std::atomic<Node*>) * (kMaxHeight - 1)) Node(Key());
  }

  int RandomHeight() {
    int h = 1;
    while (h < kMaxHeight && rnd_.OneIn(4)) h++;
    return h;
  }

  // First node >= key; fills prev[level] with the last node < key at each
  // level when prev is non-null.
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const {
    Node* x = head_;
    int level = max_height_.load(std::memory_order_relaxed) - 1;
    while (true) {
      Node* next = x->Next(level);
      if (next != nullptr) {
        // Below the top levels nearly every node is a cache miss, and the
        // search takes one of two nodes next: next's tower (if next < key)
        // or x's successor a level down. Fetch both while next's key is
        // compared, so the miss of the one taken overlaps this one.
        __builtin_prefetch(next->link(level));
        if (level > 0) {
          Node* down = x->NoBarrierNext(level - 1);
          if (down != next && down != nullptr) __builtin_prefetch(down);
        }
      }
      if (next != nullptr && cmp_(next->key, key) < 0) {
        x = next;
      } else {
        if (prev != nullptr) prev[level] = x;
        if (level == 0) return next;
        level--;
      }
    }
  }

  // Last node < key, or head_.
  Node* FindLessThan(const Key& key) const {
    Node* x = head_;
    int level = max_height_.load(std::memory_order_relaxed) - 1;
    while (true) {
      Node* next = x->Next(level);
      if (next != nullptr && cmp_(next->key, key) < 0) {
        x = next;
      } else {
        if (level == 0) return x;
        level--;
      }
    }
  }

  Node* FindLast() const {
    Node* x = head_;
    int level = max_height_.load(std::memory_order_relaxed) - 1;
    while (true) {
      Node* next = x->Next(level);
      if (next != nullptr) {
        x = next;
      } else {
        if (level == 0) return x;
        level--;
      }
    }
  }

  Cmp const cmp_;
  Arena* const arena_;
  Node* const head_;
  std::atomic<int> max_height_{1};
  Random rnd_;
  // The last node of each level (head_ while the level is empty); only the
  // writer reads or changes it.
  Node* last_[kMaxHeight];
};

}  // namespace lsm
