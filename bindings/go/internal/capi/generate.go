// Package capi is the C ABI (capi/include/lsm.h) as SWIG wraps it for Go,
// generated from bindings/lsm.i into lsm.go and lsm_wrap.c. It is internal:
// package lsm, the idiomatic layer, is its only user.
//
// Each function is one cgo call. Handles are uintptrs, byte strings are
// []byte read in place for the length of the call (those C only reads
// cross as string headers, which cgo need not check), and status codes
// come back as ints (see bindings/lsm.i for what crosses and how).
package capi

//go:generate sh ../../gen.sh

import "unsafe"

// The wrappers are generated with -intgosize 64: C sees Go's int as 64
// bits, and Entry is four 8-byte words. A 32-bit platform fails to compile
// here rather than misread its arguments.
const _ = unsafe.Sizeof(uintptr(0)) - 8
const _ = 8 - unsafe.Sizeof(uintptr(0))
