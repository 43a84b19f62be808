/*
 * capi_test.c: the C ABI of liblsm (capi/include/lsm.h) exercised function
 * by function against its documentation.
 *
 * Every test makes its own scratch directory under $LSM_TEST_TMPDIR (a
 * mkdtemp() name) and removes it at the end.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsm.h"
#include "capi_test_util.h"

/* ------------------------------------------------------------ helpers */

typedef struct {
  char root[1024];        /* mkdtemp directory, removed at teardown */
  char path[PATH_MAX];    /* root/db: the database directory */
  char path2[PATH_MAX];   /* root/db2: a second database */
  lsm_db *db;             /* open on path, or NULL */
} fixture;

static int setup_dir(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  make_scratch_dir(f->root, sizeof(f->root), "capi_test");
  snprintf(f->path, sizeof(f->path), "%s/db", f->root);
  snprintf(f->path2, sizeof(f->path2), "%s/db2", f->root);
  *state = f;
  return 0;
}

static int setup_db(void **state) {
  setup_dir(state);
  fixture *f = *state;
  OK(lsm_open(f->path, NULL, &f->db));
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  if (f == NULL) return 0;
  if (f->db != NULL) lsm_close(f->db);
  lsm_destroy(f->path);
  lsm_destroy(f->path2);
  remove_tree(f->root);
  free(f);
  return 0;
}

static void put_s(lsm_db *db, const char *k, const char *v) {
  OK(lsm_put(db, NULL, k, strlen(k), v, strlen(v)));
}

static void del_s(lsm_db *db, const char *k) { OK(lsm_delete(db, NULL, k, strlen(k))); }

/* Checks key k reads as v (v NULL: absent) through lsm_get and
 * lsm_get_into; on LSM_NOT_FOUND the outputs must be left alone. */
static void expect_get_n(lsm_db *db, const lsm_read_options *ro, const void *k, size_t kl,
                         const void *v, size_t vl) {
  static char marker;
  void *val = &marker;
  size_t vlen = 12345;
  int rc = lsm_get(db, ro, k, kl, &val, &vlen);
  if (v == NULL) {
    if (rc != LSM_NOT_FOUND) {
      fail_msg("get(\"%.*s\"): expected LSM_NOT_FOUND, got %d (value \"%.*s\")", (int)kl,
               (const char *)k, rc, rc == LSM_OK ? (int)vlen : 0,
               rc == LSM_OK ? (const char *)val : "");
    }
    assert_ptr_equal(val, &marker);
    assert_int_equal(vlen, 12345);
    char buf[8] = "#######";
    size_t n = 999;
    assert_int_equal(lsm_get_into(db, ro, k, kl, buf, sizeof(buf), &n), LSM_NOT_FOUND);
    assert_string_equal(buf, "#######");
    return;
  }
  if (rc != LSM_OK) {
    fail_msg("get(\"%.*s\"): expected \"%.*s\", got status %d (%s)", (int)kl, (const char *)k,
             (int)vl, (const char *)v, rc, lsm_last_error());
  }
  assert_non_null(val);
  assert_ptr_not_equal(val, &marker);
  assert_int_equal(vlen, vl);
  if (vl > 0) assert_memory_equal(val, v, vl);
  lsm_free(val);

  char *buf = malloc(vl + 1);
  assert_non_null(buf);
  size_t n = 0;
  OK(lsm_get_into(db, ro, k, kl, buf, vl + 1, &n));
  assert_int_equal(n, vl);
  if (vl > 0) assert_memory_equal(buf, v, vl);
  free(buf);
}

static void expect_get(lsm_db *db, const lsm_read_options *ro, const char *k, const char *v) {
  expect_get_n(db, ro, k, strlen(k), v, v ? strlen(v) : 0);
}

static long property_long(lsm_db *db, const char *name) {
  char *out = NULL;
  OK(lsm_property(db, name, &out));
  assert_non_null(out);
  char *end = NULL;
  long n = strtol(out, &end, 10);
  if (end == out || *end != '\0') fail_msg("property %s = \"%s\" is not a number", name, out);
  lsm_free(out);
  return n;
}

/* Appends "k=v" (comma-separated) to buf. */
static void append_kv(char *buf, size_t cap, const void *k, size_t kl, const void *v, size_t vl) {
  size_t n = strlen(buf);
  snprintf(buf + n, cap - n, "%s%.*s=%.*s", n ? "," : "", (int)kl, kl ? (const char *)k : "",
           (int)vl, vl ? (const char *)v : "");
}

static void append_current(char *buf, size_t cap, const lsm_iter *it) {
  size_t kl = 99, vl = 99;
  const void *k = lsm_iter_key(it, &kl);
  const void *v = lsm_iter_value(it, &vl);
  assert_non_null(k);
  assert_non_null(v);
  append_kv(buf, cap, k, kl, v, vl);
}

#define SCAN_CAP 65536
static char scan_buf[SCAN_CAP];

/* seek_first + next */
static const char *scan_fwd(lsm_iter *it) {
  scan_buf[0] = '\0';
  OK(lsm_iter_seek_first(it));
  while (lsm_iter_valid(it)) {
    append_current(scan_buf, SCAN_CAP, it);
    OK(lsm_iter_next(it));
  }
  OK(lsm_iter_status(it));
  return scan_buf;
}

/* seek_last + prev */
static const char *scan_bwd(lsm_iter *it) {
  scan_buf[0] = '\0';
  OK(lsm_iter_seek_last(it));
  while (lsm_iter_valid(it)) {
    append_current(scan_buf, SCAN_CAP, it);
    OK(lsm_iter_prev(it));
  }
  OK(lsm_iter_status(it));
  return scan_buf;
}

/* seek_first + lsm_iter_next_entry loop */
static const char *scan_entries_fwd(lsm_iter *it) {
  scan_buf[0] = '\0';
  const void *k, *v;
  size_t kl, vl;
  int rc;
  OK(lsm_iter_seek_first(it));
  while ((rc = lsm_iter_next_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
    append_kv(scan_buf, SCAN_CAP, k, kl, v, vl);
  }
  assert_int_equal(rc, LSM_NOT_FOUND);
  return scan_buf;
}

/* seek_last + lsm_iter_prev_entry loop */
static const char *scan_entries_bwd(lsm_iter *it) {
  scan_buf[0] = '\0';
  const void *k, *v;
  size_t kl, vl;
  int rc;
  OK(lsm_iter_seek_last(it));
  while ((rc = lsm_iter_prev_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
    append_kv(scan_buf, SCAN_CAP, k, kl, v, vl);
  }
  assert_int_equal(rc, LSM_NOT_FOUND);
  return scan_buf;
}

static void expect_at(const lsm_iter *it, const char *k, const char *v) {
  if (k == NULL) {
    assert_int_equal(lsm_iter_valid(it), 0);
    size_t len = 77;
    assert_null(lsm_iter_key(it, &len));
    assert_int_equal(len, 0);
    len = 77;
    assert_null(lsm_iter_value(it, &len));
    assert_int_equal(len, 0);
    return;
  }
  if (!lsm_iter_valid(it)) fail_msg("iterator invalid, expected it on \"%s\"", k);
  size_t kl = 0, vl = 0;
  const void *kp = lsm_iter_key(it, &kl);
  const void *vp = lsm_iter_value(it, &vl);
  if (kl != strlen(k) || memcmp(kp, k, kl) != 0) {
    fail_msg("iterator on \"%.*s\", expected \"%s\"", (int)kl, (const char *)kp, k);
  }
  assert_int_equal(vl, strlen(v));
  assert_memory_equal(vp, v, vl);
  /* len may be NULL */
  assert_ptr_equal(lsm_iter_key(it, NULL), kp);
  assert_ptr_equal(lsm_iter_value(it, NULL), vp);
}

/* Calls lsm_iter_next_entry (dir > 0) or lsm_iter_prev_entry and checks
 * what it yields (ek NULL: LSM_NOT_FOUND). */
static void expect_entry(lsm_iter *it, int dir, const char *ek, const char *ev) {
  const void *k = NULL, *v = NULL;
  size_t kl = 0, vl = 0;
  int rc = dir > 0 ? lsm_iter_next_entry(it, &k, &kl, &v, &vl)
                   : lsm_iter_prev_entry(it, &k, &kl, &v, &vl);
  if (ek == NULL) {
    if (rc != LSM_NOT_FOUND) {
      fail_msg("%s_entry: expected LSM_NOT_FOUND, got %d (key \"%.*s\")", dir > 0 ? "next" : "prev",
               rc, rc == LSM_OK ? (int)kl : 0, rc == LSM_OK ? (const char *)k : "");
    }
    return;
  }
  if (rc != LSM_OK) fail_msg("entry: expected \"%s\", got status %d (%s)", ek, rc, lsm_last_error());
  assert_non_null(k);
  assert_non_null(v);
  if (kl != strlen(ek) || memcmp(k, ek, kl) != 0) {
    fail_msg("%s_entry yielded \"%.*s\", expected \"%s\"", dir > 0 ? "next" : "prev", (int)kl,
             (const char *)k, ek);
  }
  assert_int_equal(vl, strlen(ev));
  assert_memory_equal(v, ev, vl);
  /* the yielded entry is the iterator's current one */
  size_t ckl = 0;
  assert_ptr_equal(lsm_iter_key(it, &ckl), k);
  assert_int_equal(ckl, kl);
}

#define expect_next(it, k, v) expect_entry((it), 1, (k), (v))
#define expect_prev(it, k, v) expect_entry((it), -1, (k), (v))

/* ------------------------------------------------------------ version */

static void test_version(void **state) {
  (void)state;
  char buf[64];
  snprintf(buf, sizeof(buf), "%d.%d.%d", LSM_VERSION_MAJOR, LSM_VERSION_MINOR, LSM_VERSION_PATCH);
  assert_string_equal(buf, LSM_VERSION_STRING);
  assert_non_null(lsm_version());
  assert_string_equal(lsm_version(), LSM_VERSION_STRING);

  /* LSM_VERSION_NUMBER is documented for #if, so it must be a preprocessor
   * constant; it must also encode the version the library reports. */
#if !defined(LSM_VERSION_NUMBER) || LSM_VERSION_NUMBER < 0
#error "LSM_VERSION_NUMBER must be a non-negative preprocessor constant"
#endif
  int major = -1, minor = -1, patch = -1, end = 0;
  assert_int_equal(sscanf(lsm_version(), "%d.%d.%d%n", &major, &minor, &patch, &end), 3);
  assert_int_equal(lsm_version()[end], '\0');
  assert_int_equal(major, LSM_VERSION_MAJOR);
  assert_int_equal(minor, LSM_VERSION_MINOR);
  assert_int_equal(patch, LSM_VERSION_PATCH);
  /* The encoding is unambiguous and ordered only while these stay < 100. */
  assert_in_range(minor, 0, 99);
  assert_in_range(patch, 0, 99);
  assert_int_equal(LSM_VERSION_NUMBER, major * 10000 + minor * 100 + patch);
}

/* ------------------------------------------------------ status codes */

static void test_strerror(void **state) {
  (void)state;
  /* The values are fixed forever. */
  assert_int_equal(LSM_OK, 0);
  assert_int_equal(LSM_NOT_FOUND, 1);
  assert_int_equal(LSM_INVALID, 2);
  assert_int_equal(LSM_CORRUPTION, 3);
  assert_int_equal(LSM_IO_ERROR, 4);
  assert_int_equal(LSM_BUSY, 5);
  assert_int_equal(LSM_NO_MEMORY, 6);
  assert_int_equal(LSM_NOT_SUPPORTED, 7);

  const char *unknown = lsm_strerror(12345);
  assert_non_null(unknown);
  assert_string_equal(unknown, "unknown status code");
  const int bad[] = {-1, 8, 9, 100, INT_MIN, INT_MAX};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_non_null(lsm_strerror(bad[i]));
    assert_string_equal(lsm_strerror(bad[i]), "unknown status code");
  }
  const char *msgs[8];
  for (int code = LSM_OK; code <= LSM_NOT_SUPPORTED; code++) {
    msgs[code] = lsm_strerror(code);
    assert_non_null(msgs[code]);
    assert_true(strlen(msgs[code]) > 0);
    assert_string_not_equal(msgs[code], "unknown status code");
    for (int j = 0; j < code; j++) assert_string_not_equal(msgs[code], msgs[j]);
    /* static: the same string each time */
    assert_ptr_equal(lsm_strerror(code), msgs[code]);
  }
}

/* -------------------------------------------------- lsm_last_error */

typedef struct {
  char initial[256]; /* the thread's message before it failed */
  char after[256];   /* after its own failure */
  int rc;
  pthread_barrier_t *barrier;
  char seen_later[256]; /* its message after the main thread failed again */
} err_thread_arg;

static void *err_thread(void *p) {
  err_thread_arg *a = p;
  const char *m = lsm_last_error();
  snprintf(a->initial, sizeof(a->initial), "%s", m ? m : "(null)");
  lsm_options *o = NULL;
  if (lsm_options_create(&o) != LSM_OK) return NULL;
  a->rc = lsm_options_set_block_size(o, 1); /* out of range */
  snprintf(a->after, sizeof(a->after), "%s", lsm_last_error());
  /* a successful call does not clear it */
  lsm_options_set_block_size(o, 4096);
  lsm_options_destroy(o);
  pthread_barrier_wait(a->barrier); /* main: check, then fail again */
  pthread_barrier_wait(a->barrier);
  snprintf(a->seen_later, sizeof(a->seen_later), "%s", lsm_last_error());
  return NULL;
}

static void test_last_error_per_thread(void **state) {
  (void)state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  assert_int_equal(lsm_options_set(o, "no_such_option_main", "1"), LSM_INVALID);
  char mine[256];
  snprintf(mine, sizeof(mine), "%s", lsm_last_error());
  assert_non_null(strstr(mine, "no_such_option_main"));
  /* successful calls do not clear it */
  OK(lsm_options_set_block_size(o, 8192));
  assert_string_equal(lsm_last_error(), mine);

  pthread_barrier_t barrier;
  assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
  err_thread_arg a;
  memset(&a, 0, sizeof(a));
  a.barrier = &barrier;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, err_thread, &a), 0);
  pthread_barrier_wait(&barrier);
  /* the other thread failed: our message is unchanged */
  assert_string_equal(lsm_last_error(), mine);
  assert_int_equal(lsm_options_set(o, "no_such_option_again", "1"), LSM_INVALID);
  assert_non_null(strstr(lsm_last_error(), "no_such_option_again"));
  pthread_barrier_wait(&barrier);
  assert_int_equal(pthread_join(t, NULL), 0);
  pthread_barrier_destroy(&barrier);

  /* a new thread starts with an empty message, never NULL */
  assert_string_equal(a.initial, "");
  assert_int_equal(a.rc, LSM_INVALID);
  assert_true(strlen(a.after) > 0);
  assert_null(strstr(a.after, "no_such_option"));
  /* our second failure did not reach the other thread */
  assert_string_equal(a.seen_later, a.after);
  lsm_options_destroy(o);
}

/* ------------------------------------------------------------ options */

static void test_options_setters(void **state) {
  (void)state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  assert_non_null(o);

  const int bools_bad[] = {2, -1, 3, 100, INT_MIN, INT_MAX};
  OK(lsm_options_set_create_if_missing(o, 0));
  OK(lsm_options_set_create_if_missing(o, 1));
  OK(lsm_options_set_error_if_exists(o, 1));
  OK(lsm_options_set_error_if_exists(o, 0));
  OK(lsm_options_set_paranoid_checks(o, 1));
  OK(lsm_options_set_paranoid_checks(o, 0));
  for (size_t i = 0; i < sizeof(bools_bad) / sizeof(bools_bad[0]); i++) {
    EXPECT_FAIL(lsm_options_set_create_if_missing(o, bools_bad[i]), LSM_INVALID);
    EXPECT_FAIL(lsm_options_set_error_if_exists(o, bools_bad[i]), LSM_INVALID);
    EXPECT_FAIL(lsm_options_set_paranoid_checks(o, bools_bad[i]), LSM_INVALID);
  }

  /* write_buffer_size: 64 KiB .. 1 GiB */
  OK(lsm_options_set_write_buffer_size(o, (size_t)64 << 10));
  OK(lsm_options_set_write_buffer_size(o, (size_t)1 << 30));
  OK(lsm_options_set_write_buffer_size(o, (size_t)4 << 20));
  EXPECT_FAIL(lsm_options_set_write_buffer_size(o, ((size_t)64 << 10) - 1), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_write_buffer_size(o, ((size_t)1 << 30) + 1), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_write_buffer_size(o, 0), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_write_buffer_size(o, SIZE_MAX), LSM_INVALID);

  /* block_size: 256 B .. 4 MiB */
  OK(lsm_options_set_block_size(o, 256));
  OK(lsm_options_set_block_size(o, (size_t)4 << 20));
  OK(lsm_options_set_block_size(o, 4096));
  EXPECT_FAIL(lsm_options_set_block_size(o, 255), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_block_size(o, ((size_t)4 << 20) + 1), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_block_size(o, 0), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_block_size(o, SIZE_MAX), LSM_INVALID);

  /* block_cache_size: 0 .. 1 TiB */
  OK(lsm_options_set_block_cache_size(o, 0));
  OK(lsm_options_set_block_cache_size(o, (size_t)1 << 40));
  OK(lsm_options_set_block_cache_size(o, (size_t)8 << 20));
  EXPECT_FAIL(lsm_options_set_block_cache_size(o, ((size_t)1 << 40) + 1), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_block_cache_size(o, SIZE_MAX), LSM_INVALID);

  /* bloom_bits_per_key: 0 .. 40 */
  OK(lsm_options_set_bloom_bits_per_key(o, 0));
  OK(lsm_options_set_bloom_bits_per_key(o, 40));
  OK(lsm_options_set_bloom_bits_per_key(o, 10));
  EXPECT_FAIL(lsm_options_set_bloom_bits_per_key(o, -1), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_bloom_bits_per_key(o, 41), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_bloom_bits_per_key(o, INT_MIN), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_bloom_bits_per_key(o, INT_MAX), LSM_INVALID);

  /* compression */
  OK(lsm_options_set_compression(o, LSM_COMPRESSION_NONE));
  OK(lsm_options_set_compression(o, LSM_COMPRESSION_LZ4));
  EXPECT_FAIL(lsm_options_set_compression(o, 2), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_compression(o, -1), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_compression(o, INT_MAX), LSM_INVALID);

  /* max_open_files: 16 .. 1000000 */
  OK(lsm_options_set_max_open_files(o, 16));
  OK(lsm_options_set_max_open_files(o, 1000000));
  OK(lsm_options_set_max_open_files(o, 1000));
  EXPECT_FAIL(lsm_options_set_max_open_files(o, 15), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_max_open_files(o, 1000001), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_max_open_files(o, 0), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_max_open_files(o, -1), LSM_INVALID);

  /* background_threads: 1 .. 64 */
  OK(lsm_options_set_background_threads(o, 1));
  OK(lsm_options_set_background_threads(o, 64));
  OK(lsm_options_set_background_threads(o, 2));
  EXPECT_FAIL(lsm_options_set_background_threads(o, 0), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_background_threads(o, 65), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_background_threads(o, -1), LSM_INVALID);

  /* wal_mmap */
  OK(lsm_options_set_wal_mmap(o, LSM_WAL_MMAP_OFF));
  OK(lsm_options_set_wal_mmap(o, LSM_WAL_MMAP_ON));
  OK(lsm_options_set_wal_mmap(o, LSM_WAL_MMAP_AUTO));
  EXPECT_FAIL(lsm_options_set_wal_mmap(o, 3), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_wal_mmap(o, -1), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set_wal_mmap(NULL, LSM_WAL_MMAP_OFF), LSM_INVALID);

  lsm_options_destroy(o);
  lsm_options_destroy(NULL);
}

typedef struct {
  const char *name;
  const char *good[8];
  const char *bad[12];
} named_option;

static void test_options_set_by_name(void **state) {
  (void)state;
  static const named_option table[] = {
      {"create_if_missing",
       {"0", "1", "true", "false", NULL},
       {"2", "-1", "yes", "no", "", " 1", "1 ", "01x", "on", NULL}},
      {"error_if_exists", {"1", "0", "false", "true", NULL}, {"2", "yes", "", "10", NULL}},
      {"paranoid_checks", {"true", "false", "1", "0", NULL}, {"-0", "y", "", "truee", NULL}},
      {"write_buffer_size",
       {"65536", "1073741824", "4194304", NULL},
       {"65535", "1073741825", "0", "-1", "", "4M", "0x10000", " 65536", "65536 ", "1e6",
        "99999999999999999999999", NULL}},
      {"block_size",
       {"256", "4194304", "4096", NULL},
       {"255", "4194305", "0", "", "4k", "+4096", "18446744073709551616", NULL}},
      {"block_cache_size",
       {"0", "1099511627776", "8388608", NULL},
       {"1099511627777", "-1", "", "8MiB", "18446744073709551615", NULL}},
      {"bloom_bits_per_key", {"0", "40", "10", NULL}, {"41", "-1", "", "ten", "2147483648", NULL}},
      {"compression", {"none", "lz4", NULL}, {"zstd", "", "0", "1", "lz", "lz4 ", NULL}},
      {"max_open_files",
       {"16", "1000000", "1000", NULL},
       {"15", "1000001", "0", "-16", "", "4294967312", NULL}},
      {"background_threads", {"1", "64", "2", NULL}, {"0", "65", "-1", "", "two", NULL}},
      {"wal_mmap", {"off", "on", "auto", NULL}, {"", "0", "1", "OFF", "yes", "auto ", NULL}},
  };
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    for (size_t j = 0; table[i].good[j] != NULL; j++) {
      int rc = lsm_options_set(o, table[i].name, table[i].good[j]);
      if (rc != LSM_OK) {
        fail_msg("lsm_options_set(%s, \"%s\") = %d (%s), expected LSM_OK", table[i].name,
                 table[i].good[j], rc, lsm_last_error());
      }
    }
    for (size_t j = 0; table[i].bad[j] != NULL; j++) {
      arm_error();
      int rc = lsm_options_set(o, table[i].name, table[i].bad[j]);
      if (rc != LSM_INVALID) {
        fail_msg("lsm_options_set(%s, \"%s\") = %d, expected LSM_INVALID", table[i].name,
                 table[i].bad[j], rc);
      }
      check_fresh_error(table[i].name);
    }
  }
  /* unknown names */
  EXPECT_FAIL(lsm_options_set(o, "no_such_option", "1"), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set(o, "", "1"), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set(o, "Block_Size", "4096"), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set(o, "block_size ", "4096"), LSM_INVALID);
  EXPECT_FAIL(lsm_options_set(o, "lsm_options_set_block_size", "4096"), LSM_INVALID);
  lsm_options_destroy(o);
}

/* Options set by name take effect. */
static void test_options_set_by_name_applies(void **state) {
  fixture *f = *state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set(o, "create_if_missing", "false"));
  lsm_db *db = NULL;
  EXPECT_FAIL(lsm_open(f->path, o, &db), LSM_INVALID);
  assert_null(db);
  assert_false(path_exists(f->path));

  OK(lsm_options_set(o, "create_if_missing", "true"));
  OK(lsm_options_set(o, "write_buffer_size", "65536"));
  OK(lsm_options_set(o, "block_size", "256"));
  OK(lsm_options_set(o, "block_cache_size", "0"));
  OK(lsm_options_set(o, "bloom_bits_per_key", "0"));
  OK(lsm_options_set(o, "compression", "none"));
  OK(lsm_options_set(o, "max_open_files", "16"));
  OK(lsm_options_set(o, "background_threads", "1"));
  OK(lsm_options_set(o, "paranoid_checks", "1"));
  OK(lsm_open(f->path, o, &db));
  put_s(db, "k", "v");
  expect_get(db, NULL, "k", "v");
  OK(lsm_close(db));

  OK(lsm_options_set(o, "error_if_exists", "1"));
  db = NULL;
  EXPECT_FAIL(lsm_open(f->path, o, &db), LSM_INVALID);
  assert_null(db);
  lsm_options_destroy(o);
}

/* Every option at a non-default value; the options are freed right after
 * lsm_open (the database keeps its own copy). */
static void test_options_applied(void **state) {
  fixture *f = *state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_create_if_missing(o, 1));
  OK(lsm_options_set_error_if_exists(o, 1));
  OK(lsm_options_set_write_buffer_size(o, (size_t)64 << 10));
  OK(lsm_options_set_block_size(o, 512));
  OK(lsm_options_set_block_cache_size(o, (size_t)1 << 20));
  OK(lsm_options_set_bloom_bits_per_key(o, 20));
  OK(lsm_options_set_compression(o, LSM_COMPRESSION_NONE));
  OK(lsm_options_set_max_open_files(o, 20));
  OK(lsm_options_set_background_threads(o, 3));
  OK(lsm_options_set_paranoid_checks(o, 1));
  OK(lsm_open(f->path, o, &f->db));
  lsm_options_destroy(o);

  char k[32], v[128];
  for (int i = 0; i < 2000; i++) {
    snprintf(k, sizeof(k), "key%06d", i);
    snprintf(v, sizeof(v), "value-%06d-%0100d", i, i);
    put_s(f->db, k, v);
  }
  OK(lsm_flush(f->db));
  for (int i = 0; i < 2000; i += 97) {
    snprintf(k, sizeof(k), "key%06d", i);
    snprintf(v, sizeof(v), "value-%06d-%0100d", i, i);
    expect_get(f->db, NULL, k, v);
  }
  expect_get(f->db, NULL, "key", NULL);
  expect_get(f->db, NULL, "key999999", NULL);
  /* cache and reads work with the smaller tables */
  assert_true(property_long(f->db, "lsm.block-cache-bytes") >= 0);
}

static void test_read_write_options(void **state) {
  fixture *f = *state;
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  assert_non_null(ro);
  OK(lsm_read_options_set_snapshot(ro, NULL));
  OK(lsm_read_options_set_verify_checksums(ro, 0));
  OK(lsm_read_options_set_verify_checksums(ro, 1));
  OK(lsm_read_options_set_fill_cache(ro, 0));
  OK(lsm_read_options_set_fill_cache(ro, 1));
  EXPECT_FAIL(lsm_read_options_set_verify_checksums(ro, 2), LSM_INVALID);
  EXPECT_FAIL(lsm_read_options_set_verify_checksums(ro, -1), LSM_INVALID);
  EXPECT_FAIL(lsm_read_options_set_fill_cache(ro, 2), LSM_INVALID);
  EXPECT_FAIL(lsm_read_options_set_fill_cache(ro, INT_MIN), LSM_INVALID);
  OK(lsm_read_options_set_lower_bound(ro, "b", 1));
  OK(lsm_read_options_set_upper_bound(ro, "d", 1));
  OK(lsm_read_options_set_lower_bound(ro, NULL, 0));
  OK(lsm_read_options_set_upper_bound(ro, NULL, 0));

  lsm_write_options *wo = NULL;
  OK(lsm_write_options_create(&wo));
  assert_non_null(wo);
  OK(lsm_write_options_set_sync(wo, 1));
  OK(lsm_write_options_set_sync(wo, 0));
  EXPECT_FAIL(lsm_write_options_set_sync(wo, 2), LSM_INVALID);
  EXPECT_FAIL(lsm_write_options_set_sync(wo, -1), LSM_INVALID);

  /* a sync write, a non-sync write, reads with every read option combo */
  OK(lsm_write_options_set_sync(wo, 1));
  OK(lsm_put(f->db, wo, "s", 1, "synced", 6));
  OK(lsm_delete(f->db, wo, "nothing", 7));
  OK(lsm_write_options_set_sync(wo, 0));
  OK(lsm_put(f->db, wo, "n", 1, "nosync", 6));
  OK(lsm_flush(f->db));
  for (int vc = 0; vc <= 1; vc++) {
    for (int fc = 0; fc <= 1; fc++) {
      OK(lsm_read_options_set_verify_checksums(ro, vc));
      OK(lsm_read_options_set_fill_cache(ro, fc));
      expect_get(f->db, ro, "s", "synced");
      expect_get(f->db, ro, "n", "nosync");
      expect_get(f->db, ro, "x", NULL);
    }
  }
  /* bounds do not affect point reads */
  OK(lsm_read_options_set_lower_bound(ro, "t", 1));
  OK(lsm_read_options_set_upper_bound(ro, "u", 1));
  expect_get(f->db, ro, "s", "synced");
  lsm_read_options_destroy(ro);
  lsm_write_options_destroy(wo);
  lsm_read_options_destroy(NULL);
  lsm_write_options_destroy(NULL);
}

/* ------------------------------------------------------ basic reads */

static void test_open_defaults_put_get_delete(void **state) {
  fixture *f = *state;
  assert_false(path_exists(f->path));
  lsm_db *db = NULL;
  OK(lsm_open(f->path, NULL, &db)); /* NULL opts: defaults, creating it */
  assert_non_null(db);
  f->db = db;
  assert_true(path_exists(f->path));

  expect_get(db, NULL, "missing", NULL);
  put_s(db, "apple", "red");
  put_s(db, "banana", "yellow");
  expect_get(db, NULL, "apple", "red");
  expect_get(db, NULL, "banana", "yellow");
  /* replace */
  put_s(db, "apple", "green");
  expect_get(db, NULL, "apple", "green");
  /* delete, and delete of a missing key is not an error */
  del_s(db, "apple");
  expect_get(db, NULL, "apple", NULL);
  del_s(db, "apple");
  del_s(db, "never-there");
  expect_get(db, NULL, "banana", "yellow");
  /* prefixes are distinct keys */
  put_s(db, "ban", "short");
  expect_get(db, NULL, "ban", "short");
  expect_get(db, NULL, "banana", "yellow");
  expect_get(db, NULL, "bana", NULL);

  /* NUL bytes inside keys and values */
  const char k1[] = {'a', 0, 'b'}, k2[] = {'a', 0, 'c'}, v1[] = {0, 1, 0, 2};
  OK(lsm_put(db, NULL, k1, 3, v1, 4));
  expect_get_n(db, NULL, k1, 3, v1, 4);
  expect_get_n(db, NULL, k2, 3, NULL, 0);
  expect_get_n(db, NULL, "a", 1, NULL, 0);

  /* NULL write/read options mean the defaults (already used above) */
  void *val = NULL;
  size_t vlen = 0;
  OK(lsm_get(db, NULL, "banana", 6, &val, &vlen));
  assert_int_equal(vlen, 6);
  lsm_free(val);
  /* a missing key sets a message */
  EXPECT_FAIL(lsm_get(db, NULL, "zzz", 3, &val, &vlen), LSM_NOT_FOUND);
}

static void test_empty_key_and_value(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  /* the empty key */
  expect_get_n(db, NULL, "", 0, NULL, 0);
  OK(lsm_put(db, NULL, "", 0, "empty-key", 9));
  expect_get_n(db, NULL, "", 0, "empty-key", 9);
  expect_get_n(db, NULL, NULL, 0, "empty-key", 9); /* NULL with length 0 is the empty key */
  /* a zero-length value, with a NULL pointer and with a non-NULL one */
  OK(lsm_put(db, NULL, "z1", 2, NULL, 0));
  OK(lsm_put(db, NULL, "z2", 2, "ignored", 0));
  void *val = NULL;
  size_t vlen = 99;
  OK(lsm_get(db, NULL, "z1", 2, &val, &vlen));
  assert_non_null(val); /* a zero-length value still gets a non-NULL pointer */
  assert_int_equal(vlen, 0);
  lsm_free(val);
  expect_get_n(db, NULL, "z2", 2, "", 0);
  /* empty key with empty value */
  OK(lsm_put(db, NULL, NULL, 0, NULL, 0));
  expect_get_n(db, NULL, "", 0, "", 0);
  OK(lsm_put(db, NULL, "", 0, "back", 4));

  /* they survive a flush into a table, a compaction and a reopen */
  OK(lsm_flush(db));
  expect_get_n(db, NULL, "", 0, "back", 4);
  expect_get_n(db, NULL, "z1", 2, "", 0);
  OK(lsm_compact_range(db, NULL, 0, NULL, 0));
  expect_get_n(db, NULL, "", 0, "back", 4);
  expect_get_n(db, NULL, "z1", 2, "", 0);
  OK(lsm_close(db));
  f->db = NULL;
  OK(lsm_open(f->path, NULL, &f->db));
  db = f->db;
  expect_get_n(db, NULL, "", 0, "back", 4);
  expect_get_n(db, NULL, "z1", 2, "", 0);
  expect_get_n(db, NULL, "z2", 2, "", 0);

  /* the empty key sorts first */
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, NULL, &it));
  assert_string_equal(scan_fwd(it), "=back,z1=,z2=");
  assert_string_equal(scan_bwd(it), "z2=,z1=,=back");
  assert_string_equal(scan_entries_fwd(it), "=back,z1=,z2=");
  assert_string_equal(scan_entries_bwd(it), "z2=,z1=,=back");
  OK(lsm_iter_seek(it, NULL, 0));
  expect_at(it, "", "back");
  OK(lsm_iter_seek_for_prev(it, "", 0));
  expect_at(it, "", "back");
  OK(lsm_iter_prev(it));
  expect_at(it, NULL, NULL);
  lsm_iter_close(it);

  /* deleting the empty key; the deletion survives the WAL replay */
  OK(lsm_delete(db, NULL, NULL, 0));
  expect_get_n(db, NULL, "", 0, NULL, 0);
  OK(lsm_close(db));
  f->db = NULL;
  OK(lsm_open(f->path, NULL, &f->db));
  expect_get_n(f->db, NULL, "", 0, NULL, 0);
  expect_get_n(f->db, NULL, "z1", 2, "", 0);
}

static void test_get_into(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  put_s(db, "k", "hello world");
  size_t n = 0;
  /* cap 0 with a NULL buffer: learn the length */
  OK(lsm_get_into(db, NULL, "k", 1, NULL, 0, &n));
  assert_int_equal(n, 11);
  /* cap 0 with a buffer: nothing copied */
  char buf[32];
  memset(buf, '#', sizeof(buf));
  n = 0;
  OK(lsm_get_into(db, NULL, "k", 1, buf, 0, &n));
  assert_int_equal(n, 11);
  assert_int_equal(buf[0], '#');
  /* a smaller buffer: cut short, full length reported */
  memset(buf, '#', sizeof(buf));
  n = 0;
  OK(lsm_get_into(db, NULL, "k", 1, buf, 5, &n));
  assert_int_equal(n, 11);
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(buf[5], '#');
  /* cap 1 */
  memset(buf, '#', sizeof(buf));
  OK(lsm_get_into(db, NULL, "k", 1, buf, 1, &n));
  assert_int_equal(n, 11);
  assert_int_equal(buf[0], 'h');
  assert_int_equal(buf[1], '#');
  /* exactly the length */
  memset(buf, '#', sizeof(buf));
  n = 0;
  OK(lsm_get_into(db, NULL, "k", 1, buf, 11, &n));
  assert_int_equal(n, 11);
  assert_memory_equal(buf, "hello world", 11);
  assert_int_equal(buf[11], '#');
  /* larger */
  memset(buf, '#', sizeof(buf));
  n = 0;
  OK(lsm_get_into(db, NULL, "k", 1, buf, sizeof(buf), &n));
  assert_int_equal(n, 11);
  assert_memory_equal(buf, "hello world", 11);
  assert_int_equal(buf[11], '#');
  /* retry with the learned length */
  OK(lsm_get_into(db, NULL, "k", 1, NULL, 0, &n));
  char *big = malloc(n);
  assert_non_null(big);
  size_t n2 = 0;
  OK(lsm_get_into(db, NULL, "k", 1, big, n, &n2));
  assert_int_equal(n2, n);
  assert_memory_equal(big, "hello world", n);
  free(big);
  /* missing key */
  memset(buf, '#', sizeof(buf));
  EXPECT_FAIL(lsm_get_into(db, NULL, "nope", 4, buf, sizeof(buf), &n), LSM_NOT_FOUND);
  assert_int_equal(buf[0], '#');
  EXPECT_FAIL(lsm_get_into(db, NULL, "nope", 4, NULL, 0, &n), LSM_NOT_FOUND);
  /* a zero-length value */
  OK(lsm_put(db, NULL, "e", 1, NULL, 0));
  n = 77;
  OK(lsm_get_into(db, NULL, "e", 1, NULL, 0, &n));
  assert_int_equal(n, 0);
  n = 77;
  memset(buf, '#', sizeof(buf));
  OK(lsm_get_into(db, NULL, "e", 1, buf, sizeof(buf), &n));
  assert_int_equal(n, 0);
  assert_int_equal(buf[0], '#');
  /* the same after a flush (value read from a table) */
  OK(lsm_flush(db));
  memset(buf, '#', sizeof(buf));
  OK(lsm_get_into(db, NULL, "k", 1, buf, 5, &n));
  assert_int_equal(n, 11);
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(buf[5], '#');
  OK(lsm_get_into(db, NULL, "e", 1, NULL, 0, &n));
  assert_int_equal(n, 0);
}

/* ------------------------------------------------------------- batch */

static void test_batch(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  assert_int_equal(lsm_batch_count(NULL), 0);
  lsm_batch *b = NULL;
  OK(lsm_batch_create(&b));
  assert_non_null(b);
  assert_int_equal(lsm_batch_count(b), 0);
  /* an empty batch is fine and changes nothing */
  long seq0 = property_long(db, "lsm.sequence");
  OK(lsm_write(db, NULL, b));
  assert_int_equal(property_long(db, "lsm.sequence"), seq0);

  put_s(db, "c", "old-c");
  OK(lsm_batch_put(b, "a", 1, "1", 1));
  OK(lsm_batch_put(b, "b", 1, "2", 1));
  OK(lsm_batch_delete(b, "c", 1));
  assert_int_equal(lsm_batch_count(b), 3);
  /* nothing is applied before lsm_write */
  expect_get(db, NULL, "a", NULL);
  expect_get(db, NULL, "c", "old-c");
  lsm_write_options *wo = NULL;
  OK(lsm_write_options_create(&wo));
  OK(lsm_write_options_set_sync(wo, 1));
  OK(lsm_write(db, wo, b));
  lsm_write_options_destroy(wo);
  expect_get(db, NULL, "a", "1");
  expect_get(db, NULL, "b", "2");
  expect_get(db, NULL, "c", NULL);
  /* the batch is not modified by lsm_write */
  assert_int_equal(lsm_batch_count(b), 3);
  /* and can be written again */
  put_s(db, "a", "changed");
  OK(lsm_write(db, NULL, b));
  expect_get(db, NULL, "a", "1");

  OK(lsm_batch_clear(b));
  assert_int_equal(lsm_batch_count(b), 0);
  /* operations apply in order */
  OK(lsm_batch_put(b, "x", 1, "v", 1));
  OK(lsm_batch_delete(b, "x", 1));
  OK(lsm_batch_delete(b, "y", 1));
  OK(lsm_batch_put(b, "y", 1, "yes", 3));
  OK(lsm_batch_put(b, "z", 1, "first", 5));
  OK(lsm_batch_put(b, "z", 1, "second", 6));
  /* the empty key, a zero-length value */
  OK(lsm_batch_put(b, NULL, 0, "E", 1));
  OK(lsm_batch_put(b, "zero", 4, NULL, 0));
  OK(lsm_batch_delete(b, "b", 1));
  assert_int_equal(lsm_batch_count(b), 9);
  /* keys and values are copied in */
  char key[4] = "tmp", val[4] = "val";
  OK(lsm_batch_put(b, key, 3, val, 3));
  memcpy(key, "XXX", 3);
  memcpy(val, "YYY", 3);
  assert_int_equal(lsm_batch_count(b), 10);
  long seq1 = property_long(db, "lsm.sequence");
  OK(lsm_write(db, NULL, b));
  assert_true(property_long(db, "lsm.sequence") > seq1);
  expect_get(db, NULL, "x", NULL);
  expect_get(db, NULL, "y", "yes");
  expect_get(db, NULL, "z", "second");
  expect_get_n(db, NULL, "", 0, "E", 1);
  expect_get(db, NULL, "zero", "");
  expect_get(db, NULL, "b", NULL);
  expect_get(db, NULL, "tmp", "val");
  expect_get(db, NULL, "XXX", NULL);

  /* a batch is atomic for readers: a snapshot before sees none of it */
  lsm_snapshot *snap = NULL;
  OK(lsm_snapshot_create(db, &snap));
  OK(lsm_batch_clear(b));
  for (int i = 0; i < 100; i++) {
    char k[16];
    snprintf(k, sizeof(k), "batch%03d", i);
    OK(lsm_batch_put(b, k, strlen(k), k, strlen(k)));
  }
  assert_int_equal(lsm_batch_count(b), 100);
  OK(lsm_write(db, NULL, b));
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  OK(lsm_read_options_set_snapshot(ro, snap));
  expect_get(db, ro, "batch000", NULL);
  expect_get(db, ro, "batch099", NULL);
  expect_get(db, NULL, "batch000", "batch000");
  expect_get(db, NULL, "batch099", "batch099");
  lsm_read_options_destroy(ro);
  OK(lsm_snapshot_release(snap));

  /* batches survive a reopen (WAL replay) */
  OK(lsm_close(db));
  f->db = NULL;
  OK(lsm_open(f->path, NULL, &f->db));
  db = f->db;
  expect_get(db, NULL, "y", "yes");
  expect_get(db, NULL, "z", "second");
  expect_get(db, NULL, "x", NULL);
  expect_get(db, NULL, "batch050", "batch050");
  expect_get_n(db, NULL, "", 0, "E", 1);
  lsm_batch_destroy(b);
  lsm_batch_destroy(NULL);
}

/* ---------------------------------------- flush, compaction, properties */

/* Table files the database lists at levels from..6. */
static long files_from_level(lsm_db *db, int from) {
  long n = 0;
  for (int level = from; level < 7; level++) {
    char name[64];
    snprintf(name, sizeof(name), "lsm.num-files-at-level%d", level);
    n += property_long(db, name);
  }
  return n;
}

static int count_tables(const char *dir) {
  int n = 0;
  DIR *d = opendir(dir);
  if (d == NULL) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > 4 && strcmp(e->d_name + len - 4, ".sst") == 0) n++;
  }
  closedir(d);
  return n;
}

/* Four flushes reach the level-0 trigger (4 by default); once
 * lsm_wait_for_compactions returns, the compaction they caused has run and
 * deleted its inputs: no sleeping, no polling. */
static void test_wait_for_compactions(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  OK(lsm_wait_for_compactions(db)); /* nothing to wait for */
  char k[16], v[16];
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < 50; i++) {
      snprintf(k, sizeof(k), "k%03d", i);
      snprintf(v, sizeof(v), "v%d-%03d", round, i);
      put_s(db, k, v);
    }
    OK(lsm_flush(db));
  }
  OK(lsm_wait_for_compactions(db));
  assert_int_equal(property_long(db, "lsm.num-files-at-level0"), 0);
  long listed = files_from_level(db, 0);
  assert_true(listed >= 1);
  assert_int_equal(count_tables(f->path), listed);
  expect_get(db, NULL, "k007", "v3-007");
  EXPECT_FAIL(lsm_wait_for_compactions(NULL), LSM_INVALID);
}

static void test_flush_compact_property(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  assert_int_equal(property_long(db, "lsm.num-files-at-level0"), 0);
  char k[16], v[16];
  for (int i = 0; i < 100; i++) {
    snprintf(k, sizeof(k), "k%03d", i);
    snprintf(v, sizeof(v), "v%03d", i);
    put_s(db, k, v);
  }
  assert_true(property_long(db, "lsm.memtable-bytes") > 0);
  OK(lsm_flush(db));
  assert_int_equal(property_long(db, "lsm.num-files-at-level0"), 1);
  /* a flush of an empty buffer is fine */
  OK(lsm_flush(db));
  for (int i = 0; i < 100; i += 2) {
    snprintf(k, sizeof(k), "k%03d", i);
    del_s(db, k);
  }
  put_s(db, "k001", "new");
  OK(lsm_flush(db));
  assert_int_equal(property_long(db, "lsm.num-files-at-level0"), 2);

  /* a snapshot keeps the deleted values alive through a compaction */
  lsm_snapshot *snap = NULL;
  OK(lsm_snapshot_create(db, &snap));
  del_s(db, "k003");
  OK(lsm_compact_range(db, NULL, 0, NULL, 0));
  assert_int_equal(property_long(db, "lsm.num-files-at-level0"), 0);
  long deeper = files_from_level(db, 1);
  assert_true(deeper >= 1);
  for (int i = 0; i < 100; i++) {
    snprintf(k, sizeof(k), "k%03d", i);
    snprintf(v, sizeof(v), "v%03d", i);
    if (i == 1) {
      expect_get(db, NULL, k, "new");
    } else if (i % 2 == 0 || i == 3) {
      expect_get(db, NULL, k, NULL);
    } else {
      expect_get(db, NULL, k, v);
    }
  }
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  OK(lsm_read_options_set_snapshot(ro, snap));
  expect_get(db, ro, "k003", "v003");
  expect_get(db, ro, "k002", NULL);
  lsm_read_options_destroy(ro);
  OK(lsm_snapshot_release(snap));

  /* bounded compactions, both ends inclusive, and half-open ones */
  put_s(db, "k050", "back");
  OK(lsm_flush(db));
  OK(lsm_compact_range(db, "k040", 4, "k060", 4));
  expect_get(db, NULL, "k050", "back");
  OK(lsm_compact_range(db, "k050", 4, "k050", 4));
  OK(lsm_compact_range(db, NULL, 0, "k010", 4));
  OK(lsm_compact_range(db, "k090", 4, NULL, 0));
  OK(lsm_compact_range(db, "", 0, "", 0)); /* the empty key only */
  OK(lsm_compact_range(db, "zzz", 3, NULL, 0)); /* nothing in range */
  expect_get(db, NULL, "k050", "back");
  expect_get(db, NULL, "k001", "new");
  expect_get(db, NULL, "k099", "v099");
  expect_get(db, NULL, "k098", NULL);

  /* properties */
  char *out = NULL;
  OK(lsm_property(db, "lsm.stats", &out));
  assert_non_null(out);
  assert_true(strlen(out) > 0);
  assert_non_null(strchr(out, '\n'));
  lsm_free(out);
  out = NULL;
  OK(lsm_property(db, "lsm.stats.json", &out));
  assert_non_null(out);
  assert_true(strncmp(out, "{\"levels\":[{\"level\":0,", 21) == 0);
  assert_non_null(strstr(out, "\"flushes\":"));
  assert_int_equal(out[strlen(out) - 1], '}');
  lsm_free(out);
  long seq = property_long(db, "lsm.sequence");
  assert_true(seq > 0);
  put_s(db, "one-more", "x");
  assert_true(property_long(db, "lsm.sequence") > seq);
  assert_true(property_long(db, "lsm.memtable-bytes") >= 0);
  assert_true(property_long(db, "lsm.block-cache-bytes") >= 0);
  for (int level = 0; level < 7; level++) {
    char name[64];
    snprintf(name, sizeof(name), "lsm.num-files-at-level%d", level);
    assert_true(property_long(db, name) >= 0);
  }
  static const char *unknown[] = {
      "lsm.nope", "", "lsm.num-files-at-level7", "lsm.num-files-at-level", "lsm.num-files-at-level-1",
      "lsm.num-files-at-levelx", "LSM.STATS", "lsm.stats ", "lsm.num-files-at-level100",
  };
  for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
    char marker = 0;
    out = &marker;
    arm_error();
    int rc = lsm_property(db, unknown[i], &out);
    if (rc != LSM_NOT_FOUND) fail_msg("lsm_property(\"%s\") = %d, expected LSM_NOT_FOUND", unknown[i], rc);
    check_fresh_error(unknown[i]);
    assert_ptr_equal(out, &marker); /* not written on failure */
  }
}

/* ----------------------------------------------------------- destroy */

static void test_destroy(void **state) {
  fixture *f = *state;
  put_s(f->db, "k", "v");
  /* open: busy, and the database keeps working */
  EXPECT_FAIL(lsm_destroy(f->path), LSM_BUSY);
  expect_get(f->db, NULL, "k", "v");
  put_s(f->db, "k2", "v2");
  OK(lsm_close(f->db));
  f->db = NULL;
  OK(lsm_destroy(f->path));
  assert_false(path_exists(f->path));
  /* a missing path: LSM_OK */
  OK(lsm_destroy(f->path));
  char missing[PATH_MAX];
  snprintf(missing, sizeof(missing), "%s/never/existed", f->root);
  OK(lsm_destroy(missing));
  /* gone: create_if_missing 0 fails */
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_create_if_missing(o, 0));
  lsm_db *db = NULL;
  EXPECT_FAIL(lsm_open(f->path, o, &db), LSM_INVALID);
  assert_null(db);

  /* other files in the directory are kept, and so is the directory */
  OK(lsm_open(f->path, NULL, &db));
  put_s(db, "k", "v");
  OK(lsm_flush(db));
  OK(lsm_close(db));
  char keep[PATH_MAX + 16];
  snprintf(keep, sizeof(keep), "%s/keep.txt", f->path);
  FILE *fp = fopen(keep, "w");
  assert_non_null(fp);
  fputs("mine\n", fp);
  fclose(fp);
  OK(lsm_destroy(f->path));
  assert_true(path_exists(keep));
  db = NULL;
  EXPECT_FAIL(lsm_open(f->path, o, &db), LSM_INVALID); /* the database is gone */
  assert_null(db);
  /* and a fresh one starts empty */
  OK(lsm_open(f->path, NULL, &db));
  expect_get(db, NULL, "k", NULL);
  OK(lsm_close(db));
  lsm_options_destroy(o);
  unlink(keep);
}

/* --------------------------------------------------------- snapshots */

static void test_snapshots(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  put_s(db, "a", "a1");
  put_s(db, "b", "b1");
  lsm_snapshot *s1 = NULL;
  OK(lsm_snapshot_create(db, &s1));
  assert_non_null(s1);
  put_s(db, "a", "a2");
  del_s(db, "b");
  put_s(db, "c", "c2");
  OK(lsm_flush(db)); /* the snapshot holds across a flush */
  lsm_snapshot *s2 = NULL;
  OK(lsm_snapshot_create(db, &s2));
  put_s(db, "a", "a3");

  lsm_read_options *r1 = NULL, *r2 = NULL;
  OK(lsm_read_options_create(&r1));
  OK(lsm_read_options_create(&r2));
  OK(lsm_read_options_set_snapshot(r1, s1));
  OK(lsm_read_options_set_snapshot(r2, s2));
  expect_get(db, r1, "a", "a1");
  expect_get(db, r1, "b", "b1");
  expect_get(db, r1, "c", NULL);
  expect_get(db, r2, "a", "a2");
  expect_get(db, r2, "b", NULL);
  expect_get(db, r2, "c", "c2");
  expect_get(db, NULL, "a", "a3");
  size_t n = 0;
  char buf[8];
  OK(lsm_get_into(db, r1, "a", 1, buf, sizeof(buf), &n));
  assert_int_equal(n, 2);
  assert_memory_equal(buf, "a1", 2);

  /* a compaction keeps what snapshots see */
  OK(lsm_compact_range(db, NULL, 0, NULL, 0));
  expect_get(db, r1, "a", "a1");
  expect_get(db, r1, "b", "b1");
  expect_get(db, r2, "a", "a2");

  /* iterators read at the snapshot */
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, r1, &it));
  assert_string_equal(scan_fwd(it), "a=a1,b=b1");
  assert_string_equal(scan_bwd(it), "b=b1,a=a1");
  assert_string_equal(scan_entries_fwd(it), "a=a1,b=b1");
  lsm_iter_close(it);
  OK(lsm_iter_open(db, r2, &it));
  assert_string_equal(scan_fwd(it), "a=a2,c=c2");
  lsm_iter_close(it);

  /* setting the snapshot back to NULL reads the latest state */
  OK(lsm_read_options_set_snapshot(r1, NULL));
  expect_get(db, r1, "a", "a3");

  /* a snapshot of another database is refused */
  lsm_db *db2 = NULL;
  OK(lsm_open(f->path2, NULL, &db2));
  put_s(db2, "a", "other");
  lsm_snapshot *s_other = NULL;
  OK(lsm_snapshot_create(db2, &s_other));
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  OK(lsm_read_options_set_snapshot(ro, s_other));
  void *val = NULL;
  EXPECT_FAIL(lsm_get(db, ro, "a", 1, &val, &n), LSM_INVALID);
  assert_null(val);
  EXPECT_FAIL(lsm_get_into(db, ro, "a", 1, buf, sizeof(buf), &n), LSM_INVALID);
  lsm_iter *it2 = NULL;
  EXPECT_FAIL(lsm_iter_open(db, ro, &it2), LSM_INVALID);
  assert_null(it2);
  /* ... but fine on its own database */
  expect_get(db2, ro, "a", "other");
  lsm_read_options_destroy(ro);
  OK(lsm_snapshot_release(s_other));
  OK(lsm_close(db2));

  /* release: NULL is fine, a second release is refused */
  OK(lsm_snapshot_release(NULL));
  OK(lsm_snapshot_release(s1));
  EXPECT_FAIL(lsm_snapshot_release(s1), LSM_INVALID);
  OK(lsm_snapshot_release(s2));
  EXPECT_FAIL(lsm_snapshot_release(s2), LSM_INVALID);
  lsm_read_options_destroy(r1);
  lsm_read_options_destroy(r2);
  /* all released: close works */
  OK(lsm_close(db));
  f->db = NULL;
}

/* --------------------------------------------------------- iterators */

/* a=1 b=2 c=33 e=5 f=6: a..e in a table, c overwritten and d deleted in
 * the memtable, f only in the memtable. */
static void fill_iter_data(lsm_db *db) {
  put_s(db, "a", "1");
  put_s(db, "b", "2");
  put_s(db, "c", "3");
  put_s(db, "d", "4");
  put_s(db, "e", "5");
  OK(lsm_flush(db));
  put_s(db, "c", "33");
  del_s(db, "d");
  put_s(db, "f", "6");
}

static void test_iterator(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  fill_iter_data(db);
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, NULL, &it));
  assert_non_null(it);
  /* it starts unpositioned */
  expect_at(it, NULL, NULL);
  OK(lsm_iter_status(it));
  EXPECT_FAIL(lsm_iter_next(it), LSM_INVALID);
  EXPECT_FAIL(lsm_iter_prev(it), LSM_INVALID);

  /* writes after the iterator was opened are not seen by it */
  put_s(db, "bb", "late");
  del_s(db, "a");

  OK(lsm_iter_seek_first(it));
  expect_at(it, "a", "1");
  OK(lsm_iter_next(it));
  expect_at(it, "b", "2");
  OK(lsm_iter_next(it));
  expect_at(it, "c", "33");
  OK(lsm_iter_next(it));
  expect_at(it, "e", "5");
  OK(lsm_iter_next(it));
  expect_at(it, "f", "6");
  OK(lsm_iter_next(it));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_status(it));
  EXPECT_FAIL(lsm_iter_next(it), LSM_INVALID);
  EXPECT_FAIL(lsm_iter_prev(it), LSM_INVALID);

  OK(lsm_iter_seek_last(it));
  expect_at(it, "f", "6");
  OK(lsm_iter_prev(it));
  expect_at(it, "e", "5");
  OK(lsm_iter_prev(it));
  expect_at(it, "c", "33");
  OK(lsm_iter_prev(it));
  expect_at(it, "b", "2");
  OK(lsm_iter_prev(it));
  expect_at(it, "a", "1");
  OK(lsm_iter_prev(it));
  expect_at(it, NULL, NULL);
  EXPECT_FAIL(lsm_iter_prev(it), LSM_INVALID);

  /* seek: first key >= target */
  OK(lsm_iter_seek(it, "c", 1));
  expect_at(it, "c", "33");
  OK(lsm_iter_seek(it, "cc", 2));
  expect_at(it, "e", "5");
  OK(lsm_iter_seek(it, "d", 1));
  expect_at(it, "e", "5");
  OK(lsm_iter_seek(it, "", 0));
  expect_at(it, "a", "1");
  OK(lsm_iter_seek(it, "f", 1));
  expect_at(it, "f", "6");
  OK(lsm_iter_seek(it, "g", 1));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_status(it));

  /* seek_for_prev: last key <= target */
  OK(lsm_iter_seek_for_prev(it, "c", 1));
  expect_at(it, "c", "33");
  OK(lsm_iter_seek_for_prev(it, "cc", 2));
  expect_at(it, "c", "33");
  OK(lsm_iter_seek_for_prev(it, "d", 1));
  expect_at(it, "c", "33");
  OK(lsm_iter_seek_for_prev(it, "z", 1));
  expect_at(it, "f", "6");
  OK(lsm_iter_seek_for_prev(it, "a", 1));
  expect_at(it, "a", "1");
  OK(lsm_iter_seek_for_prev(it, "0", 1));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek_for_prev(it, "", 0));
  expect_at(it, NULL, NULL);

  /* direction changes */
  OK(lsm_iter_seek(it, "c", 1));
  OK(lsm_iter_prev(it));
  expect_at(it, "b", "2");
  OK(lsm_iter_next(it));
  expect_at(it, "c", "33");
  OK(lsm_iter_next(it));
  expect_at(it, "e", "5");
  OK(lsm_iter_prev(it));
  expect_at(it, "c", "33");
  OK(lsm_iter_seek_for_prev(it, "e", 1));
  OK(lsm_iter_next(it));
  expect_at(it, "f", "6");
  OK(lsm_iter_prev(it));
  expect_at(it, "e", "5");
  OK(lsm_iter_seek_last(it));
  OK(lsm_iter_next(it));
  expect_at(it, NULL, NULL);

  assert_string_equal(scan_fwd(it), "a=1,b=2,c=33,e=5,f=6");
  assert_string_equal(scan_bwd(it), "f=6,e=5,c=33,b=2,a=1");
  OK(lsm_iter_status(it));
  lsm_iter_close(it);

  /* a new iterator sees the later writes */
  OK(lsm_iter_open(db, NULL, &it));
  assert_string_equal(scan_fwd(it), "b=2,bb=late,c=33,e=5,f=6");
  assert_string_equal(scan_bwd(it), "f=6,e=5,c=33,bb=late,b=2");
  lsm_iter_close(it);

  /* an empty database */
  OK(lsm_open(f->path2, NULL, &db));
  OK(lsm_iter_open(db, NULL, &it));
  OK(lsm_iter_seek_first(it));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek_last(it));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek(it, "a", 1));
  expect_at(it, NULL, NULL);
  assert_string_equal(scan_entries_fwd(it), "");
  assert_string_equal(scan_entries_bwd(it), "");
  lsm_iter_close(it);
  OK(lsm_close(db));
}

static void test_iterator_many(void **state) {
  fixture *f = *state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_write_buffer_size(o, (size_t)64 << 10));
  OK(lsm_close(f->db));
  OK(lsm_open(f->path, o, &f->db));
  lsm_options_destroy(o);
  lsm_db *db = f->db;
  /* several tables and background compactions, overwrites, deletions */
  char k[32], v[128];
  const int n = 1500;
  for (int round = 0; round < 3; round++) {
    for (int i = round; i < n; i += 1 + round) {
      snprintf(k, sizeof(k), "key%05d", i);
      snprintf(v, sizeof(v), "r%d-%05d-%080d", round, i, i);
      put_s(db, k, v);
    }
    OK(lsm_flush(db));
  }
  for (int i = 0; i < n; i += 7) {
    snprintf(k, sizeof(k), "key%05d", i);
    del_s(db, k);
  }
  /* expected: the last round that wrote each key, unless deleted */
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, NULL, &it));
  const void *kp, *vp;
  size_t kl, vl;
  int count = 0, prev = -1;
  OK(lsm_iter_seek_first(it));
  while (lsm_iter_next_entry(it, &kp, &kl, &vp, &vl) == LSM_OK) {
    assert_int_equal(kl, 8);
    int i = atoi((const char *)kp + 3);
    assert_true(i > prev);
    for (int j = prev + 1; j < i; j++) assert_true(j % 7 == 0); /* only deleted ones skipped */
    assert_true(i % 7 != 0);
    /* round r wrote i >= r with (i - r) % (1 + r) == 0; the last wins */
    int round = 0;
    for (int r = 2; r >= 0; r--) {
      if (i >= r && (i - r) % (1 + r) == 0) {
        round = r;
        break;
      }
    }
    snprintf(v, sizeof(v), "r%d-%05d-%080d", round, i, i);
    assert_int_equal(vl, strlen(v));
    assert_memory_equal(vp, v, vl);
    prev = i;
    count++;
  }
  assert_int_equal(count, n - (n + 6) / 7);
  /* backward gives the same, reversed */
  int back = 0;
  prev = n;
  OK(lsm_iter_seek_last(it));
  while (lsm_iter_prev_entry(it, &kp, &kl, &vp, &vl) == LSM_OK) {
    int i = atoi((const char *)kp + 3);
    assert_true(i < prev);
    prev = i;
    back++;
  }
  assert_int_equal(back, count);
  OK(lsm_iter_status(it));
  lsm_iter_close(it);
}

static void test_iterator_bounds(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  fill_iter_data(db); /* a=1 b=2 c=33 e=5 f=6 */
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  /* the bytes are copied */
  char lo[2] = "b", hi[2] = "e";
  OK(lsm_read_options_set_lower_bound(ro, lo, 1));
  OK(lsm_read_options_set_upper_bound(ro, hi, 1));
  lo[0] = 'x';
  hi[0] = 'y';
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "b=2,c=33");
  assert_string_equal(scan_bwd(it), "c=33,b=2");
  assert_string_equal(scan_entries_fwd(it), "b=2,c=33");
  assert_string_equal(scan_entries_bwd(it), "c=33,b=2");
  OK(lsm_iter_seek(it, "a", 1)); /* below the lower bound */
  expect_at(it, "b", "2");
  OK(lsm_iter_prev(it));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek(it, "e", 1)); /* upper bound is exclusive */
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek(it, "d", 1));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek_for_prev(it, "z", 1));
  expect_at(it, "c", "33");
  OK(lsm_iter_next(it));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek_for_prev(it, "e", 1));
  expect_at(it, "c", "33");
  OK(lsm_iter_seek_for_prev(it, "a", 1));
  expect_at(it, NULL, NULL);
  OK(lsm_iter_seek_for_prev(it, "b", 1));
  expect_at(it, "b", "2");
  lsm_iter_close(it);

  /* only a lower bound / only an upper bound */
  OK(lsm_read_options_set_upper_bound(ro, NULL, 0));
  OK(lsm_read_options_set_lower_bound(ro, "c", 1));
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "c=33,e=5,f=6");
  assert_string_equal(scan_bwd(it), "f=6,e=5,c=33");
  lsm_iter_close(it);
  OK(lsm_read_options_set_lower_bound(ro, NULL, 0));
  OK(lsm_read_options_set_upper_bound(ro, "c", 1));
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "a=1,b=2");
  assert_string_equal(scan_bwd(it), "b=2,a=1");
  OK(lsm_iter_seek_last(it));
  expect_at(it, "b", "2");
  lsm_iter_close(it);
  /* bounds between keys, and on a deleted key */
  OK(lsm_read_options_set_lower_bound(ro, "bb", 2));
  OK(lsm_read_options_set_upper_bound(ro, "d", 1));
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "c=33");
  assert_string_equal(scan_bwd(it), "c=33");
  lsm_iter_close(it);
  OK(lsm_read_options_set_lower_bound(ro, "d", 1));
  OK(lsm_read_options_set_upper_bound(ro, "e", 1));
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "");
  assert_string_equal(scan_bwd(it), "");
  lsm_iter_close(it);
  /* an empty (non-NULL) upper bound: nothing is < "" */
  OK(lsm_read_options_set_lower_bound(ro, NULL, 0));
  OK(lsm_read_options_set_upper_bound(ro, "", 0));
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "");
  assert_string_equal(scan_bwd(it), "");
  lsm_iter_close(it);
  /* an empty lower bound: everything */
  OK(lsm_read_options_set_upper_bound(ro, NULL, 0));
  OK(lsm_read_options_set_lower_bound(ro, "", 0));
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "a=1,b=2,c=33,e=5,f=6");
  lsm_iter_close(it);
  /* bounds removed */
  OK(lsm_read_options_set_lower_bound(ro, NULL, 0));
  OK(lsm_iter_open(db, ro, &it));
  assert_string_equal(scan_fwd(it), "a=1,b=2,c=33,e=5,f=6");
  assert_string_equal(scan_bwd(it), "f=6,e=5,c=33,b=2,a=1");
  lsm_iter_close(it);
  lsm_read_options_destroy(ro);
}

static void test_iterator_entry_loops(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  char k[16], v[16];
  for (int i = 0; i < 10; i++) {
    snprintf(k, sizeof(k), "k%d", i);
    snprintf(v, sizeof(v), "v%d", i);
    put_s(db, k, v);
    if (i == 4) OK(lsm_flush(db));
  }
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, NULL, &it));
  const void *kp = NULL, *vp = NULL;
  size_t kl = 0, vl = 0;

  /* unpositioned: nothing to yield */
  assert_int_equal(lsm_iter_next_entry(it, &kp, &kl, &vp, &vl), LSM_NOT_FOUND);
  assert_int_equal(lsm_iter_prev_entry(it, &kp, &kl, &vp, &vl), LSM_NOT_FOUND);

  assert_string_equal(scan_entries_fwd(it), "k0=v0,k1=v1,k2=v2,k3=v3,k4=v4,k5=v5,k6=v6,k7=v7,k8=v8,k9=v9");
  /* at the end it stays at the end */
  assert_int_equal(lsm_iter_next_entry(it, &kp, &kl, &vp, &vl), LSM_NOT_FOUND);
  assert_int_equal(lsm_iter_next_entry(it, &kp, &kl, &vp, &vl), LSM_NOT_FOUND);
  assert_int_equal(lsm_iter_valid(it), 0);
  assert_string_equal(scan_entries_bwd(it), "k9=v9,k8=v8,k7=v7,k6=v6,k5=v5,k4=v4,k3=v3,k2=v2,k1=v1,k0=v0");
  assert_int_equal(lsm_iter_prev_entry(it, &kp, &kl, &vp, &vl), LSM_NOT_FOUND);

  /* the loop over a sub-range after a seek */
  OK(lsm_iter_seek(it, "k7", 2));
  scan_buf[0] = '\0';
  while (lsm_iter_next_entry(it, &kp, &kl, &vp, &vl) == LSM_OK) append_kv(scan_buf, SCAN_CAP, kp, kl, vp, vl);
  assert_string_equal(scan_buf, "k7=v7,k8=v8,k9=v9");
  OK(lsm_iter_seek_for_prev(it, "k2x", 3));
  scan_buf[0] = '\0';
  while (lsm_iter_prev_entry(it, &kp, &kl, &vp, &vl) == LSM_OK) append_kv(scan_buf, SCAN_CAP, kp, kl, vp, vl);
  assert_string_equal(scan_buf, "k2=v2,k1=v1,k0=v0");

  /* the yielded entry is the current one */
  OK(lsm_iter_seek_first(it));
  expect_next(it, "k0", "v0");
  expect_at(it, "k0", "v0");
  expect_next(it, "k1", "v1");
  expect_at(it, "k1", "v1");
  /* switching direction: moves back one step first */
  expect_prev(it, "k0", "v0");
  expect_next(it, "k1", "v1");
  expect_next(it, "k2", "v2");
  /* a seek resets: the next call yields the sought entry itself */
  OK(lsm_iter_seek(it, "k5", 2));
  expect_next(it, "k5", "v5");
  expect_next(it, "k6", "v6");
  /* an explicit move resets too */
  OK(lsm_iter_next(it));
  expect_at(it, "k7", "v7");
  expect_next(it, "k7", "v7");
  OK(lsm_iter_prev(it));
  expect_at(it, "k6", "v6");
  expect_prev(it, "k6", "v6");
  expect_prev(it, "k5", "v5");
  OK(lsm_iter_seek_for_prev(it, "k3z", 3));
  expect_prev(it, "k3", "v3");
  OK(lsm_iter_seek_for_prev(it, "k3z", 3));
  expect_next(it, "k3", "v3");
  expect_next(it, "k4", "v4");
  OK(lsm_iter_seek_last(it));
  expect_next(it, "k9", "v9");
  expect_next(it, NULL, NULL);
  OK(lsm_iter_seek_first(it));
  expect_prev(it, "k0", "v0");
  expect_prev(it, NULL, NULL);
  OK(lsm_iter_seek(it, "zz", 2));
  expect_next(it, NULL, NULL);
  /* the not-found end of a loop sets a message but the status stays OK */
  OK(lsm_iter_status(it));
  /* a mixed walk visits every entry once: seek_first, alternate next_entry
   * and explicit next */
  OK(lsm_iter_seek_first(it));
  scan_buf[0] = '\0';
  for (int step = 0;; step++) {
    if (step % 3 == 2) {
      if (!lsm_iter_valid(it)) break;
      OK(lsm_iter_next(it)); /* skips nothing: the next call yields here */
      continue;
    }
    if (lsm_iter_next_entry(it, &kp, &kl, &vp, &vl) != LSM_OK) break;
    append_kv(scan_buf, SCAN_CAP, kp, kl, vp, vl);
  }
  /* next_entry (yield k0), next_entry (move, yield k1), explicit next (to
   * k2, reset), next_entry (yield k2), next_entry (k3), next (k4), ... */
  assert_string_equal(scan_buf, "k0=v0,k1=v1,k2=v2,k3=v3,k4=v4,k5=v5,k6=v6,k7=v7,k8=v8,k9=v9");
  lsm_iter_close(it);
}

/* ------------------------------------------- close with open handles */

static void test_close_busy(void **state) {
  fixture *f = *state;
  lsm_db *db = f->db;
  put_s(db, "k", "v");
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, NULL, &it));
  EXPECT_FAIL(lsm_close(db), LSM_BUSY);
  /* the database and the iterator still work */
  put_s(db, "k2", "v2");
  expect_get(db, NULL, "k", "v");
  expect_get(db, NULL, "k2", "v2");
  OK(lsm_iter_seek_first(it));
  expect_at(it, "k", "v");
  /* two iterators: busy until both are closed */
  lsm_iter *it2 = NULL;
  OK(lsm_iter_open(db, NULL, &it2));
  lsm_iter_close(it);
  EXPECT_FAIL(lsm_close(db), LSM_BUSY);
  lsm_iter_close(it2);

  lsm_snapshot *snap = NULL;
  OK(lsm_snapshot_create(db, &snap));
  EXPECT_FAIL(lsm_close(db), LSM_BUSY);
  put_s(db, "k3", "v3");
  expect_get(db, NULL, "k3", "v3");
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  OK(lsm_read_options_set_snapshot(ro, snap));
  expect_get(db, ro, "k3", NULL);
  expect_get(db, ro, "k2", "v2");
  /* an iterator and a snapshot together */
  OK(lsm_iter_open(db, ro, &it));
  EXPECT_FAIL(lsm_close(db), LSM_BUSY);
  OK(lsm_snapshot_release(snap));
  EXPECT_FAIL(lsm_close(db), LSM_BUSY);
  lsm_iter_close(it);
  lsm_read_options_destroy(ro);
  OK(lsm_close(db));
  f->db = NULL;

  /* reopen: everything is there */
  OK(lsm_open(f->path, NULL, &f->db));
  expect_get(f->db, NULL, "k", "v");
  expect_get(f->db, NULL, "k2", "v2");
  expect_get(f->db, NULL, "k3", "v3");
}

/* ---------------------------------------------------- open and reopen */

static void test_reopen(void **state) {
  fixture *f = *state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_write_buffer_size(o, (size_t)64 << 10));
  OK(lsm_options_set_compression(o, LSM_COMPRESSION_NONE));
  lsm_db *db = NULL;
  OK(lsm_open(f->path, o, &db));
  char k[32], v[128];
  const int n = 2000;
  for (int i = 0; i < n; i++) {
    snprintf(k, sizeof(k), "key%05d", i);
    snprintf(v, sizeof(v), "%0100d", i);
    put_s(db, k, v);
  }
  for (int i = 0; i < n; i += 10) {
    snprintf(k, sizeof(k), "key%05d", i);
    del_s(db, k);
  }
  /* the tail is only in the WAL when it closes */
  put_s(db, "tail", "in-the-wal");
  OK(lsm_close(db));

  /* reopen with other options (LZ4): old tables stay readable */
  OK(lsm_open(f->path, NULL, &db));
  f->db = db;
  expect_get(db, NULL, "tail", "in-the-wal");
  for (int i = 0; i < n; i += 37) {
    snprintf(k, sizeof(k), "key%05d", i);
    snprintf(v, sizeof(v), "%0100d", i);
    expect_get(db, NULL, k, i % 10 == 0 ? NULL : v);
  }
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, NULL, &it));
  const void *kp, *vp;
  size_t kl, vl;
  int count = 0;
  OK(lsm_iter_seek_first(it));
  while (lsm_iter_next_entry(it, &kp, &kl, &vp, &vl) == LSM_OK) count++;
  assert_int_equal(count, n - n / 10 + 1);
  lsm_iter_close(it);

  put_s(db, "key00000", "revived");
  OK(lsm_compact_range(db, NULL, 0, NULL, 0));
  OK(lsm_close(db));
  f->db = NULL;
  OK(lsm_open(f->path, o, &f->db));
  expect_get(f->db, NULL, "key00000", "revived");
  expect_get(f->db, NULL, "key00010", NULL);
  snprintf(v, sizeof(v), "%0100d", 1999);
  expect_get(f->db, NULL, "key01999", v);
  expect_get(f->db, NULL, "tail", "in-the-wal");
  lsm_options_destroy(o);
}

static void test_open_busy(void **state) {
  fixture *f = *state;
  lsm_db *other = NULL;
  EXPECT_FAIL(lsm_open(f->path, NULL, &other), LSM_BUSY);
  assert_null(other);
  /* another spelling of the same directory */
  char slash[PATH_MAX + 8];
  snprintf(slash, sizeof(slash), "%s/", f->path);
  EXPECT_FAIL(lsm_open(slash, NULL, &other), LSM_BUSY);
  assert_null(other);
  snprintf(slash, sizeof(slash), "%s/.", f->path);
  EXPECT_FAIL(lsm_open(slash, NULL, &other), LSM_BUSY);
  assert_null(other);
  /* the first handle is unharmed */
  put_s(f->db, "k", "v");
  expect_get(f->db, NULL, "k", "v");
  OK(lsm_close(f->db));
  f->db = NULL;
  OK(lsm_open(f->path, NULL, &other));
  expect_get(other, NULL, "k", "v");
  OK(lsm_close(other));
}

static void test_open_flags(void **state) {
  fixture *f = *state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_create_if_missing(o, 0));
  static char marker;
  lsm_db *db = (lsm_db *)(void *)&marker;
  EXPECT_FAIL(lsm_open(f->path, o, &db), LSM_INVALID);
  assert_ptr_equal(db, (lsm_db *)(void *)&marker); /* not written */
  assert_false(path_exists(f->path)); /* nothing created */

  /* error_if_exists on a new database: fine */
  OK(lsm_options_set_create_if_missing(o, 1));
  OK(lsm_options_set_error_if_exists(o, 1));
  db = NULL;
  OK(lsm_open(f->path, o, &db));
  put_s(db, "k", "v");
  OK(lsm_close(db));
  /* ... and on an existing one: LSM_INVALID, the data intact */
  db = (lsm_db *)(void *)&marker;
  EXPECT_FAIL(lsm_open(f->path, o, &db), LSM_INVALID);
  assert_ptr_equal(db, (lsm_db *)(void *)&marker);
  /* create_if_missing 0 on an existing database: fine */
  OK(lsm_options_set_error_if_exists(o, 0));
  OK(lsm_options_set_create_if_missing(o, 0));
  OK(lsm_open(f->path, o, &db));
  expect_get(db, NULL, "k", "v");
  OK(lsm_close(db));
  lsm_options_destroy(o);
}

/* File system failures are LSM_IO_ERROR (lsm_open's documentation). */
static void test_open_fs_errors(void **state) {
  fixture *f = *state;
  /* the path is a regular file */
  FILE *fp = fopen(f->path, "w");
  assert_non_null(fp);
  fputs("not a database\n", fp);
  fclose(fp);
  static char marker;
  lsm_db *db = (lsm_db *)(void *)&marker;
  EXPECT_FAIL(lsm_open(f->path, NULL, &db), LSM_IO_ERROR);
  assert_ptr_equal(db, (lsm_db *)(void *)&marker);
  unlink(f->path);
}

static void test_open_missing_parent(void **state) {
  fixture *f = *state;
  /* Regression: a missing parent directory came back as LSM_NOT_FOUND, an
   * outcome lsm_open does not have; it is a file-system failure. */
  char p[PATH_MAX + 64];
  snprintf(p, sizeof(p), "%s/no/such/parent", f->root);
  static char marker;
  lsm_db *db = (lsm_db *)(void *)&marker;
  EXPECT_FAIL(lsm_open(p, NULL, &db), LSM_IO_ERROR);
  assert_ptr_equal(db, (lsm_db *)(void *)&marker);
}

/* ------------------------------------------------------ many threads */

typedef struct {
  lsm_db *db;
  int id;
  int failures;
} worker_arg;

static void *worker(void *p) {
  worker_arg *a = p;
  char k[32], v[32];
  for (int i = 0; i < 300; i++) {
    snprintf(k, sizeof(k), "t%d-%04d", a->id, i);
    snprintf(v, sizeof(v), "v%d-%d", a->id, i);
    if (lsm_put(a->db, NULL, k, strlen(k), v, strlen(v)) != LSM_OK) a->failures++;
    void *val = NULL;
    size_t vlen = 0;
    if (lsm_get(a->db, NULL, k, strlen(k), &val, &vlen) != LSM_OK || vlen != strlen(v) ||
        memcmp(val, v, vlen) != 0) {
      a->failures++;
    }
    lsm_free(val);
    char buf[32];
    size_t n = 0;
    if (lsm_get_into(a->db, NULL, k, strlen(k), buf, sizeof(buf), &n) != LSM_OK ||
        n != strlen(v) || memcmp(buf, v, n) != 0) {
      a->failures++;
    }
  }
  return NULL;
}

static void test_threads(void **state) {
  fixture *f = *state;
  enum { kThreads = 4 };
  pthread_t t[kThreads];
  worker_arg a[kThreads];
  for (int i = 0; i < kThreads; i++) {
    a[i].db = f->db;
    a[i].id = i;
    a[i].failures = 0;
    assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
  }
  /* flushes meanwhile */
  OK(lsm_flush(f->db));
  for (int i = 0; i < kThreads; i++) {
    assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(a[i].failures, 0);
  }
  lsm_iter *it = NULL;
  OK(lsm_iter_open(f->db, NULL, &it));
  const void *kp, *vp;
  size_t kl, vl;
  int count = 0;
  OK(lsm_iter_seek_first(it));
  while (lsm_iter_next_entry(it, &kp, &kl, &vp, &vl) == LSM_OK) count++;
  assert_int_equal(count, kThreads * 300);
  lsm_iter_close(it);
}

/* ------------------------------------- model-based randomized check */

/* Keys are {'m', 2*i} for i < MODEL_KEYS: bytes 0x00..0xfe after the
 * prefix, so the order is memcmp order over high and low bytes alike. A
 * "target" t is {'m', t} for 0 <= t < 256, "m" for t = -1 (before every
 * key) and "n" for t = 256 (after every key). */
#define MODEL_KEYS 128
#define MODEL_MAXV 6000

typedef struct {
  int present;
  size_t vl;
  unsigned char v[MODEL_MAXV];
} model_slot;

static model_slot g_model[MODEL_KEYS], g_snap_model[MODEL_KEYS];
static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng % n);
}

static void model_key(int i, unsigned char out[2]) {
  out[0] = 'm';
  out[1] = (unsigned char)(2 * i);
}

/* target bytes for t */
static size_t model_target(int t, unsigned char out[2]) {
  if (t < 0) {
    out[0] = 'm';
    return 1;
  }
  if (t > 255) {
    out[0] = 'n';
    return 1;
  }
  out[0] = 'm';
  out[1] = (unsigned char)t;
  return 2;
}

typedef struct {
  int lb, ub; /* bounds as targets; INT_MIN / INT_MAX: none */
  const model_slot *m;
} model_view;

static int in_view(const model_view *mv, int i) {
  return mv->m[i].present && 2 * i >= mv->lb && 2 * i < mv->ub;
}

static int model_first_ge(const model_view *mv, int t) {
  for (int i = 0; i < MODEL_KEYS; i++) {
    if (2 * i >= t && in_view(mv, i)) return i;
  }
  return -1;
}

static int model_last_le(const model_view *mv, int t) {
  for (int i = MODEL_KEYS - 1; i >= 0; i--) {
    if (2 * i <= t && in_view(mv, i)) return i;
  }
  return -1;
}

static void model_check_pos(const model_view *mv, const lsm_iter *it, int cur, const char *op) {
  size_t kl = 0, vl = 0;
  const void *k = lsm_iter_key(it, &kl);
  const void *v = lsm_iter_value(it, &vl);
  if (cur < 0) {
    if (lsm_iter_valid(it)) {
      fail_msg("after %s: iterator valid on key byte 0x%02x, model says invalid", op,
               kl == 2 ? ((const unsigned char *)k)[1] : 0xfff);
    }
    return;
  }
  if (!lsm_iter_valid(it)) fail_msg("after %s: iterator invalid, model on key %d", op, cur);
  unsigned char ek[2];
  model_key(cur, ek);
  if (kl != 2 || memcmp(k, ek, 2) != 0) {
    fail_msg("after %s: iterator on key byte 0x%02x (len %zu), model on 0x%02x", op,
             kl >= 2 ? ((const unsigned char *)k)[1] : 0xfff, kl, ek[1]);
  }
  if (vl != mv->m[cur].vl || (vl > 0 && memcmp(v, mv->m[cur].v, vl) != 0)) {
    fail_msg("after %s: value of key %d differs (len %zu, model %zu)", op, cur, vl, mv->m[cur].vl);
  }
}

/* A random walk of an iterator over ro's view, checked step by step. */
static void model_walk(lsm_db *db, lsm_read_options *ro, const model_view *mv, int steps) {
  lsm_iter *it = NULL;
  OK(lsm_iter_open(db, ro, &it));
  int cur = -1, yielded = 0;
  for (int s = 0; s < steps; s++) {
    int op = (int)rnd(10);
    int t = (int)rnd(258) - 1;
    unsigned char tb[2];
    size_t tl = model_target(t, tb);
    const char *name = "?";
    switch (op) {
      case 0:
        name = "seek_first";
        OK(lsm_iter_seek_first(it));
        cur = model_first_ge(mv, INT_MIN);
        yielded = 0;
        break;
      case 1:
        name = "seek_last";
        OK(lsm_iter_seek_last(it));
        cur = model_last_le(mv, INT_MAX);
        yielded = 0;
        break;
      case 2:
        name = "seek";
        OK(lsm_iter_seek(it, tb, tl));
        cur = model_first_ge(mv, t);
        yielded = 0;
        break;
      case 3:
        name = "seek_for_prev";
        OK(lsm_iter_seek_for_prev(it, tb, tl));
        cur = model_last_le(mv, t);
        yielded = 0;
        break;
      case 4:
      case 5:
        name = "next";
        if (cur < 0) {
          assert_int_equal(lsm_iter_next(it), LSM_INVALID);
        } else {
          OK(lsm_iter_next(it));
          cur = model_first_ge(mv, 2 * cur + 1);
        }
        yielded = 0;
        break;
      case 6:
      case 7:
        name = "prev";
        if (cur < 0) {
          assert_int_equal(lsm_iter_prev(it), LSM_INVALID);
        } else {
          OK(lsm_iter_prev(it));
          cur = model_last_le(mv, 2 * cur - 1);
        }
        yielded = 0;
        break;
      case 8:
      case 9: {
        const int fwd = op == 8;
        name = fwd ? "next_entry" : "prev_entry";
        if (yielded && cur >= 0) cur = fwd ? model_first_ge(mv, 2 * cur + 1) : model_last_le(mv, 2 * cur - 1);
        const void *k, *v;
        size_t kl, vl;
        int rc = fwd ? lsm_iter_next_entry(it, &k, &kl, &v, &vl) : lsm_iter_prev_entry(it, &k, &kl, &v, &vl);
        if (cur < 0) {
          if (rc != LSM_NOT_FOUND) fail_msg("%s: expected LSM_NOT_FOUND, got %d", name, rc);
          yielded = 0;
        } else {
          if (rc != LSM_OK) fail_msg("%s: expected an entry, got %d", name, rc);
          yielded = 1;
        }
        break;
      }
    }
    model_check_pos(mv, it, cur, name);
  }
  OK(lsm_iter_status(it));
  lsm_iter_close(it);
}

static void model_verify_gets(lsm_db *db, const lsm_read_options *ro, const model_slot *m) {
  for (int i = 0; i < MODEL_KEYS; i++) {
    unsigned char k[2];
    model_key(i, k);
    if (m[i].present) {
      expect_get_n(db, ro, k, 2, m[i].v, m[i].vl);
    } else {
      expect_get_n(db, ro, k, 2, NULL, 0);
    }
  }
  /* keys between the model's keys are never there */
  unsigned char odd[2] = {'m', 0x81};
  expect_get_n(db, ro, odd, 2, NULL, 0);
  expect_get_n(db, ro, "m", 1, NULL, 0);
}

static void model_walks(lsm_db *db, const lsm_snapshot *snap, const model_slot *m) {
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  OK(lsm_read_options_set_snapshot(ro, snap));
  model_verify_gets(db, ro, m);
  for (int w = 0; w < 6; w++) {
    model_view mv = {INT_MIN, INT_MAX, m};
    OK(lsm_read_options_set_lower_bound(ro, NULL, 0));
    OK(lsm_read_options_set_upper_bound(ro, NULL, 0));
    if (w >= 2) {
      unsigned char b[2];
      int t = (int)rnd(258) - 1;
      size_t bl = model_target(t, b);
      if (w != 3) {
        OK(lsm_read_options_set_lower_bound(ro, b, bl));
        mv.lb = t < 0 ? INT_MIN : t;
      }
      t = (int)rnd(258) - 1;
      bl = model_target(t, b);
      if (w != 4) {
        OK(lsm_read_options_set_upper_bound(ro, b, bl));
        mv.ub = t; /* "m" (t = -1) is below every key */
      }
    }
    model_walk(db, ro, &mv, 250);
  }
  lsm_read_options_destroy(ro);
}

static void model_random_ops(lsm_db *db, int n) {
  lsm_batch *b = NULL;
  OK(lsm_batch_create(&b));
  for (int op = 0; op < n; op++) {
    uint32_t r = rnd(100);
    int i = (int)rnd(MODEL_KEYS);
    unsigned char k[2];
    model_key(i, k);
    if (r < 62) {
      uint32_t sz = rnd(100);
      size_t vl = sz < 70 ? rnd(100) : sz < 95 ? 100 + rnd(900) : 1000 + rnd(MODEL_MAXV - 1000);
      for (size_t j = 0; j < vl; j++) g_model[i].v[j] = (unsigned char)rnd(256);
      g_model[i].vl = vl;
      g_model[i].present = 1;
      OK(lsm_put(db, NULL, k, 2, g_model[i].v, vl));
    } else if (r < 90) {
      g_model[i].present = 0;
      OK(lsm_delete(db, NULL, k, 2));
    } else if (r < 96) {
      OK(lsm_batch_clear(b));
      int ops = 1 + (int)rnd(8);
      for (int j = 0; j < ops; j++) {
        int x = (int)rnd(MODEL_KEYS);
        model_key(x, k);
        if (rnd(3) == 0) {
          OK(lsm_batch_delete(b, k, 2));
          g_model[x].present = 0;
        } else {
          size_t vl = rnd(50);
          for (size_t y = 0; y < vl; y++) g_model[x].v[y] = (unsigned char)rnd(256);
          g_model[x].vl = vl;
          g_model[x].present = 1;
          OK(lsm_batch_put(b, k, 2, g_model[x].v, vl));
        }
      }
      OK(lsm_write(db, NULL, b));
    } else if (r < 98) {
      OK(lsm_flush(db));
    } else {
      unsigned char lo[2], hi[2];
      int a = (int)rnd(258) - 1, z = (int)rnd(258) - 1;
      if (a > z) {
        int tmp = a;
        a = z;
        z = tmp;
      }
      size_t ll = model_target(a, lo), hl = model_target(z, hi);
      const int open_lo = rnd(4) == 0, open_hi = rnd(4) == 0; /* NULL: an open end */
      OK(lsm_compact_range(db, open_lo ? NULL : lo, open_lo ? 0 : ll, open_hi ? NULL : hi,
                           open_hi ? 0 : hl));
    }
  }
  lsm_batch_destroy(b);
}

static void test_model_random(void **state) {
  fixture *f = *state;
  memset(g_model, 0, sizeof(g_model));
  /* LSM_TEST_SEED picks another walk (for soak runs); the default is fixed */
  const char *seed = getenv("LSM_TEST_SEED");
  if (seed != NULL && seed[0] != '\0') g_rng = strtoull(seed, NULL, 10) * 2654435761u + 1;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_write_buffer_size(o, (size_t)64 << 10));
  OK(lsm_options_set_block_size(o, 256));
  OK(lsm_options_set_block_cache_size(o, (size_t)64 << 10));
  OK(lsm_open(f->path, o, &f->db));

  model_random_ops(f->db, 1000);
  model_walks(f->db, NULL, g_model);

  /* reopen: the WAL and the tables give back the same state */
  OK(lsm_close(f->db));
  f->db = NULL;
  OK(lsm_open(f->path, o, &f->db));
  model_walks(f->db, NULL, g_model);
  model_random_ops(f->db, 1000);

  lsm_snapshot *snap = NULL;
  OK(lsm_snapshot_create(f->db, &snap));
  memcpy(g_snap_model, g_model, sizeof(g_model));
  model_random_ops(f->db, 1200);
  model_walks(f->db, NULL, g_model);
  model_walks(f->db, snap, g_snap_model);
  OK(lsm_compact_range(f->db, NULL, 0, NULL, 0));
  model_walks(f->db, snap, g_snap_model);
  OK(lsm_snapshot_release(snap));
  model_walks(f->db, NULL, g_model);
  lsm_options_destroy(o);
}

/* ------------------------------------------------- values of all sizes */

static void test_value_sizes(void **state) {
  fixture *f = *state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_write_buffer_size(o, (size_t)64 << 10));
  OK(lsm_close(f->db));
  OK(lsm_open(f->path, o, &f->db));
  lsm_options_destroy(o);
  /* around varint boundaries, the block size, the 64 KiB write buffer, and
   * values larger than the write buffer */
  static const size_t sizes[] = {0,      1,      127,    128,        255,       256,
                                 4095,   4096,   4097,   16383,      16384,     65535,
                                 65536,  65537,  200000, (size_t)1 << 20, (size_t)5 << 20};
  const size_t n = sizeof(sizes) / sizeof(sizes[0]);
  unsigned char *buf = malloc(sizes[n - 1] + n); /* value i starts at buf + i */
  assert_non_null(buf);
  for (size_t j = 0; j < sizes[n - 1] + n; j++) buf[j] = (unsigned char)(j * 31 + (j >> 9));
  char k[32];
  for (size_t i = 0; i < n; i++) {
    snprintf(k, sizeof(k), "size%02zu", i);
    OK(lsm_put(f->db, NULL, k, strlen(k), buf + i, sizes[i]));
  }
  for (int phase = 0; phase < 3; phase++) {
    for (size_t i = 0; i < n; i++) {
      snprintf(k, sizeof(k), "size%02zu", i);
      expect_get_n(f->db, NULL, k, strlen(k), buf + i, sizes[i]);
    }
    lsm_iter *it = NULL;
    OK(lsm_iter_open(f->db, NULL, &it));
    OK(lsm_iter_seek_first(it));
    for (size_t i = 0; i < n; i++) {
      assert_int_equal(lsm_iter_valid(it), 1);
      size_t vl = 0;
      const void *v = lsm_iter_value(it, &vl);
      assert_int_equal(vl, sizes[i]);
      if (vl) assert_memory_equal(v, buf + i, vl);
      OK(lsm_iter_next(it));
    }
    assert_int_equal(lsm_iter_valid(it), 0);
    lsm_iter_close(it);
    if (phase == 0) OK(lsm_flush(f->db));
    if (phase == 1) {
      OK(lsm_close(f->db));
      f->db = NULL;
      OK(lsm_open(f->path, NULL, &f->db));
    }
  }
  free(buf);
}

/* --------------------------------------------------- sequence numbers */

static void test_sequence_persists(void **state) {
  fixture *f = *state;
  long s0 = property_long(f->db, "lsm.sequence");
  put_s(f->db, "a", "1");
  long s1 = property_long(f->db, "lsm.sequence");
  assert_true(s1 > s0);
  put_s(f->db, "b", "2");
  OK(lsm_flush(f->db));
  put_s(f->db, "a", "3"); /* only in the WAL */
  long s2 = property_long(f->db, "lsm.sequence");
  OK(lsm_close(f->db));
  f->db = NULL;
  OK(lsm_open(f->path, NULL, &f->db));
  assert_int_equal(property_long(f->db, "lsm.sequence"), s2);
  /* new writes win over everything written before the reopen */
  put_s(f->db, "b", "4");
  expect_get(f->db, NULL, "a", "3");
  expect_get(f->db, NULL, "b", "4");
  OK(lsm_flush(f->db));
  OK(lsm_compact_range(f->db, NULL, 0, NULL, 0));
  OK(lsm_close(f->db));
  f->db = NULL;
  OK(lsm_open(f->path, NULL, &f->db));
  assert_true(property_long(f->db, "lsm.sequence") > s2);
  put_s(f->db, "a", "5");
  expect_get(f->db, NULL, "a", "5");
  expect_get(f->db, NULL, "b", "4");
}

/* ----------------------------------------------------- damaged files */

static int find_file(const char *dir, const char *suffix, int largest, char *out, size_t cap) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  long best = -1;
  while ((e = readdir(d)) != NULL) {
    size_t nl = strlen(e->d_name), sl = strlen(suffix);
    if (nl <= sl || strcmp(e->d_name + nl - sl, suffix) != 0) continue;
    char p[PATH_MAX + 300];
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st) != 0 || st.st_size == 0) continue;
    long num = strtol(e->d_name, NULL, 10);
    if (best < 0 || (largest ? num > best : num < best)) {
      best = num;
      snprintf(out, cap, "%s", p);
    }
  }
  closedir(d);
  return best >= 0;
}

static void flip_byte(const char *path, long offset) {
  FILE *fp = fopen(path, "r+b");
  assert_non_null(fp);
  assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
  int c = fgetc(fp);
  assert_true(c != EOF);
  assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
  fputc(c ^ 0x40, fp);
  fclose(fp);
}

static uint32_t read_fixed32(const char *path, long offset) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
  unsigned char b[4];
  assert_int_equal(fread(b, 1, 4, fp), 4);
  fclose(fp);
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* docs/format.md, "Reading a log": a damaged payload in the middle of the
 * WAL is LSM_CORRUPTION with paranoid_checks, else skipped and counted. */
static void test_wal_damage(void **state) {
  fixture *f = *state;
  put_s(f->db, "a", "first");
  put_s(f->db, "b", "second");
  put_s(f->db, "c", "third");
  OK(lsm_close(f->db));
  f->db = NULL;
  char log[PATH_MAX + 300];
  assert_true(find_file(f->path, ".log", 1, log, sizeof(log)));
  /* three records: 12-byte header + payload each; damage the second's payload */
  uint32_t len1 = read_fixed32(log, 0);
  long rec2 = 12 + (long)len1;
  uint32_t len2 = read_fixed32(log, rec2);
  assert_true(len2 > 4);
  flip_byte(log, rec2 + 12 + (long)len2 - 2); /* inside the value bytes */

  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_paranoid_checks(o, 1));
  lsm_db *db = NULL;
  EXPECT_FAIL(lsm_open(f->path, o, &db), LSM_CORRUPTION);
  assert_null(db);
  /* the failed open left it openable */
  OK(lsm_options_set_paranoid_checks(o, 0));
  OK(lsm_open(f->path, o, &f->db));
  lsm_options_destroy(o);
  expect_get(f->db, NULL, "a", "first");
  expect_get(f->db, NULL, "b", NULL);
  expect_get(f->db, NULL, "c", "third");
  char *stats = NULL;
  OK(lsm_property(f->db, "lsm.stats", &stats));
  if (strstr(stats, "wal-recovery: dropped-records 1 ") == NULL) {
    fail_msg("lsm.stats does not count the dropped record:\n%s", stats);
  }
  lsm_free(stats);
}

/* A damaged data block: LSM_CORRUPTION from reads that verify checksums,
 * and an iterator stops on it; never a crash. */
static void test_table_corruption(void **state) {
  fixture *f = *state;
  OK(lsm_close(f->db));
  f->db = NULL;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_compression(o, LSM_COMPRESSION_NONE));
  OK(lsm_options_set_block_cache_size(o, 0));
  OK(lsm_open(f->path, o, &f->db));
  char k[16], v[64];
  for (int i = 0; i < 50; i++) {
    snprintf(k, sizeof(k), "k%03d", i);
    snprintf(v, sizeof(v), "value-%03d-xxxxxxxxxxxxxxxxxxxxxxxx", i);
    put_s(f->db, k, v);
  }
  OK(lsm_flush(f->db));
  OK(lsm_close(f->db));
  f->db = NULL;
  char sst[PATH_MAX + 300];
  assert_true(find_file(f->path, ".sst", 1, sst, sizeof(sst)));
  flip_byte(sst, 20); /* inside the first data block, holding k000 */
  OK(lsm_open(f->path, o, &f->db));
  lsm_options_destroy(o);

  void *val = NULL;
  size_t vl = 0;
  EXPECT_FAIL(lsm_get(f->db, NULL, "k000", 4, &val, &vl), LSM_CORRUPTION);
  assert_null(val);
  char buf[8];
  EXPECT_FAIL(lsm_get_into(f->db, NULL, "k000", 4, buf, sizeof(buf), &vl), LSM_CORRUPTION);

  lsm_iter *it = NULL;
  OK(lsm_iter_open(f->db, NULL, &it));
  EXPECT_FAIL(lsm_iter_seek_first(it), LSM_CORRUPTION);
  assert_int_equal(lsm_iter_valid(it), 0);
  assert_int_equal(lsm_iter_status(it), LSM_CORRUPTION);
  const void *kp, *vp;
  size_t kl;
  EXPECT_FAIL(lsm_iter_next_entry(it, &kp, &kl, &vp, &vl), LSM_CORRUPTION);
  lsm_iter_close(it);

  /* without checksum verification: any status, but no crash */
  lsm_read_options *ro = NULL;
  OK(lsm_read_options_create(&ro));
  OK(lsm_read_options_set_verify_checksums(ro, 0));
  OK(lsm_read_options_set_fill_cache(ro, 0));
  for (int i = 0; i < 50; i++) {
    snprintf(k, sizeof(k), "k%03d", i);
    int rc = lsm_get(f->db, ro, k, 4, &val, &vl);
    assert_true(rc == LSM_OK || rc == LSM_NOT_FOUND || rc == LSM_CORRUPTION);
    if (rc == LSM_OK) lsm_free(val);
  }
  OK(lsm_iter_open(f->db, ro, &it));
  int rc = lsm_iter_seek_first(it);
  while (rc == LSM_OK && lsm_iter_valid(it)) rc = lsm_iter_next(it);
  assert_true(rc == LSM_OK || rc == LSM_CORRUPTION);
  lsm_iter_close(it);
  lsm_read_options_destroy(ro);
}

/* -------------------------------------- a second process: LSM_BUSY */

static const char *g_self; /* argv[0] */

static void test_open_busy_other_process(void **state) {
  fixture *f = *state;
  if (g_self == NULL || access("/proc/self/exe", X_OK) != 0) skip();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    execl("/proc/self/exe", g_self, "--try-open", f->path, (char *)NULL);
    _exit(100);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), LSM_BUSY);
  /* once closed here, the other process can open it */
  put_s(f->db, "k", "v");
  OK(lsm_close(f->db));
  f->db = NULL;
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    execl("/proc/self/exe", g_self, "--try-open", f->path, (char *)NULL);
    _exit(100);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), LSM_OK);
}

/* The "lsm.stats" line that says how the open log appends ("" if none). */
static void wal_appends_line(lsm_db *db, char *out, size_t cap) {
  char *stats = NULL;
  OK(lsm_property(db, "lsm.stats", &stats));
  const char *line = strstr(stats, "wal-appends: ");
  out[0] = '\0';
  if (line != NULL) {
    size_t n = strcspn(line, "\n");
    if (n >= cap) n = cap - 1;
    memcpy(out, line, n);
    out[n] = '\0';
  }
  lsm_free(stats);
}

/* wal_mmap off makes the log append with pwrite on any file system, and
 * lsm.stats says so; data written either way reads back after reopening. */
static void test_wal_mmap_option(void **state) {
  fixture *f = *state;
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  OK(lsm_options_set_wal_mmap(o, LSM_WAL_MMAP_OFF));
  lsm_db *db = NULL;
  OK(lsm_open(f->path, o, &db));
  put_s(db, "k", "off");
  char line[256];
  wal_appends_line(db, line, sizeof line);
  if (strstr(line, "wal-appends: pwrite(2)") != line || strstr(line, "wal_mmap is off") == NULL) {
    fail_msg("with wal_mmap off: \"%s\"", line);
  }
  OK(lsm_close(db));
  OK(lsm_options_set(o, "wal_mmap", "on"));
  OK(lsm_open(f->path, o, &db));
  expect_get(db, NULL, "k", "off");
  put_s(db, "k", "on");
  wal_appends_line(db, line, sizeof line);
  /* on maps wherever mmap and fallocate work (the test directory's file
   * system may lack fallocate: then pwrite, with the reason) */
  if (strstr(line, "wal-appends: stores into a shared mapping (") != line &&
      strstr(line, "mmap or fallocate failed") == NULL) {
    fail_msg("with wal_mmap on: \"%s\"", line);
  }
  OK(lsm_close(db));
  OK(lsm_open(f->path, NULL, &db));
  expect_get(db, NULL, "k", "on");
  OK(lsm_close(db));
  lsm_options_destroy(o);
}

/* Waits for one byte on fd (the other process's go-ahead). */
static int await_byte(int fd) {
  char c;
  ssize_t n;
  do n = read(fd, &c, 1);
  while (n < 0 && errno == EINTR);
  return n == 1 ? 0 : -1;
}

/* A child that forked while the database was open: the parent's handle is
 * not the child's to use or close (LSM_INVALID, saying why, not a hang or
 * a write into the parent's log); while the parent holds the database the
 * child is told another process has it; once the parent closes it, the
 * child opens it and sees what the parent wrote. (The child used to find
 * its parent's entry in the process-wide set of open databases and be
 * refused "already open in this process" for ever.) */
/* ThreadSanitizer cannot follow a process that forks while it has threads
 * and then starts more (the child opens a database): it kills the child.
 * ci/test-tsan.sh runs this suite for its threads; the fork is left to the
 * other builds. */
#if defined(__SANITIZE_THREAD__)
#define LSM_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LSM_TEST_TSAN 1
#endif
#endif

static void test_fork_child_and_parent_handle(void **state) {
#ifdef LSM_TEST_TSAN
  (void)state;
  skip();
#endif
  fixture *f = *state;
  put_s(f->db, "k", "parent");
  int go[2], ready[2];
  assert_int_equal(pipe(go), 0);
  assert_int_equal(pipe(ready), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(go[1]);
    close(ready[0]);
    int code = 0;
    if (lsm_put(f->db, NULL, "c", 1, "x", 1) != LSM_INVALID || !strstr(lsm_last_error(), "fork")) code = 10;
    void *v = NULL;
    size_t vl = 0;
    if (!code && lsm_get(f->db, NULL, "k", 1, &v, &vl) != LSM_INVALID) code = 11;
    if (!code && lsm_close(f->db) != LSM_INVALID) code = 12;
    lsm_db *mine = NULL;
    if (!code && lsm_open(f->path, NULL, &mine) != LSM_BUSY) code = 13;
    if (!code && !strstr(lsm_last_error(), "another process")) code = 14;
    if (write(ready[1], "x", 1) != 1 && !code) code = 20;
    if (!code && await_byte(go[0]) != 0) code = 15;
    /* the parent has closed it now */
    if (!code && lsm_open(f->path, NULL, &mine) != LSM_OK) code = 16;
    if (!code && (lsm_get(mine, NULL, "k", 1, &v, &vl) != LSM_OK || vl != 6 || memcmp(v, "parent", 6) != 0)) {
      code = 17;
    }
    lsm_free(v);
    if (!code && lsm_put(mine, NULL, "k", 1, "child", 5) != LSM_OK) code = 18;
    if (!code && lsm_close(mine) != LSM_OK) code = 19;
    if (code) fprintf(stderr, "child: step %d: %s\n", code, lsm_last_error());
    _exit(code);
  }
  close(go[0]);
  close(ready[1]);
  /* the child has tried the handle and the database while this one held
   * it; that cannot have disturbed this handle */
  assert_int_equal(await_byte(ready[0]), 0);
  close(ready[0]);
  put_s(f->db, "k2", "v2");
  expect_get(f->db, NULL, "k", "parent");
  OK(lsm_close(f->db));
  f->db = NULL;
  assert_int_equal(write(go[1], "x", 1), 1);
  close(go[1]);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  OK(lsm_open(f->path, NULL, &f->db));
  expect_get(f->db, NULL, "k", "child");
  expect_get(f->db, NULL, "k2", "v2");
}

/* One database reached by another spelling of its path (a trailing slash,
 * a doubled one, a symlink) is the same database: LSM_BUSY naming this
 * process, not "another process". */
static void test_open_same_database_other_spelling(void **state) {
  fixture *f = *state;
  char other[PATH_MAX + 8];
  char link[PATH_MAX + 8];
  snprintf(link, sizeof link, "%s-link", f->path);
  assert_int_equal(symlink(f->path, link), 0);
  const char *spellings[3];
  snprintf(other, sizeof other, "%s/", f->path);
  spellings[0] = other;
  char twice[PATH_MAX + 8];
  snprintf(twice, sizeof twice, "%s//", f->path);
  spellings[1] = twice;
  spellings[2] = link;
  for (int i = 0; i < 3; i++) {
    lsm_db *db = NULL;
    EXPECT_FAIL(lsm_open(spellings[i], NULL, &db), LSM_BUSY);
    if (strstr(lsm_last_error(), "already open in this process") == NULL) {
      fail_msg("%s: \"%s\"", spellings[i], lsm_last_error());
    }
    assert_null(db);
  }
  assert_int_equal(unlink(link), 0);
}

/* The child of test_open_busy_other_process: exits with lsm_open's status. */
static int try_open(const char *path) {
  lsm_db *db = NULL;
  int rc = lsm_open(path, NULL, &db);
  if (rc == LSM_OK) {
    void *v = NULL;
    size_t vl = 0;
    if (lsm_get(db, NULL, "k", 1, &v, &vl) != LSM_OK) rc = 99;
    lsm_free(v);
    lsm_close(db);
  }
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--try-open") == 0) return try_open(argv[2]);
  g_self = argv[0];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_strerror),
      cmocka_unit_test(test_last_error_per_thread),
      cmocka_unit_test(test_options_setters),
      cmocka_unit_test(test_options_set_by_name),
      cmocka_unit_test_setup_teardown(test_options_set_by_name_applies, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_options_applied, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_read_write_options, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_open_defaults_put_get_delete, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_empty_key_and_value, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_get_into, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_batch, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_flush_compact_property, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_destroy, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_snapshots, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_iterator, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_iterator_many, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_iterator_bounds, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_iterator_entry_loops, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_close_busy, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_reopen, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_open_busy, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_open_flags, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_open_fs_errors, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_open_missing_parent, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_threads, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_model_random, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_value_sizes, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_sequence_persists, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_wal_damage, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_table_corruption, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_open_busy_other_process, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_wal_mmap_option, setup_dir, teardown),
      cmocka_unit_test_setup_teardown(test_fork_child_and_parent_handle, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_open_same_database_other_spelling, setup_db, teardown),
      cmocka_unit_test_setup_teardown(test_wait_for_compactions, setup_db, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
