package lsm_test

import (
	"path/filepath"
	"testing"

	"liblsm.io/lsm"
)

// The bindings' benchmark workload, as tools/lsm_abi_bench.c runs it
// through the C ABI (that file defines it): 16-byte decimal keys, 100-byte
// values, puts in the order (i * 1000003) mod n into a new database, gets
// in the order (i * 7919) mod n, then one pass of an iterator. With
// -benchtime=Nx each benchmark works on N keys, so that
//
//	go test -run '^$' -bench . -benchtime=1000000x
//
// is the C tool's default run; ci/bench-bindings.sh --go runs the two in
// turn and compares them. (Put starts from a new database for each b.N;
// Get and Iterate first load one of b.N keys, untimed.)

const benchValueSize = 100

func benchOptions() *lsm.Options {
	return &lsm.Options{WriteBufferSize: 64 << 20, BlockCacheSize: 32 << 20}
}

// benchKey writes i as 16 zero-padded decimal digits ("%016d" by hand, as
// the C tool does, so that neither harness measures its formatting).
func benchKey(i uint64, key []byte) {
	for d := 15; d >= 0; d-- {
		key[d] = byte('0' + i%10)
		i /= 10
	}
}

func benchValue(i uint64, value []byte) {
	for j := range value {
		value[j] = byte('a' + (i+uint64(j))%26)
	}
}

func benchOpen(b *testing.B) *lsm.DB {
	n := uint64(b.N)
	if n%1000003 == 0 || n%7919 == 0 {
		b.Fatalf("b.N = %d: a multiple of 1000003 or 7919 visits keys more than once", n)
	}
	db, err := lsm.Open(filepath.Join(b.TempDir(), "db"), benchOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func benchPut(b *testing.B, db *lsm.DB) {
	n := uint64(b.N)
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

func BenchmarkPut(b *testing.B) {
	db := benchOpen(b)
	b.ResetTimer()
	benchPut(b, db)
}

func BenchmarkGet(b *testing.B) {
	db := benchOpen(b)
	benchPut(b, db)
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
}

func BenchmarkIterate(b *testing.B) {
	db := benchOpen(b)
	benchPut(b, db)
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
		seen++
	}
	b.StopTimer()
	if seen != b.N || it.Err() != nil {
		b.Fatalf("saw %d of %d entries, err %v", seen, b.N, it.Err())
	}
}
