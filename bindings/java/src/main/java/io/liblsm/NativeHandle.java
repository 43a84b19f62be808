package io.liblsm;

import java.lang.ref.Cleaner;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongConsumer;
import java.util.function.LongToIntFunction;

/**
 * A Java object owning one native handle, such that no use of the handle
 * can overlap its release or follow it, and no two uses can overlap that
 * the native object does not allow: whatever a program does wrong (share
 * an iterator between threads, close a database under its own iterators,
 * forget to close), the native code never sees a freed handle or one in
 * use by another thread, which would crash the JVM.
 *
 * <p>The handle lives in a {@link Resource}, with a read-write lock:
 * <ul>
 *   <li>calls that only read the native object (every call on a Db or a
 *       Snapshot, a read through ReadOptions, a write of a WriteBatch) take
 *       it shared ({@link #acquire()}), so threads share those objects at
 *       full speed;
 *   <li>calls that change it (every call on an LsmIterator, a WriteBatch's
 *       put, a ReadOptions' setters) take it exclusive
 *       ({@link #acquireExclusive()}), so threads sharing one are
 *       serialised instead of corrupting it;
 *   <li>freeing takes it exclusive too: it waits for the calls in flight,
 *       and later calls throw IllegalStateException.
 * </ul>
 * Closing from inside one of this object's own calls would wait forever;
 * no code path does.
 *
 * <p>The Resource is also what the binding's {@link Cleaner} frees when the
 * Java object becomes unreachable without having been closed: it never
 * refers to the Java object, and it frees under the same lock, so even a
 * Java object the JIT considers unreachable during one of its own native
 * calls is freed only after that call. Each such free is counted
 * ({@link #unclosedFreed()}).
 */
abstract class NativeHandle implements AutoCloseable {
  /** One daemon thread frees, for the whole binding, what programs did not close. */
  private static final Cleaner CLEANER = Cleaner.create();
  private static final AtomicLong UNCLOSED_FREED = new AtomicLong();

  final Resource resource;
  private final Cleaner.Cleanable cleanable;

  NativeHandle(Resource resource) {
    this.resource = resource;
    this.cleanable = CLEANER.register(this, resource);
  }

  /** See {@link Db#unclosedObjectsFreed()}. */
  static long unclosedFreed() {
    return UNCLOSED_FREED.get();
  }

  /**
   * The native side of a NativeHandle: the handle, its lock and how to
   * free it. Holds nothing that leads back to the Java object (the Cleaner
   * runs it once that object is unreachable). Subclassed by Db's, which
   * frees the iterators and snapshots it handed out before itself.
   */
  static class Resource implements Runnable {
    private final String what;
    private final LongConsumer free;
    private final DbResource parent; // the Db whose child this is, or null
    private final StampedLock lock = new StampedLock();
    // Set before the lock is taken to free, so that new calls fail at once
    // rather than queue behind the free.
    private volatile boolean closed;
    private long handle; // guarded by lock; 0 once freed

    Resource(String what, long handle, LongConsumer free, DbResource parent) {
      this.what = what;
      this.handle = handle;
      this.free = free;
      this.parent = parent;
    }

    final long acquire() {
      if (closed) {
        throw closedException();
      }
      lock.readLock();
      if (closed || handle == 0) {
        lock.tryUnlockRead();
        throw closedException();
      }
      return handle;
    }

    final void release() {
      lock.tryUnlockRead();
    }

    final long acquireExclusive() {
      if (closed) {
        throw closedException();
      }
      lock.writeLock();
      if (closed || handle == 0) {
        lock.tryUnlockWrite();
        throw closedException();
      }
      return handle;
    }

    final void releaseExclusive() {
      lock.tryUnlockWrite();
    }

    final boolean isClosed() {
      return closed;
    }

    private IllegalStateException closedException() {
      return new IllegalStateException(what + " is closed");
    }

    /**
     * Frees the handle once no call is in flight, unless it was freed
     * already; leaked: the Java object was never closed, and the free is
     * counted. If freeing throws (a Db whose close fails), the handle is
     * kept for a later close to retry, but no call may use it.
     */
    final boolean free(boolean leaked) {
      closed = true;
      long stamp = lock.writeLock();
      try {
        if (handle == 0) {
          return false;
        }
        freeNative(handle, leaked);
        handle = 0;
      } finally {
        lock.unlockWrite(stamp);
      }
      if (leaked) {
        UNCLOSED_FREED.incrementAndGet();
      }
      if (parent != null) {
        parent.children.remove(this);
      }
      return true;
    }

    void freeNative(long handle, boolean leaked) {
      free.accept(handle);
    }

    /** The Cleaner's action: the Java object was collected without close(). */
    @Override
    public final void run() {
      try {
        free(true);
      } catch (RuntimeException e) {
        // The Cleaner thread has no one to tell; the handle stays as it is.
      }
    }
  }

  /**
   * A Db's Resource: also frees its children (the iterators and snapshots
   * still open) first, since liblsm refuses to close a database under
   * them. A child's Resource removes itself from children once freed,
   * whoever frees it; a child cannot be added while the Db is being freed
   * (adding holds the Db shared).
   */
  static final class DbResource extends Resource {
    final Set<Resource> children = ConcurrentHashMap.newKeySet();
    private final LongConsumer closeDb;

    DbResource(long handle, LongConsumer closeDb) {
      super("Db", handle, null, null);
      this.closeDb = closeDb;
    }

    @Override
    void freeNative(long handle, boolean leaked) {
      // No call on this Db is in flight and none can start. Each child's
      // free waits for the calls in flight on that child.
      for (Resource child : children.toArray(new Resource[0])) {
        child.free(leaked);
      }
      closeDb.accept(handle);
    }
  }

  /** The handle, for one call that only reads it; pair with release() in a finally. */
  final long acquire() {
    return resource.acquire();
  }

  final void release() {
    resource.release();
  }

  /**
   * The handle, for one call that changes the native object, with no
   * other call on it in flight; pair with releaseExclusive() in a finally.
   */
  final long acquireExclusive() {
    return resource.acquireExclusive();
  }

  final void releaseExclusive() {
    resource.releaseExclusive();
  }

  /**
   * Runs one native call that only reads the handle, guarded as above, and
   * throws LsmException unless it returns LSM_OK.
   */
  final void call(LongToIntFunction nativeCall) {
    long h = acquire();
    try {
      Check.ok(nativeCall.applyAsInt(h));
    } finally {
      release();
    }
  }

  /** As {@link #call}, for a call that changes the native object. */
  final void callExclusive(LongToIntFunction nativeCall) {
    long h = acquireExclusive();
    try {
      Check.ok(nativeCall.applyAsInt(h));
    } finally {
      releaseExclusive();
    }
  }

  /** True once close() has begun (or the Db that owns this closed it). */
  public final boolean isClosed() {
    return resource.isClosed();
  }

  /**
   * Releases the native resources; idempotent, and safe from any thread.
   * Waits for calls in flight on this object to return.
   */
  @Override
  public void close() {
    resource.free(false);
    // Nothing left for the Cleaner to do: drop the registration.
    cleanable.clean();
  }

  static void checkNotNull(Object o, String name) {
    if (o == null) {
      throw new NullPointerException(name + " is null");
    }
  }
}
