package lsm_test

import (
	"path/filepath"
	"testing"

	"liblsm.io/lsm"
)

// The bindings' benchmark workload, as tools/lsm_abi_bench.c runs it
// through the C ABI (that file defines it): 16-byte decimal keys, 100-byte
// values, puts in the order (i * 1000003) mod n into a new database, gets
// in the order (i * 7919) mod n, then one pass of an iterator, all on one
// database, as the C tool does. With -benchtime=Nx each step works on N
// keys, so that
//
//	go test -run '^$' -bench Workload -benchtime=1000000x
//
// is the C tool's default run; ci/bench-bindings.sh --binding=go runs the
// two in turn and compares them. The steps are sub-benchmarks of one
// database (testing runs each with b.N = 1 first, then with N); run alone,
// get and iterate first load the keys they need, untimed.

const benchValueSize = 100

// benchPattern holds 26 + benchValueSize bytes, byte j being 'a' + j%26,
// so that index i's value is the copy benchValue makes, as in the C tool.
var benchPattern = func() []byte {
	p := make([]byte, 26+benchValueSize)
	for j := range p {
		p[j] = byte('a' + j%26)
	}
	return p
}()

// benchKey writes i as 16 zero-padded decimal digits ("%016d" by hand, as
// the C tool does, so that neither harness measures its formatting).
func benchKey(i uint64, key []byte) {
	for d := 15; d >= 0; d-- {
		key[d] = byte('0' + i%10)
		i /= 10
	}
}

func benchValue(i uint64, value []byte) {
	copy(value, benchPattern[i%26:])
}

// benchPut puts n keys, indexes 0..n-1 in the workload's order.
func benchPut(b *testing.B, db *lsm.DB, n uint64) {
	key := make([]byte, 16)
	value := make([]byte, benchValueSize)
	for i := uint64(0); i < n; i++ {
		k := i * 1000003 % n
		benchKey(k, key)
		benchValue(k, value)
		if err := db.Put(key, value, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWorkload(b *testing.B) {
	db, err := lsm.Open(filepath.Join(b.TempDir(), "db"),
		&lsm.Options{WriteBufferSize: 64 << 20, BlockCacheSize: 32 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var loaded uint64 // indexes 0..loaded-1 are in db
	check := func(b *testing.B) {
		if n := uint64(b.N); n%1000003 == 0 || n%7919 == 0 {
			b.Fatalf("N = %d: a multiple of 1000003 or 7919 visits keys more than once", n)
		}
	}
	load := func(b *testing.B) {
		check(b)
		if n := uint64(b.N); loaded < n {
			b.StopTimer()
			benchPut(b, db, n)
			loaded = n
			b.StartTimer()
		}
	}

	b.Run("put", func(b *testing.B) {
		check(b)
		benchPut(b, db, uint64(b.N))
		loaded = max(loaded, uint64(b.N))
	})
	b.Run("get", func(b *testing.B) {
		load(b)
		n := uint64(b.N)
		key := make([]byte, 16)
		b.ReportAllocs()
		b.ResetTimer()
		for i := uint64(0); i < n; i++ {
			benchKey(i*7919%n, key)
			v, err := db.Get(key, nil)
			if err != nil || len(v) != benchValueSize {
				b.Fatalf("Get(%s) = %d bytes, %v", key, len(v), err)
			}
		}
	})
	b.Run("iterate", func(b *testing.B) {
		load(b)
		it, err := db.NewIterator(nil)
		if err != nil {
			b.Fatal(err)
		}
		defer it.Close()
		b.ReportAllocs()
		b.ResetTimer()
		seen := 0
		for k, v := range it.Range(nil, nil) {
			if len(k) != 16 || len(v) != benchValueSize {
				b.Fatalf("entry %q of %d bytes", k, len(v))
			}
			// Only the b.N = 1 run stops early; a full run walks to the
			// end, one step past the last entry, as the C tool does.
			if seen++; seen == b.N && loaded > uint64(b.N) {
				break
			}
		}
		b.StopTimer()
		if seen != b.N || it.Err() != nil {
			b.Fatalf("saw %d of %d entries, err %v", seen, b.N, it.Err())
		}
	})
}
