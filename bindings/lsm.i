/*
 * lsm.i: the one SWIG interface over capi/include/lsm.h, shared by every
 * language binding. It wraps the C ABI as it is (status codes, opaque
 * handles); each language's idiomatic layer (bindings/java/, bindings/go/)
 * is written by hand on top of what SWIG generates from here.
 *
 * Layout: the common part (module, header, renames, what is not wrapped),
 * then one section per language holding that language's typemaps. Names
 * lose their "lsm_" prefix (lsm_put -> put); the constants keep theirs.
 * The C a language needs beyond lsm.h (helpers its typemaps call, calls
 * that save crossings) is not written here but in that language's glue.c
 * and glue.h (bindings/java/src/main/c/, bindings/go/internal/capi/),
 * compiled with the generated wrapper and tested directly by
 * tests/bindings/.
 *
 * How values cross, for every language:
 *   - handles (lsm_db *, lsm_iter *, ...) are plain integers holding the
 *     pointer; the idiomatic layer owns them and never lets one outlive
 *     its object (a freed handle is never passed back in);
 *   - byte strings are the language's byte arrays (pointer + length), never
 *     its text strings: keys and values are binary;
 *   - outputs (T **out, lsm_get's value, lsm_property's string, ...) come
 *     back through a one-element array the caller passes in, since the
 *     function's own result is the status code.
 *
 * Works with SWIG 4.1 (Debian 12) and later. On byte arrays: in SWIG 4.1,
 * Java's (char *STRING, size_t LENGTH) typemaps give a byte[]; SWIG 4.3.0
 * (CHANGES, 2024-06-13, #2609, marked a potential incompatibility) made
 * them a Java String and moved byte[] (and Go's []byte) to new
 * (const void *BYTES, size_t LENGTH) typemaps in cdata.i, which 4.1 lacks
 * and which bring cdata()/memmove() wrappers along. So this file uses
 * neither: it defines its own byte-array typemaps on lsm.h's parameter
 * names, and the generated code is the same under both versions.
 */
%module lsm

%{
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lsm.h"
%}


/* Strip the prefix from functions: the module or package already says lsm. */
%rename("%(strip:[lsm_])s", %$isfunction) "";

/* lsm_free is for memory the typemaps below already free; a binding never
 * holds liblsm-allocated memory itself. */
%ignore lsm_free;

/* lsm.h marks its functions with GCC's visibility attribute, which SWIG's
 * parser does not know; to SWIG it means nothing. */
#define __attribute__(x)

/* ================================================================ Java */
#ifdef SWIGJAVA

/* Constants are compile-time constants of the generated class, so the
 * idiomatic layer can switch on status codes. */
%javaconst(1);

/* The JNI class loads the native library (from the jar, or the library
 * path) before its first native call, whichever class makes it. */
%pragma(java) jniclasscode=%{
  static {
    NativeLoader.load();
  }
%}

/* -------------------------------------------------------------- handles
 * A handle is a Java long holding the pointer (0 is NULL); T ** outputs
 * are a long[] of at least one element. */
%define LSM_JAVA_HANDLE(T)
%typemap(jni) T *, const T * "jlong"
%typemap(jtype) T *, const T * "long"
%typemap(jstype) T *, const T * "long"
%typemap(javain) T *, const T * "$javainput"
%typemap(in) T *, const T * %{ $1 = ($1_ltype)(intptr_t)$input; %}

%typemap(jni) T ** "jlongArray"
%typemap(jtype) T ** "long[]"
%typemap(jstype) T ** "long[]"
%typemap(javain) T ** "$javainput"
%typemap(in) T ** (T *handle = NULL) {
  if (!lsmj_check_out(jenv, $input)) return $null;
  $1 = &handle;
}
%typemap(argout) T ** {
  jlong out_value = (jlong)(intptr_t)handle$argnum;
  (*jenv)->SetLongArrayRegion(jenv, $input, 0, 1, &out_value);
}
%enddef

/* The helpers the typemaps below call (lsmj_*) are C in
 * bindings/java/src/main/c/glue.h and glue.c, compiled into liblsmjni.so
 * beside the generated wrapper. */
%{
#include "glue.h"
%}

LSM_JAVA_HANDLE(lsm_db)
LSM_JAVA_HANDLE(lsm_options)
LSM_JAVA_HANDLE(lsm_read_options)
LSM_JAVA_HANDLE(lsm_write_options)
LSM_JAVA_HANDLE(lsm_batch)
LSM_JAVA_HANDLE(lsm_iter)
LSM_JAVA_HANDLE(lsm_snapshot)

/* ---------------------------------------------------------- byte arrays
 * (pointer, length) parameters of lsm.h as one byte[]; null is (NULL, 0),
 * which lsm.h reads as "no bound" / "open end" where that means something
 * and rejects as LSM_INVALID nowhere else (a zero length is valid).
 * (Not SWIG's STRING/LENGTH or BYTES/LENGTH typemaps: see the top of the
 * file.) */
%typemap(jni) (const void *bytes, size_t bytes_len) "jbyteArray"
%typemap(jtype) (const void *bytes, size_t bytes_len) "byte[]"
%typemap(jstype) (const void *bytes, size_t bytes_len) "byte[]"
%typemap(javain) (const void *bytes, size_t bytes_len) "$javainput"
%typemap(in) (const void *bytes, size_t bytes_len) (lsmj_bytes copy) {
  if (!lsmj_bytes_get(jenv, $input, &copy)) return $null;
  $1 = copy.data;
  $2 = copy.len;
}
%typemap(freearg) (const void *bytes, size_t bytes_len) %{ lsmj_bytes_release(&copy$argnum); %}
%apply (const void *bytes, size_t bytes_len) {
  (const void *key, size_t klen), (const void *val, size_t vlen), (const void *target, size_t len),
  (const void *key, size_t len),
  (const void *begin, size_t blen), (const void *end, size_t elen)
};

/* ------------------------------------------------------------- outputs */

/* lsm_get: the value comes back in out[0] as a new byte[] (set only on
 * LSM_OK); liblsm's copy is freed here. */
%typemap(jni) (void **val, size_t *vlen) "jobjectArray"
%typemap(jtype) (void **val, size_t *vlen) "byte[][]"
%typemap(jstype) (void **val, size_t *vlen) "byte[][]"
%typemap(javain) (void **val, size_t *vlen) "$javainput"
%typemap(in) (void **val, size_t *vlen) (void *value = NULL, size_t value_len = 0) {
  if (!lsmj_check_out(jenv, $input)) return $null;
  $1 = &value;
  $2 = &value_len;
}
%typemap(argout) (void **val, size_t *vlen) {
  if (result == LSM_OK) {
    jbyteArray a = lsmj_new_bytes(jenv, value$argnum, value_len$argnum);
    lsm_free(value$argnum);
    if (a == NULL) return $null;
    lsmj_store(jenv, $input, 0, a);
  }
}

/* lsm_property: the string comes back in out[0] (set only on LSM_OK). */
%typemap(jni) char **out "jobjectArray"
%typemap(jtype) char **out "String[]"
%typemap(jstype) char **out "String[]"
%typemap(javain) char **out "$javainput"
%typemap(in) char **out (char *text = NULL) {
  if (!lsmj_check_out(jenv, $input)) return $null;
  $1 = &text;
}
%typemap(argout) char **out {
  if (result == LSM_OK) {
    jstring s = (*jenv)->NewStringUTF(jenv, text$argnum);
    lsm_free(text$argnum);
    if (s == NULL) return $null;
    lsmj_store(jenv, $input, 0, s);
  }
}

/* lsm_approximate_size: the byte count comes back in out[0]. */
%typemap(jni) uint64_t *size "jlongArray"
%typemap(jtype) uint64_t *size "long[]"
%typemap(jstype) uint64_t *size "long[]"
%typemap(javain) uint64_t *size "$javainput"
%typemap(in) uint64_t *size (uint64_t bytes = 0) {
  if (!lsmj_check_out(jenv, $input)) return $null;
  $1 = &bytes;
}
%typemap(argout) uint64_t *size {
  jlong out_value = (jlong)bytes$argnum;
  (*jenv)->SetLongArrayRegion(jenv, $input, 0, 1, &out_value);
}

/* lsm_iter_key / lsm_iter_value: the borrowed bytes copied into a new
 * byte[]; null when the iterator is not valid. */
%typemap(jni) const void *iter_bytes "jbyteArray"
%typemap(jtype) const void *iter_bytes "byte[]"
%typemap(jstype) const void *iter_bytes "byte[]"
%typemap(javaout) const void *iter_bytes { return $jnicall; }
%typemap(in, numinputs=0) size_t *len (size_t n = 0) %{ $1 = &n; %}
%typemap(out) const void *iter_bytes %{ $result = NULL; %}
%typemap(argout) size_t *len {
  if (result != NULL) {
    $result = lsmj_new_bytes(jenv, result, n$argnum);
  }
}
%apply const void *iter_bytes { const void *lsm_iter_key, const void *lsm_iter_value };

/* lsm_iter_next_entry / lsm_iter_prev_entry, the fused step: one JNI call
 * per entry, the key in out[0] and the value in out[1] (set only on
 * LSM_OK). */
%typemap(jni) (const void **key, size_t *klen, const void **val, size_t *vlen) "jobjectArray"
%typemap(jtype) (const void **key, size_t *klen, const void **val, size_t *vlen) "byte[][]"
%typemap(jstype) (const void **key, size_t *klen, const void **val, size_t *vlen) "byte[][]"
%typemap(javain) (const void **key, size_t *klen, const void **val, size_t *vlen) "$javainput"
%typemap(in) (const void **key, size_t *klen, const void **val, size_t *vlen)
    (const void *k = NULL, size_t kn = 0, const void *v = NULL, size_t vn = 0) {
  if (!lsmj_check_entry_out(jenv, $input)) return $null;
  $1 = ($1_ltype)&k;
  $2 = &kn;
  $3 = ($3_ltype)&v;
  $4 = &vn;
}
%typemap(argout) (const void **key, size_t *klen, const void **val, size_t *vlen) {
  if (result == LSM_OK) {
    jbyteArray ka = lsmj_new_bytes(jenv, k$argnum, kn$argnum);
    if (ka == NULL) return $null;
    jbyteArray va = lsmj_new_bytes(jenv, v$argnum, vn$argnum);
    if (va == NULL) return $null;
    lsmj_store(jenv, $input, 0, ka);
    lsmj_store(jenv, $input, 1, va);
  }
}

/* lsm_get_into is reached through get_direct below (into a direct
 * ByteBuffer); into a byte[] it would save nothing over lsm_get, since JNI
 * copies either way. */
%ignore lsm_get_into;

/* ----------------------------------------------- direct ByteBuffers
 * Zero-copy variants of put and get for callers holding direct
 * ByteBuffers: the native code reads and writes the buffers' memory in
 * place. The idiomatic layer passes each buffer with its position and
 * remaining bytes (reading those from JNI would cost a call back into Java
 * each) and checks that the buffers are direct. */
%typemap(jni) const void *DIRECT, void *DIRECT "jobject"
%typemap(jtype) const void *DIRECT, void *DIRECT "java.nio.ByteBuffer"
%typemap(jstype) const void *DIRECT, void *DIRECT "java.nio.ByteBuffer"
%typemap(javain) const void *DIRECT, void *DIRECT "$javainput"
%typemap(in) const void *DIRECT, void *DIRECT {
  $1 = $input == NULL ? NULL : (*jenv)->GetDirectBufferAddress(jenv, $input);
  if ($input != NULL && $1 == NULL) {
    SWIG_JavaThrowException(jenv, SWIG_JavaIllegalArgumentException, "ByteBuffer is not direct");
    return $null;
  }
}
%apply const void *DIRECT { const void *dkey, const void *dval };
%apply void *DIRECT { void *dbuf };

/* The variants themselves are lsmj_put_direct and lsmj_get_direct in
 * glue.h, wrapped under the names the idiomatic layer calls. Only they are
 * wrapped: the rest of glue.h is the typemaps' helpers. The wrapper
 * includes glue.h, so a declaration here that drifts from it fails to
 * compile. */
%rename(put_direct) lsmj_put_direct;
%rename(get_direct) lsmj_get_direct;
int lsmj_put_direct(lsm_db *db, const lsm_write_options *wopts, const void *dkey, int koff,
                    int klen, const void *dval, int voff, int vlen);
int lsmj_get_direct(lsm_db *db, const lsm_read_options *ropts, const void *dkey, int koff,
                    int klen, void *dbuf, int voff, int cap, uint64_t *size);

#endif /* SWIGJAVA */

/* ================================================================== Go */
#ifdef SWIGGO

/* The Go package generated from here is bindings/go/internal/capi; the
 * idiomatic package lsm (bindings/go) is its only user. Go's conventions
 * shape what crosses:
 *   - every call is one cgo call, so the Go-only helpers below (go_get,
 *     go_write, go_iter_move) each do in C what would otherwise take
 *     several crossings;
 *   - Go memory is passed to C only for the length of a call and never
 *     kept (cgo's pointer rules); C memory reaches Go only as the
 *     iterator's borrowed entry, which package lsm copies before the
 *     iterator moves;
 *   - strings come back through []byte buffers, not SWIG's string
 *     typemaps, whose generated Go converts a uintptr to a pointer (go vet
 *     reports that), so lsm_version, lsm_strerror, lsm_last_error and
 *     lsm_property are reached through go_copy_version,
 *     go_copy_last_error and go_property. */

/* -------------------------------------------------------------- handles
 * A handle is a uintptr holding the pointer (0 is NULL); T ** outputs are
 * a *uintptr. */
%define LSM_GO_HANDLE(T)
%typemap(gotype) T *, const T * "uintptr"
%typemap(in) T *, const T * %{ $1 = ($1_ltype)$input; %}
%typemap(gotype) T ** "*uintptr"
%typemap(in) T ** %{ $1 = ($1_ltype)$input; %}
%enddef

LSM_GO_HANDLE(lsm_db)
LSM_GO_HANDLE(lsm_options)
LSM_GO_HANDLE(lsm_read_options)
LSM_GO_HANDLE(lsm_write_options)
LSM_GO_HANDLE(lsm_batch)
LSM_GO_HANDLE(lsm_iter)
LSM_GO_HANDLE(lsm_snapshot)

/* ---------------------------------------------------------- byte slices
 * (pointer, length) parameters of lsm.h as one []byte, read in place: a
 * nil slice is (NULL, 0), which lsm.h reads as "no bound" / "open end"
 * where that means something; an empty non-nil slice is the empty key.
 *
 * The bytes C only reads cross as a string header over the slice's array
 * (unsafe.String: no copy; nil stays NULL, empty stays non-NULL). Why: a
 * []byte crosses as SWIG's _goslice_, whose array is a void *, and cgo
 * checks every void * argument at run time by looking up the whole heap
 * object it points into, about 50 ns a slice (a put's key and value made
 * a third of its cost on the Go side). A string crosses as _gostring_,
 * whose array is a char *, which cgo knows points to no pointers, so it
 * emits no check.
 * The cgo rules are kept either way (byte memory holds no Go pointers,
 * and C keeps none of it after the call), and the string's bytes are not
 * modified while it exists, which lasts the call.
 *
 * (void *buf, size_t cap) is a buffer C writes into, up to len(buf), so
 * it stays a []byte. */
%typemap(gotype) (const void *bytes, size_t bytes_len) "[]byte"
%typemap(imtype) (const void *bytes, size_t bytes_len) "string"
%typemap(goin) (const void *bytes, size_t bytes_len)
%{ $result = unsafe.String(unsafe.SliceData($input), len($input)) %}
%typemap(in) (const void *bytes, size_t bytes_len) %{ $1 = $input.p; $2 = (size_t)$input.n; %}
%typemap(gotype) (void *buf, size_t cap) "[]byte"
%typemap(in) (void *buf, size_t cap) %{ $1 = $input.array; $2 = (size_t)$input.len; %}
%apply (const void *bytes, size_t bytes_len) {
  (const void *key, size_t klen), (const void *val, size_t vlen), (const void *target, size_t len),
  (const void *key, size_t len),
  (const void *begin, size_t blen), (const void *end, size_t elen),
  (const void *rep, size_t rep_len)
};

/* lsm_approximate_size's byte count. */
%typemap(gotype) uint64_t *size "*uint64"
%typemap(in) uint64_t *size %{ $1 = (uint64_t *)$input; %}

/* ----------------------------------------------------- iterator entries
 * go_iter_move stores the entry it lands on in an Entry, the same four
 * words as lsmgo_entry: the key's and value's addresses in C memory and
 * their lengths, borrowed until the iterator next moves or is closed. The
 * Entry itself is C memory too (go_entry_new, one per iterator, freed by
 * go_entry_free when it closes), passed back to C as a uintptr like the
 * handles: a Go pointer passed to C costs a cgo check at every step
 * (about 50 ns), and even a C pointer passed as one costs a lookup. The Go
 * side reads the Entry through the *Entry go_entry_new returns, and
 * makes slices of the borrowed bytes with unsafe.Slice and copies them
 * before the next move. */
%insert(go_header) %{
// Entry mirrors the C struct lsmgo_entry (internal/capi/glue.h): an iterator's
// current key and value, in C memory, valid until the iterator moves.
type Entry struct {
	Key      *byte
	KeyLen   uintptr
	Value    *byte
	ValueLen uintptr
}
%}
%typemap(gotype) lsmgo_entry * "*Entry"
%typemap(out) lsmgo_entry * %{ $result = $1; %}
%typemap(gotype) lsmgo_entry *entry "uintptr"
%typemap(in) lsmgo_entry *entry %{ $1 = (lsmgo_entry *)$input; %}

/* The helpers themselves are C in glue.h / glue.c beside the generated
 * files (cgo compiles glue.c into the package, and `go get` fetches
 * nothing outside bindings/go); SWIG wraps what glue.h declares, under
 * the go_ names package lsm calls. The Entry struct is Go's own (above),
 * so SWIG makes no accessors for lsmgo_entry. */
%{
#include "glue.h"
%}
%ignore lsmgo_entry;
%rename(go_iter_move) lsmgo_iter_move;
%rename(go_entry_new) lsmgo_entry_new;
%rename(go_entry_free) lsmgo_entry_free;
%rename(go_get) lsmgo_get;
%rename(go_write) lsmgo_write;
%rename(go_copy_last_error) lsmgo_copy_last_error;
%rename(go_copy_version) lsmgo_copy_version;
%rename(go_property) lsmgo_property;
%include "go/internal/capi/glue.h"

/* Reached through the helpers instead (see the top of this section). */
%ignore lsm_version;
%ignore lsm_strerror;
%ignore lsm_last_error;
%ignore lsm_get;
%ignore lsm_get_into;
%ignore lsm_property;
%ignore lsm_iter_key;
%ignore lsm_iter_value;
%ignore lsm_iter_next_entry;
%ignore lsm_iter_prev_entry;

#endif /* SWIGGO */

%include "lsm.h"
