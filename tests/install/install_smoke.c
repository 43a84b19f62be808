/* install_smoke.c: a minimal liblsm user, built by install_test.sh against
 * an installed prefix. Opens (creating) a database in the directory given
 * as argv[1], puts, gets, iterates, closes, and prints "ok". */
#include <stdio.h>
#include <string.h>

#include <lsm.h>

#define CHECK(call)                                                                   \
  do {                                                                                \
    int rc_ = (call);                                                                 \
    if (rc_ != LSM_OK) {                                                              \
      fprintf(stderr, "%s: %s (%s)\n", #call, lsm_strerror(rc_), lsm_last_error());   \
      return 1;                                                                       \
    }                                                                                 \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DB_DIR\n", argv[0]);
    return 2;
  }
  if (strcmp(lsm_version(), LSM_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", LSM_VERSION_STRING, lsm_version());
    return 1;
  }
  lsm_db *db = NULL;
  CHECK(lsm_open(argv[1], NULL, &db));
  CHECK(lsm_put(db, NULL, "b", 1, "2", 1));
  CHECK(lsm_put(db, NULL, "a", 1, "1", 1));
  CHECK(lsm_put(db, NULL, "c", 1, "3", 1));

  void *val = NULL;
  size_t vlen = 0;
  CHECK(lsm_get(db, NULL, "a", 1, &val, &vlen));
  if (vlen != 1 || memcmp(val, "1", 1) != 0) {
    fprintf(stderr, "get a: wrong value\n");
    return 1;
  }
  lsm_free(val);

  lsm_iter *it = NULL;
  CHECK(lsm_iter_open(db, NULL, &it));
  CHECK(lsm_iter_seek_first(it));
  char seen[16] = "";
  const void *k, *v;
  size_t kl, vl;
  int rc;
  while ((rc = lsm_iter_next_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
    if (kl == 1 && strlen(seen) < sizeof(seen) - 1) strncat(seen, (const char *)k, 1);
  }
  lsm_iter_close(it);
  if (rc != LSM_NOT_FOUND || strcmp(seen, "abc") != 0) {
    fprintf(stderr, "iteration saw \"%s\" (status %d)\n", seen, rc);
    return 1;
  }
  CHECK(lsm_close(db));
  printf("ok\n");
  return 0;
}
