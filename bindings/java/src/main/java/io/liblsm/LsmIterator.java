package io.liblsm;

import io.liblsm.internal.lsm;
import io.liblsm.internal.lsmConstants;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongFunction;
import java.util.function.LongToIntFunction;

/**
 * A cursor over a database's keys in order, both ways, from
 * {@link Db#newIterator(ReadOptions)}. It reads a consistent view (the
 * moment it was opened, or its ReadOptions' snapshot) while writes,
 * flushes and compactions go on. It starts unpositioned: seek first.
 * Owns native resources: close it; closing the database closes it too.
 *
 * <p>Meant for one thread at a time, but safe to share: each method call
 * is atomic (calls from several threads are serialised, and a close waits
 * for the call in flight), so threads sharing one see each other's moves
 * but never corrupt it or crash. A method that needs an entry, such as
 * {@link #key()}, then throws IllegalStateException if another thread has
 * moved the iterator off its entries; a {@link #range} loop walked while
 * another thread moves the iterator sees those moves too.
 *
 * <p>{@link #range(byte[], byte[])} and {@link #reverseRange(byte[], byte[])}
 * walk a key range in a for-each loop, one native call per entry:
 * <pre>{@code
 * try (LsmIterator it = db.newIterator()) {
 *   for (LsmIterator.Entry e : it.range(from, to)) {
 *     use(e.key(), e.value());
 *   }
 * }
 * }</pre>
 */
public final class LsmIterator extends NativeHandle {
  /** A key and its value, both copies owned by the caller. */
  public static final class Entry {
    private final byte[] key;
    private final byte[] value;

    Entry(byte[] key, byte[] value) {
      this.key = key;
      this.value = value;
    }

    public byte[] key() {
      return key;
    }

    public byte[] value() {
      return value;
    }
  }

  // Keeps the Db reachable while this is: the Cleaner must not close the
  // database under an iterator still in use.
  private final Db db;

  LsmIterator(Db db, Resource resource) {
    super(resource);
    this.db = db;
  }

  // Every call takes the handle exclusive: even reading the current entry
  // races a move on another thread (liblsm's iterators are single-thread
  // objects).

  /** To the first key. */
  public void seekToFirst() {
    callExclusive(lsm::iter_seek_first);
  }

  /** To the last key. */
  public void seekToLast() {
    callExclusive(lsm::iter_seek_last);
  }

  /** To the first key at or after target. */
  public void seek(byte[] target) {
    checkNotNull(target, "target");
    callExclusive(h -> lsm.iter_seek(h, target));
  }

  /** To the last key at or before target. */
  public void seekForPrev(byte[] target) {
    checkNotNull(target, "target");
    callExclusive(h -> lsm.iter_seek_for_prev(h, target));
  }

  /** To the next key; throws IllegalStateException if not valid. */
  public void next() {
    move(lsm::iter_next);
  }

  /** To the previous key; throws IllegalStateException if not valid. */
  public void prev() {
    move(lsm::iter_prev);
  }

  private void move(LongToIntFunction step) {
    long h = acquireExclusive();
    try {
      requireValid(h);
      Check.ok(step.applyAsInt(h));
    } finally {
      releaseExclusive();
    }
  }

  /** True if positioned on an entry. */
  public boolean isValid() {
    long h = acquireExclusive();
    try {
      return lsm.iter_valid(h) == 1;
    } finally {
      releaseExclusive();
    }
  }

  /** A copy of the current key; throws IllegalStateException if not valid. */
  public byte[] key() {
    return current(lsm::iter_key);
  }

  /** A copy of the current value; throws IllegalStateException if not valid. */
  public byte[] value() {
    return current(lsm::iter_value);
  }

  private byte[] current(LongFunction<byte[]> read) {
    long h = acquireExclusive();
    try {
      byte[] bytes = read.apply(h);
      if (bytes == null) {
        throw new IllegalStateException("iterator is not positioned on an entry");
      }
      return bytes;
    } finally {
      releaseExclusive();
    }
  }

  /**
   * The entries with keys in [from, to), in ascending order; null for an
   * open end. Each loop over the result seeks this iterator afresh and
   * moves it; moving it by hand meanwhile changes what the loop sees.
   */
  public Iterable<Entry> range(byte[] from, byte[] to) {
    return () -> new Walk(from, to, true);
  }

  /** The entries with keys in [from, to), in descending order; null for an open end. */
  public Iterable<Entry> reverseRange(byte[] from, byte[] to) {
    return () -> new Walk(from, to, false);
  }

  private void requireValid(long h) {
    if (lsm.iter_valid(h) != 1) {
      throw new IllegalStateException("iterator is not positioned on an entry");
    }
  }

  /** One fused native step: the next (or previous) entry, or null at the end. */
  private Entry step(boolean forward, byte[][] out) {
    long h = acquireExclusive();
    try {
      int rc = forward ? lsm.iter_next_entry(h, out) : lsm.iter_prev_entry(h, out);
      if (rc == lsmConstants.LSM_NOT_FOUND) {
        return null;
      }
      Check.ok(rc);
      return new Entry(out[0], out[1]);
    } finally {
      releaseExclusive();
    }
  }

  private final class Walk implements Iterator<Entry> {
    private final byte[] from;
    private final byte[] to;
    private final boolean forward;
    private final byte[][] out = new byte[2][];
    private Entry pending;
    private boolean done;

    Walk(byte[] from, byte[] to, boolean forward) {
      this.from = from == null ? null : from.clone();
      this.to = to == null ? null : to.clone();
      this.forward = forward;
      if (forward) {
        if (from == null) {
          seekToFirst();
        } else {
          seek(from);
        }
      } else if (to == null) {
        seekToLast();
      } else {
        seekForPrev(to);
      }
    }

    @Override
    public boolean hasNext() {
      if (pending == null && !done) {
        pending = step(forward, out);
        // Backward from `to`, seekForPrev may land on `to` itself: excluded.
        if (!forward && pending != null && to != null && Arrays.equals(pending.key(), to)) {
          pending = step(forward, out);
        }
        if (pending != null && !inRange(pending.key())) {
          pending = null;
        }
        done = pending == null;
      }
      return pending != null;
    }

    @Override
    public Entry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Entry e = pending;
      pending = null;
      return e;
    }

    private boolean inRange(byte[] key) {
      if (forward) {
        return to == null || Arrays.compareUnsigned(key, to) < 0;
      }
      return from == null || Arrays.compareUnsigned(key, from) >= 0;
    }
  }
}
