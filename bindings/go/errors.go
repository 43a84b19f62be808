package lsm

import (
	"errors"
	"runtime"

	"liblsm.io/lsm/internal/capi"
)

// Code is a liblsm status code (lsm.h's LSM_* values, fixed forever).
type Code int

// The status codes an *Error carries.
const (
	OK           Code = Code(capi.LSM_OK)
	NotFound     Code = Code(capi.LSM_NOT_FOUND)
	Invalid      Code = Code(capi.LSM_INVALID)
	Corruption   Code = Code(capi.LSM_CORRUPTION)
	IOError      Code = Code(capi.LSM_IO_ERROR)
	Busy         Code = Code(capi.LSM_BUSY)
	NoMemory     Code = Code(capi.LSM_NO_MEMORY)
	NotSupported Code = Code(capi.LSM_NOT_SUPPORTED)
)

// Sentinel errors, one per status code, for errors.Is: every *Error
// unwraps to the sentinel of its code. ErrClosed has no code: it is the
// error of any use of a DB, Iterator or Snapshot after its Close.
var (
	ErrNotFound     = errors.New("lsm: not found")
	ErrInvalid      = errors.New("lsm: invalid argument")
	ErrCorruption   = errors.New("lsm: corruption")
	ErrIOError      = errors.New("lsm: I/O error")
	ErrBusy         = errors.New("lsm: busy")
	ErrNoMemory     = errors.New("lsm: out of memory")
	ErrNotSupported = errors.New("lsm: not supported")
	ErrClosed       = errors.New("lsm: use of a closed object")
)

var sentinels = map[Code]error{
	NotFound:     ErrNotFound,
	Invalid:      ErrInvalid,
	Corruption:   ErrCorruption,
	IOError:      ErrIOError,
	Busy:         ErrBusy,
	NoMemory:     ErrNoMemory,
	NotSupported: ErrNotSupported,
}

// String names the code as lsm.h does, without the LSM_ prefix.
func (c Code) String() string {
	switch c {
	case OK:
		return "OK"
	case NotFound:
		return "NOT_FOUND"
	case Invalid:
		return "INVALID"
	case Corruption:
		return "CORRUPTION"
	case IOError:
		return "IO_ERROR"
	case Busy:
		return "BUSY"
	case NoMemory:
		return "NO_MEMORY"
	case NotSupported:
		return "NOT_SUPPORTED"
	}
	return "UNKNOWN"
}

// Error is a failure reported by liblsm: its status code and the message
// lsm_last_error gave for it (empty if it gave none).
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string {
	s := "lsm: " + e.Code.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the sentinel of e's code (ErrCorruption for Corruption,
// ...), so errors.Is(err, lsm.ErrCorruption) holds.
func (e *Error) Unwrap() error { return sentinels[e.Code] }

// invalid is an Invalid error found by this package before any call.
func invalid(msg string) error { return &Error{Code: Invalid, Message: msg} }

// lastError turns a failing status into an *Error with liblsm's message
// for it. lsm_last_error is per thread, so the caller must have locked its
// goroutine to the OS thread (runtime.LockOSThread) before the failing
// call, and keep it locked until this returns.
func lastError(rc int) error {
	var buf [256]byte
	msg := buf[:]
	n := int(capi.Go_copy_last_error(msg))
	if n > len(msg) {
		msg = make([]byte, n)
		n = int(capi.Go_copy_last_error(msg))
	}
	return &Error{Code: Code(rc), Message: string(msg[:min(n, len(msg))])}
}

// call runs one liblsm call that returns a status, with the goroutine
// locked to its thread so that a failure's message is that call's.
func call(f func() int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if rc := f(); rc != capi.LSM_OK {
		return lastError(rc)
	}
	return nil
}
