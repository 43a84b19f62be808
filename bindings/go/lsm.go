package lsm

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"liblsm.io/lsm/internal/capi"
)

// Compression selects how table blocks are compressed.
type Compression int

const (
	// DefaultCompression is liblsm's default, LZ4.
	DefaultCompression Compression = iota
	NoCompression
	LZ4Compression
)

// WALMmap selects how the write-ahead log hands writes that are not synced
// to the kernel: copied into a shared mapping of the log (no system call
// per write) or written with pwrite(2). A store into a mapping cannot
// return an error: where the file system must still find space or read a
// page when it happens, a failure kills the process with SIGBUS. The
// database's "lsm.stats" property says which the open log uses, on its
// "wal-appends:" line.
type WALMmap int

const (
	// WALMmapAuto, the default, maps the log only on ext4, xfs and tmpfs,
	// where its blocks are reserved before they are mapped, and writes
	// with pwrite elsewhere (btrfs, ZFS, NFS, overlay, FUSE, ...), where a
	// full disk is then an ErrIOError.
	WALMmapAuto WALMmap = iota
	// WALMmapOff always writes with pwrite.
	WALMmapOff
	// WALMmapOn maps the log on any file system where mmap works,
	// accepting the risk of SIGBUS.
	WALMmapOn
)

// Options configure Open. The zero value (or a nil *Options) is liblsm's
// defaults; a zero field keeps its default. Sizes are in bytes, and out of
// range values make Open fail with ErrInvalid. Each field is the liblsm
// option of the same name in snake_case (ErrorIfMissing is
// create_if_missing inverted); docs/options.md, generated from liblsm's
// option table, gives every option's range and default.
type Options struct {
	// ErrorIfMissing makes Open fail, instead of creating the database,
	// when it does not exist.
	ErrorIfMissing bool
	// ErrorIfExists makes Open fail when the database exists already.
	ErrorIfExists bool
	// WriteBufferSize is the memory buffered before a flush to a table
	// file.
	WriteBufferSize int
	// BlockSize is the target size of a table block.
	BlockSize int
	// BlockCacheSize is the block cache's capacity.
	BlockCacheSize int
	// BloomBitsPerKey sizes the tables' bloom filters; a negative value
	// builds none.
	BloomBitsPerKey int
	// Compression of table blocks.
	Compression Compression
	// MaxOpenFiles is the number of table files kept open.
	MaxOpenFiles int
	// BackgroundThreads flush and compact.
	BackgroundThreads int
	// ParanoidChecks makes Open fail on any damaged write-ahead-log record
	// instead of skipping what can be skipped.
	ParanoidChecks bool
	// TargetFileSize is the size of the table files compactions write.
	TargetFileSize int
	// MaxBytesForLevelBase is level 1's target size.
	MaxBytesForLevelBase int
	// LevelSizeMultiplier is each level's target size over the previous
	// one's.
	LevelSizeMultiplier int
	// WALMmap is how the write-ahead log appends.
	WALMmap WALMmap
}

// WriteOptions configure a write. A nil *WriteOptions is the default: not
// synced.
type WriteOptions struct {
	// Sync makes the write wait until the write-ahead log is on stable
	// storage (fdatasync) before returning: then it survives a power loss,
	// not only a crash of the process.
	Sync bool
}

// ReadOptions configure Get and NewIterator. A nil *ReadOptions reads the
// latest state with liblsm's defaults.
type ReadOptions struct {
	// Snapshot, if set, reads the database as it was when the snapshot
	// was taken. It must belong to the same DB.
	Snapshot *Snapshot
	// LowerBound and UpperBound restrict an iterator to keys in
	// [LowerBound, UpperBound); nil is no bound. Get ignores them.
	LowerBound, UpperBound []byte
	// DontVerifyChecksums skips checking the checksums of the blocks read
	// (metadata is always checked).
	DontVerifyChecksums bool
	// DontFillCache keeps the blocks read out of the block cache, for bulk
	// scans.
	DontFillCache bool
}

// DB is an open database. It is safe for concurrent use, Close included.
type DB struct {
	h     handle
	wsync uintptr    // native write options with sync on; nil means defaults
	mu    sync.Mutex // guards iters and snaps, and closing their members
	iters map[*Iterator]struct{}
	snaps map[*Snapshot]struct{}
}

// Version returns the version of the liblsm library linked, e.g. "0.1.0".
func Version() string {
	var buf [32]byte
	n := capi.Go_copy_version(buf[:])
	return string(buf[:min(int(n), len(buf))])
}

// out runs a liblsm call that stores a handle through a *uintptr, and
// returns the handle. The handle gets a variable of its own because cgo
// checks the whole Go object an argument points into: a pointer to a field
// of a struct that holds Go pointers fails that check.
func out(f func(h *uintptr) int) (uintptr, int) {
	var h uintptr
	rc := f(&h)
	return h, rc
}

// cbool is C's truth value of on.
func cbool(on bool) int {
	if on {
		return 1
	}
	return 0
}

// checkString rejects what a C string cannot hold.
func checkString(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return invalid(what + " contains a NUL byte")
	}
	return nil
}

// Open opens the database in directory path, creating it unless
// opts.ErrorIfMissing is set. It fails with ErrBusy if the database is
// open already, in this process or another.
func Open(path string, opts *Options) (*DB, error) {
	if err := checkString("path", path); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var o uintptr
	if rc := capi.Options_create(&o); rc != capi.LSM_OK {
		return nil, lastError(rc)
	}
	defer capi.Options_destroy(o)
	if err := setOptions(o, opts); err != nil {
		return nil, err
	}
	db := &DB{iters: map[*Iterator]struct{}{}, snaps: map[*Snapshot]struct{}{}}
	var rc int
	if db.wsync, rc = out(capi.Write_options_create); rc != capi.LSM_OK {
		return nil, lastError(rc)
	}
	capi.Write_options_set_sync(db.wsync, 1)
	if db.h.ptr, rc = out(func(h *uintptr) int { return capi.Open(path, o, h) }); rc != capi.LSM_OK {
		err := lastError(rc)
		capi.Write_options_destroy(db.wsync)
		return nil, err
	}
	return db, nil
}

// setOptions copies opts into the native options o. Runs with the OS
// thread locked (for lastError).
func setOptions(o uintptr, opts *Options) error {
	type setting struct {
		name  string
		value int
		set   func() int
	}
	settings := []setting{
		{"WriteBufferSize", opts.WriteBufferSize, func() int {
			return capi.Options_set_write_buffer_size(o, int64(opts.WriteBufferSize))
		}},
		{"BlockSize", opts.BlockSize, func() int { return capi.Options_set_block_size(o, int64(opts.BlockSize)) }},
		{"BlockCacheSize", opts.BlockCacheSize, func() int {
			return capi.Options_set_block_cache_size(o, int64(opts.BlockCacheSize))
		}},
		{"MaxOpenFiles", opts.MaxOpenFiles, func() int { return capi.Options_set_max_open_files(o, opts.MaxOpenFiles) }},
		{"BackgroundThreads", opts.BackgroundThreads, func() int {
			return capi.Options_set_background_threads(o, opts.BackgroundThreads)
		}},
		{"TargetFileSize", opts.TargetFileSize, func() int {
			return capi.Options_set_target_file_size(o, int64(opts.TargetFileSize))
		}},
		{"MaxBytesForLevelBase", opts.MaxBytesForLevelBase, func() int {
			return capi.Options_set_max_bytes_for_level_base(o, int64(opts.MaxBytesForLevelBase))
		}},
		{"LevelSizeMultiplier", opts.LevelSizeMultiplier, func() int {
			return capi.Options_set_level_size_multiplier(o, opts.LevelSizeMultiplier)
		}},
	}
	for _, s := range settings {
		if s.value < 0 {
			return invalid(fmt.Sprintf("Options.%s is negative (%d)", s.name, s.value))
		}
		if s.value == 0 {
			continue // the default
		}
		if rc := s.set(); rc != capi.LSM_OK {
			return lastError(rc)
		}
	}
	bloom := opts.BloomBitsPerKey
	if bloom < 0 {
		bloom = 0 // no filters
	}
	compression := capi.LSM_COMPRESSION_LZ4
	switch opts.Compression {
	case DefaultCompression, LZ4Compression:
	case NoCompression:
		compression = capi.LSM_COMPRESSION_NONE
	default:
		return invalid(fmt.Sprintf("Options.Compression %d is not a Compression", opts.Compression))
	}
	walMmap := capi.LSM_WAL_MMAP_AUTO
	switch opts.WALMmap {
	case WALMmapAuto:
	case WALMmapOff:
		walMmap = capi.LSM_WAL_MMAP_OFF
	case WALMmapOn:
		walMmap = capi.LSM_WAL_MMAP_ON
	default:
		return invalid(fmt.Sprintf("Options.WALMmap %d is not a WALMmap", opts.WALMmap))
	}
	for _, set := range []func() int{
		func() int { return capi.Options_set_create_if_missing(o, cbool(!opts.ErrorIfMissing)) },
		func() int { return capi.Options_set_wal_mmap(o, walMmap) },
		func() int { return capi.Options_set_error_if_exists(o, cbool(opts.ErrorIfExists)) },
		func() int { return capi.Options_set_paranoid_checks(o, cbool(opts.ParanoidChecks)) },
		func() int { return capi.Options_set_compression(o, compression) },
		func() int {
			if opts.BloomBitsPerKey == 0 {
				return capi.LSM_OK // the default
			}
			return capi.Options_set_bloom_bits_per_key(o, bloom)
		},
	} {
		if rc := set(); rc != capi.LSM_OK {
			return lastError(rc)
		}
	}
	return nil
}

// Destroy deletes the database at path: its files, then the directory if
// nothing else is left in it. ErrBusy if it is open; nil if it does not
// exist.
func Destroy(path string) error {
	if err := checkString("path", path); err != nil {
		return err
	}
	return call(func() int { return capi.Destroy(path) })
}

// Close closes the iterators and snapshots db handed out that are still
// open, then the database. Writes already acknowledged stay durable. Calls
// in flight on other goroutines finish first; later calls, and a second
// Close, return ErrClosed.
func (db *DB) Close() error {
	if !db.h.close() {
		return ErrClosed
	}
	// No call on db is in flight now, nor can one start: no NewIterator or
	// NewSnapshot adds to the sets, and none holds a snapshot waiting for
	// mu. Calls in flight on the iterators and snapshots themselves are
	// waited for below.
	db.mu.Lock()
	for it := range db.iters {
		it.closeNative()
	}
	for s := range db.snaps {
		s.h.close()
		s.free()
	}
	clear(db.iters)
	db.mu.Unlock()
	err := call(func() int { return capi.Close(db.h.ptr) })
	capi.Write_options_destroy(db.wsync)
	return err
}

// wopts picks the native write options for wo.
func (db *DB) wopts(wo *WriteOptions) uintptr {
	if wo != nil && wo.Sync {
		return db.wsync
	}
	return 0
}

// Put stores value under key, replacing any previous value. Keys are at
// most 1 MiB and values 256 MiB (ErrInvalid otherwise); nil is the empty
// slice.
func (db *DB) Put(key, value []byte, wo *WriteOptions) error {
	p, ok := db.h.acquire()
	if !ok {
		return ErrClosed
	}
	// No defers on the hot paths: they cost, and nothing here panics.
	var err error
	runtime.LockOSThread()
	if rc := capi.Put(p, db.wopts(wo), key, value); rc != capi.LSM_OK {
		err = lastError(rc)
	}
	runtime.UnlockOSThread()
	db.h.release()
	return err
}

// Delete removes key. Deleting a missing key is not an error.
func (db *DB) Delete(key []byte, wo *WriteOptions) error {
	p, ok := db.h.acquire()
	if !ok {
		return ErrClosed
	}
	var err error
	runtime.LockOSThread()
	if rc := capi.Delete(p, db.wopts(wo), key); rc != capi.LSM_OK {
		err = lastError(rc)
	}
	runtime.UnlockOSThread()
	db.h.release()
	return err
}

// Write applies every operation of b atomically: after a crash, all of
// them or none are visible. b is not modified; other goroutines' calls on
// it wait until the write ends. An empty (or nil) batch writes nothing.
func (db *DB) Write(b *Batch, wo *WriteOptions) error {
	p, ok := db.h.acquire()
	if !ok {
		return ErrClosed
	}
	defer db.h.release()
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.count == 0 {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	switch rc := capi.Go_write(p, db.wopts(wo), b.rep); rc {
	case capi.LSM_OK:
		return nil
	case capi.LSMGO_BAD_BATCH:
		// go_write sets no lsm_last_error for this; only a Batch changed
		// outside its methods (say, copied while another goroutine added
		// to it) can hold such bytes.
		return invalid("the Batch's encoding is damaged: not as Put and Delete make it")
	default:
		return lastError(rc)
	}
}

// getScratch holds the buffers Get reads values into before copying them
// out at their exact size: one cgo call for a value of up to
// getScratchSize bytes; a larger value takes a second call, into a buffer
// of its size.
const getScratchSize = 4096

var getScratch = sync.Pool{New: func() any { return new([getScratchSize]byte) }}

// Get returns a copy of key's value, or ErrNotFound if key is absent. ro
// may pick a snapshot (its bounds do not apply to Get).
func (db *DB) Get(key []byte, ro *ReadOptions) ([]byte, error) {
	p, ok := db.h.acquire()
	if !ok {
		return nil, ErrClosed
	}
	if ro == nil {
		v, err := get(p, 0, key)
		db.h.release()
		return v, err
	}
	defer db.h.release()
	r, err := db.readOptions(ro)
	if err != nil {
		return nil, err
	}
	defer r.done()
	return get(p, r.ptr, key)
}

// get reads key through the native read options ropts (0: defaults).
func get(p, ropts uintptr, key []byte) ([]byte, error) {
	scratch := getScratch.Get().(*[getScratchSize]byte)
	runtime.LockOSThread()
	v, err := getLocked(p, ropts, key, scratch)
	runtime.UnlockOSThread()
	getScratch.Put(scratch)
	return v, err
}

func getLocked(p, ropts uintptr, key []byte, scratch *[getScratchSize]byte) ([]byte, error) {
	n := capi.Go_get(p, ropts, key, scratch[:])
	if n >= 0 && n <= getScratchSize {
		v := make([]byte, n)
		copy(v, scratch[:n])
		return v, nil
	}
	for {
		if n < 0 {
			if n == -int64(capi.LSM_NOT_FOUND) {
				return nil, ErrNotFound
			}
			return nil, lastError(int(-n))
		}
		// Larger than the scratch buffer: again, into one of its size. The
		// value may have grown meanwhile, hence the loop.
		v := make([]byte, n)
		m := capi.Go_get(p, ropts, key, v)
		if m >= 0 && m <= n {
			return v[:m], nil
		}
		n = m
	}
}

// Flush writes the in-memory write buffer to a table file and waits for it.
func (db *DB) Flush() error {
	p, ok := db.h.acquire()
	if !ok {
		return ErrClosed
	}
	defer db.h.release()
	return call(func() int { return capi.Flush(p) })
}

// CompactRange compacts the keys in [begin, end], both inclusive, down to
// the deepest level holding any of them, dropping overwritten values and
// deletions no snapshot needs. A nil begin or end is an open end (nil, nil
// is everything); an empty non-nil slice is the empty key. It waits until
// done.
func (db *DB) CompactRange(begin, end []byte) error {
	p, ok := db.h.acquire()
	if !ok {
		return ErrClosed
	}
	defer db.h.release()
	return call(func() int { return capi.Compact_range(p, begin, end) })
}

// WaitForCompactions waits until no flush or compaction is running, queued
// or due, and the files they made obsolete are deleted: the database's
// files then stay as they are until the next write. It returns the error
// that stopped background work, if one did (the database then refuses
// writes until reopened). Writes made meanwhile by other goroutines may
// make it wait longer.
func (db *DB) WaitForCompactions() error {
	p, ok := db.h.acquire()
	if !ok {
		return ErrClosed
	}
	defer db.h.release()
	return call(func() int { return capi.Wait_for_compactions(p) })
}

// ApproximateSize returns about how many bytes table files use for keys in
// [begin, end) (nil: an open end). Data still in the write buffer is not
// counted; Flush first to include it.
func (db *DB) ApproximateSize(begin, end []byte) (uint64, error) {
	p, ok := db.h.acquire()
	if !ok {
		return 0, ErrClosed
	}
	defer db.h.release()
	var size uint64
	err := call(func() int { return capi.Approximate_size(p, begin, end, &size) })
	return size, err
}

// Property returns a named property, such as "lsm.stats" (multi-line
// statistics), "lsm.num-files-at-level<N>", "lsm.sequence",
// "lsm.memtable-bytes" or "lsm.block-cache-bytes" (lsm.h lists them). An
// unknown name is an *Error with code NotFound (errors.Is ErrNotFound).
func (db *DB) Property(name string) (string, error) {
	if err := checkString("property name", name); err != nil {
		return "", err
	}
	p, ok := db.h.acquire()
	if !ok {
		return "", ErrClosed
	}
	defer db.h.release()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, 1024)
	for {
		n := capi.Go_property(p, name, buf)
		if n < 0 {
			return "", lastError(int(-n))
		}
		if n <= int64(len(buf)) {
			return string(buf[:n]), nil
		}
		buf = make([]byte, n) // "lsm.stats" grows with the levels
	}
}

// NewSnapshot takes a snapshot: reads through it see the database as it
// is now, for as long as it is open. Close it when done, so that
// compactions may drop what only it still sees.
func (db *DB) NewSnapshot() (*Snapshot, error) {
	p, ok := db.h.acquire()
	if !ok {
		return nil, ErrClosed
	}
	defer db.h.release()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := &Snapshot{db: db}
	var rc int
	if s.h.ptr, rc = out(func(h *uintptr) int { return capi.Snapshot_create(p, h) }); rc != capi.LSM_OK {
		return nil, lastError(rc)
	}
	// Snapshot.Get reads through these, one cgo call each.
	if s.ropts, rc = out(capi.Read_options_create); rc != capi.LSM_OK {
		err := lastError(rc)
		capi.Snapshot_release(s.h.ptr)
		return nil, err
	}
	capi.Read_options_set_snapshot(s.ropts, s.h.ptr)
	db.mu.Lock()
	db.snaps[s] = struct{}{}
	db.mu.Unlock()
	return s, nil
}

// NewIterator opens an iterator over the database as of ro's snapshot (or
// now), within ro's bounds. It starts unpositioned: call First, Last, Seek
// or SeekForPrev, or range over Range / ReverseRange.
func (db *DB) NewIterator(ro *ReadOptions) (*Iterator, error) {
	p, ok := db.h.acquire()
	if !ok {
		return nil, ErrClosed
	}
	defer db.h.release()
	r, err := db.readOptions(ro)
	if err != nil {
		return nil, err
	}
	defer r.done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	it := &Iterator{db: db}
	var rc int
	if it.ptr, rc = out(func(h *uintptr) int { return capi.Iter_open(p, r.ptr, h) }); rc != capi.LSM_OK {
		return nil, lastError(rc)
	}
	if it.entry = capi.Go_entry_new(); it.entry == nil {
		capi.Iter_close(it.ptr)
		return nil, &Error{Code: NoMemory, Message: "out of memory for an iterator entry"}
	}
	it.entryPtr = uintptr(unsafe.Pointer(it.entry))
	db.mu.Lock()
	db.iters[it] = struct{}{}
	db.mu.Unlock()
	return it, nil
}

// nativeRead is the native read options for one call: none (0) for nil
// ReadOptions, a snapshot's own for ReadOptions naming only a snapshot,
// else a set made for the call (owned) and destroyed by done.
type nativeRead struct {
	ptr   uintptr
	owned bool
	snap  *Snapshot // acquired until done
}

func (r nativeRead) done() {
	if r.owned {
		capi.Read_options_destroy(r.ptr)
	}
	if r.snap != nil {
		r.snap.h.release()
	}
}

func (db *DB) readOptions(ro *ReadOptions) (nativeRead, error) {
	if ro == nil {
		return nativeRead{}, nil
	}
	var r nativeRead
	if s := ro.Snapshot; s != nil {
		if s.db != db {
			return r, invalid("the snapshot belongs to another DB")
		}
		if _, ok := s.h.acquire(); !ok {
			return r, ErrClosed
		}
		r.snap = s
		if ro.LowerBound == nil && ro.UpperBound == nil && !ro.DontVerifyChecksums && !ro.DontFillCache {
			r.ptr = s.ropts
			return r, nil
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var rc int
	if r.ptr, rc = out(capi.Read_options_create); rc != capi.LSM_OK {
		err := lastError(rc)
		r.done()
		return nativeRead{}, err
	}
	r.owned = true
	for _, set := range []func() int{
		func() int {
			if r.snap == nil {
				return capi.LSM_OK
			}
			return capi.Read_options_set_snapshot(r.ptr, r.snap.h.ptr)
		},
		func() int { return capi.Read_options_set_verify_checksums(r.ptr, cbool(!ro.DontVerifyChecksums)) },
		func() int { return capi.Read_options_set_fill_cache(r.ptr, cbool(!ro.DontFillCache)) },
		func() int { return capi.Read_options_set_lower_bound(r.ptr, ro.LowerBound) },
		func() int { return capi.Read_options_set_upper_bound(r.ptr, ro.UpperBound) },
	} {
		if rc = set(); rc != capi.LSM_OK {
			break
		}
	}
	if rc != capi.LSM_OK {
		err := lastError(rc)
		r.done()
		return nativeRead{}, err
	}
	return r, nil
}
