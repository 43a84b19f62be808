package lsm

import (
	"sync/atomic"
	"time"
)

// handle guards a native pointer against use after free. Every call that
// passes the pointer to C brackets itself with acquire and release; close
// marks the handle closed, so that no call starts after it, and waits for
// the calls in flight to end, after which the caller frees the pointer.
// Thus a Close racing other goroutines' calls never frees memory under
// them: they either finish first or fail with ErrClosed.
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

// close marks the handle closed and waits until no call is in flight. It
// returns false, at once, if the handle was closed already: exactly one
// caller gets true and frees the pointer.
func (h *handle) close() bool {
	for {
		s := h.state.Load()
		if s&closedBit != 0 {
			return false
		}
		if h.state.CompareAndSwap(s, s|closedBit) {
			break
		}
	}
	// Calls in flight are single liblsm calls; most end within
	// microseconds, a compaction or a synced write within seconds.
	for wait := time.Microsecond; h.state.Load() != closedBit; {
		time.Sleep(wait)
		wait = min(2*wait, time.Millisecond)
	}
	return true
}

func (h *handle) closed() bool { return h.state.Load()&closedBit != 0 }
