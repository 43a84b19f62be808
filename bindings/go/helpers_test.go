package lsm_test

// The helpers the package's tests share: a database per test, and the
// checks most tests make.

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"liblsm.io/lsm"
)

// open opens a new database in a temporary directory, closed (if still
// open) when the test ends.
func open(t testing.TB, opts *lsm.Options) (*lsm.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db")
	db, err := lsm.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func b(s string) []byte { return []byte(s) }

func mustPut(t testing.TB, db *lsm.DB, k, v string) {
	t.Helper()
	if err := db.Put(b(k), b(v), nil); err != nil {
		t.Fatalf("Put(%q): %v", k, err)
	}
}

func mustGet(t testing.TB, db *lsm.DB, k, want string) {
	t.Helper()
	v, err := db.Get(b(k), nil)
	if err != nil || string(v) != want {
		t.Fatalf("Get(%q) = %q, %v; want %q", k, v, err, want)
	}
}

func mustMiss(t testing.TB, db *lsm.DB, k string) {
	t.Helper()
	if v, err := db.Get(b(k), nil); err != lsm.ErrNotFound {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", k, v, err)
	}
}

// wantCode checks that err is an *Error of code c that errors.Is matches
// with sentinel, and that its message contains msg.
func wantCode(t testing.TB, err error, c lsm.Code, sentinel error, msg string) {
	t.Helper()
	var e *lsm.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *lsm.Error", err, err)
	}
	if e.Code != c || !errors.Is(err, sentinel) {
		t.Fatalf("error %v: code %v, want %v (%v)", err, e.Code, c, sentinel)
	}
	if !strings.Contains(e.Message, msg) {
		t.Fatalf("error %v: message %q does not contain %q", err, e.Message, msg)
	}
}

// fill puts keys "k0".."k(n-1)" zero-padded to 3 digits with values "v<i>".
func fill(t testing.TB, db *lsm.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		mustPut(t, db, fmt.Sprintf("k%03d", i), fmt.Sprintf("v%d", i))
	}
}

func newIter(t testing.TB, db *lsm.DB, ro *lsm.ReadOptions) *lsm.Iterator {
	t.Helper()
	it, err := db.NewIterator(ro)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { it.Close() })
	return it
}

func collect(seq func(func([]byte, []byte) bool)) []string {
	var out []string
	for k, v := range seq {
		out = append(out, string(k)+"="+string(v))
	}
	return out
}

func keys(from, to int, step int) []string {
	var out []string
	for i := from; i != to; i += step {
		out = append(out, fmt.Sprintf("k%03d=v%d", i, i))
	}
	return out
}
