/*
 * java_glue_test.c: the Java binding's C helpers (bindings/java/src/main/
 * c/glue.c) called directly. The JNI helpers run against a fake JNIEnv
 * whose few functions they use are stand-ins over plain C objects, which
 * record the exception thrown and the references dropped, so each
 * helper's calls, results and exceptions (class and message) are checked
 * without a JVM; put/get_direct run against a real database.
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

/* The test links with -Wl,--wrap=malloc (tests/bindings/CMakeLists.txt),
 * so glue.c's malloc calls come here and can be made to fail. */
void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
static int malloc_fails;

void *__wrap_malloc(size_t n) { return malloc_fails ? NULL : __real_malloc(n); }

/* ------------------------------------------------------------ fake JNI
 * Every jobject the helpers see points to a fake_obj: a byte[] (bytes),
 * an Object[] (elems) or a class (class_name). */
typedef struct {
  const char *class_name;
  jsize len;
  jbyte *bytes;
  jobject *elems;
} fake_obj;

/* What the helpers did through the fake env. */
static struct {
  int cleared;              /* ExceptionClear calls */
  char thrown_class[128];   /* the last ThrowNew's class, "" if none */
  char thrown_msg[256];     /* and its message */
  int throws;               /* ThrowNew calls */
  int find_class_fails;     /* FindClass returns NULL if set */
  int new_array_fails;      /* NewByteArray returns NULL if set */
  int new_arrays;           /* NewByteArray calls */
  int region_reads;         /* GetByteArrayRegion calls */
  int region_writes;        /* SetByteArrayRegion calls */
  int deleted;              /* DeleteLocalRef calls */
  jobject last_deleted;
  fake_obj made[8];         /* arrays NewByteArray returned */
  int nmade;
} jni;

static fake_obj *obj(jobject o) { return (fake_obj *)(void *)o; }
static jobject ref(fake_obj *o) { return (jobject)(void *)o; }

static void JNICALL fake_exception_clear(JNIEnv *env) {
  (void)env;
  jni.cleared++;
  jni.thrown_class[0] = '\0';
  jni.thrown_msg[0] = '\0';
}

static fake_obj found_class;

static jclass JNICALL fake_find_class(JNIEnv *env, const char *name) {
  (void)env;
  if (jni.find_class_fails) return NULL;
  found_class.class_name = name;
  return (jclass)ref(&found_class);
}

static jint JNICALL fake_throw_new(JNIEnv *env, jclass cls, const char *msg) {
  (void)env;
  jni.throws++;
  snprintf(jni.thrown_class, sizeof(jni.thrown_class), "%s", obj(cls)->class_name);
  snprintf(jni.thrown_msg, sizeof(jni.thrown_msg), "%s", msg);
  return 0;
}

static jsize JNICALL fake_get_array_length(JNIEnv *env, jarray a) {
  (void)env;
  return obj(a)->len;
}

static void JNICALL fake_get_byte_array_region(JNIEnv *env, jbyteArray a, jsize start, jsize len,
                                               jbyte *buf) {
  (void)env;
  jni.region_reads++;
  assert_true(start >= 0 && len >= 0 && start + len <= obj(a)->len);
  memcpy(buf, obj(a)->bytes + start, (size_t)len);
}

static jbyteArray JNICALL fake_new_byte_array(JNIEnv *env, jsize len) {
  (void)env;
  jni.new_arrays++;
  if (jni.new_array_fails) return NULL;
  assert_true(jni.nmade < (int)(sizeof(jni.made) / sizeof(jni.made[0])));
  fake_obj *o = &jni.made[jni.nmade++];
  o->len = len;
  o->bytes = calloc(1, (size_t)len + 1);
  assert_non_null(o->bytes);
  return (jbyteArray)ref(o);
}

static void JNICALL fake_set_byte_array_region(JNIEnv *env, jbyteArray a, jsize start, jsize len,
                                               const jbyte *buf) {
  (void)env;
  jni.region_writes++;
  assert_true(start >= 0 && len >= 0 && start + len <= obj(a)->len);
  memcpy(obj(a)->bytes + start, buf, (size_t)len);
}

static void JNICALL fake_set_object_array_element(JNIEnv *env, jobjectArray a, jsize i, jobject v) {
  (void)env;
  assert_true(i >= 0 && i < obj(a)->len);
  obj(a)->elems[i] = v;
}

static void JNICALL fake_delete_local_ref(JNIEnv *env, jobject o) {
  (void)env;
  jni.deleted++;
  jni.last_deleted = o;
}

/* Only the functions the helpers may call are set; a call to any other
 * is a NULL call and crashes the test, which is the point. */
static struct JNINativeInterface_ fake_table;
static JNIEnv fake_env = &fake_table;
static JNIEnv *const env = &fake_env;

static int reset_jni(void **state) {
  (void)state;
  for (int i = 0; i < jni.nmade; i++) free(jni.made[i].bytes);
  memset(&jni, 0, sizeof(jni));
  malloc_fails = 0;
  memset(&fake_table, 0, sizeof(fake_table));
  fake_table.ExceptionClear = fake_exception_clear;
  fake_table.FindClass = fake_find_class;
  fake_table.ThrowNew = fake_throw_new;
  fake_table.GetArrayLength = fake_get_array_length;
  fake_table.GetByteArrayRegion = fake_get_byte_array_region;
  fake_table.NewByteArray = fake_new_byte_array;
  fake_table.SetByteArrayRegion = fake_set_byte_array_region;
  fake_table.SetObjectArrayElement = fake_set_object_array_element;
  fake_table.DeleteLocalRef = fake_delete_local_ref;
  return 0;
}

static void assert_thrown(const char *cls, const char *msg) {
  assert_int_equal(jni.throws, 1);
  assert_string_equal(jni.thrown_class, cls);
  assert_string_equal(jni.thrown_msg, msg);
}

static void assert_nothing_thrown(void) { assert_int_equal(jni.throws, 0); }

/* ----------------------------------------------------------- lsmj_throw */

static void test_throw_clears_then_throws(void **state) {
  (void)state;
  lsmj_throw(env, "java/lang/IllegalStateException", "first");
  lsmj_throw(env, "java/lang/IllegalArgumentException", "second");
  assert_int_equal(jni.cleared, 2); /* each clears what is pending */
  assert_int_equal(jni.throws, 2);
  assert_string_equal(jni.thrown_class, "java/lang/IllegalArgumentException");
  assert_string_equal(jni.thrown_msg, "second");
}

static void test_throw_unknown_class(void **state) {
  (void)state;
  jni.find_class_fails = 1; /* FindClass leaves its own error pending */
  lsmj_throw(env, "no/such/Class", "msg");
  assert_int_equal(jni.cleared, 1);
  assert_nothing_thrown();
}

/* -------------------------------------------------------- output arrays */

static void test_check_out(void **state) {
  (void)state;
  jobject elems[1] = {NULL};
  fake_obj one = {.len = 1, .elems = elems};
  fake_obj empty = {.len = 0};
  assert_int_equal(lsmj_check_out(env, (jarray)ref(&one)), 1);
  assert_nothing_thrown();

  assert_int_equal(lsmj_check_out(env, NULL), 0);
  assert_thrown("java/lang/NullPointerException", "output array is null");
  reset_jni(NULL);
  assert_int_equal(lsmj_check_out(env, (jarray)ref(&empty)), 0);
  assert_thrown("java/lang/IllegalArgumentException", "output array is empty");
}

static void test_check_entry_out(void **state) {
  (void)state;
  jobject elems[3] = {NULL, NULL, NULL};
  fake_obj two = {.len = 2, .elems = elems};
  fake_obj three = {.len = 3, .elems = elems};
  fake_obj one = {.len = 1, .elems = elems};
  assert_int_equal(lsmj_check_entry_out(env, (jarray)ref(&two)), 1);
  assert_int_equal(lsmj_check_entry_out(env, (jarray)ref(&three)), 1);
  assert_nothing_thrown();

  assert_int_equal(lsmj_check_entry_out(env, (jarray)ref(&one)), 0);
  assert_thrown("java/lang/IllegalArgumentException", "entry array needs 2 elements");
  reset_jni(NULL);
  assert_int_equal(lsmj_check_entry_out(env, NULL), 0);
  assert_thrown("java/lang/IllegalArgumentException", "entry array needs 2 elements");
}

static void test_store_drops_the_local_ref(void **state) {
  (void)state;
  jobject elems[2] = {NULL, NULL};
  fake_obj out = {.len = 2, .elems = elems};
  fake_obj v = {.len = 0};
  lsmj_store(env, (jobjectArray)ref(&out), 1, ref(&v));
  assert_ptr_equal(elems[1], ref(&v));
  assert_null(elems[0]);
  assert_int_equal(jni.deleted, 1);
  assert_ptr_equal(jni.last_deleted, ref(&v));
}

/* ---------------------------------------------------- byte[] to C bytes */

/* A byte[] of n bytes, byte i being (i * 7 + 1) & 0xff. */
static fake_obj byte_array(size_t n) {
  fake_obj a = {.len = (jsize)n, .bytes = malloc(n + 1)};
  assert_non_null(a.bytes);
  for (size_t i = 0; i < n; i++) a.bytes[i] = (jbyte)((i * 7 + 1) & 0xff);
  return a;
}

static void test_bytes_get_null_array(void **state) {
  (void)state;
  lsmj_bytes b;
  memset(&b, 0x55, sizeof(b));
  assert_int_equal(lsmj_bytes_get(env, NULL, &b), 1);
  assert_null(b.data); /* NULL, 0: what lsm.h reads as "no bound" */
  assert_int_equal(b.len, 0);
  assert_null(b.heap);
  assert_int_equal(jni.region_reads, 0);
  lsmj_bytes_release(&b);
  assert_nothing_thrown();
}

static void test_bytes_get_sizes(void **state) {
  (void)state;
  /* Empty, short, the largest on the stack, the smallest on the heap. */
  const size_t sizes[] = {0, 5, LSMJ_STACK_BYTES, LSMJ_STACK_BYTES + 1, 100000};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    size_t n = sizes[i];
    fake_obj a = byte_array(n);
    lsmj_bytes b;
    assert_int_equal(lsmj_bytes_get(env, (jbyteArray)ref(&a), &b), 1);
    assert_int_equal(b.len, n);
    assert_non_null(b.data); /* an empty array is the empty key, not NULL */
    if (n <= LSMJ_STACK_BYTES) {
      assert_ptr_equal(b.data, b.stack);
      assert_null(b.heap);
    } else {
      assert_ptr_equal(b.data, b.heap);
    }
    if (n > 0) assert_memory_equal(b.data, a.bytes, n);
    lsmj_bytes_release(&b);
    assert_null(b.heap);
    assert_null(b.data);
    free(a.bytes);
  }
  assert_nothing_thrown();
}

static void test_bytes_get_no_memory(void **state) {
  (void)state;
  fake_obj a = byte_array(LSMJ_STACK_BYTES + 1); /* needs the heap */
  lsmj_bytes b;
  malloc_fails = 1;
  assert_int_equal(lsmj_bytes_get(env, (jbyteArray)ref(&a), &b), 0);
  malloc_fails = 0;
  assert_thrown("java/lang/OutOfMemoryError", "liblsm: no memory to copy a byte[]");
  assert_null(b.heap);
  assert_int_equal(jni.region_reads, 0);
  lsmj_bytes_release(&b); /* what the typemap's freearg does either way */
  /* The stack needs no allocation: a short array copies regardless. */
  fake_obj s = byte_array(LSMJ_STACK_BYTES);
  malloc_fails = 1;
  assert_int_equal(lsmj_bytes_get(env, (jbyteArray)ref(&s), &b), 1);
  malloc_fails = 0;
  assert_memory_equal(b.data, s.bytes, LSMJ_STACK_BYTES);
  lsmj_bytes_release(&b);
  free(a.bytes);
  free(s.bytes);
}

/* ---------------------------------------------------- C bytes to byte[] */

static void test_new_bytes(void **state) {
  (void)state;
  jbyteArray a = lsmj_new_bytes(env, "hello", 5);
  assert_non_null(a);
  assert_int_equal(obj(a)->len, 5);
  assert_memory_equal(obj(a)->bytes, "hello", 5);

  /* Empty: a zero-length array, and no copy from the (maybe NULL) source. */
  int writes = jni.region_writes;
  jbyteArray e = lsmj_new_bytes(env, NULL, 0);
  assert_non_null(e);
  assert_int_equal(obj(e)->len, 0);
  assert_int_equal(jni.region_writes, writes);
  assert_nothing_thrown();
}

static void test_new_bytes_too_long(void **state) {
  (void)state;
  /* The length is refused before any memory at p is read. */
  assert_null(lsmj_new_bytes(env, NULL, (size_t)0x7fffffff + 1));
  assert_thrown("java/lang/OutOfMemoryError", "liblsm: value too large for a Java byte[]");
  assert_int_equal(jni.new_arrays, 0);
}

static void test_new_bytes_allocation_fails(void **state) {
  (void)state;
  jni.new_array_fails = 1; /* the JVM leaves OutOfMemoryError pending */
  assert_null(lsmj_new_bytes(env, "x", 1));
  assert_int_equal(jni.new_arrays, 1);
  assert_int_equal(jni.region_writes, 0);
  assert_nothing_thrown(); /* the JVM's own error stands */
}

/* -------------------------------------------------- direct ByteBuffers */

typedef glue_test_db ctx;

static void test_put_direct_offsets(void **state) {
  ctx *c = *state;
  const char kbuf[] = "..key..", vbuf[] = "___value___";
  OK(lsmj_put_direct(c->db, NULL, kbuf, 2, 3, vbuf, 3, 5));
  char out[16];
  size_t vlen = 0;
  OK(lsm_get_into(c->db, NULL, "key", 3, out, sizeof(out), &vlen));
  assert_int_equal(vlen, 5);
  assert_memory_equal(out, "value", 5);
  /* Zero lengths: the empty key and the empty value. */
  OK(lsmj_put_direct(c->db, NULL, kbuf, 0, 0, vbuf, 0, 0));
  OK(lsm_get_into(c->db, NULL, "", 0, out, sizeof(out), &vlen));
  assert_int_equal(vlen, 0);
}

static void test_put_direct_bad_input(void **state) {
  ctx *c = *state;
  const char k[] = "k", v[] = "v";
  assert_int_equal(lsmj_put_direct(c->db, NULL, NULL, 0, 1, v, 0, 1), LSM_INVALID);
  assert_int_equal(lsmj_put_direct(c->db, NULL, k, 0, 1, NULL, 0, 1), LSM_INVALID);
  assert_int_equal(lsmj_put_direct(c->db, NULL, k, -1, 1, v, 0, 1), LSM_INVALID);
  assert_int_equal(lsmj_put_direct(c->db, NULL, k, 0, -1, v, 0, 1), LSM_INVALID);
  assert_int_equal(lsmj_put_direct(c->db, NULL, k, 0, 1, v, -1, 1), LSM_INVALID);
  assert_int_equal(lsmj_put_direct(c->db, NULL, k, 0, 1, v, 0, -1), LSM_INVALID);
  assert_int_equal(lsmj_put_direct(NULL, NULL, k, 0, 1, v, 0, 1), LSM_INVALID);
  size_t vlen = 0;
  char out[4];
  assert_int_equal(lsm_get_into(c->db, NULL, "k", 1, out, sizeof(out), &vlen), LSM_NOT_FOUND);
}

static void test_get_direct(void **state) {
  ctx *c = *state;
  OK(lsm_put(c->db, NULL, "key", 3, "value", 5));
  const char kbuf[] = "xxkeyxx";
  char buf[16];
  uint64_t size = 0;

  memset(buf, '#', sizeof(buf));
  OK(lsmj_get_direct(c->db, NULL, kbuf, 2, 3, buf, 4, 8, &size));
  assert_int_equal(size, 5);
  assert_memory_equal(buf, "####value#", 10);

  /* Short room: the full length comes back, only cap bytes are written. */
  memset(buf, '#', sizeof(buf));
  OK(lsmj_get_direct(c->db, NULL, kbuf, 2, 3, buf, 1, 2, &size));
  assert_int_equal(size, 5);
  assert_memory_equal(buf, "#va#", 4);

  /* Absent: NOT_FOUND, and size is left alone. */
  size = 99;
  assert_int_equal(lsmj_get_direct(c->db, NULL, kbuf, 0, 3, buf, 0, 8, &size), LSM_NOT_FOUND);
  assert_int_equal(size, 99);
}

static void test_get_direct_bad_input(void **state) {
  ctx *c = *state;
  OK(lsm_put(c->db, NULL, "k", 1, "v", 1));
  const char k[] = "k";
  char buf[4] = "###";
  uint64_t size = 99;
  assert_int_equal(lsmj_get_direct(c->db, NULL, NULL, 0, 1, buf, 0, 3, &size), LSM_INVALID);
  assert_int_equal(lsmj_get_direct(c->db, NULL, k, 0, 1, NULL, 0, 3, &size), LSM_INVALID);
  assert_int_equal(lsmj_get_direct(c->db, NULL, k, 0, 1, buf, 0, 3, NULL), LSM_INVALID);
  assert_int_equal(lsmj_get_direct(c->db, NULL, k, -1, 1, buf, 0, 3, &size), LSM_INVALID);
  assert_int_equal(lsmj_get_direct(c->db, NULL, k, 0, -1, buf, 0, 3, &size), LSM_INVALID);
  assert_int_equal(lsmj_get_direct(c->db, NULL, k, 0, 1, buf, -1, 3, &size), LSM_INVALID);
  assert_int_equal(lsmj_get_direct(c->db, NULL, k, 0, 1, buf, 0, -1, &size), LSM_INVALID);
  assert_int_equal(lsmj_get_direct(NULL, NULL, k, 0, 1, buf, 0, 3, &size), LSM_INVALID);
  assert_int_equal(size, 99);
  assert_string_equal(buf, "###");
}

int main(void) {
#define J(fn) cmocka_unit_test_setup(fn, reset_jni)
#define D(fn) cmocka_unit_test_setup_teardown(fn, glue_test_db_setup, glue_test_db_teardown)
  const struct CMUnitTest tests[] = {
      J(test_throw_clears_then_throws),
      J(test_throw_unknown_class),
      J(test_check_out),
      J(test_check_entry_out),
      J(test_store_drops_the_local_ref),
      J(test_bytes_get_null_array),
      J(test_bytes_get_sizes),
      J(test_bytes_get_no_memory),
      J(test_new_bytes),
      J(test_new_bytes_too_long),
      J(test_new_bytes_allocation_fails),
      D(test_put_direct_offsets),
      D(test_put_direct_bad_input),
      D(test_get_direct),
      D(test_get_direct_bad_input),
  };
#undef J
#undef D
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  reset_jni(NULL); /* frees the arrays the last test made */
  return failed;
}
