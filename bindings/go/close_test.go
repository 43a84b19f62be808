package lsm_test

import (
	"errors"
	"slices"
	"testing"

	"liblsm.io/lsm"
)

func TestSnapshot(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 5)
	s, err := db.NewSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	db.Put(b("k001"), b("new"), nil)
	db.Delete(b("k002"), nil)
	mustPut(t, db, "k009", "late")
	if v, err := s.Get(b("k001")); err != nil || string(v) != "v1" {
		t.Fatalf("Snapshot.Get = %q, %v", v, err)
	}
	if v, err := s.Get(b("k009")); err != lsm.ErrNotFound {
		t.Fatalf("Snapshot.Get of a later key = %q, %v", v, err)
	}
	if v, err := db.Get(b("k002"), &lsm.ReadOptions{Snapshot: s}); err != nil || string(v) != "v2" {
		t.Fatalf("Get through ReadOptions.Snapshot = %q, %v", v, err)
	}
	// With other settings, a read options set is made for the call.
	if v, err := db.Get(b("k002"), &lsm.ReadOptions{Snapshot: s, DontFillCache: true}); err != nil || string(v) != "v2" {
		t.Fatalf("Get through ReadOptions{Snapshot, DontFillCache} = %q, %v", v, err)
	}
	mustGet(t, db, "k001", "new")
	it, err := s.NewIterator(&lsm.ReadOptions{LowerBound: b("k001")})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(it.Range(nil, nil)); !slices.Equal(got, keys(1, 5, 1)) {
		t.Fatalf("snapshot iterator: %v", got)
	}
	it2 := newIter(t, db, &lsm.ReadOptions{Snapshot: s})
	if got := collect(it2.ReverseRange(nil, nil)); !slices.Equal(got, keys(4, -1, -1)) {
		t.Fatalf("iterator through ReadOptions.Snapshot: %v", got)
	}
	it.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Close() != lsm.ErrClosed {
		t.Fatal("second Snapshot.Close")
	}
	if _, err := s.Get(b("k001")); err != lsm.ErrClosed {
		t.Fatalf("Get on a closed snapshot: %v", err)
	}
	if _, err := db.Get(b("k001"), &lsm.ReadOptions{Snapshot: s}); err != lsm.ErrClosed {
		t.Fatalf("Get through a closed snapshot: %v", err)
	}
	if _, err := s.NewIterator(nil); err != lsm.ErrClosed {
		t.Fatalf("NewIterator on a closed snapshot: %v", err)
	}
	// The iterator opened through the snapshot still reads its view.
	if got := collect(it2.Range(b("k002"), b("k003"))); !slices.Equal(got, keys(2, 3, 1)) {
		t.Fatalf("iterator after its snapshot closed: %v", got)
	}
}

func TestSnapshotOfAnotherDB(t *testing.T) {
	db1, _ := open(t, nil)
	db2, _ := open(t, nil)
	s, _ := db1.NewSnapshot()
	_, err := db2.Get(b("k"), &lsm.ReadOptions{Snapshot: s})
	wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, "another DB")
	_, err = db2.NewIterator(&lsm.ReadOptions{Snapshot: s})
	wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, "another DB")
}

func TestCloseClosesIteratorsAndSnapshots(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 3)
	it1 := newIter(t, db, nil)
	it1.First()
	it2 := newIter(t, db, nil)
	s1, _ := db.NewSnapshot()
	s2, _ := db.NewSnapshot()
	it3, _ := s2.NewIterator(nil)
	it3.Last()
	if err := s1.Close(); err != nil { // closed before: DB.Close skips it
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close with open iterators and snapshots: %v", err)
	}
	for _, it := range []*lsm.Iterator{it1, it2, it3} {
		if it.Valid() || it.Next() || it.First() || !errors.Is(it.Err(), lsm.ErrClosed) {
			t.Fatal("an iterator of a closed DB moved")
		}
		if it.Close() != lsm.ErrClosed {
			t.Fatal("Iterator.Close after DB.Close")
		}
	}
	if _, err := s2.Get(b("k000")); err != lsm.ErrClosed {
		t.Fatalf("Snapshot.Get after DB.Close: %v", err)
	}
	if s2.Close() != lsm.ErrClosed {
		t.Fatal("Snapshot.Close after DB.Close")
	}
}

func TestUseAfterClose(t *testing.T) {
	db, path := open(t, nil)
	var batch lsm.Batch
	batch.Put(b("k"), b("v"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{
		"Close":              db.Close(),
		"Put":                db.Put(b("k"), b("v"), nil),
		"Delete":             db.Delete(b("k"), nil),
		"Write":              db.Write(&batch, nil),
		"Flush":              db.Flush(),
		"CompactRange":       db.CompactRange(nil, nil),
		"WaitForCompactions": db.WaitForCompactions(),
	}
	_, checks["Get"] = db.Get(b("k"), nil)
	_, checks["NewIterator"] = db.NewIterator(nil)
	_, checks["NewSnapshot"] = db.NewSnapshot()
	_, checks["ApproximateSize"] = db.ApproximateSize(nil, nil)
	_, checks["Property"] = db.Property("lsm.stats")
	for name, err := range checks {
		if err != lsm.ErrClosed {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	// The database itself was closed: it opens again.
	db, err := lsm.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}
