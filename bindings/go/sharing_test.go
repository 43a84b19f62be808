package lsm_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"liblsm.io/lsm"
)

// The tests here share each kind of object between goroutines, the way
// doc.go's "Concurrency" section says is safe, and check that nothing
// crashes and every call gives a correct result or the documented error.
// Run under -race by ci/test.sh, which also checks that the package's own
// memory is not raced.

// run starts n goroutines running f(g) and waits for them.
func run(n int, f func(g int)) {
	var wg sync.WaitGroup
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(g)
		}()
	}
	wg.Wait()
}

// errorList collects the goroutines' failures for the test to report.
type errorList struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorList) add(format string, args ...any) {
	l.mu.Lock()
	l.errs = append(l.errs, fmt.Errorf(format, args...))
	l.mu.Unlock()
}

func (l *errorList) report(t *testing.T) {
	t.Helper()
	for i, err := range l.errs {
		if i == 10 {
			t.Errorf("... and %d more", len(l.errs)-i)
			break
		}
		t.Error(err)
	}
}

// TestSharedIterator moves one iterator from several goroutines at once.
// Each call is atomic: whatever another goroutine did before it, a key
// read is a key of the DB and a value a value of it. (Before the
// iterator's mutex, this crashed the process in the C iterator.)
func TestSharedIterator(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 300)
	it := newIter(t, db, nil)
	var errs errorList
	run(4, func(g int) {
		for i := 0; i < 3000; i++ {
			switch (g + i) % 4 {
			case 0:
				it.First()
			case 1:
				it.Seek(b(fmt.Sprintf("k%03d", (i*7)%300)))
			case 2:
				it.Next()
			case 3:
				it.Prev()
			}
			// KeyCopy and ValueCopy copy under the iterator's lock; Key
			// and Value would hand out buffers the next move (by any
			// goroutine) overwrites.
			if k := it.KeyCopy(); k != nil && !(len(k) == 4 && k[0] == 'k') {
				errs.add("goroutine %d: key %q", g, k)
			}
			if v := it.ValueCopy(); v != nil && v[0] != 'v' {
				errs.add("goroutine %d: value %q", g, v)
			}
			if err := it.Err(); err != nil {
				errs.add("goroutine %d: %v", g, err)
			}
		}
	})
	errs.report(t)
	// Alone again, it walks as usual.
	if got := collect(it.Range(nil, nil)); len(got) != 300 {
		t.Fatalf("a Range after sharing saw %d entries, want 300", len(got))
	}
}

// TestSharedIteratorClose closes a shared iterator, and then its DB, while
// goroutines move it: every move before the close works, every one after
// returns false with Err ErrClosed.
func TestSharedIteratorClose(t *testing.T) {
	for _, closeDB := range []bool{false, true} {
		db, _ := open(t, nil)
		fill(t, db, 100)
		it, err := db.NewIterator(nil)
		if err != nil {
			t.Fatal(err)
		}
		var errs errorList
		var moves atomic.Int64
		run(5, func(g int) {
			if g == 0 {
				for moves.Load() < 500 {
					runtime.Gosched()
				}
				closeIt := it.Close
				if closeDB {
					closeIt = db.Close
				}
				if err := closeIt(); err != nil {
					errs.add("close: %v", err)
				}
				return
			}
			for {
				moves.Add(1)
				ok := it.Seek(b(fmt.Sprintf("k%03d", g*17)))
				for n := 0; ok && n < 10; n++ {
					// nil if another goroutine moved it past the end, or
					// closed it, since.
					if k := it.KeyCopy(); k != nil && !bytes.HasPrefix(k, b("k")) {
						errs.add("goroutine %d: key %q", g, k)
					}
					ok = it.Next()
				}
				if err := it.Err(); err != nil {
					if !errors.Is(err, lsm.ErrClosed) {
						errs.add("goroutine %d: %v, want nil or ErrClosed", g, err)
					}
					return
				}
			}
		})
		errs.report(t)
		if it.Valid() || it.First() || !errors.Is(it.Err(), lsm.ErrClosed) {
			t.Fatalf("closeDB %v: the iterator moved after its close", closeDB)
		}
	}
}
