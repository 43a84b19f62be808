package lsm_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"liblsm.io/lsm"
)

// at checks that it stands on key k with value v.
func at(t testing.TB, it *lsm.Iterator, moved bool, k, v string) {
	t.Helper()
	if !moved || !it.Valid() || string(it.Key()) != k || string(it.Value()) != v {
		t.Fatalf("at %q=%q (moved %v, valid %v); want %q=%q", it.Key(), it.Value(), moved, it.Valid(), k, v)
	}
}

func off(t testing.TB, it *lsm.Iterator, moved bool) {
	t.Helper()
	if moved || it.Valid() || it.Key() != nil || it.Value() != nil || it.Err() != nil {
		t.Fatalf("moved %v valid %v key %q err %v; want off the end", moved, it.Valid(), it.Key(), it.Err())
	}
}

func TestIteratorMoves(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 10)
	it := newIter(t, db, nil)
	if it.Valid() || it.Key() != nil || it.Next() || it.Prev() {
		t.Fatal("a new iterator is positioned")
	}
	at(t, it, it.First(), "k000", "v0")
	at(t, it, it.Next(), "k001", "v1")
	at(t, it, it.Prev(), "k000", "v0")
	off(t, it, it.Prev())
	off(t, it, it.Next()) // an invalid iterator stays put
	at(t, it, it.Last(), "k009", "v9")
	off(t, it, it.Next())
	at(t, it, it.Seek(b("k0045")), "k005", "v5")
	at(t, it, it.Seek(b("k005")), "k005", "v5")
	at(t, it, it.SeekForPrev(b("k0045")), "k004", "v4")
	at(t, it, it.SeekForPrev(b("k004")), "k004", "v4")
	at(t, it, it.Next(), "k005", "v5")
	off(t, it, it.Seek(b("l")))
	off(t, it, it.SeekForPrev(b("a")))
	at(t, it, it.Seek(nil), "k000", "v0")
	// Both directions in turn, over every entry.
	it.First()
	for i := 1; i < 10; i++ {
		at(t, it, it.Next(), fmt.Sprintf("k%03d", i), fmt.Sprintf("v%d", i))
		at(t, it, it.Prev(), fmt.Sprintf("k%03d", i-1), fmt.Sprintf("v%d", i-1))
		it.Next()
	}
}

func TestIteratorKeyIsStableUntilTheNextMove(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 3)
	it := newIter(t, db, nil)
	it.First()
	k, v := it.Key(), it.Value()
	kc, vc := it.KeyCopy(), it.ValueCopy()
	db.Put(b("k000"), b("changed"), nil) // the iterator's view does not change
	if string(k) != "k000" || string(v) != "v0" {
		t.Fatalf("before the move: %q=%q", k, v)
	}
	it.Next()
	it.Key()
	it.Value()
	if string(kc) != "k000" || string(vc) != "v0" {
		t.Fatalf("copies changed: %q=%q", kc, vc)
	}
	// Writing into a returned slice changes only that copy.
	it.Key()[0] = 'X'
	it.Next()
	if string(it.Key()) != "k002" {
		t.Fatalf("after writing into Key: %q", it.Key())
	}
	it.Next()
	if it.KeyCopy() != nil || it.ValueCopy() != nil {
		t.Fatal("copies of an invalid iterator")
	}
}

func TestIteratorRanges(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 10)
	it := newIter(t, db, nil)
	for _, c := range []struct {
		start, end []byte
		forward    []string
	}{
		{nil, nil, keys(0, 10, 1)},
		{b("k003"), nil, keys(3, 10, 1)},
		{nil, b("k003"), keys(0, 3, 1)},
		{b("k003"), b("k007"), keys(3, 7, 1)},
		{b("k0025"), b("k0065"), keys(3, 7, 1)},
		{b("k005"), b("k005"), nil},
		{b("k007"), b("k003"), nil},
		{b("a"), b("z"), keys(0, 10, 1)},
		{b("z"), nil, nil},
		{nil, b("a"), nil},
	} {
		got := collect(it.Range(c.start, c.end))
		if !slices.Equal(got, c.forward) {
			t.Errorf("Range(%q, %q) = %v, want %v", c.start, c.end, got, c.forward)
		}
		want := slices.Clone(c.forward)
		slices.Reverse(want)
		got = collect(it.ReverseRange(c.start, c.end))
		if !slices.Equal(got, want) {
			t.Errorf("ReverseRange(%q, %q) = %v, want %v", c.start, c.end, got, want)
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
	}
	// Breaking out of the loop leaves the iterator where it stopped.
	for k := range it.Range(nil, nil) {
		if string(k) == "k004" {
			break
		}
	}
	at(t, it, it.Valid(), "k004", "v4")
	for k := range it.ReverseRange(nil, nil) {
		if string(k) == "k008" {
			break
		}
	}
	at(t, it, it.Valid(), "k008", "v8")
}

func TestIteratorBoundsAndSettings(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 10)
	it := newIter(t, db, &lsm.ReadOptions{LowerBound: b("k002"), UpperBound: b("k005"),
		DontVerifyChecksums: true, DontFillCache: true})
	if got := collect(it.Range(nil, nil)); !slices.Equal(got, keys(2, 5, 1)) {
		t.Fatalf("bounded Range = %v", got)
	}
	if got := collect(it.ReverseRange(nil, nil)); !slices.Equal(got, keys(4, 1, -1)) {
		t.Fatalf("bounded ReverseRange = %v", got)
	}
	at(t, it, it.Seek(b("a")), "k002", "v2")
	at(t, it, it.SeekForPrev(b("z")), "k004", "v4")
	off(t, it, it.Seek(b("k005")))
}

func TestIteratorSeesAFixedView(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 5)
	it := newIter(t, db, nil)
	db.Put(b("k002"), b("new"), nil)
	db.Delete(b("k003"), nil)
	mustPut(t, db, "k010", "late")
	if got := collect(it.Range(nil, nil)); !slices.Equal(got, keys(0, 5, 1)) {
		t.Fatalf("an iterator saw writes made after it opened: %v", got)
	}
	it2 := newIter(t, db, nil)
	want := []string{"k000=v0", "k001=v1", "k002=new", "k004=v4", "k010=late"}
	if got := collect(it2.Range(nil, nil)); !slices.Equal(got, want) {
		t.Fatalf("a new iterator: %v", got)
	}
}

func TestIteratorClose(t *testing.T) {
	db, _ := open(t, nil)
	fill(t, db, 3)
	it, _ := db.NewIterator(nil)
	it.First()
	k := it.Key()
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if string(k) != "k000" {
		t.Fatalf("a key taken before Close changed: %q", k)
	}
	if it.Close() != lsm.ErrClosed {
		t.Fatal("second Close")
	}
	for name, move := range map[string]func() bool{
		"First": it.First, "Last": it.Last, "Next": it.Next, "Prev": it.Prev,
		"Seek": func() bool { return it.Seek(b("k")) }, "SeekForPrev": func() bool { return it.SeekForPrev(b("k")) },
	} {
		if move() || it.Valid() || it.Key() != nil || it.Value() != nil || !errors.Is(it.Err(), lsm.ErrClosed) {
			t.Fatalf("%s after Close: valid %v err %v", name, it.Valid(), it.Err())
		}
	}
	if got := collect(it.Range(nil, nil)); got != nil {
		t.Fatalf("Range after Close: %v", got)
	}
	// A closed iterator no longer holds the database open.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestIteratorReadsFromTablesAndMemtable(t *testing.T) {
	db, _ := open(t, &lsm.Options{WriteBufferSize: 64 << 10})
	want := map[string]string{}
	for i := 0; i < 3000; i++ {
		k, v := fmt.Sprintf("key%06d", i*7%3000), strings.Repeat(fmt.Sprint(i), 10)
		mustPut(t, db, k, v)
		want[k] = v
	}
	it := newIter(t, db, nil)
	n := 0
	var last string
	for k, v := range it.Range(nil, nil) {
		if string(k) <= last || want[string(k)] != string(v) {
			t.Fatalf("entry %d: %q=%q after %q", n, k, v, last)
		}
		last = string(k)
		n++
	}
	if n != 3000 || it.Err() != nil {
		t.Fatalf("saw %d entries, err %v", n, it.Err())
	}
}
