package lsm

import "liblsm.io/lsm/internal/capi"

// Snapshot is a consistent view of a DB at the moment NewSnapshot took it.
// It is safe for concurrent use, Close included: calls in flight finish
// first, later ones return ErrClosed. Close it when done: until then,
// compactions keep what it sees. DB.Close closes it too.
type Snapshot struct {
	h     handle  // the native lsm_snapshot
	ropts uintptr // native read options reading through it
	db    *DB
	freed bool // guarded by db.mu
}

// Get returns a copy of key's value as of the snapshot, or ErrNotFound.
// It is DB.Get with ReadOptions{Snapshot: s}.
func (s *Snapshot) Get(key []byte) ([]byte, error) {
	if _, ok := s.h.acquire(); !ok {
		return nil, ErrClosed
	}
	defer s.h.release()
	// The DB is open while s is: DB.Close closes s, waiting for this call,
	// before it closes the database.
	return get(s.db.h.ptr, s.ropts, key)
}

// NewIterator opens an iterator over the database as of the snapshot:
// DB.NewIterator with ro's bounds and settings and this snapshot.
func (s *Snapshot) NewIterator(ro *ReadOptions) (*Iterator, error) {
	o := ReadOptions{}
	if ro != nil {
		o = *ro
	}
	o.Snapshot = s
	return s.db.NewIterator(&o)
}

// Close releases the snapshot, once the calls in flight through it have
// returned. A second Close, or one after DB.Close, returns ErrClosed.
func (s *Snapshot) Close() error {
	// Waits for the calls in flight without the DB's mu: one of them may be
	// a DB.NewIterator through this snapshot, which takes mu to record the
	// iterator before it lets go of the snapshot.
	if !s.h.close() {
		return ErrClosed
	}
	s.db.mu.Lock()
	s.free()
	s.db.mu.Unlock()
	return nil
}

// free releases the native snapshot unless DB.Close has already (freed
// tells, under the DB's mu). The caller has closed s.h: no call is in
// flight and none can start.
func (s *Snapshot) free() {
	if s.freed {
		return
	}
	s.freed = true
	capi.Read_options_destroy(s.ropts)
	capi.Snapshot_release(s.h.ptr)
	delete(s.db.snaps, s)
}
