package lsm

import (
	"encoding/binary"
	"sync"
)

// Batch collects puts and deletes for DB.Write to apply atomically. The
// zero value is an empty batch ready to use; it needs no Close. Keys and
// values are copied in, so the caller may reuse its slices at once. Sizes
// are checked when the batch is written (ErrInvalid for a key over 1 MiB,
// a value over 256 MiB, or a batch over 1 GiB).
//
// A Batch may be shared by goroutines: each method, and DB.Write of it, is
// atomic (a mutex serialises them), so operations added at once all land
// whole, in some order. Do not copy a Batch that is in use (go vet's
// copylocks check reports copies).
type Batch struct {
	mu sync.Mutex // guards rep and count
	// rep encodes the operations for one cgo call (go_write in
	// bindings/lsm.i): per operation a tag byte (1 put, 0 delete), the
	// key's length as a uvarint and the key, and for a put the value's
	// length as a uvarint and the value.
	rep   []byte
	count int
}

// Put adds a put of value under key.
func (b *Batch) Put(key, value []byte) {
	b.mu.Lock()
	b.rep = append(b.rep, 1)
	b.rep = binary.AppendUvarint(b.rep, uint64(len(key)))
	b.rep = append(b.rep, key...)
	b.rep = binary.AppendUvarint(b.rep, uint64(len(value)))
	b.rep = append(b.rep, value...)
	b.count++
	b.mu.Unlock()
}

// Delete adds a deletion of key.
func (b *Batch) Delete(key []byte) {
	b.mu.Lock()
	b.rep = append(b.rep, 0)
	b.rep = binary.AppendUvarint(b.rep, uint64(len(key)))
	b.rep = append(b.rep, key...)
	b.count++
	b.mu.Unlock()
}

// Len returns the number of operations in the batch.
func (b *Batch) Len() int {
	b.mu.Lock()
	n := b.count
	b.mu.Unlock()
	return n
}

// Reset empties the batch, keeping its memory for reuse.
func (b *Batch) Reset() {
	b.mu.Lock()
	b.rep = b.rep[:0]
	b.count = 0
	b.mu.Unlock()
}
