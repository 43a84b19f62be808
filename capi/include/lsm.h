/*
 * lsm.h: the C interface of liblsm, an embeddable LSM-tree key-value store.
 *
 * This header is the reference: every function is documented where it is
 * declared. It compiles as C99 and as C++.
 *
 * Model
 *   A database is a directory. One process at a time may open it; within
 *   that process one lsm_db handle serves any number of threads at once.
 *   Keys and values are arbitrary byte strings (keys may be empty), ordered
 *   bytewise (memcmp order, shorter first on a common prefix).
 *
 * Conventions
 *   - Every function that can fail returns an int status: LSM_OK (0) or one
 *     of the codes below. On failure, lsm_last_error() gives a message for
 *     the calling thread.
 *   - Outputs are written only on success (except lsm_get_into's length,
 *     see there).
 *   - A NULL options pointer means the defaults.
 *   - Boolean parameters ("on") take 0 or 1; other values are LSM_INVALID.
 *   - A NULL handle, a NULL pointer with a non-zero length, an option value
 *     out of range or a key or value over its limit is LSM_INVALID; nothing
 *     is written in that case.
 *   - Memory returned to the caller (values from lsm_get, property strings)
 *     is freed with lsm_free. Pointers "borrowed" from a handle are valid
 *     only as long as the function's documentation says.
 *
 * Thread safety
 *   Any number of threads may call any functions on one lsm_db at once,
 *   with three exceptions, which must not race any other call on the same
 *   handle or on the objects it handed out: lsm_close (the handle is freed
 *   on return), lsm_iter_close and lsm_snapshot_release (for the iterator
 *   or snapshot they free). lsm_iter, lsm_batch, lsm_options,
 *   lsm_read_options and lsm_write_options are single-thread objects: use
 *   each from one thread at a time (they may move between threads); two
 *   threads using one at once is undefined behaviour (the Java and Go
 *   bindings guard against it). Options, read options and write options
 *   are only read by the calls that take them, so one set may be passed
 *   to calls on many threads once nobody changes it. A batch may likewise
 *   be passed to lsm_write on many threads at once while nobody changes it.
 *   lsm_snapshot may be shared by readers on any thread.
 *
 * Processes
 *   A database is open in one process at a time (LSM_BUSY for others). A
 *   child of fork() inherits the parent's handles but not the threads
 *   behind them: it must neither use nor close them, and every call on one
 *   there returns LSM_INVALID (lsm_iter_close does nothing). The child may
 *   open the database itself once the parent has closed it.
 *
 * Durability
 *   A write that returned LSM_OK has been handed to the operating system and
 *   survives a crash of the process. With lsm_write_options_set_sync(.., 1)
 *   it was also flushed to stable storage (fdatasync) and survives a power
 *   loss. docs/durability.md states the guarantees in full.
 */
#ifndef LSM_H
#define LSM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LSM_EXPORT
#else
#define LSM_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------ version */

/* The version of this header. These three lines are where liblsm's version
 * is defined: the build (CMakeLists.txt) reads them, and the other copies
 * (LSM_VERSION_STRING, the Java binding's pom.xml) are checked against them
 * (ci/version-check.sh). A program built against version X.Y.Z runs with
 * any liblsm.so.X of that version or later (docs/abi.md); lsm_version()
 * says which one it loaded. MINOR and PATCH stay below 100. */
#define LSM_VERSION_MAJOR 0
#define LSM_VERSION_MINOR 1
#define LSM_VERSION_PATCH 0
#define LSM_VERSION_STRING "0.1.0"
/* The version as one number, MAJOR * 10000 + MINOR * 100 + PATCH (0.1.0 is
 * 100, 1.2.3 would be 10203), so that C code can test it in the
 * preprocessor: #if LSM_VERSION_NUMBER >= 200 for 0.2.0 or later. (Hidden
 * from SWIG, which would turn the expression into a variable set at run
 * time; a binding has lsm_version().) */
#ifndef SWIG
#define LSM_VERSION_NUMBER (LSM_VERSION_MAJOR * 10000 + LSM_VERSION_MINOR * 100 + LSM_VERSION_PATCH)
#endif

/* The version of the library actually linked, e.g. "0.1.0". */
LSM_EXPORT const char *lsm_version(void);

/* ------------------------------------------------------- status codes */

/* Status codes. Their values are fixed forever. */
#define LSM_OK 0            /* success */
#define LSM_NOT_FOUND 1     /* the key (or entry) does not exist */
#define LSM_INVALID 2       /* bad argument or misuse of the API */
#define LSM_CORRUPTION 3    /* stored data failed a check */
#define LSM_IO_ERROR 4      /* the operating system reported an I/O failure */
#define LSM_BUSY 5          /* locked by another user, or handles still open */
#define LSM_NO_MEMORY 6     /* an allocation failed */
#define LSM_NOT_SUPPORTED 7 /* a feature or file format this build lacks */

/* A static English description of a status code ("unknown status code" for
 * values not listed above). Never NULL. */
LSM_EXPORT const char *lsm_strerror(int status);

/* The message describing the calling thread's most recent failure, e.g.
 * "key of 2000000 bytes exceeds the 1048576-byte limit". Each thread has
 * its own. Successful calls do not clear it. The string is valid until the
 * next failing call on this thread; never NULL (empty if none). */
LSM_EXPORT const char *lsm_last_error(void);

/* Frees memory returned by liblsm (lsm_get values, lsm_property strings).
 * NULL is allowed. */
LSM_EXPORT void lsm_free(void *p);

/* ------------------------------------------------------------- limits */

#define LSM_MAX_KEY_SIZE ((size_t)1 << 20)   /* 1 MiB */
#define LSM_MAX_VALUE_SIZE ((size_t)1 << 28) /* 256 MiB */
/* The encoded size of one write (a batch: its keys and values plus a few
 * bytes per operation) is limited to 1 GiB. */
#define LSM_MAX_BATCH_SIZE ((size_t)1 << 30)

/* ------------------------------------------------------------ handles */

typedef struct lsm_db lsm_db;
typedef struct lsm_options lsm_options;
typedef struct lsm_read_options lsm_read_options;
typedef struct lsm_write_options lsm_write_options;
typedef struct lsm_batch lsm_batch;
typedef struct lsm_iter lsm_iter;
typedef struct lsm_snapshot lsm_snapshot;

/* ------------------------------------------------------------ options */

#define LSM_COMPRESSION_NONE 0
#define LSM_COMPRESSION_LZ4 1

/* Creates a set of database options holding the defaults listed at each
 * setter (docs/options.md tabulates every option, its range and its
 * default). Returns LSM_NO_MEMORY if allocation fails. */
LSM_EXPORT int lsm_options_create(lsm_options **out);
/* Frees options; NULL is allowed. Options may be freed right after
 * lsm_open: the database keeps its own copy. */
LSM_EXPORT void lsm_options_destroy(lsm_options *opts);

/* Create the database if it does not exist. Default 1. */
LSM_EXPORT int lsm_options_set_create_if_missing(lsm_options *opts, int on);
/* Fail with LSM_INVALID if the database already exists. Default 0. */
LSM_EXPORT int lsm_options_set_error_if_exists(lsm_options *opts, int on);
/* Bytes of writes buffered in memory before they are written to a table
 * file. Range 64 KiB .. 1 GiB; default 4 MiB. */
LSM_EXPORT int lsm_options_set_write_buffer_size(lsm_options *opts, size_t bytes);
/* Target uncompressed size of a table data block. Range 256 B .. 4 MiB;
 * default 4 KiB. */
LSM_EXPORT int lsm_options_set_block_size(lsm_options *opts, size_t bytes);
/* Bytes of uncompressed blocks cached in memory; 0 disables the cache.
 * At most 1 TiB; default 8 MiB. */
LSM_EXPORT int lsm_options_set_block_cache_size(lsm_options *opts, size_t bytes);
/* Bloom filter bits per key; 0 builds no filters. Range 0 .. 40; default
 * 10 (about 1% false positives). */
LSM_EXPORT int lsm_options_set_bloom_bits_per_key(lsm_options *opts, int bits);
/* LSM_COMPRESSION_NONE or LSM_COMPRESSION_LZ4 (default). Applies to tables
 * written from now on; existing tables stay readable either way. */
LSM_EXPORT int lsm_options_set_compression(lsm_options *opts, int compression);
/* Table files kept open at once. Range 16 .. 1000000; default 1000. */
LSM_EXPORT int lsm_options_set_max_open_files(lsm_options *opts, int n);
/* Background threads flushing and compacting. Range 1 .. 64; default 2. */
LSM_EXPORT int lsm_options_set_background_threads(lsm_options *opts, int n);
/* On: any damage found is an error (LSM_CORRUPTION), e.g. a damaged
 * write-ahead-log record at open. Off (default): damage that can be skipped
 * is skipped and counted in the "lsm.stats" property; see docs/format.md. */
LSM_EXPORT int lsm_options_set_paranoid_checks(lsm_options *opts, int on);
/* Size at which compactions cut their output tables. Range 64 KiB .. 4 GiB;
 * default 8 MiB. */
LSM_EXPORT int lsm_options_set_target_file_size(lsm_options *opts, size_t bytes);
/* Target size of level 1; level N's target is this times
 * level_size_multiplier^(N-1). A level over its target is compacted into
 * the next. Range 1 MiB .. 1 TiB; default 64 MiB. */
LSM_EXPORT int lsm_options_set_max_bytes_for_level_base(lsm_options *opts, size_t bytes);
/* Ratio between the target sizes of adjacent levels. Range 2 .. 100;
 * default 10. */
LSM_EXPORT int lsm_options_set_level_size_multiplier(lsm_options *opts, int n);
/* How the write-ahead log hands appends to the kernel (lsm_options_set_wal_mmap). */
#define LSM_WAL_MMAP_AUTO 0 /* map only on file systems where a store cannot fault */
#define LSM_WAL_MMAP_OFF 1  /* always write(2) */
#define LSM_WAL_MMAP_ON 2   /* map on any file system (see below) */
/* Whether the write-ahead log's non-sync appends are copied into a shared
 * mapping of the log (fast: no system call per write) or written with
 * pwrite(2). A store into a mapping cannot return an error: where the file
 * system must still find space or read a page when the store happens, a
 * failure there kills the process with SIGBUS. LSM_WAL_MMAP_AUTO (default)
 * maps only on ext4, xfs and tmpfs, where the log's blocks are reserved
 * with fallocate before they are mapped, and uses pwrite elsewhere (btrfs,
 * ZFS, NFS, overlay and FUSE file systems, ...), where a full disk is then
 * an LSM_IO_ERROR. LSM_WAL_MMAP_OFF always uses pwrite. LSM_WAL_MMAP_ON
 * maps wherever mmap works, accepting that risk. The "lsm.stats" property
 * says which the open log uses; docs/durability.md has the details. */
LSM_EXPORT int lsm_options_set_wal_mmap(lsm_options *opts, int mode);
/* Sets an option by name from a string, for tools and bindings. Names are
 * the setter names above ("create_if_missing", "error_if_exists",
 * "write_buffer_size", "block_size", "block_cache_size",
 * "bloom_bits_per_key", "compression", "max_open_files",
 * "background_threads", "paranoid_checks", "target_file_size",
 * "max_bytes_for_level_base", "level_size_multiplier", "wal_mmap"). Booleans
 * take "0"/"1"/"true"/"false"; sizes take decimal digits; compression takes
 * "none" or "lz4"; wal_mmap takes "auto", "off" or "on".
 * LSM_INVALID for an unknown name or a bad value. */
LSM_EXPORT int lsm_options_set(lsm_options *opts, const char *name, const char *value);

/* Read options. Defaults: latest state (no snapshot), verify_checksums 1,
 * fill_cache 1, no bounds. */
LSM_EXPORT int lsm_read_options_create(lsm_read_options **out);
LSM_EXPORT void lsm_read_options_destroy(lsm_read_options *ropts);
/* Read as of snapshot (NULL: the latest state). The snapshot must stay
 * alive while these options are used. */
LSM_EXPORT int lsm_read_options_set_snapshot(lsm_read_options *ropts, const lsm_snapshot *snap);
/* Verify block checksums on every read (default 1). Metadata is always
 * verified. */
LSM_EXPORT int lsm_read_options_set_verify_checksums(lsm_read_options *ropts, int on);
/* Keep blocks read in the block cache (default 1); 0 suits bulk scans. */
LSM_EXPORT int lsm_read_options_set_fill_cache(lsm_read_options *ropts, int on);
/* Iterators only: the smallest key they show (inclusive). The bytes are
 * copied. key NULL (with len 0) removes the bound. */
LSM_EXPORT int lsm_read_options_set_lower_bound(lsm_read_options *ropts, const void *key, size_t len);
/* Iterators only: keys shown are < this (exclusive). The bytes are copied.
 * key NULL (with len 0) removes the bound. */
LSM_EXPORT int lsm_read_options_set_upper_bound(lsm_read_options *ropts, const void *key, size_t len);

/* Write options. Default: sync 0. */
LSM_EXPORT int lsm_write_options_create(lsm_write_options **out);
LSM_EXPORT void lsm_write_options_destroy(lsm_write_options *wopts);
/* 1: the write is on stable storage (fdatasync) before the call returns. */
LSM_EXPORT int lsm_write_options_set_sync(lsm_write_options *wopts, int on);

/* ----------------------------------------------------------- database */

/* Opens (by default creating) the database in directory path and stores
 * the handle in *out. Replays the write-ahead log left by a previous run.
 * LSM_BUSY if the database is open already: in this process (through any
 * spelling of its path) or in another, as the message says; LSM_INVALID if
 * it does not exist and create_if_missing is 0, or exists and
 * error_if_exists is 1; LSM_CORRUPTION if its files are damaged beyond
 * what can be skipped; LSM_NOT_SUPPORTED if a file holds a record of a
 * newer liblsm (every file is left as it was); LSM_IO_ERROR for file
 * system failures. Files in the directory that liblsm did not write (names
 * it does not use, such as "99.log", or numbers its counter never reached)
 * are left alone and counted in "lsm.stats" as ignored-files. */
LSM_EXPORT int lsm_open(const char *path, const lsm_options *opts, lsm_db **out);

/* Closes the database and frees the handle. Returns LSM_BUSY, and closes
 * nothing, while iterators or snapshots of this database are open: close
 * or release them first. NULL is LSM_INVALID. Otherwise it waits for
 * background work, closes every file and frees the handle, and returns
 * LSM_OK or the first error it met on the way (a flush or compaction that
 * failed while it waited, closing the write-ahead log or the MANIFEST):
 * the handle is freed in either case and must not be used again. Writes
 * already acknowledged stay durable either way (they are in the
 * write-ahead log or in tables). Must not race any other call on db. */
LSM_EXPORT int lsm_close(lsm_db *db);

/* Stores value under key, replacing any previous value. */
LSM_EXPORT int lsm_put(lsm_db *db, const lsm_write_options *wopts, const void *key, size_t klen,
                       const void *val, size_t vlen);
/* Removes key. Removing a missing key is not an error. */
LSM_EXPORT int lsm_delete(lsm_db *db, const lsm_write_options *wopts, const void *key, size_t klen);
/* Applies every operation of batch atomically: after a crash either all or
 * none of them are visible. The batch is not modified. */
LSM_EXPORT int lsm_write(lsm_db *db, const lsm_write_options *wopts, const lsm_batch *batch);

/* Looks key up. On LSM_OK, *val points to a new allocation holding the
 * value (free it with lsm_free; a zero-length value still gets a non-NULL
 * pointer) and *vlen is its length. LSM_NOT_FOUND if the key is absent. */
LSM_EXPORT int lsm_get(lsm_db *db, const lsm_read_options *ropts, const void *key, size_t klen,
                       void **val, size_t *vlen);

/* Looks key up and copies the value into buf (capacity cap) without
 * allocating. On LSM_OK *vlen is the value's full length, and
 * min(*vlen, cap) bytes were copied: if *vlen > cap the value was cut short
 * and the caller may retry with a larger buffer. buf may be NULL when cap
 * is 0 (to learn the length). LSM_NOT_FOUND if the key is absent. */
LSM_EXPORT int lsm_get_into(lsm_db *db, const lsm_read_options *ropts, const void *key, size_t klen,
                            void *buf, size_t cap, size_t *vlen);

/* Writes the in-memory buffer to a table file and waits for it. */
LSM_EXPORT int lsm_flush(lsm_db *db);

/* Compacts the keys in [begin, end] (both inclusive; a NULL pointer is an
 * open end, so NULL, 0, NULL, 0 means everything) down to the deepest level
 * holding any of them, rewriting every table in the range on the way:
 * afterwards the range holds no overwritten value and no deletion that a
 * live snapshot cannot see. Flushes the memory buffer first; if the deepest
 * level ends up over its target size, data moves one level further. Waits
 * until done; background compactions go on around it. */
LSM_EXPORT int lsm_compact_range(lsm_db *db, const void *begin, size_t blen, const void *end,
                                 size_t elen);

/* Waits until no flush or compaction is running, queued or due, and the
 * files they made obsolete are deleted: the database's files then stay as
 * they are until the next write. Returns the error that stopped
 * background work, if one did (the database then refuses writes until
 * reopened). Writes made meanwhile by other threads may make it wait
 * longer. */
LSM_EXPORT int lsm_wait_for_compactions(lsm_db *db);

/* Stores in *size the approximate number of bytes that table files use for
 * keys in [begin, end) (a NULL pointer is an open end). Data still in the
 * in-memory write buffer is not counted; call lsm_flush first to include it. */
LSM_EXPORT int lsm_approximate_size(lsm_db *db, const void *begin, size_t blen, const void *end,
                                    size_t elen, uint64_t *size);

/* Reads a named property into *out, a NUL-terminated string to free with
 * lsm_free. LSM_NOT_FOUND for an unknown name. Names:
 *   "lsm.stats"                 multi-line statistics: per level files,
 *                               bytes, target, score and compaction bytes
 *                               read / written / moved; write and space
 *                               amplification; write stalls (microseconds,
 *                               slowdowns, stops); block cache hits and
 *                               misses; bloom filter checked / useful
 *                               probes; WAL recovery counters
 *   "lsm.num-files-at-level<N>" table files at level N (0 <= N < 7)
 *   "lsm.sequence"              the last sequence number written
 *   "lsm.memtable-bytes"        memory held by write buffers
 *   "lsm.block-cache-bytes"     memory held by the block cache */
LSM_EXPORT int lsm_property(lsm_db *db, const char *name, char **out);

/* Deletes the database at path: its files, then the directory if nothing
 * else is left in it. LSM_BUSY if it is open; LSM_OK if it does not exist. */
LSM_EXPORT int lsm_destroy(const char *path);

/* -------------------------------------------------------------- batch */

/* A batch collects puts and deletes to apply at once with lsm_write. Keys
 * and values are copied in. */
LSM_EXPORT int lsm_batch_create(lsm_batch **out);
LSM_EXPORT void lsm_batch_destroy(lsm_batch *batch);
LSM_EXPORT int lsm_batch_put(lsm_batch *batch, const void *key, size_t klen, const void *val,
                             size_t vlen);
LSM_EXPORT int lsm_batch_delete(lsm_batch *batch, const void *key, size_t klen);
/* Removes every operation. */
LSM_EXPORT int lsm_batch_clear(lsm_batch *batch);
/* Number of operations in the batch; 0 for NULL. */
LSM_EXPORT size_t lsm_batch_count(const lsm_batch *batch);

/* ---------------------------------------------------------- snapshots */

/* Takes a snapshot: reads through it see the database as it is now, for as
 * long as it lives. Release it with lsm_snapshot_release before lsm_close. */
LSM_EXPORT int lsm_snapshot_create(lsm_db *db, lsm_snapshot **out);
/* Releases a snapshot and frees the handle. NULL is allowed (LSM_OK).
 * Releasing a handle that is not live (already released) does nothing and
 * returns LSM_INVALID; liblsm tracks live handles for this, but a later
 * snapshot may reuse a freed handle's address, so do not rely on it. */
LSM_EXPORT int lsm_snapshot_release(lsm_snapshot *snap);

/* ---------------------------------------------------------- iterators */

/* Opens an iterator over the database as of ropts' snapshot (or now),
 * within its bounds. It starts unpositioned: call a seek first. It must be
 * closed before lsm_close. */
LSM_EXPORT int lsm_iter_open(lsm_db *db, const lsm_read_options *ropts, lsm_iter **out);
/* Closes and frees the iterator; NULL is allowed. */
LSM_EXPORT void lsm_iter_close(lsm_iter *it);

/* Positioning. Each returns LSM_OK whether or not an entry is found; check
 * lsm_iter_valid. An error (e.g. LSM_CORRUPTION) leaves it invalid. */
LSM_EXPORT int lsm_iter_seek_first(lsm_iter *it);
LSM_EXPORT int lsm_iter_seek_last(lsm_iter *it);
/* To the first key >= target. */
LSM_EXPORT int lsm_iter_seek(lsm_iter *it, const void *target, size_t len);
/* To the last key <= target. */
LSM_EXPORT int lsm_iter_seek_for_prev(lsm_iter *it, const void *target, size_t len);
/* To the next / previous key. LSM_INVALID if the iterator is not valid. */
LSM_EXPORT int lsm_iter_next(lsm_iter *it);
LSM_EXPORT int lsm_iter_prev(lsm_iter *it);

/* 1 if positioned on an entry, else 0 (also for NULL). */
LSM_EXPORT int lsm_iter_valid(const lsm_iter *it);
/* The current key / value and its length, borrowed: valid until the
 * iterator next moves or is closed. NULL (and *len 0) if not valid. len may
 * be NULL. */
LSM_EXPORT const void *lsm_iter_key(const lsm_iter *it, size_t *len);
LSM_EXPORT const void *lsm_iter_value(const lsm_iter *it, size_t *len);
/* LSM_OK, or the error that stopped the iterator. */
LSM_EXPORT int lsm_iter_status(const lsm_iter *it);

/* One call per entry, for bindings and tight loops. Each call first moves
 * the iterator one step (forward for lsm_iter_next_entry, backward for
 * lsm_iter_prev_entry) if the previous call of either function yielded an
 * entry, then yields the entry at the current position: *key and *klen,
 * *val and *vlen are set (borrowed until the next move or close), LSM_OK is
 * returned. At the end it returns LSM_NOT_FOUND; on an error, the error.
 * Any explicit seek or move resets the "previous call yielded" state, so
 *   lsm_iter_seek_first(it);
 *   while (lsm_iter_next_entry(it, &k, &kl, &v, &vl) == LSM_OK) use(k, v);
 * visits every entry once. */
LSM_EXPORT int lsm_iter_next_entry(lsm_iter *it, const void **key, size_t *klen, const void **val,
                                   size_t *vlen);
LSM_EXPORT int lsm_iter_prev_entry(lsm_iter *it, const void **key, size_t *klen, const void **val,
                                   size_t *vlen);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LSM_H */
