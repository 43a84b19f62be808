/*
 * glue.h: the C helpers of the Java binding's JNI layer. bindings/lsm.i's
 * Java typemaps call the lsmj_* JNI helpers, and SWIG wraps the two
 * direct-ByteBuffer calls declared at the end (as put_direct and
 * get_direct); bindings/java/CMakeLists.txt compiles glue.c into
 * liblsmjni.so, and tests/bindings/java_glue_test.c tests it directly.
 *
 * Errors: a helper that fails leaves a Java exception pending (the same
 * classes and messages SWIG's own throws use) and returns 0 or NULL; the
 * caller then returns to Java at once. Nothing is thrown in C's sense.
 */
#ifndef LSM_BINDINGS_JAVA_GLUE_H
#define LSM_BINDINGS_JAVA_GLUE_H

#include <jni.h>
#include <stddef.h>
#include <stdint.h>

#include "lsm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Clears any pending exception and throws a new one of the class named
 * (JNI form, "java/lang/IllegalArgumentException") with message msg. */
void lsmj_throw(JNIEnv *jenv, const char *class_name, const char *msg);

/* 1 if out, an output array, exists and holds at least one element;
 * otherwise 0 with a NullPointerException or IllegalArgumentException
 * pending. */
int lsmj_check_out(JNIEnv *jenv, jarray out);

/* 1 if out, the fused iterator step's output array, exists and holds at
 * least two elements (key and value); otherwise 0 with an
 * IllegalArgumentException pending. */
int lsmj_check_entry_out(JNIEnv *jenv, jarray out);

/* Arrays up to this many bytes are copied to the stack. */
enum { LSMJ_STACK_BYTES = 512 };

/* The bytes of a Java byte[] in C memory for the length of one call:
 * short arrays (keys, most values) are copied into stack, longer ones to
 * the heap. GetByteArrayRegion is one copy with no pinning, so the garbage
 * collector is never held up by a call that blocks (a sync write). */
typedef struct {
  char *data; /* NULL for a null array */
  size_t len;
  char *heap; /* what lsmj_bytes_release frees, or NULL */
  char stack[LSMJ_STACK_BYTES];
} lsmj_bytes;

/* Copies array into *b (a null array is (NULL, 0)). 1 on success; 0 with
 * an OutOfMemoryError pending if the heap copy cannot be allocated. Call
 * lsmj_bytes_release afterwards either way. */
int lsmj_bytes_get(JNIEnv *jenv, jbyteArray array, lsmj_bytes *b);

/* Frees what lsmj_bytes_get allocated; b's data is invalid afterwards. */
void lsmj_bytes_release(lsmj_bytes *b);

/* A new Java byte[] holding a copy of len bytes at p; NULL (with an
 * OutOfMemoryError pending) if it cannot be allocated or len is too long
 * for a Java array. */
jbyteArray lsmj_new_bytes(JNIEnv *jenv, const void *p, size_t len);

/* Stores v in out[i] (an Object[] checked by lsmj_check_out) and drops
 * the local reference, so a loop of calls does not pile them up. */
void lsmj_store(JNIEnv *jenv, jobjectArray out, jsize i, jobject v);

/* Zero-copy put and get for callers holding direct ByteBuffers: the
 * native code reads and writes the buffers' memory in place. The Java
 * layer passes each buffer's address (SWIG's typemap turns the buffer into
 * it), position and remaining bytes, since reading those from JNI would
 * cost a call back into Java each. LSM_INVALID for a NULL buffer or a
 * negative offset or length (the Java layer passes none of these). */

/* lsm_put of [dkey + koff, + klen) and [dval + voff, + vlen). */
int lsmj_put_direct(lsm_db *db, const lsm_write_options *wopts, const void *dkey, int koff,
                    int klen, const void *dval, int voff, int vlen);

/* lsm_get_into with the key at [dkey + koff, + klen) and the value copied
 * to [dbuf + voff, + cap); *size receives the value's full length (set
 * only on LSM_OK). */
int lsmj_get_direct(lsm_db *db, const lsm_read_options *ropts, const void *dkey, int koff,
                    int klen, void *dbuf, int voff, int cap, uint64_t *size);

#ifdef __cplusplus
}
#endif

#endif /* LSM_BINDINGS_JAVA_GLUE_H */
