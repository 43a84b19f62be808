package lsm_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"liblsm.io/lsm"
)

func TestVersion(t *testing.T) {
	if v := lsm.Version(); v != "0.1.0" {
		t.Fatalf("Version() = %q", v)
	}
}

func TestPutGetDelete(t *testing.T) {
	db, _ := open(t, nil)
	mustMiss(t, db, "a")
	mustPut(t, db, "a", "1")
	mustGet(t, db, "a", "1")
	mustPut(t, db, "a", "2")
	mustGet(t, db, "a", "2")
	if err := db.Delete(b("a"), nil); err != nil {
		t.Fatal(err)
	}
	mustMiss(t, db, "a")
	if err := db.Delete(b("never"), nil); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if err := db.Put(b("s"), b("synced"), &lsm.WriteOptions{Sync: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(b("s"), &lsm.WriteOptions{Sync: true}); err != nil {
		t.Fatal(err)
	}
	mustMiss(t, db, "s")
}

func TestGetReturnsACopy(t *testing.T) {
	db, _ := open(t, nil)
	mustPut(t, db, "k", "value")
	v, _ := db.Get(b("k"), nil)
	v[0] = 'X'
	mustGet(t, db, "k", "value")
	key := b("k2")
	val := b("v2")
	db.Put(key, val, nil)
	key[0], val[0] = 'x', 'x' // the caller may reuse its slices at once
	mustGet(t, db, "k2", "v2")
}

func TestValueSizesAroundTheScratchBuffer(t *testing.T) {
	db, _ := open(t, nil)
	for _, n := range []int{0, 1, 4095, 4096, 4097, 100000, 5 << 20} {
		v := bytes.Repeat([]byte{byte(n)}, n)
		k := b(fmt.Sprint("size", n))
		if err := db.Put(k, v, nil); err != nil {
			t.Fatalf("Put of %d bytes: %v", n, err)
		}
		got, err := db.Get(k, nil)
		if err != nil || !bytes.Equal(got, v) || got == nil {
			t.Fatalf("Get of %d bytes: %d bytes (nil %v), %v", n, len(got), got == nil, err)
		}
	}
}

func TestNilAndEmptySlices(t *testing.T) {
	db, _ := open(t, nil)
	// A nil key or value is the empty one.
	if err := db.Put(nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	v, err := db.Get([]byte{}, nil)
	if err != nil || v == nil || len(v) != 0 {
		t.Fatalf("Get(empty) = %v (nil %v), %v", v, v == nil, err)
	}
	if err := db.Put([]byte{}, b("x"), nil); err != nil {
		t.Fatal(err)
	}
	mustGet(t, db, "", "x")
	v, _ = db.Get(nil, nil)
	if string(v) != "x" {
		t.Fatalf("Get(nil) = %q", v)
	}
	// The empty key sorts first; an iterator yields it as a non-nil slice.
	mustPut(t, db, "a", "")
	it, _ := db.NewIterator(nil)
	defer it.Close()
	if !it.First() || it.Key() == nil || len(it.Key()) != 0 || string(it.Value()) != "x" {
		t.Fatalf("First: key %v value %q", it.Key(), it.Value())
	}
	if !it.Next() || string(it.Key()) != "a" || it.Value() == nil || len(it.Value()) != 0 {
		t.Fatalf("Next: key %q value %v", it.Key(), it.Value())
	}
	// Range with nil ends is everything; an empty start is the empty key.
	n := 0
	for range it.Range([]byte{}, nil) {
		n++
	}
	if n != 2 {
		t.Fatalf("Range([]byte{}, nil) saw %d entries", n)
	}
	if err := db.Delete(nil, nil); err != nil {
		t.Fatal(err)
	}
	mustMiss(t, db, "")
	var batch lsm.Batch
	batch.Put(nil, nil)
	batch.Delete([]byte{})
	if err := db.Write(&batch, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.CompactRange(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApproximateSize(nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Write(nil, nil); err != nil {
		t.Fatalf("Write(nil): %v", err)
	}
}

func TestLimits(t *testing.T) {
	db, _ := open(t, nil)
	big := make([]byte, 1<<20+1)
	wantCode(t, db.Put(big, b("v"), nil), lsm.Invalid, lsm.ErrInvalid, "1048577")
	wantCode(t, db.Delete(big, nil), lsm.Invalid, lsm.ErrInvalid, "1048577")
	_, err := db.Get(big, nil)
	wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, "1048577")
	// A batch with one bad operation writes nothing.
	var batch lsm.Batch
	batch.Put(b("ok"), b("v"))
	batch.Put(big, b("v"))
	wantCode(t, db.Write(&batch, nil), lsm.Invalid, lsm.ErrInvalid, "1048577")
	mustMiss(t, db, "ok")
	// The largest key is fine.
	if err := db.Put(big[:1<<20], b("v"), nil); err != nil {
		t.Fatal(err)
	}
}

func TestErrorMessagesBelongToTheirCall(t *testing.T) {
	// lsm_last_error is per thread; each goroutine's errors must carry the
	// message of its own failing call, whatever thread the next call of the
	// goroutine runs on.
	db, _ := open(t, nil)
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func(g int) {
			key := make([]byte, 1<<20+1+g)
			want := fmt.Sprint(len(key))
			for i := 0; i < 300; i++ {
				err := db.Put(key, nil, nil)
				var e *lsm.Error
				if !errors.As(err, &e) || !strings.Contains(e.Message, want) {
					done <- fmt.Errorf("goroutine %d: %v, want a message naming %s", g, err, want)
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestErrors(t *testing.T) {
	e := &lsm.Error{Code: lsm.Corruption, Message: "block checksum mismatch"}
	if e.Error() != "lsm: CORRUPTION: block checksum mismatch" {
		t.Fatalf("Error() = %q", e.Error())
	}
	if (&lsm.Error{Code: lsm.Busy}).Error() != "lsm: BUSY" {
		t.Fatal("Error() without a message")
	}
	wrapped := fmt.Errorf("loading: %w", e)
	if !errors.Is(wrapped, lsm.ErrCorruption) || errors.Is(wrapped, lsm.ErrIOError) {
		t.Fatal("errors.Is through a wrap")
	}
	codes := map[lsm.Code]error{
		lsm.NotFound: lsm.ErrNotFound, lsm.Invalid: lsm.ErrInvalid, lsm.Corruption: lsm.ErrCorruption,
		lsm.IOError: lsm.ErrIOError, lsm.Busy: lsm.ErrBusy, lsm.NoMemory: lsm.ErrNoMemory,
		lsm.NotSupported: lsm.ErrNotSupported,
	}
	names := map[string]bool{}
	for c, sentinel := range codes {
		if !errors.Is(&lsm.Error{Code: c}, sentinel) {
			t.Errorf("code %v does not match %v", c, sentinel)
		}
		names[c.String()] = true
	}
	if len(names) != len(codes) || lsm.OK.String() != "OK" || lsm.Code(99).String() != "UNKNOWN" {
		t.Fatalf("Code names: %v", names)
	}
	if errors.Is(&lsm.Error{Code: 99}, lsm.ErrClosed) {
		t.Fatal("an unknown code matched ErrClosed")
	}
}

func TestOpenOptions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	_, err := lsm.Open(path, &lsm.Options{ErrorIfMissing: true})
	wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, "")
	opts := &lsm.Options{
		WriteBufferSize: 1 << 20, BlockSize: 8192, BlockCacheSize: 1 << 20, BloomBitsPerKey: -1,
		Compression: lsm.NoCompression, MaxOpenFiles: 100, BackgroundThreads: 1, ParanoidChecks: true,
		TargetFileSize: 2 << 20, MaxBytesForLevelBase: 16 << 20, LevelSizeMultiplier: 8,
	}
	db, err := lsm.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		db.Put(b(fmt.Sprintf("k%05d", i)), bytes.Repeat(b("v"), 1000), nil)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	mustGet(t, db, "k01234", strings.Repeat("v", 1000))
	// With no compression, 2000 values of 1000 bytes take about 2 MB.
	size, err := db.ApproximateSize(nil, nil)
	if err != nil || size < 2_000_000 {
		t.Fatalf("ApproximateSize = %d, %v; want >= 2000000 uncompressed", size, err)
	}
	_, err = lsm.Open(path, nil)
	wantCode(t, err, lsm.Busy, lsm.ErrBusy, "")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = lsm.Open(path, &lsm.Options{ErrorIfExists: true})
	wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, "")
	db, err = lsm.Open(path, &lsm.Options{Compression: lsm.LZ4Compression, BloomBitsPerKey: 16})
	if err != nil {
		t.Fatal(err)
	}
	mustGet(t, db, "k01999", strings.Repeat("v", 1000))
	db.Close()

	for _, bad := range []struct {
		opts *lsm.Options
		msg  string
	}{
		{&lsm.Options{WriteBufferSize: -1}, "Options.WriteBufferSize is negative"},
		{&lsm.Options{BlockSize: 1}, "block"},
		{&lsm.Options{BloomBitsPerKey: 41}, "bloom"},
		{&lsm.Options{Compression: 7}, "Options.Compression 7"},
		{&lsm.Options{BackgroundThreads: 65}, "thread"},
		{&lsm.Options{LevelSizeMultiplier: -3}, "Options.LevelSizeMultiplier is negative"},
		{&lsm.Options{WALMmap: 3}, "Options.WALMmap 3"},
	} {
		_, err := lsm.Open(filepath.Join(dir, "bad"), bad.opts)
		wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, bad.msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); !os.IsNotExist(err) {
		t.Fatalf("a failed Open left a directory behind: %v", err)
	}
}

// TestWALMmap opens a database with each WALMmap setting; with
// WALMmapOff, "lsm.stats" says the log appends with pwrite(2) because the
// option said so, whatever the file system.
func TestWALMmap(t *testing.T) {
	for _, mode := range []lsm.WALMmap{lsm.WALMmapOff, lsm.WALMmapAuto, lsm.WALMmapOn} {
		db, _ := open(t, &lsm.Options{WALMmap: mode})
		mustPut(t, db, "k", "v")
		mustGet(t, db, "k", "v")
		stats, err := db.Property("lsm.stats")
		if err != nil {
			t.Fatal(err)
		}
		var line string
		for _, l := range strings.Split(stats, "\n") {
			if strings.HasPrefix(l, "wal-appends: ") {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("WALMmap %d: no wal-appends line in lsm.stats:\n%s", mode, stats)
		}
		if mode == lsm.WALMmapOff &&
			!(strings.HasPrefix(line, "wal-appends: pwrite(2)") && strings.Contains(line, "wal_mmap is off")) {
			t.Fatalf("WALMmapOff: %q", line)
		}
		db.Close()
	}
}

func TestPathsAndNamesWithNUL(t *testing.T) {
	_, err := lsm.Open("a\x00b", nil)
	wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, "NUL")
	wantCode(t, lsm.Destroy("a\x00b"), lsm.Invalid, lsm.ErrInvalid, "NUL")
	db, _ := open(t, nil)
	_, err = db.Property("lsm.stats\x00")
	wantCode(t, err, lsm.Invalid, lsm.ErrInvalid, "NUL")
}

func TestReopenAndDestroy(t *testing.T) {
	db, path := open(t, nil)
	mustPut(t, db, "kept", "1")
	mustPut(t, db, "gone", "2")
	db.Delete(b("gone"), nil)
	wantCode(t, lsm.Destroy(path), lsm.Busy, lsm.ErrBusy, "")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := lsm.Open(path, &lsm.Options{ErrorIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	mustGet(t, db, "kept", "1")
	mustMiss(t, db, "gone")
	db.Close()
	if err := lsm.Destroy(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("Destroy left %s: %v", path, err)
	}
	if err := lsm.Destroy(path); err != nil {
		t.Fatalf("Destroy of a missing database: %v", err)
	}
}

func TestBatch(t *testing.T) {
	db, _ := open(t, nil)
	mustPut(t, db, "old", "x")
	var batch lsm.Batch
	if batch.Len() != 0 {
		t.Fatal("zero Batch not empty")
	}
	key := b("a")
	batch.Put(key, b("1"))
	key[0] = 'z' // copied in
	batch.Put(b("b"), b("2"))
	batch.Delete(b("old"))
	batch.Put(b("a"), b("3")) // later operations win
	if batch.Len() != 4 {
		t.Fatalf("Len = %d", batch.Len())
	}
	if err := db.Write(&batch, nil); err != nil {
		t.Fatal(err)
	}
	mustGet(t, db, "a", "3")
	mustGet(t, db, "b", "2")
	mustMiss(t, db, "old")
	mustMiss(t, db, "z")
	batch.Reset()
	if batch.Len() != 0 {
		t.Fatal("Reset")
	}
	if err := db.Write(&batch, nil); err != nil {
		t.Fatal(err)
	}
	batch.Put(b("c"), bytes.Repeat(b("c"), 300))
	if err := db.Write(&batch, &lsm.WriteOptions{Sync: true}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, db, "c", strings.Repeat("c", 300))
	mustGet(t, db, "a", "3")
}

// Four flushes of the same keys reach the level-0 trigger (4 by default);
// once WaitForCompactions returns, the compaction they caused has run and
// deleted its inputs: no sleeping, no polling.
func TestWaitForCompactions(t *testing.T) {
	db, path := open(t, nil)
	if err := db.WaitForCompactions(); err != nil {
		t.Fatalf("WaitForCompactions with nothing to wait for: %v", err)
	}
	for round := 0; round < 4; round++ {
		for i := 0; i < 50; i++ {
			mustPut(t, db, fmt.Sprintf("k%03d", i), fmt.Sprintf("v%d-%03d", round, i))
		}
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.WaitForCompactions(); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Property("lsm.num-files-at-level0"); n != "0" {
		t.Fatalf("level 0 after WaitForCompactions: %s files", n)
	}
	listed := 0
	for level := 0; level < 7; level++ {
		v, err := db.Property(fmt.Sprintf("lsm.num-files-at-level%d", level))
		n, perr := strconv.Atoi(v)
		if err != nil || perr != nil {
			t.Fatalf("level %d: %q, %v, %v", level, v, err, perr)
		}
		listed += n
	}
	tables, err := filepath.Glob(filepath.Join(path, "*.sst"))
	if err != nil || listed < 1 || len(tables) != listed {
		t.Fatalf("%d tables listed by the levels, %d on disk (%v): the inputs are not all deleted",
			listed, len(tables), err)
	}
	mustGet(t, db, "k007", "v3-007")
	mustGet(t, db, "k049", "v3-049")
}

func TestFlushCompactPropertyApproximateSize(t *testing.T) {
	db, _ := open(t, &lsm.Options{WriteBufferSize: 1 << 20})
	for i := 0; i < 5000; i++ {
		db.Put(b(fmt.Sprintf("k%05d", i)), bytes.Repeat([]byte{byte(i)}, 200), nil)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	all, err := db.ApproximateSize(nil, nil)
	if err != nil || all == 0 {
		t.Fatalf("ApproximateSize(nil, nil) = %d, %v", all, err)
	}
	half, err := db.ApproximateSize(b("k00000"), b("k02500"))
	if err != nil || half == 0 || half >= all {
		t.Fatalf("ApproximateSize(half) = %d of %d, %v", half, all, err)
	}
	for i := 0; i < 5000; i += 2 {
		db.Delete(b(fmt.Sprintf("k%05d", i)), nil)
	}
	if err := db.CompactRange(b("k00000"), b("k04999")); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Property("lsm.num-files-at-level0"); n != "0" {
		t.Fatalf("level 0 after CompactRange: %s files", n)
	}
	mustMiss(t, db, "k00000")
	mustGet(t, db, "k00001", string(bytes.Repeat([]byte{1}, 200)))
	stats, err := db.Property("lsm.stats")
	if err != nil || !strings.Contains(stats, "\n") || len(stats) < 100 {
		t.Fatalf("lsm.stats = %q, %v", stats, err)
	}
	seq, err := db.Property("lsm.sequence")
	if err != nil || seq != "7500" {
		t.Fatalf("lsm.sequence = %q, %v", seq, err)
	}
	_, err = db.Property("lsm.no-such-property")
	wantCode(t, err, lsm.NotFound, lsm.ErrNotFound, "")
}
