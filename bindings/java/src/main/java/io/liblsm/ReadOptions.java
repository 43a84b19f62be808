package io.liblsm;

import io.liblsm.internal.lsm;

/**
 * Settings for reads and iterators: a snapshot to read at, checksum
 * verification, block caching and (for iterators) key bounds. Owns native
 * memory: close it (one left unclosed is freed once garbage collected, and
 * counted by {@link Db#unclosedObjectsFreed()}); closed, it throws
 * IllegalStateException.
 *
 * <p>Safe to share between threads: any number of reads and iterators may
 * use one at once, and a setter called meanwhile waits until the reads in
 * flight are done (reads then see the new setting; setters from several
 * threads are serialised). A close waits for the reads in flight.
 */
public final class ReadOptions extends NativeHandle {
  // Set with the handle held exclusive, read with it shared (volatile only
  // for the getter, which holds nothing).
  private volatile Snapshot snapshot;

  public ReadOptions() {
    super(new Resource("ReadOptions", create(), lsm::read_options_destroy, null));
  }

  private static long create() {
    long[] out = new long[1];
    Check.ok(lsm.read_options_create(out));
    return out[0];
  }

  /**
   * Reads see the database as of {@code snap}; null for the latest state.
   * The snapshot must stay open while these options are used (a read with
   * a closed one throws IllegalStateException).
   */
  public ReadOptions snapshot(Snapshot snap) {
    long h = acquireExclusive();
    try {
      if (snap == null) {
        Check.ok(lsm.read_options_set_snapshot(h, 0));
      } else {
        long s = snap.acquire();
        try {
          Check.ok(lsm.read_options_set_snapshot(h, s));
        } finally {
          snap.release();
        }
      }
      snapshot = snap;
    } finally {
      releaseExclusive();
    }
    return this;
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  /** Verify block checksums on every read (default true). */
  public ReadOptions verifyChecksums(boolean on) {
    callExclusive(h -> lsm.read_options_set_verify_checksums(h, on ? 1 : 0));
    return this;
  }

  /** Keep blocks read in the block cache (default true); false suits bulk scans. */
  public ReadOptions fillCache(boolean on) {
    callExclusive(h -> lsm.read_options_set_fill_cache(h, on ? 1 : 0));
    return this;
  }

  /** Iterators only: the smallest key shown (inclusive); null removes the bound. Copied. */
  public ReadOptions lowerBound(byte[] key) {
    callExclusive(h -> lsm.read_options_set_lower_bound(h, key));
    return this;
  }

  /** Iterators only: keys shown are below this (exclusive); null removes the bound. Copied. */
  public ReadOptions upperBound(byte[] key) {
    callExclusive(h -> lsm.read_options_set_upper_bound(h, key));
    return this;
  }

  /**
   * Acquires these options (shared) and their snapshot for one call;
   * returns the native handle. Pair with {@link #releaseForCall()}.
   */
  long acquireForCall() {
    long h = acquire();
    Snapshot s = snapshot;
    if (s != null) {
      try {
        s.acquire();
      } catch (IllegalStateException e) {
        release();
        throw new IllegalStateException("the ReadOptions' snapshot is closed", e);
      }
    }
    return h;
  }

  void releaseForCall() {
    Snapshot s = snapshot;
    if (s != null) {
      s.release();
    }
    release();
  }
}
