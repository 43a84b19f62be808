/*
 * capi_test_util.h: helpers shared by the cmocka suites of the C ABI
 * (capi_test.c, capi_bad_input_test.c): the status check, the fresh-error
 * check every failing call must pass, and scratch directories.
 *
 * Include it after cmocka.h (cmocka needs stdarg.h, stddef.h, setjmp.h and
 * stdint.h before it) with _POSIX_C_SOURCE 200809L defined (mkdtemp).
 * Everything here is static inline: a suite that uses only some of it gets
 * no unused-function warning.
 */
#ifndef LSM_TESTS_CAPI_TEST_UTIL_H
#define LSM_TESTS_CAPI_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsm.h"

#define OK(call) assert_int_equal((call), LSM_OK)

/* A failure whose message is recognisable, so that a later check can tell
 * whether the call under test set a message of its own. */
#define SENTINEL_OPTION "zz_sentinel_option"

static inline void arm_error(void) {
  lsm_options *o = NULL;
  OK(lsm_options_create(&o));
  assert_int_equal(lsm_options_set(o, SENTINEL_OPTION, "x"), LSM_INVALID);
  assert_non_null(strstr(lsm_last_error(), SENTINEL_OPTION));
  lsm_options_destroy(o);
}

/* Whether this thread's message is set and is not the sentinel's. */
static inline int fresh_error(void) {
  const char *msg = lsm_last_error();
  return msg != NULL && msg[0] != '\0' && strstr(msg, SENTINEL_OPTION) == NULL;
}

static inline void check_fresh_error(const char *what) {
  if (!fresh_error()) {
    const char *msg = lsm_last_error();
    fail_msg("%s: failed without setting a message (lsm_last_error() = \"%s\")", what,
             msg != NULL ? msg : "(NULL)");
  }
}

/* The call fails with `code` and sets a message of its own. */
#define EXPECT_FAIL(call, code)                                    \
  do {                                                             \
    arm_error();                                                   \
    int rc_ = (call);                                              \
    if (rc_ != (code)) {                                           \
      fail_msg("%s: expected %d, got %d (%s)", #call, (int)(code), \
               rc_, lsm_last_error());                             \
    }                                                              \
    check_fresh_error(#call);                                      \
  } while (0)

/* Removes path and everything under it; missing is fine. */
static inline void remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (d != NULL) {
      struct dirent *e;
      while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char child[PATH_MAX];
        const int n = snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(child)) continue; /* no test makes such names */
        remove_tree(child);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

static inline int path_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Makes a fresh scratch directory $LSM_TEST_TMPDIR/<prefix>_XXXXXX (/tmp
 * without it) and writes its name to root; the caller removes it
 * (remove_tree). */
static inline void make_scratch_dir(char *root, size_t cap, const char *prefix) {
  const char *base = getenv("LSM_TEST_TMPDIR");
  if (base == NULL || base[0] == '\0') base = "/tmp";
  snprintf(root, cap, "%s/%s_XXXXXX", base, prefix);
  if (mkdtemp(root) == NULL) fail_msg("mkdtemp(%s): %s", root, strerror(errno));
}

#endif /* LSM_TESTS_CAPI_TEST_UTIL_H */
