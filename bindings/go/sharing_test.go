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

// TestSharedBatch fills one Batch from several goroutines while another
// writes it over and over: every operation lands whole, and every Write
// applies a consistent batch. (Before the batch's mutex, writes failed with
// ErrCorruption, or the process crashed.)
func TestSharedBatch(t *testing.T) {
	db, _ := open(t, nil)
	var batch lsm.Batch
	const fillers, perFiller = 4, 2000
	var errs errorList
	var filling atomic.Int32
	filling.Store(fillers)
	run(fillers+1, func(g int) {
		if g == fillers {
			for writes := 0; filling.Load() > 0 || writes == 0; writes++ {
				if err := db.Write(&batch, nil); err != nil {
					errs.add("Write: %v", err)
					return
				}
			}
			return
		}
		defer filling.Add(-1)
		for i := 0; i < perFiller; i++ {
			k := b(fmt.Sprintf("g%d-%04d", g, i))
			batch.Put(k, bytes.Repeat(k, 1+i%20))
			if i%10 == 0 {
				batch.Delete(b(fmt.Sprintf("g%d-gone", g)))
			}
		}
	})
	errs.report(t)
	if want := fillers * (perFiller + perFiller/10); batch.Len() != want {
		t.Fatalf("Len() = %d, want %d", batch.Len(), want)
	}
	if err := db.Write(&batch, nil); err != nil {
		t.Fatal(err)
	}
	for g := 0; g < fillers; g++ {
		for i := 0; i < perFiller; i++ {
			k := b(fmt.Sprintf("g%d-%04d", g, i))
			if v, err := db.Get(k, nil); err != nil || !bytes.Equal(v, bytes.Repeat(k, 1+i%20)) {
				t.Fatalf("Get(%s) = %q, %v", k, v, err)
			}
		}
	}
	batch.Reset()
	if batch.Len() != 0 {
		t.Fatal("Reset left operations")
	}
}

// TestSharedSnapshotAndReadOptions shares one Snapshot and one
// *ReadOptions naming it among readers (Get and iterators) while a writer
// overwrites every key, then closes the snapshot under them: reads before
// the close see the snapshot's values, reads after it ErrClosed. (Before
// Snapshot.Close waited for the calls in flight without holding the DB's
// mutex, it could deadlock with a NewIterator through the snapshot.)
func TestSharedSnapshotAndReadOptions(t *testing.T) {
	for round := 0; round < 10; round++ {
		sharedSnapshotRound(t)
	}
}

func sharedSnapshotRound(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 100)
	s, err := db.NewSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	ro := &lsm.ReadOptions{Snapshot: s, LowerBound: b("k010"), UpperBound: b("k090")}
	var errs errorList
	var reads atomic.Int64
	const readers = 4
	var readersLeft atomic.Int32
	readersLeft.Store(readers)
	run(readers+2, func(g int) {
		switch g {
		case readers: // the writer
			for i := 0; readersLeft.Load() > 0 || i < 100; i++ {
				if err := db.Put(b(fmt.Sprintf("k%03d", i%100)), b("new"), nil); err != nil {
					errs.add("Put: %v", err)
					return
				}
			}
		case readers + 1: // the closer
			for reads.Load() < 1000 && readersLeft.Load() > 0 {
				runtime.Gosched()
			}
			if err := s.Close(); err != nil {
				errs.add("Snapshot.Close: %v", err)
			}
		default:
			defer readersLeft.Add(-1)
			for i := 0; ; i++ {
				err := readThrough(db, s, ro, fmt.Sprintf("k%03d", (i*13+g)%100))
				reads.Add(1)
				if errors.Is(err, lsm.ErrClosed) {
					return
				}
				if err != nil {
					errs.add("reader %d: %v", g, err)
					return
				}
			}
		}
	})
	errs.report(t)
	mustGet(t, db, "k050", "new")
}

// readThrough reads k through snapshot s, which was taken when every key
// held "v<i>", in one of three ways (s.Get, db.Get with ro, an iterator
// with ro, whose bounds hold 80 keys), and checks what it read.
func readThrough(db *lsm.DB, s *lsm.Snapshot, ro *lsm.ReadOptions, k string) error {
	var v []byte
	var err error
	switch k[len(k)-1] % 3 {
	case 0:
		v, err = s.Get(b(k))
	case 1:
		v, err = db.Get(b(k), ro)
	case 2:
		it, ierr := db.NewIterator(ro)
		if ierr != nil {
			return ierr
		}
		defer it.Close()
		n := 0
		for k, v := range it.Range(nil, nil) {
			if !bytes.HasPrefix(v, b("v")) {
				return fmt.Errorf("the snapshot's iterator read %s=%q", k, v)
			}
			n++
		}
		if ierr = it.Err(); ierr == nil && n != 80 {
			return fmt.Errorf("the snapshot's iterator saw %d entries, want 80", n)
		}
		return ierr
	}
	if err == nil && !bytes.HasPrefix(v, b("v")) {
		return fmt.Errorf("%s=%q through the snapshot", k, v)
	}
	return err
}
