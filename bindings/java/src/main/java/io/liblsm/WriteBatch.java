package io.liblsm;

import io.liblsm.internal.lsm;

/**
 * Puts and deletes applied together, atomically, by
 * {@link Db#write(WriteBatch, WriteOptions)}: after a crash either all or
 * none are visible. Keys and values are copied in. Owns native memory:
 * close it (one left unclosed is freed once garbage collected, and counted
 * by {@link Db#unclosedObjectsFreed()}).
 *
 * <p>Safe to share between threads: its methods are serialised, so
 * operations added from several threads at once all land whole, in some
 * order; writes of it by {@link Db#write} run together, and a put waits
 * for them. A close waits for the call in flight; later calls throw
 * IllegalStateException.
 */
public final class WriteBatch extends NativeHandle {
  public WriteBatch() {
    super(new Resource("WriteBatch", create(), lsm::batch_destroy, null));
  }

  private static long create() {
    long[] out = new long[1];
    Check.ok(lsm.batch_create(out));
    return out[0];
  }

  public WriteBatch put(byte[] key, byte[] value) {
    checkNotNull(key, "key");
    checkNotNull(value, "value");
    callExclusive(h -> lsm.batch_put(h, key, value));
    return this;
  }

  public WriteBatch delete(byte[] key) {
    checkNotNull(key, "key");
    callExclusive(h -> lsm.batch_delete(h, key));
    return this;
  }

  /** Removes every operation. */
  public WriteBatch clear() {
    callExclusive(lsm::batch_clear);
    return this;
  }

  /** The number of operations. */
  public long count() {
    long h = acquire();
    try {
      return lsm.batch_count(h);
    } finally {
      release();
    }
  }
}
