package io.liblsm;

import io.liblsm.internal.lsm;
import io.liblsm.internal.lsmConstants;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * A liblsm database: a directory of files holding byte-string keys and
 * values, ordered bytewise (unsigned). Open one with {@link #open(Path)};
 * one process at a time may open a directory.
 *
 * <p>A Db is safe to share between threads. Failures throw
 * {@link LsmException} with liblsm's status and message; a null argument
 * throws NullPointerException naming the parameter; any use of a closed
 * Db (or of an iterator or snapshot it handed out) throws
 * IllegalStateException. {@link #close()} first closes the iterators and
 * snapshots still open, so forgetting one never leaves native memory in
 * use after the database is gone.
 *
 * <p>No misuse crashes the JVM. Every object of the binding may be shared
 * between threads and closed while other threads use it: a close waits for
 * the calls in flight on the object (a Db's, for those on its iterators and
 * snapshots too), and later calls throw IllegalStateException. A Db and a
 * {@link Snapshot} serve any number of threads at once, and so does a
 * {@link ReadOptions} for reads; an {@link LsmIterator}'s calls, a
 * {@link WriteBatch}'s puts and deletes, and a ReadOptions' setters are
 * serialised, each call atomic (see each class for what sharing means
 * there). Objects left unclosed are freed by a {@link java.lang.ref.Cleaner}
 * once garbage collected, and counted by {@link #unclosedObjectsFreed()};
 * close them anyway, since an open iterator or snapshot keeps old data.
 *
 * <pre>{@code
 * try (Db db = Db.open(Path.of("/tmp/my-db"))) {
 *   db.put("k".getBytes(UTF_8), "v".getBytes(UTF_8));
 *   byte[] v = db.get("k".getBytes(UTF_8));   // null if absent
 * }
 * }</pre>
 */
public final class Db extends NativeHandle {
  private final long plainWrite;
  private final long syncWrite;

  private Db(long handle, long plainWrite, long syncWrite) {
    super(new DbResource(handle, h -> {
      // Close first: if it fails, the write options must still be there
      // for a later close() to free.
      Check.ok(lsm.close(h));
      lsm.write_options_destroy(plainWrite);
      lsm.write_options_destroy(syncWrite);
    }));
    this.plainWrite = plainWrite;
    this.syncWrite = syncWrite;
  }

  /**
   * How many objects of this binding ({@code Db}, {@link LsmIterator},
   * {@link Snapshot}, {@link WriteBatch}, {@link ReadOptions}) became
   * unreachable without being closed, so that the binding's
   * {@link java.lang.ref.Cleaner} freed their native memory, since the
   * binding was loaded. An iterator or snapshot closed by its Db's
   * {@link #close()} is not counted; one freed because its Db itself was
   * never closed is. A program that closes what it opens (try-with-resources)
   * keeps this at 0: a count that grows points at objects left to the
   * garbage collector, whose native memory (and, for an iterator or a
   * snapshot, the old data it pins on disk and in memory) is held until a
   * collection happens to find them. For debugging and monitoring; the
   * Cleaner runs whether or not this is read.
   */
  public static long unclosedObjectsFreed() {
    return unclosedFreed();
  }

  /** Opens (creating if missing) the database at path with default options. */
  public static Db open(Path path) {
    return open(path, new Options());
  }

  /** Opens the database at path. */
  public static Db open(Path path, Options options) {
    checkNotNull(path, "path");
    checkNotNull(options, "options");
    long[] out = new long[1];
    Check.ok(lsm.options_create(out));
    long opts = out[0];
    long db;
    try {
      options.applyTo(opts);
      Check.ok(lsm.open(path.toString(), opts, out));
      db = out[0];
    } finally {
      lsm.options_destroy(opts);
    }
    // Two native write options serve every write: they are only read by
    // the calls that use them, so threads can share them.
    long plain = 0;
    long sync = 0;
    try {
      Check.ok(lsm.write_options_create(out));
      plain = out[0];
      Check.ok(lsm.write_options_create(out));
      sync = out[0];
      Check.ok(lsm.write_options_set_sync(sync, 1));
    } catch (RuntimeException e) {
      lsm.write_options_destroy(plain);
      lsm.write_options_destroy(sync);
      lsm.close(db);
      throw e;
    }
    return new Db(db, plain, sync);
  }

  /**
   * Deletes the database at path (its files, then the directory if
   * nothing else is left). Throws with {@link Status#BUSY} if it is open;
   * a missing database is fine.
   */
  public static void destroy(Path path) {
    checkNotNull(path, "path");
    Check.ok(lsm.destroy(path.toString()));
  }

  private long writeOptions(WriteOptions wo) {
    return wo != null && wo.sync() ? syncWrite : plainWrite;
  }

  /** Stores value under key, replacing any previous value. */
  public void put(byte[] key, byte[] value) {
    put(key, value, null);
  }

  /** Stores value under key; wo may be null for the defaults. */
  public void put(byte[] key, byte[] value, WriteOptions wo) {
    checkNotNull(key, "key");
    checkNotNull(value, "value");
    // Written out rather than through call(h -> ...): the hot path
    // allocates nothing, with or without the JIT's escape analysis.
    long h = acquire();
    try {
      Check.ok(lsm.put(h, writeOptions(wo), key, value));
    } finally {
      release();
    }
  }

  /**
   * Stores the remaining bytes of value under the remaining bytes of key,
   * read in place from direct buffers (no copy into Java arrays). Both
   * buffers' positions move to their limits, as a read of them would.
   */
  public void put(ByteBuffer key, ByteBuffer value) {
    put(key, value, null);
  }

  public void put(ByteBuffer key, ByteBuffer value, WriteOptions wo) {
    checkDirect(key, "key");
    checkDirect(value, "value");
    long h = acquire();
    try {
      Check.ok(lsm.put_direct(h, writeOptions(wo), key, key.position(), key.remaining(), value,
          value.position(), value.remaining()));
    } finally {
      release();
    }
    key.position(key.limit());
    value.position(value.limit());
  }

  /** Removes key; removing a missing key is not an error. */
  public void delete(byte[] key) {
    delete(key, null);
  }

  public void delete(byte[] key, WriteOptions wo) {
    checkNotNull(key, "key");
    long h = acquire();
    try {
      Check.ok(lsm.delete(h, writeOptions(wo), key));
    } finally {
      release();
    }
  }

  /** Applies every operation of batch atomically; the batch is not changed. */
  public void write(WriteBatch batch) {
    write(batch, null);
  }

  public void write(WriteBatch batch, WriteOptions wo) {
    checkNotNull(batch, "batch");
    long h = acquire();
    try {
      // Shared: lsm_write only reads the batch; puts into it wait.
      long b = batch.acquire();
      try {
        Check.ok(lsm.write(h, writeOptions(wo), b));
      } finally {
        batch.release();
      }
    } finally {
      release();
    }
  }

  /** The value of key, or null if absent. */
  public byte[] get(byte[] key) {
    return get(null, key);
  }

  /** The value of key as ro reads it (ro may be null), or null if absent. */
  public byte[] get(ReadOptions ro, byte[] key) {
    checkNotNull(key, "key");
    byte[][] out = new byte[1][];
    long h = acquire();
    try {
      long r = ro == null ? 0 : ro.acquireForCall();
      try {
        int rc = lsm.get(h, r, key, out);
        if (rc == lsmConstants.LSM_NOT_FOUND) {
          return null;
        }
        Check.ok(rc);
        return out[0];
      } finally {
        if (ro != null) {
          ro.releaseForCall();
        }
      }
    } finally {
      release();
    }
  }

  /**
   * Looks up the remaining bytes of key (a direct buffer) and copies the
   * value into value (a direct buffer) from its position, as much as fits.
   * Returns the value's full length, or -1 if absent: a length above the
   * bytes copied means the value was cut short. key's position moves to its
   * limit; value's position moves past the bytes copied. A read-only value
   * buffer throws {@link java.nio.ReadOnlyBufferException}.
   */
  public int get(ByteBuffer key, ByteBuffer value) {
    return get(null, key, value);
  }

  public int get(ReadOptions ro, ByteBuffer key, ByteBuffer value) {
    checkDirect(key, "key");
    checkDirect(value, "value");
    // The native copy writes the buffer's memory directly, past Java's
    // read-only check (and a read-only mapped file would crash the JVM).
    if (value.isReadOnly()) {
      throw new java.nio.ReadOnlyBufferException();
    }
    long[] size = new long[1];
    long h = acquire();
    try {
      long r = ro == null ? 0 : ro.acquireForCall();
      try {
        int rc = lsm.get_direct(h, r, key, key.position(), key.remaining(), value,
            value.position(), value.remaining(), size);
        if (rc == lsmConstants.LSM_NOT_FOUND) {
          key.position(key.limit());
          return -1;
        }
        Check.ok(rc);
      } finally {
        if (ro != null) {
          ro.releaseForCall();
        }
      }
    } finally {
      release();
    }
    key.position(key.limit());
    value.position(value.position() + (int) Math.min(size[0], value.remaining()));
    if (size[0] > Integer.MAX_VALUE) {
      throw new LsmException(Status.INVALID, "value of " + size[0] + " bytes is too long for a ByteBuffer");
    }
    return (int) size[0];
  }

  /** A snapshot of the database as it is now; close it when done. */
  public Snapshot snapshot() {
    long h = acquire();
    try {
      long[] out = new long[1];
      Check.ok(lsm.snapshot_create(h, out));
      return new Snapshot(this, child("Snapshot", out[0], Snapshot::releaseNative));
    } finally {
      release();
    }
  }

  /** An iterator over the latest state; close it when done. */
  public LsmIterator newIterator() {
    return newIterator(null);
  }

  /** An iterator as ro reads (snapshot, bounds; ro may be null); close it when done. */
  public LsmIterator newIterator(ReadOptions ro) {
    long h = acquire();
    try {
      long r = ro == null ? 0 : ro.acquireForCall();
      try {
        long[] out = new long[1];
        Check.ok(lsm.iter_open(h, r, out));
        return new LsmIterator(this, child("LsmIterator", out[0], lsm::iter_close));
      } finally {
        if (ro != null) {
          ro.releaseForCall();
        }
      }
    } finally {
      release();
    }
  }

  /** Writes the in-memory buffer to a table file and waits for it. */
  public void flush() {
    call(lsm::flush);
  }

  /**
   * Compacts the keys in [begin, end] (inclusive; null for an open end, so
   * (null, null) is everything) down to the deepest level holding them;
   * waits until done.
   */
  public void compactRange(byte[] begin, byte[] end) {
    call(h -> lsm.compact_range(h, begin, end));
  }

  /**
   * Waits until no flush or compaction is running, queued or due, and the
   * files they made obsolete are deleted: the database's files then stay as
   * they are until the next write. Throws the error that stopped background
   * work, if one did (the database then refuses writes until reopened).
   * Writes made meanwhile by other threads may make it wait longer.
   */
  public void waitForCompactions() {
    call(lsm::wait_for_compactions);
  }

  /** Approximate bytes of table files used by keys in [begin, end); null for an open end. */
  public long approximateSize(byte[] begin, byte[] end) {
    long[] size = new long[1];
    call(h -> lsm.approximate_size(h, begin, end, size));
    return size[0];
  }

  /**
   * A named property ("lsm.stats", "lsm.num-files-at-level0", "lsm.sequence",
   * ... as listed in lsm.h), or null for an unknown name.
   */
  public String property(String name) {
    checkNotNull(name, "name");
    String[] out = new String[1];
    long h = acquire();
    try {
      int rc = lsm.property(h, name, out);
      if (rc == lsmConstants.LSM_NOT_FOUND) {
        return null;
      }
      Check.ok(rc);
      return out[0];
    } finally {
      release();
    }
  }

  /** The version of the native library, e.g. "0.1.0". */
  public static String version() {
    return lsm.version();
  }

  /**
   * The Resource of a new iterator or snapshot of this Db, recorded so that
   * closing the Db (or the Cleaner freeing it) frees it first. Called with
   * the Db acquired: no close can run meanwhile.
   */
  private Resource child(String what, long handle, LongConsumer free) {
    DbResource db = (DbResource) resource;
    Resource r = new Resource(what, handle, free, db);
    db.children.add(r);
    return r;
  }

  private static void checkDirect(ByteBuffer b, String name) {
    checkNotNull(b, name);
    if (!b.isDirect()) {
      throw new IllegalArgumentException(name + " must be a direct ByteBuffer");
    }
  }
}
