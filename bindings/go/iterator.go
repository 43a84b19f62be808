package lsm

import (
	"bytes"
	"iter"
	"runtime"
	"unsafe"

	"liblsm.io/lsm/internal/capi"
)

// Iterator walks a DB's entries in key order (bytewise), both ways. It
// starts unpositioned; each move (First, Last, Seek, SeekForPrev, Next,
// Prev) is one cgo call and returns whether the iterator now stands on an
// entry. When a move returns false, Err tells whether it ran off the end
// (nil) or failed.
//
// An Iterator is for one goroutine at a time. Close it when done (DB.Close
// closes it too); after Close every move returns false and Err returns
// ErrClosed.
type Iterator struct {
	h  handle
	db *DB
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

func (it *Iterator) move(op int, target []byte) bool { return it.step(op, target, false) }

// step moves the iterator (op: capi.LSMGO_*); with load, it also copies
// the entry it lands on into key and value under the same guard, as Range
// does for every entry.
func (it *Iterator) step(op int, target []byte, load bool) bool {
	p, ok := it.h.acquire()
	if !ok {
		it.valid, it.err = false, ErrClosed
		return false
	}
	it.haveKey, it.haveValue = false, false
	runtime.LockOSThread()
	switch rc := capi.Go_iter_move(p, op, target, it.entryPtr); rc {
	case capi.LSM_OK:
		it.valid, it.err = true, nil
	case capi.LSM_NOT_FOUND:
		it.valid, it.err = false, nil
	default:
		it.valid, it.err = false, lastError(rc)
	}
	runtime.UnlockOSThread()
	if load && it.valid {
		it.key = copyEntry(it.key, it.entry.Key, it.entry.KeyLen)
		it.value = copyEntry(it.value, it.entry.Value, it.entry.ValueLen)
		it.haveKey, it.haveValue = true, true
	}
	it.h.release()
	return it.valid
}

// First moves to the first entry.
func (it *Iterator) First() bool { return it.move(capi.LSMGO_FIRST, nil) }

// Last moves to the last entry.
func (it *Iterator) Last() bool { return it.move(capi.LSMGO_LAST, nil) }

// Seek moves to the first entry whose key is >= target.
func (it *Iterator) Seek(target []byte) bool { return it.move(capi.LSMGO_SEEK, target) }

// SeekForPrev moves to the last entry whose key is <= target.
func (it *Iterator) SeekForPrev(target []byte) bool {
	return it.move(capi.LSMGO_SEEK_FOR_PREV, target)
}

// Next moves to the next entry. On an iterator not positioned on an entry
// it returns false and changes nothing.
func (it *Iterator) Next() bool {
	if !it.valid {
		return false
	}
	return it.move(capi.LSMGO_NEXT, nil)
}

// Prev moves to the previous entry. On an iterator not positioned on an
// entry it returns false and changes nothing.
func (it *Iterator) Prev() bool {
	if !it.valid {
		return false
	}
	return it.move(capi.LSMGO_PREV, nil)
}

// Valid reports whether the iterator stands on an entry (never after
// Close).
func (it *Iterator) Valid() bool { return it.valid && !it.h.closed() }

// Err returns the error that stopped the iterator's last move, nil if it
// simply ran out of entries, or ErrClosed once the iterator is closed.
func (it *Iterator) Err() error {
	if it.h.closed() {
		return ErrClosed
	}
	return it.err
}

// load copies the current entry's key (or value) into buf's memory, under
// the handle so that a concurrent DB.Close cannot free the entry (C
// memory, like the bytes it points to) while it is read. Returns nil if
// the iterator was closed.
func (it *Iterator) load(buf []byte, value bool) []byte {
	if _, ok := it.h.acquire(); !ok {
		it.valid, it.err = false, ErrClosed
		return nil
	}
	defer it.h.release()
	if value {
		return copyEntry(buf, it.entry.Value, it.entry.ValueLen)
	}
	return copyEntry(buf, it.entry.Key, it.entry.KeyLen)
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
func (it *Iterator) Key() []byte {
	if !it.Valid() {
		return nil
	}
	if !it.haveKey {
		it.key = it.load(it.key, false)
		it.haveKey = it.key != nil
	}
	return it.key
}

// Value returns the current entry's value, or nil if the iterator is not
// on an entry, valid like Key's until the next move or Close. Use
// ValueCopy to keep a value.
func (it *Iterator) Value() []byte {
	if !it.Valid() {
		return nil
	}
	if !it.haveValue {
		it.value = it.load(it.value, true)
		it.haveValue = it.value != nil
	}
	return it.value
}

// KeyCopy returns a copy of the current key that the caller owns, or nil.
func (it *Iterator) KeyCopy() []byte { return bytes.Clone(it.Key()) }

// ValueCopy returns a copy of the current value that the caller owns, or
// nil.
func (it *Iterator) ValueCopy() []byte { return bytes.Clone(it.Value()) }

// Range returns the entries with start <= key < end in ascending order,
// for a range-over-func loop; a nil start is the first key and a nil end
// no end. It positions the iterator (Seek or First) when the loop starts,
// and the loop ends at end, at the last entry or on an error: check Err
// after it. The slices are Key's and Value's, valid for one round of the
// loop; copy what you keep.
func (it *Iterator) Range(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		var ok bool
		if start == nil {
			ok = it.step(capi.LSMGO_FIRST, nil, true)
		} else {
			ok = it.step(capi.LSMGO_SEEK, start, true)
		}
		for ; ok; ok = it.step(capi.LSMGO_NEXT, nil, true) {
			if end != nil && bytes.Compare(it.key, end) >= 0 {
				return
			}
			if !yield(it.key, it.value) {
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
		var ok bool
		if end == nil {
			ok = it.step(capi.LSMGO_LAST, nil, true)
		} else if ok = it.step(capi.LSMGO_SEEK_FOR_PREV, end, true); ok && bytes.Equal(it.key, end) {
			ok = it.step(capi.LSMGO_PREV, nil, true) // end is exclusive
		}
		for ; ok; ok = it.step(capi.LSMGO_PREV, nil, true) {
			if start != nil && bytes.Compare(it.key, start) < 0 {
				return
			}
			if !yield(it.key, it.value) {
				return
			}
		}
	}
}

// Close closes the iterator. A second Close, or one after DB.Close,
// returns ErrClosed.
func (it *Iterator) Close() error {
	it.db.mu.Lock()
	defer it.db.mu.Unlock()
	if !it.closeNative() {
		return ErrClosed
	}
	delete(it.db.iters, it)
	return nil
}

// closeNative frees the native iterator once no call is in flight, under
// the DB's mu (see Snapshot.closeNative). False if it was closed already.
func (it *Iterator) closeNative() bool {
	if !it.h.close() {
		return false
	}
	capi.Iter_close(it.h.ptr)
	capi.Go_entry_free(it.entryPtr)
	it.entry, it.entryPtr = nil, 0 // unreachable now: every reader acquires first
	return true
}
