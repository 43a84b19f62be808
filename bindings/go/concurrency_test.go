package lsm_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liblsm.io/lsm"
)

// TestConcurrentUse shares one DB among goroutines that write their own
// keys (puts, batches, deletes) and read them back, while others iterate,
// take snapshots and flush. Run under -race by ci/test.sh.
func TestConcurrentUse(t *testing.T) {
	db, _ := open(t, &lsm.Options{WriteBufferSize: 256 << 10})
	const writers, perWriter = 4, 1500
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var batch lsm.Batch
			for i := 0; i < perWriter; i++ {
				k := []byte(fmt.Sprintf("w%d-%05d", w, i))
				v := bytes.Repeat([]byte{byte('a' + w)}, 50+i%100)
				var err error
				if i%3 == 0 {
					batch.Reset()
					batch.Put(k, v)
					batch.Delete([]byte(fmt.Sprintf("w%d-gone", w)))
					err = db.Write(&batch, nil)
				} else {
					err = db.Put(k, v, nil)
				}
				if err != nil {
					errs <- err
					return
				}
				got, err := db.Get(k, nil)
				if err != nil || !bytes.Equal(got, v) {
					errs <- fmt.Errorf("writer %d: Get(%s) = %d bytes, %v", w, k, len(got), err)
					return
				}
			}
		}(w)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 3; r++ {
		readers.Add(1)
		go func(r int) {
			defer readers.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				s, err := db.NewSnapshot()
				if err != nil {
					errs <- err
					return
				}
				it, err := s.NewIterator(nil)
				if err != nil {
					errs <- err
					return
				}
				var last []byte
				count := 0
				for k := range it.Range(nil, nil) {
					if last != nil && bytes.Compare(k, last) <= 0 {
						errs <- fmt.Errorf("reader %d: %q after %q", r, k, last)
						return
					}
					last = append(last[:0], k...)
					count++
				}
				if it.Err() != nil {
					errs <- it.Err()
					return
				}
				it.Close()
				// The snapshot's view does not change while writers go on.
				it2, _ := s.NewIterator(nil)
				again := 0
				for range it2.Range(nil, nil) {
					again++
				}
				it2.Close()
				s.Close()
				if again != count {
					errs <- fmt.Errorf("reader %d: a snapshot saw %d then %d entries", r, count, again)
					return
				}
				if r == 0 && n%5 == 0 {
					if err := db.Flush(); err != nil {
						errs <- err
						return
					}
				}
			}
		}(r)
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	it := newIter(t, db, nil)
	n := 0
	for range it.Range(nil, nil) {
		n++
	}
	if n != writers*perWriter {
		t.Fatalf("%d entries, want %d", n, writers*perWriter)
	}
}

// TestCloseUnderLoad closes a DB while goroutines use it, its iterators
// and its snapshots: every call either works or returns ErrClosed, and
// nothing touches freed memory (the race detector and the C library's own
// checks would see it; a crash ends the test).
func TestCloseUnderLoad(t *testing.T) {
	for round := 0; round < 5; round++ {
		db, _ := open(t, nil)
		fill(t, db, 200)
		var wg sync.WaitGroup
		var unexpected atomic.Value
		var calls atomic.Int64
		report := func(err error) {
			if err != nil && !errors.Is(err, lsm.ErrClosed) {
				unexpected.Store(err)
			}
		}
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; ; i++ {
					calls.Add(1)
					k := []byte(fmt.Sprintf("k%03d", i%200))
					var err error
					switch g % 3 {
					case 0:
						err = db.Put(k, k, nil)
						if err == nil {
							_, err = db.Get(k, nil)
						}
					case 1:
						var it *lsm.Iterator
						if it, err = db.NewIterator(nil); err == nil {
							for range it.Range(nil, nil) {
							}
							err = it.Err()
							it.Close()
						}
					case 2:
						var s *lsm.Snapshot
						if s, err = db.NewSnapshot(); err == nil {
							_, err = s.Get(k)
							if errors.Is(err, lsm.ErrNotFound) {
								err = nil
							}
							s.Close()
						}
					}
					report(err)
					if errors.Is(err, lsm.ErrClosed) {
						return
					}
				}
			}(g)
		}
		for calls.Load() < 300 {
			time.Sleep(time.Millisecond)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("Close under load: %v", err)
		}
		wg.Wait()
		if err := unexpected.Load(); err != nil {
			t.Fatalf("round %d: a call failed with %v, not ErrClosed", round, err)
		}
	}
}
