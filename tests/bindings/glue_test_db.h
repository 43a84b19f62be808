/*
 * glue_test_db.h: the cmocka fixture both glue tests use, a new database
 * in a fresh directory under $LSM_TEST_TMPDIR (or /tmp), destroyed after
 * each test. Include after cmocka.h and lsm.h.
 */
#ifndef LSM_TESTS_BINDINGS_GLUE_TEST_DB_H
#define LSM_TESTS_BINDINGS_GLUE_TEST_DB_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char root[PATH_MAX];
  char path[PATH_MAX + 8]; /* root + "/db" */
  lsm_db *db;
} glue_test_db;

/* cmocka setup: *state becomes an open glue_test_db. */
static int glue_test_db_setup(void **state) {
  glue_test_db *c = calloc(1, sizeof(*c));
  assert_non_null(c);
  const char *base = getenv("LSM_TEST_TMPDIR");
  if (base == NULL || base[0] == '\0') base = "/tmp";
  snprintf(c->root, sizeof(c->root), "%s/glue_test_XXXXXX", base);
  if (mkdtemp(c->root) == NULL) fail_msg("mkdtemp: %s", strerror(errno));
  snprintf(c->path, sizeof(c->path), "%s/db", c->root);
  assert_int_equal(lsm_open(c->path, NULL, &c->db), LSM_OK);
  *state = c;
  return 0;
}

/* cmocka teardown: closes (unless a test did) and removes it all. */
static int glue_test_db_teardown(void **state) {
  glue_test_db *c = *state;
  if (c->db != NULL) assert_int_equal(lsm_close(c->db), LSM_OK);
  assert_int_equal(lsm_destroy(c->path), LSM_OK);
  assert_int_equal(rmdir(c->root), 0);
  free(c);
  return 0;
}

#endif /* LSM_TESTS_BINDINGS_GLUE_TEST_DB_H */
