/*
 * lsm_abi_bench: the C side of the bindings' benchmarks. It runs one fixed
 * workload through the C ABI; each binding's harness (bindings/java:
 * io.liblsm.BindingBench) runs the same workload through the binding, so
 * that the two per-operation costs compare directly.
 *
 * The workload (any harness must match it exactly):
 *   options   write buffer 64 MiB, block cache 32 MiB, the other defaults
 *   keys      16 bytes, the decimal digits of an index in [0, num),
 *             zero-padded ("%016llu")
 *   values    value_size bytes; byte j of index i's value is
 *             'a' + (i + j) % 26
 *   put       num puts (not synced) into a new database, index
 *             (i * 1000003) mod num for i = 0.. num-1
 *   get       num gets, index (i * 7919) mod num; every key is found
 *   iterate   one forward pass over every entry with the fused step
 *             (lsm_iter_next_entry); every entry is seen
 * (1000003 and 7919 are primes, so each order visits every index once
 * when num is not a multiple of them.)
 *
 * Output: one line per step, "step <name> ops <n> seconds <s> ns_per_op <x>".
 * Usage: lsm_abi_bench [--num=N] [--value_size=N] [--db=DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lsm.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc) {
  fprintf(stderr, "lsm_abi_bench: %s: %s (%s)\n", what, lsm_last_error(), lsm_strerror(rc));
  exit(1);
}

/* "%016llu" by hand: the harnesses' own work must stay small and alike
 * beside what they measure. */
static void make_key(unsigned long long i, char *key) {
  for (int d = 15; d >= 0; d--) {
    key[d] = (char)('0' + i % 10);
    i /= 10;
  }
}

/* Index i's value is the n bytes at pattern + i % 26, where pattern holds
 * 26 + n bytes, byte j being 'a' + j % 26: one copy per value rather than
 * a division per byte, which cost about as much as a put's crossing into
 * a binding and so blurred what the bindings' harnesses compare. */
static char *make_pattern(size_t n) {
  char *pattern = malloc(26 + n);
  if (pattern == NULL) return NULL;
  for (size_t j = 0; j < 26 + n; j++) pattern[j] = (char)('a' + j % 26);
  return pattern;
}

static void make_value(unsigned long long i, const char *pattern, char *value, size_t n) {
  memcpy(value, pattern + i % 26, n);
}

static void report(const char *step, unsigned long long ops, double seconds) {
  printf("step %s ops %llu seconds %.3f ns_per_op %.1f\n", step, ops, seconds,
         seconds * 1e9 / (double)ops);
  fflush(stdout);
}

int main(int argc, char **argv) {
  unsigned long long num = 1000000;
  size_t value_size = 100;
  const char *dir = "/tmp/lsm_abi_bench";
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--num=", 6) == 0) {
      num = strtoull(argv[i] + 6, NULL, 10);
    } else if (strncmp(argv[i], "--value_size=", 13) == 0) {
      value_size = (size_t)strtoull(argv[i] + 13, NULL, 10);
    } else if (strncmp(argv[i], "--db=", 5) == 0) {
      dir = argv[i] + 5;
    } else {
      fprintf(stderr, "usage: lsm_abi_bench [--num=N] [--value_size=N] [--db=DIR]\n");
      return 2;
    }
  }
  if (num == 0 || num % 1000003 == 0 || num % 7919 == 0) {
    fprintf(stderr, "lsm_abi_bench: --num must be positive and not a multiple of 1000003 or 7919\n");
    return 2;
  }

  char *value = malloc(value_size ? value_size : 1);
  char *pattern = make_pattern(value_size);
  if (value == NULL || pattern == NULL) {
    fprintf(stderr, "lsm_abi_bench: out of memory\n");
    return 1;
  }

  int rc = lsm_destroy(dir);
  if (rc != LSM_OK) die("destroy", rc);
  lsm_options *opts;
  if ((rc = lsm_options_create(&opts)) != LSM_OK) die("options", rc);
  if ((rc = lsm_options_set_write_buffer_size(opts, (size_t)64 << 20)) != LSM_OK) die("options", rc);
  if ((rc = lsm_options_set_block_cache_size(opts, (size_t)32 << 20)) != LSM_OK) die("options", rc);
  lsm_db *db;
  if ((rc = lsm_open(dir, opts, &db)) != LSM_OK) die("open", rc);
  lsm_options_destroy(opts);

  char key[16];
  double t = now_seconds();
  for (unsigned long long i = 0; i < num; i++) {
    unsigned long long k = i * 1000003ULL % num;
    make_key(k, key);
    make_value(k, pattern, value, value_size);
    if ((rc = lsm_put(db, NULL, key, sizeof key, value, value_size)) != LSM_OK) die("put", rc);
  }
  report("put", num, now_seconds() - t);

  unsigned long long found = 0;
  t = now_seconds();
  for (unsigned long long i = 0; i < num; i++) {
    make_key(i * 7919ULL % num, key);
    void *v;
    size_t vlen;
    rc = lsm_get(db, NULL, key, sizeof key, &v, &vlen);
    if (rc == LSM_OK) {
      found += vlen == value_size;
      lsm_free(v);
    } else if (rc != LSM_NOT_FOUND) {
      die("get", rc);
    }
  }
  report("get", num, now_seconds() - t);
  if (found != num) {
    fprintf(stderr, "lsm_abi_bench: get found %llu of %llu\n", found, num);
    return 1;
  }

  lsm_iter *it;
  if ((rc = lsm_iter_open(db, NULL, &it)) != LSM_OK) die("iter_open", rc);
  unsigned long long seen = 0;
  t = now_seconds();
  if ((rc = lsm_iter_seek_first(it)) != LSM_OK) die("seek_first", rc);
  const void *k, *v;
  size_t klen, vlen;
  while ((rc = lsm_iter_next_entry(it, &k, &klen, &v, &vlen)) == LSM_OK) seen++;
  if (rc != LSM_NOT_FOUND) die("iterate", rc);
  report("iterate", seen, now_seconds() - t);
  lsm_iter_close(it);
  if (seen != num) {
    fprintf(stderr, "lsm_abi_bench: iterate saw %llu of %llu\n", seen, num);
    return 1;
  }
  free(value);
  free(pattern);
  if ((rc = lsm_close(db)) != LSM_OK) die("close", rc);
  lsm_destroy(dir);
  return 0;
}
