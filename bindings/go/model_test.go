package lsm_test

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"liblsm.io/lsm"
)

// model is the expected content of a database: key -> value.
type model map[string]string

// entries returns m's entries with start <= key < end (nil: open), sorted
// ascending, as "key=value" strings like collect's.
func (m model) entries(start, end []byte) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if start != nil && k < string(start) || end != nil && k >= string(end) {
			continue
		}
		out = append(out, k+"="+m[k])
	}
	return out
}

// TestModel runs random operations against the DB and a Go map side by
// side and compares every read: gets, iterators both ways over random
// ranges, snapshots (each with a copy of the map as it was), batches,
// flushes, compactions and reopens.
func TestModel(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runModel(t, seed, 3000) })
	}
}

func runModel(t *testing.T, seed uint64, ops int) {
	rng := rand.New(rand.NewPCG(seed, 0))
	opts := &lsm.Options{WriteBufferSize: 64 << 10, TargetFileSize: 64 << 10, MaxBytesForLevelBase: 1 << 20}
	db, path := open(t, opts)
	// The reopens below replace db; the last one is closed here (open
	// closes only the first).
	defer func() { db.Close() }()
	m := model{}
	type snap struct {
		s *lsm.Snapshot
		m model
	}
	var snaps []snap

	// Keys from a small space, so that operations meet: binary bytes
	// (0x00, 0xff) and the empty key included, to check bytewise order.
	key := func() []byte {
		switch rng.IntN(20) {
		case 0:
			return []byte{}
		case 1:
			return []byte{0xff, byte(rng.IntN(3))}
		case 2:
			return []byte{'k', 0, byte(rng.IntN(3))}
		}
		return []byte(fmt.Sprintf("k%03d", rng.IntN(300)))
	}
	value := func() []byte {
		n := rng.IntN(40)
		if rng.IntN(50) == 0 {
			n = 5000 + rng.IntN(5000) // past Get's scratch buffer
		}
		v := make([]byte, n)
		for i := range v {
			v[i] = byte('a' + rng.IntN(26))
		}
		return v
	}
	bound := func() []byte {
		if rng.IntN(4) == 0 {
			return nil
		}
		return key()
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("%s: got %d entries, want %d\ngot  %.300q\nwant %.300q", what, len(got), len(want), got, want)
		}
	}
	scan := func(it *lsm.Iterator, m model, label string) {
		start, end := bound(), bound()
		check(fmt.Sprintf("%s Range(%q, %q)", label, start, end), collect(it.Range(start, end)), m.entries(start, end))
		want := m.entries(start, end)
		slices.Reverse(want)
		check(fmt.Sprintf("%s ReverseRange(%q, %q)", label, start, end), collect(it.ReverseRange(start, end)), want)
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
	}

	for op := 0; op < ops; op++ {
		switch r := rng.IntN(100); {
		case r < 35:
			k, v := key(), value()
			if err := db.Put(k, v, nil); err != nil {
				t.Fatal(err)
			}
			m[string(k)] = string(v)
		case r < 45:
			k := key()
			if err := db.Delete(k, nil); err != nil {
				t.Fatal(err)
			}
			delete(m, string(k))
		case r < 52:
			var batch lsm.Batch
			staged := maps.Clone(m)
			for n := rng.IntN(20); n >= 0; n-- {
				k := key()
				if rng.IntN(3) == 0 {
					batch.Delete(k)
					delete(staged, string(k))
				} else {
					v := value()
					batch.Put(k, v)
					staged[string(k)] = string(v)
				}
			}
			if err := db.Write(&batch, nil); err != nil {
				t.Fatal(err)
			}
			m = staged
		case r < 75:
			k := key()
			v, err := db.Get(k, nil)
			want, ok := m[string(k)]
			if !ok && err != lsm.ErrNotFound || ok && (err != nil || !bytes.Equal(v, []byte(want))) {
				t.Fatalf("op %d: Get(%q) = %.40q, %v; want %.40q (present %v)", op, k, v, err, want, ok)
			}
		case r < 83:
			it, err := db.NewIterator(nil)
			if err != nil {
				t.Fatal(err)
			}
			scan(it, m, fmt.Sprintf("op %d", op))
			it.Close()
		case r < 87:
			if len(snaps) < 4 {
				s, err := db.NewSnapshot()
				if err != nil {
					t.Fatal(err)
				}
				snaps = append(snaps, snap{s, maps.Clone(m)})
			}
		case r < 93:
			if len(snaps) == 0 {
				continue
			}
			i := rng.IntN(len(snaps))
			s := snaps[i]
			k := key()
			v, err := s.s.Get(k)
			want, ok := s.m[string(k)]
			if !ok && err != lsm.ErrNotFound || ok && string(v) != want {
				t.Fatalf("op %d: snapshot Get(%q) = %.40q, %v; want %.40q (present %v)", op, k, v, err, want, ok)
			}
			it, err := s.s.NewIterator(nil)
			if err != nil {
				t.Fatal(err)
			}
			scan(it, s.m, fmt.Sprintf("op %d snapshot", op))
			it.Close()
			if rng.IntN(3) == 0 {
				s.s.Close()
				snaps = slices.Delete(snaps, i, i+1)
			}
		case r < 96:
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		case r < 98:
			if err := db.CompactRange(bound(), bound()); err != nil {
				t.Fatal(err)
			}
		default:
			// Reopen: Close closes the open snapshots.
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			snaps = nil
			var err error
			if db, err = lsm.Open(path, opts); err != nil {
				t.Fatal(err)
			}
		}
	}
	it, _ := db.NewIterator(nil)
	defer it.Close()
	check("final scan", collect(it.Range(nil, nil)), m.entries(nil, nil))
}
