package lsm

import "liblsm.io/lsm/internal/capi"

// Snapshot is a consistent view of a DB at the moment NewSnapshot took it.
// It is safe for concurrent use. Close it when done: until then,
// compactions keep what it sees. DB.Close closes it too.
type Snapshot struct {
	h     handle  // the native lsm_snapshot
	ropts uintptr // native read options reading through it
	db    *DB
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

// Close releases the snapshot. A second Close, or one after DB.Close,
// returns ErrClosed.
func (s *Snapshot) Close() error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if !s.closeNative() {
		return ErrClosed
	}
	delete(s.db.snaps, s)
	return nil
}

// closeNative frees the native snapshot once no call is in flight, under
// the DB's mu (so DB.Close, which closes every snapshot before the
// database, never finds one half closed). False if it was closed already.
func (s *Snapshot) closeNative() bool {
	if !s.h.close() {
		return false
	}
	capi.Read_options_destroy(s.ropts)
	capi.Snapshot_release(s.h.ptr)
	return true
}
