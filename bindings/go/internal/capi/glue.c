/*
 * glue.c: the Go binding's C helpers (glue.h says what each does and
 * why they exist). Compiled by cgo as part of package capi, and by
 * tests/bindings/CMakeLists.txt into go_glue_test.
 */
#include "glue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Go's Entry is four 8-byte words; a layout that differs would have Go
 * read the wrong bytes, so it fails to compile instead. */
typedef char lsmgo_entry_is_four_words[sizeof(lsmgo_entry) == 32 ? 1 : -1];

int lsmgo_iter_move(lsm_iter *it, int op, const void *target, size_t len, lsmgo_entry *entry) {
  int rc;
  if (entry == NULL) return LSM_INVALID;
  switch (op) {
    case LSMGO_FIRST: rc = lsm_iter_seek_first(it); break;
    case LSMGO_LAST: rc = lsm_iter_seek_last(it); break;
    case LSMGO_SEEK: rc = lsm_iter_seek(it, target, len); break;
    case LSMGO_SEEK_FOR_PREV: rc = lsm_iter_seek_for_prev(it, target, len); break;
    case LSMGO_NEXT:
      return lsm_iter_next_entry(it, &entry->key, &entry->klen, &entry->val, &entry->vlen);
    case LSMGO_PREV:
      return lsm_iter_prev_entry(it, &entry->key, &entry->klen, &entry->val, &entry->vlen);
    default: return LSM_INVALID;
  }
  if (rc != LSM_OK) return rc;
  /* After a seek the fused step yields the entry sought without moving. */
  return lsm_iter_next_entry(it, &entry->key, &entry->klen, &entry->val, &entry->vlen);
}

lsmgo_entry *lsmgo_entry_new(void) { return (lsmgo_entry *)calloc(1, sizeof(lsmgo_entry)); }

void lsmgo_entry_free(lsmgo_entry *entry) { free(entry); }

long long lsmgo_get(lsm_db *db, const lsm_read_options *ropts, const void *key, size_t klen,
                    void *buf, size_t cap) {
  size_t vlen = 0;
  int rc = lsm_get_into(db, ropts, key, klen, buf, cap, &vlen);
  return rc == LSM_OK ? (long long)vlen : -(long long)rc;
}

/* Reads a LEB128 varint at *p, before end, advancing *p past it. 0 for
 * one that runs past end, is longer than 64 bits' worth of groups, or
 * does not fit a size_t. */
static int read_uvarint(const unsigned char **p, const unsigned char *end, size_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    unsigned char b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (b < 0x80) {
      if (v > SIZE_MAX) return 0;
      *out = (size_t)v;
      return 1;
    }
  }
  return 0;
}

int lsmgo_write(lsm_db *db, const lsm_write_options *wopts, const void *rep, size_t rep_len) {
  const unsigned char *p = (const unsigned char *)rep;
  /* An empty Batch may come as NULL, and NULL + 0 is undefined in C. */
  const unsigned char *end = rep_len > 0 ? p + rep_len : p;
  lsm_batch *batch;
  int rc = lsm_batch_create(&batch);
  if (rc != LSM_OK) return rc;
  while (rc == LSM_OK && p < end) {
    unsigned char tag = *p++;
    size_t klen, vlen = 0;
    const unsigned char *key, *val = NULL;
    if (tag > 1 || !read_uvarint(&p, end, &klen) || klen > (size_t)(end - p)) {
      rc = LSMGO_BAD_BATCH;
      break;
    }
    key = p;
    p += klen;
    if (tag == 1) {
      if (!read_uvarint(&p, end, &vlen) || vlen > (size_t)(end - p)) {
        rc = LSMGO_BAD_BATCH;
        break;
      }
      val = p;
      p += vlen;
      rc = lsm_batch_put(batch, key, klen, val, vlen);
    } else {
      rc = lsm_batch_delete(batch, key, klen);
    }
  }
  if (rc == LSM_OK) rc = lsm_write(db, wopts, batch);
  lsm_batch_destroy(batch);
  return rc;
}

/* Copies a NUL-terminated string into buf (up to cap bytes) and returns
 * its length. */
static size_t copy_string(const char *s, void *buf, size_t cap) {
  size_t n = strlen(s);
  /* memcpy's pointers must be valid even for 0 bytes; Go's empty slice
   * may pass NULL. */
  if (cap > 0) memcpy(buf, s, n < cap ? n : cap);
  return n;
}

size_t lsmgo_copy_last_error(void *buf, size_t cap) { return copy_string(lsm_last_error(), buf, cap); }

size_t lsmgo_copy_version(void *buf, size_t cap) { return copy_string(lsm_version(), buf, cap); }

long long lsmgo_property(lsm_db *db, const char *name, void *buf, size_t cap) {
  char *text = NULL;
  int rc = lsm_property(db, name, &text);
  if (rc != LSM_OK) return -(long long)rc;
  size_t n = copy_string(text, buf, cap);
  lsm_free(text);
  return (long long)n;
}
