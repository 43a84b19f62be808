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
    long h = acquire();
    try {
      Check.ok(lsm.batch_put(h, key, value));
    } finally {
      release();
    }
    return this;
  }

  public WriteBatch delete(byte[] key) {
    checkNotNull(key, "key");
    long h = acquire();
    try {
      Check.ok(lsm.batch_delete(h, key));
    } finally {
      release();
    }
    return this;
  }

  /** Removes every operation. */
  public WriteBatch clear() {
    long h = acquire();
    try {
      Check.ok(lsm.batch_clear(h));
    } finally {
      release();
    }
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
