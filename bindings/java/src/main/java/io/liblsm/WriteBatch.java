package io.liblsm;

import io.liblsm.internal.lsm;

/**
 * Puts and deletes applied together, atomically, by
 * {@link Db#write(WriteBatch, WriteOptions)}: after a crash either all or
 * none are visible. Keys and values are copied in. Owns native memory:
 * close it. Use one from one thread at a time.
 */
public final class WriteBatch extends NativeHandle {
  public WriteBatch() {
    super("WriteBatch", create());
  }

  private static long create() {
    long[] out = new long[1];
    Check.ok(lsm.batch_create(out));
    return out[0];
  }

  public WriteBatch put(byte[] key, byte[] value) {
    checkNotNull(key, "key");
    checkNotNull(value, "value");
    call(h -> lsm.batch_put(h, key, value));
    return this;
  }

  public WriteBatch delete(byte[] key) {
    checkNotNull(key, "key");
    call(h -> lsm.batch_delete(h, key));
    return this;
  }

  /** Removes every operation. */
  public WriteBatch clear() {
    call(lsm::batch_clear);
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

  @Override
  void free(long handle) {
    lsm.batch_destroy(handle);
  }
}
