/*
 * glue.c: the Java binding's C helpers (glue.h says what each does and
 * why). Compiled into liblsmjni.so by bindings/java/CMakeLists.txt, and
 * into tests/bindings' java_glue_test against a fake JNIEnv.
 */
#include "glue.h"

#include <stdlib.h>

void lsmj_throw(JNIEnv *jenv, const char *class_name, const char *msg) {
  /* A JNI call with an exception pending is an error (-Xcheck:jni says
   * so), and the newer exception is the one that says what went wrong. */
  (*jenv)->ExceptionClear(jenv);
  jclass cls = (*jenv)->FindClass(jenv, class_name);
  /* A class that cannot be found leaves NoClassDefFoundError pending. */
  if (cls != NULL) (*jenv)->ThrowNew(jenv, cls, msg);
}

int lsmj_check_out(JNIEnv *jenv, jarray out) {
  if (out == NULL) {
    lsmj_throw(jenv, "java/lang/NullPointerException", "output array is null");
    return 0;
  }
  if ((*jenv)->GetArrayLength(jenv, out) < 1) {
    lsmj_throw(jenv, "java/lang/IllegalArgumentException", "output array is empty");
    return 0;
  }
  return 1;
}

int lsmj_check_entry_out(JNIEnv *jenv, jarray out) {
  if (out == NULL || (*jenv)->GetArrayLength(jenv, out) < 2) {
    lsmj_throw(jenv, "java/lang/IllegalArgumentException", "entry array needs 2 elements");
    return 0;
  }
  return 1;
}

int lsmj_bytes_get(JNIEnv *jenv, jbyteArray array, lsmj_bytes *b) {
  b->data = NULL;
  b->len = 0;
  b->heap = NULL;
  if (array == NULL) return 1;
  b->len = (size_t)(*jenv)->GetArrayLength(jenv, array);
  if (b->len <= LSMJ_STACK_BYTES) {
    b->data = b->stack;
  } else {
    b->heap = (char *)malloc(b->len);
    if (b->heap == NULL) {
      lsmj_throw(jenv, "java/lang/OutOfMemoryError", "liblsm: no memory to copy a byte[]");
      return 0;
    }
    b->data = b->heap;
  }
  (*jenv)->GetByteArrayRegion(jenv, array, 0, (jsize)b->len, (jbyte *)b->data);
  return 1;
}

void lsmj_bytes_release(lsmj_bytes *b) {
  free(b->heap);
  b->heap = NULL;
  b->data = NULL;
}

jbyteArray lsmj_new_bytes(JNIEnv *jenv, const void *p, size_t len) {
  if (len > 0x7fffffff) {
    lsmj_throw(jenv, "java/lang/OutOfMemoryError", "liblsm: value too large for a Java byte[]");
    return NULL;
  }
  jbyteArray a = (*jenv)->NewByteArray(jenv, (jsize)len);
  if (a != NULL && len > 0) (*jenv)->SetByteArrayRegion(jenv, a, 0, (jsize)len, (const jbyte *)p);
  return a;
}

void lsmj_store(JNIEnv *jenv, jobjectArray out, jsize i, jobject v) {
  (*jenv)->SetObjectArrayElement(jenv, out, i, v);
  (*jenv)->DeleteLocalRef(jenv, v);
}

int lsmj_put_direct(lsm_db *db, const lsm_write_options *wopts, const void *dkey, int koff,
                    int klen, const void *dval, int voff, int vlen) {
  if (dkey == NULL || dval == NULL || koff < 0 || klen < 0 || voff < 0 || vlen < 0) {
    return LSM_INVALID;
  }
  return lsm_put(db, wopts, (const char *)dkey + koff, (size_t)klen, (const char *)dval + voff,
                 (size_t)vlen);
}

int lsmj_get_direct(lsm_db *db, const lsm_read_options *ropts, const void *dkey, int koff,
                    int klen, void *dbuf, int voff, int cap, uint64_t *size) {
  size_t vlen = 0;
  int rc;
  if (dkey == NULL || dbuf == NULL || size == NULL || koff < 0 || klen < 0 || voff < 0 || cap < 0) {
    return LSM_INVALID;
  }
  rc = lsm_get_into(db, ropts, (const char *)dkey + koff, (size_t)klen, (char *)dbuf + voff,
                    (size_t)cap, &vlen);
  if (rc == LSM_OK) *size = vlen;
  return rc;
}
