package lsm

import (
	"bytes"
	"iter"
	"runtime"
	"sync"
	"unsafe"

	"liblsm.io/lsm/internal/capi"
)

// Iterator walks a DB's entries in key order (bytewise), both ways. It
// starts unpositioned; each move (First, Last, Seek, SeekForPrev, Next,
// Prev) is one cgo call and returns whether the iterator now stands on an
// entry. When a move returns false, Err tells whether it ran off the end
// (nil) or failed.
//
// An Iterator is meant for one goroutine, but sharing one is safe: each
// method call is atomic (a mutex serialises them, and Close), so
// goroutines moving one iterator see each other's moves but never corrupt
// it. The slices Key and Value return are valid only until the next move
// by any goroutine: goroutines sharing an iterator should read through
// KeyCopy and ValueCopy, which copy under the mutex, and not range over it
// (Range and ReverseRange yield Key's and Value's slices).
//
// Close it when done (DB.Close closes it too); after Close every move
// returns false and Err returns ErrClosed.
type Iterator struct {
	// mu guards every field below and serialises the calls on ptr with its
	// free: a method holding mu sees ptr either live or 0 (closed).
	mu  sync.Mutex
	ptr uintptr // the native iterator; 0 once closed
	db  *DB
	// entry is where the last move landed: C memory (go_entry_new), passed
	// to go_iter_move as entryPtr, a uintptr, so that cgo has no pointer to
	// check; freed with the native iterator.
	entry    *capi.Entry
	entryPtr uintptr
	valid    bool
	err      error

	// key and value hold copies of the entry, made on first use after a
	// move, or by the move itself in Range and ReverseRange (haveKey and
	// haveValue say which are current), so that Key and Value never hand
	// out C memory that the next move frees.
	key, value         []byte
	haveKey, haveValue bool
}

// move runs one move (op: capi.LSMGO_*); with fromEntry, only if the
// iterator stands on an entry (Next, Prev).
func (it *Iterator) move(op int, target []byte, fromEntry bool) bool {
	// No defers on the hot paths: they cost, and nothing here panics.
	it.mu.Lock()
	ok := false
	if it.valid || !fromEntry {
		ok = it.stepLocked(op, target)
	}
	it.mu.Unlock()
	return ok
}

// stepRange moves the iterator and returns copies of the entry it lands on
// in key and value, read under mu, as Range does for every entry.
func (it *Iterator) stepRange(op int, target []byte) (key, value []byte, ok bool) {
	it.mu.Lock()
	if ok = it.stepLocked(op, target); ok {
		it.key = copyEntry(it.key, it.entry.Key, it.entry.KeyLen)
		it.value = copyEntry(it.value, it.entry.Value, it.entry.ValueLen)
		it.haveKey, it.haveValue = true, true
		key, value = it.key, it.value
	}
	it.mu.Unlock()
	return key, value, ok
}

// stepLocked moves the iterator; mu is held.
func (it *Iterator) stepLocked(op int, target []byte) bool {
	if it.ptr == 0 {
		it.valid, it.err = false, ErrClosed
		return false
	}
	it.haveKey, it.haveValue = false, false
	runtime.LockOSThread()
	switch rc := capi.Go_iter_move(it.ptr, op, target, it.entryPtr); rc {
	case capi.LSM_OK:
		it.valid, it.err = true, nil
	case capi.LSM_NOT_FOUND:
		it.valid, it.err = false, nil
	default:
		it.valid, it.err = false, lastError(rc)
	}
	runtime.UnlockOSThread()
	return it.valid
}

// First moves to the first entry.
func (it *Iterator) First() bool { return it.move(capi.LSMGO_FIRST, nil, false) }

// Last moves to the last entry.
func (it *Iterator) Last() bool { return it.move(capi.LSMGO_LAST, nil, false) }

// Seek moves to the first entry whose key is >= target.
func (it *Iterator) Seek(target []byte) bool { return it.move(capi.LSMGO_SEEK, target, false) }

// SeekForPrev moves to the last entry whose key is <= target.
func (it *Iterator) SeekForPrev(target []byte) bool {
	return it.move(capi.LSMGO_SEEK_FOR_PREV, target, false)
}

// Next moves to the next entry. On an iterator not positioned on an entry
// it returns false and changes nothing.
func (it *Iterator) Next() bool { return it.move(capi.LSMGO_NEXT, nil, true) }

// Prev moves to the previous entry. On an iterator not positioned on an
// entry it returns false and changes nothing.
func (it *Iterator) Prev() bool { return it.move(capi.LSMGO_PREV, nil, true) }

// Valid reports whether the iterator stands on an entry (never after
// Close).
func (it *Iterator) Valid() bool {
	it.mu.Lock()
	v := it.valid && it.ptr != 0
	it.mu.Unlock()
	return v
}

// Err returns the error that stopped the iterator's last move, nil if it
// simply ran out of entries, or ErrClosed once the iterator is closed.
func (it *Iterator) Err() error {
	it.mu.Lock()
	err := it.err
	if it.ptr == 0 {
		err = ErrClosed
	}
	it.mu.Unlock()
	return err
}

// current returns the current entry's key (or value) from the iterator's
// buffer, copying it there from the entry's C memory on first use after a
// move, or nil if the iterator is not on an entry; with clone, a copy of
// the buffer that the caller owns. mu is held throughout, so that neither
// another goroutine's move nor a Close frees the entry while it is read.
func (it *Iterator) current(value, clone bool) []byte {
	it.mu.Lock()
	var out []byte
	switch {
	case !it.valid || it.ptr == 0:
	case value:
		if !it.haveValue {
			it.value = copyEntry(it.value, it.entry.Value, it.entry.ValueLen)
			it.haveValue = true
		}
		out = it.value
	default:
		if !it.haveKey {
			it.key = copyEntry(it.key, it.entry.Key, it.entry.KeyLen)
			it.haveKey = true
		}
		out = it.key
	}
	if clone && out != nil {
		out = bytes.Clone(out)
	}
	it.mu.Unlock()
	return out
}

// copyEntry copies the n bytes of C memory at p into buf's memory, growing
// it if need be, and returns the non-nil result.
func copyEntry(buf []byte, p *byte, n uintptr) []byte {
	if buf == nil {
		buf = make([]byte, 0, max(n, 64)) // non-nil even for an empty key
	}
	return append(buf[:0], unsafe.Slice(p, n)...)
}

// Key returns the current entry's key, or nil if the iterator is not on
// an entry. The slice is the iterator's own buffer: it stays valid, and
// unchanged, until the next move or Close. Use KeyCopy to keep a key.
func (it *Iterator) Key() []byte { return it.current(false, false) }

// Value returns the current entry's value, or nil if the iterator is not
// on an entry, valid like Key's until the next move or Close. Use
// ValueCopy to keep a value.
func (it *Iterator) Value() []byte { return it.current(true, false) }

// KeyCopy returns a copy of the current key that the caller owns, or nil.
func (it *Iterator) KeyCopy() []byte { return it.current(false, true) }

// ValueCopy returns a copy of the current value that the caller owns, or
// nil.
func (it *Iterator) ValueCopy() []byte { return it.current(true, true) }

// Range returns the entries with start <= key < end in ascending order,
// for a range-over-func loop; a nil start is the first key and a nil end
// no end. It positions the iterator (Seek or First) when the loop starts,
// and the loop ends at end, at the last entry or on an error: check Err
// after it. The slices are Key's and Value's, valid for one round of the
// loop; copy what you keep.
func (it *Iterator) Range(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		var k, v []byte
		var ok bool
		if start == nil {
			k, v, ok = it.stepRange(capi.LSMGO_FIRST, nil)
		} else {
			k, v, ok = it.stepRange(capi.LSMGO_SEEK, start)
		}
		for ; ok; k, v, ok = it.stepRange(capi.LSMGO_NEXT, nil) {
			if end != nil && bytes.Compare(k, end) >= 0 {
				return
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

// ReverseRange returns the same entries as Range(start, end), start <= key
// < end, in descending order: from the last key before end (the last key
// if end is nil) down to start (the first key if start is nil).
func (it *Iterator) ReverseRange(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		var k, v []byte
		var ok bool
		if end == nil {
			k, v, ok = it.stepRange(capi.LSMGO_LAST, nil)
		} else if k, v, ok = it.stepRange(capi.LSMGO_SEEK_FOR_PREV, end); ok && bytes.Equal(k, end) {
			k, v, ok = it.stepRange(capi.LSMGO_PREV, nil) // end is exclusive
		}
		for ; ok; k, v, ok = it.stepRange(capi.LSMGO_PREV, nil) {
			if start != nil && bytes.Compare(k, start) < 0 {
				return
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

// Close closes the iterator, once a call in flight on another goroutine
// has returned. A second Close, or one after DB.Close, returns ErrClosed.
func (it *Iterator) Close() error {
	it.db.mu.Lock()
	defer it.db.mu.Unlock()
	if !it.closeNative() {
		return ErrClosed
	}
	delete(it.db.iters, it)
	return nil
}

// closeNative frees the native iterator, under the DB's mu (so that
// DB.Close, which closes every iterator before the database, never finds
// one half closed) and the iterator's, which waits for a call in flight.
// False if it was closed already.
func (it *Iterator) closeNative() bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.ptr == 0 {
		return false
	}
	capi.Iter_close(it.ptr)
	capi.Go_entry_free(it.entryPtr)
	it.ptr, it.entry, it.entryPtr = 0, nil, 0
	it.valid = false
	return true
}
