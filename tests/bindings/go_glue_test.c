/*
 * go_glue_test.c: the Go binding's C helpers (bindings/go/internal/capi/
 * glue.c) called directly against a real database: each helper's results
 * and outputs, its short-buffer protocol, and its bad input (NULL
 * handles and entries, unknown ops, malformed batch encodings, refused
 * keys), which must change nothing.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "glue_test_db.h"

#define OK(call) assert_int_equal((call), LSM_OK)

typedef glue_test_db ctx;

/* The value stored under key, as a NUL-terminated string in buf, or NULL
 * if absent. */
static const char *value_of(lsm_db *db, const char *key, char *buf, size_t cap) {
  size_t vlen = 0;
  int rc = lsm_get_into(db, NULL, key, strlen(key), buf, cap - 1, &vlen);
  if (rc == LSM_NOT_FOUND) return NULL;
  assert_int_equal(rc, LSM_OK);
  assert_true(vlen < cap);
  buf[vlen] = '\0';
  return buf;
}

static void put_abc(lsm_db *db) {
  OK(lsm_put(db, NULL, "a", 1, "1", 1));
  OK(lsm_put(db, NULL, "b", 1, "22", 2));
  OK(lsm_put(db, NULL, "c", 1, "333", 3));
}

/* Asserts that entry holds key => val. */
static void assert_entry(const lsmgo_entry *e, const char *key, const char *val) {
  assert_int_equal(e->klen, strlen(key));
  assert_memory_equal(e->key, key, e->klen);
  assert_int_equal(e->vlen, strlen(val));
  assert_memory_equal(e->val, val, e->vlen);
}

/* ------------------------------------------------------- iterator moves */

static void test_entry_new_is_zeroed(void **state) {
  (void)state;
  lsmgo_entry *e = lsmgo_entry_new();
  assert_non_null(e);
  assert_null(e->key);
  assert_int_equal(e->klen, 0);
  assert_null(e->val);
  assert_int_equal(e->vlen, 0);
  lsmgo_entry_free(e);
  lsmgo_entry_free(NULL); /* a no-op, as free(NULL) */
}

static void test_iter_move_every_op(void **state) {
  ctx *c = *state;
  put_abc(c->db);
  lsm_iter *it = NULL;
  OK(lsm_iter_open(c->db, NULL, &it));
  lsmgo_entry *e = lsmgo_entry_new();
  assert_non_null(e);

  OK(lsmgo_iter_move(it, LSMGO_FIRST, NULL, 0, e));
  assert_entry(e, "a", "1");
  OK(lsmgo_iter_move(it, LSMGO_NEXT, NULL, 0, e));
  assert_entry(e, "b", "22");
  OK(lsmgo_iter_move(it, LSMGO_NEXT, NULL, 0, e));
  assert_entry(e, "c", "333");
  assert_int_equal(lsmgo_iter_move(it, LSMGO_NEXT, NULL, 0, e), LSM_NOT_FOUND);

  OK(lsmgo_iter_move(it, LSMGO_LAST, NULL, 0, e));
  assert_entry(e, "c", "333");
  OK(lsmgo_iter_move(it, LSMGO_PREV, NULL, 0, e));
  assert_entry(e, "b", "22");
  OK(lsmgo_iter_move(it, LSMGO_PREV, NULL, 0, e));
  assert_entry(e, "a", "1");
  assert_int_equal(lsmgo_iter_move(it, LSMGO_PREV, NULL, 0, e), LSM_NOT_FOUND);

  /* Seeks land on the entry sought (not one past it), exact or not. */
  OK(lsmgo_iter_move(it, LSMGO_SEEK, "b", 1, e));
  assert_entry(e, "b", "22");
  OK(lsmgo_iter_move(it, LSMGO_NEXT, NULL, 0, e)); /* a step after a seek moves once */
  assert_entry(e, "c", "333");
  OK(lsmgo_iter_move(it, LSMGO_SEEK, "bb", 2, e));
  assert_entry(e, "c", "333");
  OK(lsmgo_iter_move(it, LSMGO_PREV, NULL, 0, e));
  assert_entry(e, "b", "22");
  OK(lsmgo_iter_move(it, LSMGO_SEEK_FOR_PREV, "bb", 2, e));
  assert_entry(e, "b", "22");
  OK(lsmgo_iter_move(it, LSMGO_SEEK_FOR_PREV, "c", 1, e));
  assert_entry(e, "c", "333");
  assert_int_equal(lsmgo_iter_move(it, LSMGO_SEEK, "d", 1, e), LSM_NOT_FOUND);
  assert_int_equal(lsmgo_iter_move(it, LSMGO_SEEK_FOR_PREV, "0", 1, e), LSM_NOT_FOUND);

  lsmgo_entry_free(e);
  lsm_iter_close(it);
}

static void test_iter_move_after_last_step_past_end(void **state) {
  ctx *c = *state;
  put_abc(c->db);
  lsm_iter *it = NULL;
  OK(lsm_iter_open(c->db, NULL, &it));
  lsmgo_entry e = {0};
  OK(lsmgo_iter_move(it, LSMGO_LAST, NULL, 0, &e));
  assert_entry(&e, "c", "333");
  assert_int_equal(lsmgo_iter_move(it, LSMGO_NEXT, NULL, 0, &e), LSM_NOT_FOUND);
  lsm_iter_close(it);
}

static void test_iter_move_empty_database(void **state) {
  ctx *c = *state;
  lsm_iter *it = NULL;
  OK(lsm_iter_open(c->db, NULL, &it));
  lsmgo_entry e = {0};
  for (int op = LSMGO_FIRST; op <= LSMGO_PREV; op++) {
    assert_int_equal(lsmgo_iter_move(it, op, "k", 1, &e), LSM_NOT_FOUND);
  }
  lsm_iter_close(it);
}

static void test_iter_move_bad_input(void **state) {
  ctx *c = *state;
  put_abc(c->db);
  lsm_iter *it = NULL;
  OK(lsm_iter_open(c->db, NULL, &it));
  lsmgo_entry e = {0};
  assert_int_equal(lsmgo_iter_move(it, LSMGO_FIRST, NULL, 0, NULL), LSM_INVALID);
  assert_int_equal(lsmgo_iter_move(it, -1, NULL, 0, &e), LSM_INVALID);
  assert_int_equal(lsmgo_iter_move(it, LSMGO_PREV + 1, NULL, 0, &e), LSM_INVALID);
  assert_null(e.key); /* refused moves write no entry */
  /* nor move the iterator: the first step still yields the first entry */
  OK(lsmgo_iter_move(it, LSMGO_FIRST, NULL, 0, &e));
  assert_entry(&e, "a", "1");
  /* lsm.h's own checks come through: a NULL iterator, a NULL seek key
   * with a length. */
  assert_int_equal(lsmgo_iter_move(NULL, LSMGO_FIRST, NULL, 0, &e), LSM_INVALID);
  assert_int_equal(lsmgo_iter_move(NULL, LSMGO_NEXT, NULL, 0, &e), LSM_INVALID);
  assert_int_equal(lsmgo_iter_move(it, LSMGO_SEEK, NULL, 3, &e), LSM_INVALID);
  lsm_iter_close(it);
}

/* ------------------------------------------------------------------ get */

static void test_get(void **state) {
  ctx *c = *state;
  OK(lsm_put(c->db, NULL, "k", 1, "hello", 5));
  char buf[16];
  memset(buf, '#', sizeof(buf));
  assert_int_equal(lsmgo_get(c->db, NULL, "k", 1, buf, sizeof(buf)), 5);
  assert_memory_equal(buf, "hello#", 6);

  /* Short buffer: the full length comes back, only cap bytes are written. */
  memset(buf, '#', sizeof(buf));
  assert_int_equal(lsmgo_get(c->db, NULL, "k", 1, buf, 2), 5);
  assert_memory_equal(buf, "he#", 3);
  assert_int_equal(lsmgo_get(c->db, NULL, "k", 1, NULL, 0), 5);

  /* The empty value is a length of 0, not absence. */
  OK(lsm_put(c->db, NULL, "e", 1, "", 0));
  assert_int_equal(lsmgo_get(c->db, NULL, "e", 1, buf, sizeof(buf)), 0);
  assert_int_equal(lsmgo_get(c->db, NULL, "missing", 7, buf, sizeof(buf)), -LSM_NOT_FOUND);
}

static void test_get_bad_input(void **state) {
  ctx *c = *state;
  char buf[4];
  assert_int_equal(lsmgo_get(NULL, NULL, "k", 1, buf, sizeof(buf)), -LSM_INVALID);
  assert_int_equal(lsmgo_get(c->db, NULL, NULL, 1, buf, sizeof(buf)), -LSM_INVALID);
  assert_int_equal(lsmgo_get(c->db, NULL, "k", 1, NULL, 4), -LSM_INVALID);
}

/* ---------------------------------------------------------------- write */

/* Appends v as a LEB128 varint, as Go's binary.AppendUvarint does. */
static size_t put_uvarint(unsigned char *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (unsigned char)v;
  return n;
}

/* A batch encoding as package lsm's Batch builds it. */
typedef struct {
  unsigned char bytes[4096];
  size_t len;
} rep;

static void rep_op(rep *r, int tag, const char *key, size_t klen, const char *val, size_t vlen) {
  assert_true(r->len + 21 + klen + vlen <= sizeof(r->bytes));
  r->bytes[r->len++] = (unsigned char)tag;
  r->len += put_uvarint(r->bytes + r->len, klen);
  memcpy(r->bytes + r->len, key, klen);
  r->len += klen;
  if (tag == 1) {
    r->len += put_uvarint(r->bytes + r->len, vlen);
    memcpy(r->bytes + r->len, val, vlen);
    r->len += vlen;
  }
}

static void rep_put(rep *r, const char *key, const char *val) {
  rep_op(r, 1, key, strlen(key), val, strlen(val));
}

static void rep_delete(rep *r, const char *key) { rep_op(r, 0, key, strlen(key), NULL, 0); }

static void test_write_applies_every_op_in_order(void **state) {
  ctx *c = *state;
  OK(lsm_put(c->db, NULL, "old", 3, "x", 1));
  rep r = {.len = 0};
  rep_put(&r, "a", "1");
  rep_put(&r, "b", "");
  rep_delete(&r, "old");
  rep_put(&r, "a", "2"); /* a later op on the same key wins */
  rep_delete(&r, "never-there");
  /* a value long enough to need a two-byte varint */
  char big[300];
  memset(big, 'v', sizeof(big));
  rep_op(&r, 1, "big", 3, big, sizeof(big));
  OK(lsmgo_write(c->db, NULL, r.bytes, r.len));

  char buf[512];
  assert_string_equal(value_of(c->db, "a", buf, sizeof(buf)), "2");
  assert_string_equal(value_of(c->db, "b", buf, sizeof(buf)), "");
  assert_null(value_of(c->db, "old", buf, sizeof(buf)));
  assert_int_equal(lsmgo_get(c->db, NULL, "big", 3, buf, sizeof(buf)), 300);
  assert_memory_equal(buf, big, sizeof(big));
}

static void test_write_empty(void **state) {
  ctx *c = *state;
  OK(lsmgo_write(c->db, NULL, NULL, 0));
  OK(lsmgo_write(c->db, NULL, "", 0));
  lsm_iter *it = NULL;
  OK(lsm_iter_open(c->db, NULL, &it));
  assert_int_equal(lsm_iter_seek_first(it), LSM_OK);
  assert_int_equal(lsm_iter_valid(it), 0);
  lsm_iter_close(it);
}

/* Each malformed encoding is refused whole: the valid put before it is
 * not written either. */
static void test_write_bad_encodings(void **state) {
  ctx *c = *state;
  static const struct {
    const char *what;
    unsigned char tail[16];
    size_t len;
  } bad[] = {
      {"unknown tag", {2, 1, 'k'}, 3},
      {"key length runs off the end", {1, 0x80}, 2},
      {"key longer than what is left", {0, 5, 'k'}, 3},
      {"put without a value length", {1, 1, 'k'}, 3},
      {"value longer than what is left", {1, 1, 'k', 4, 'v'}, 5},
      {"value length runs off the end", {1, 1, 'k', 0xff}, 4},
      {"varint of more than 64 bits",
       {0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 12},
      {"key length past the address space",
       {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 'k'}, 12},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    rep r = {.len = 0};
    rep_put(&r, "first", "written?");
    memcpy(r.bytes + r.len, bad[i].tail, bad[i].len);
    r.len += bad[i].len;
    int rc = lsmgo_write(c->db, NULL, r.bytes, r.len);
    if (rc != LSMGO_BAD_BATCH) fail_msg("%s: got %d, want LSMGO_BAD_BATCH", bad[i].what, rc);
    char buf[16];
    if (value_of(c->db, "first", buf, sizeof(buf)) != NULL) fail_msg("%s: a part was written", bad[i].what);
  }
}

static void test_write_refused_key(void **state) {
  ctx *c = *state;
  size_t klen = LSM_MAX_KEY_SIZE + 1;
  size_t cap = klen + 64;
  unsigned char *bytes = malloc(cap);
  assert_non_null(bytes);
  rep r = {.len = 0};
  rep_put(&r, "first", "written?");
  memcpy(bytes, r.bytes, r.len);
  size_t n = r.len;
  bytes[n++] = 1;
  n += put_uvarint(bytes + n, klen);
  memset(bytes + n, 'K', klen);
  n += klen;
  n += put_uvarint(bytes + n, 1);
  bytes[n++] = 'v';
  assert_true(n <= cap);

  /* A message from an earlier failure, which the refusal must replace. */
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  assert_int_equal(lsm_options_set(o, "zz_no_such_option", "1"), LSM_INVALID);
  lsm_options_destroy(o);

  assert_int_equal(lsmgo_write(c->db, NULL, bytes, n), LSM_INVALID);
  assert_null(strstr(lsm_last_error(), "zz_no_such_option"));
  assert_true(lsm_last_error()[0] != '\0');
  char buf[16];
  assert_null(value_of(c->db, "first", buf, sizeof(buf)));
  free(bytes);
}

static void test_write_bad_handle(void **state) {
  (void)state;
  rep r = {.len = 0};
  rep_put(&r, "k", "v");
  assert_int_equal(lsmgo_write(NULL, NULL, r.bytes, r.len), LSM_INVALID);
}

/* ------------------------------------------------------------- strings */

static void test_copy_version(void **state) {
  (void)state;
  const char *v = lsm_version();
  size_t n = strlen(v);
  assert_true(n > 1);
  char buf[64];
  memset(buf, '#', sizeof(buf));
  assert_int_equal(lsmgo_copy_version(buf, sizeof(buf)), n);
  assert_memory_equal(buf, v, n);
  assert_int_equal(buf[n], '#'); /* no terminator: Go has the length */

  memset(buf, '#', sizeof(buf));
  assert_int_equal(lsmgo_copy_version(buf, 1), n);
  assert_int_equal(buf[0], v[0]);
  assert_int_equal(buf[1], '#');
  assert_int_equal(lsmgo_copy_version(NULL, 0), n);
}

static void test_copy_last_error(void **state) {
  (void)state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  assert_int_equal(lsm_options_set(o, "zz_no_such_option", "1"), LSM_INVALID);
  lsm_options_destroy(o);
  const char *msg = lsm_last_error();
  size_t n = strlen(msg);
  assert_non_null(strstr(msg, "zz_no_such_option"));
  char buf[256];
  assert_true(n < sizeof(buf));
  assert_int_equal(lsmgo_copy_last_error(buf, sizeof(buf)), n);
  assert_memory_equal(buf, msg, n);
  memset(buf, '#', sizeof(buf));
  assert_int_equal(lsmgo_copy_last_error(buf, 3), n);
  assert_memory_equal(buf, msg, 3);
  assert_int_equal(buf[3], '#');
  assert_int_equal(lsmgo_copy_last_error(NULL, 0), n);
}

static void test_property(void **state) {
  ctx *c = *state;
  put_abc(c->db);
  char *want = NULL;
  OK(lsm_property(c->db, "lsm.sequence", &want));
  size_t n = strlen(want);
  char buf[64];
  memset(buf, '#', sizeof(buf));
  assert_int_equal(lsmgo_property(c->db, "lsm.sequence", buf, sizeof(buf)), (long long)n);
  assert_memory_equal(buf, want, n);
  assert_string_equal(want, "3");

  /* lsm.stats is long: a short buffer gets its first bytes and the length. */
  char *stats = NULL;
  OK(lsm_property(c->db, "lsm.stats", &stats));
  size_t sn = strlen(stats);
  assert_true(sn > 8);
  memset(buf, '#', sizeof(buf));
  assert_int_equal(lsmgo_property(c->db, "lsm.stats", buf, 8), (long long)sn);
  assert_memory_equal(buf, stats, 8);
  assert_int_equal(buf[8], '#');
  assert_int_equal(lsmgo_property(c->db, "lsm.stats", NULL, 0), (long long)sn);
  lsm_free(stats);
  lsm_free(want);
}

static void test_property_bad_input(void **state) {
  ctx *c = *state;
  char buf[8];
  assert_int_equal(lsmgo_property(c->db, "lsm.no-such-property", buf, sizeof(buf)), -LSM_NOT_FOUND);
  assert_int_equal(lsmgo_property(NULL, "lsm.sequence", buf, sizeof(buf)), -LSM_INVALID);
  assert_int_equal(lsmgo_property(c->db, NULL, buf, sizeof(buf)), -LSM_INVALID);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, glue_test_db_setup, glue_test_db_teardown)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_entry_new_is_zeroed),
      T(test_iter_move_every_op),
      T(test_iter_move_after_last_step_past_end),
      T(test_iter_move_empty_database),
      T(test_iter_move_bad_input),
      T(test_get),
      T(test_get_bad_input),
      T(test_write_applies_every_op_in_order),
      T(test_write_empty),
      T(test_write_bad_encodings),
      T(test_write_refused_key),
      cmocka_unit_test(test_write_bad_handle),
      cmocka_unit_test(test_copy_version),
      cmocka_unit_test(test_copy_last_error),
      T(test_property),
      T(test_property_bad_input),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
