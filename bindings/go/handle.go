package lsm

import (
	"sync/atomic"
	"time"
)

// handle guards the native pointer of an object that many goroutines may
// use at once (a DB, a Snapshot) against use after free. Every call that
// passes the pointer to C brackets itself with acquire and release; close
// marks the handle closed, so that no call starts after it, and waits for
// the calls in flight to end, after which the pointer may be freed. Thus a
// Close racing other goroutines' calls never frees memory under them: they
// either finish first or fail with ErrClosed. (An Iterator, whose every
// call changes it, serialises its calls and its close with a mutex
// instead.)
//
// state holds the number of calls in flight in its low bits and closedBit.
type handle struct {
	ptr   uintptr // set before the handle is shared, then never changed
	state atomic.Int64
}

const closedBit = int64(1) << 62

// acquire returns the pointer, or false if the handle is closed. A true
// return must be paired with release.
func (h *handle) acquire() (uintptr, bool) {
	if h.state.Add(1)&closedBit != 0 {
		h.state.Add(-1)
		return 0, false
	}
	return h.ptr, true
}

func (h *handle) release() { h.state.Add(-1) }

// close marks the handle closed, if it was not already, and waits until no
// call is in flight. It returns true to the one caller that marked it,
// false to any other; every caller returns only once no call is in flight,
// so whichever frees the pointer (DB.Close or the object's own Close, told
// apart under the DB's mu) frees it under no call.
func (h *handle) close() bool {
	marked := false
	for !marked {
		s := h.state.Load()
		if s&closedBit != 0 {
			break
		}
		marked = h.state.CompareAndSwap(s, s|closedBit)
	}
	// Calls in flight are single liblsm calls; most end within
	// microseconds, a compaction or a synced write within seconds.
	for wait := time.Microsecond; h.state.Load() != closedBit; {
		time.Sleep(wait)
		wait = min(2*wait, time.Millisecond)
	}
	return marked
}

func (h *handle) closed() bool { return h.state.Load()&closedBit != 0 }
