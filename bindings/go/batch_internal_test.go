package lsm

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteOfADamagedBatch gives DB.Write bytes that Put and Delete never
// make (a key running past the end). Its error must say so, not pass for
// damage on disk (ErrCorruption) with whatever lsm_last_error the thread
// last held.
func TestWriteOfADamagedBatch(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Write(&Batch{rep: []byte{1, 5, 'k'}, count: 1}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Code != Invalid || !strings.Contains(e.Message, "Batch's encoding is damaged") {
		t.Fatalf("Write of a damaged batch: %v", err)
	}
	if _, err := db.Get([]byte("k"), nil); err != ErrNotFound {
		t.Fatalf("the damaged batch wrote something: %v", err)
	}
}
