/*
 * glue.h: the C helpers that package capi wraps beside lsm.h, for Go's
 * sake: each does in one cgo call what would otherwise take several
 * crossings (a cgo call costs far more than a C call), or hands back in a
 * []byte what lsm.h returns as a C string (SWIG's string typemaps make Go
 * that go vet rejects). bindings/lsm.i %includes this header, so SWIG
 * wraps exactly what is declared here, under the go_ names package lsm
 * calls; cgo compiles glue.c as part of this package, and
 * tests/bindings/go_glue_test.c tests it directly.
 *
 * Memory: Go memory passed in (buffers, keys, batch encodings) is read or
 * written only for the length of the call and never kept (cgo's pointer
 * rules). No helper throws, allocates behind the caller's back or keeps
 * state; only lsmgo_entry_new allocates, and lsmgo_entry_free frees.
 */
#ifndef LSM_BINDINGS_GO_GLUE_H
#define LSM_BINDINGS_GO_GLUE_H

#include <stddef.h>

#include "lsm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An iterator's current entry: the key's and value's addresses in C
 * memory and their lengths, borrowed until the iterator next moves or is
 * closed. Package capi's Go type Entry mirrors it word for word (the
 * package is generated with -intgosize 64 and refuses to build elsewhere;
 * glue.c checks the size), so Go reads it in place. */
typedef struct lsmgo_entry {
  const void *key;
  size_t klen;
  const void *val;
  size_t vlen;
} lsmgo_entry;

/* lsmgo_iter_move's op. */
#define LSMGO_FIRST 0
#define LSMGO_LAST 1
#define LSMGO_SEEK 2
#define LSMGO_SEEK_FOR_PREV 3
#define LSMGO_NEXT 4
#define LSMGO_PREV 5

/* lsmgo_write's result for bytes that are not a Batch's encoding. Not a
 * status code (those are >= 0), and it sets no lsm_last_error, so package
 * lsm words the error itself rather than report a stale message under a
 * code that reads as damage on disk. */
#define LSMGO_BAD_BATCH -1

/* Moves it (op: LSMGO_*; target is the seeks' key) and stores the entry
 * it lands on in *entry: one cgo call per move. Returns LSM_OK on an
 * entry, LSM_NOT_FOUND past either end, or the error that stopped it;
 * LSM_INVALID for a NULL entry or an unknown op (package lsm passes
 * neither). A seek resets the fused step's state, so the
 * lsm_iter_next_entry after it yields the entry sought without moving;
 * after that, next_entry and prev_entry each step once. */
int lsmgo_iter_move(lsm_iter *it, int op, const void *target, size_t len, lsmgo_entry *entry);

/* A zeroed entry for lsmgo_iter_move, or NULL without memory. */
lsmgo_entry *lsmgo_entry_new(void);

/* Frees an entry from lsmgo_entry_new; NULL is a no-op. */
void lsmgo_entry_free(lsmgo_entry *entry);

/* lsm_get_into in one call: copies up to cap bytes of key's value into buf
 * and returns the value's full length (more than cap: call again with a
 * buffer that large), or minus the status code (-LSM_NOT_FOUND, ...). */
long long lsmgo_get(lsm_db *db, const lsm_read_options *ropts, const void *key, size_t klen,
                    void *buf, size_t cap);

/* Applies a batch that package lsm's Batch encoded as a sequence of
 * operations, each a tag byte (1 put, 0 delete), the key's length as a
 * LEB128 varint (Go's binary.AppendUvarint), the key, and for a put the
 * value's length as a varint and the value: one cgo call per write,
 * however many operations. All or nothing: nothing is written unless every
 * operation decodes and is accepted. LSM_INVALID (with lsm_last_error
 * saying why) for a key or value lsm_batch_put refuses; LSMGO_BAD_BATCH
 * for an encoding package lsm cannot produce. */
int lsmgo_write(lsm_db *db, const lsm_write_options *wopts, const void *rep, size_t rep_len);

/* lsm_last_error of the calling thread copied into buf (up to cap bytes);
 * returns its full length: more than cap means call again with a larger
 * buffer. Package lsm calls it with its goroutine locked to the thread
 * that made the failing call. */
size_t lsmgo_copy_last_error(void *buf, size_t cap);

/* lsm_version copied into buf as lsmgo_copy_last_error copies. */
size_t lsmgo_copy_version(void *buf, size_t cap);

/* lsm_property into buf (up to cap bytes): the value's full length (call
 * again if more than cap), or minus the status code (-LSM_NOT_FOUND for an
 * unknown name). */
long long lsmgo_property(lsm_db *db, const char *name, void *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* LSM_BINDINGS_GO_GLUE_H */
