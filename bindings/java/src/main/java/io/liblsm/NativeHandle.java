package io.liblsm;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongToIntFunction;

/**
 * A Java object owning one native handle, such that no use of the handle
 * can overlap or follow its release: whatever a program does wrong, the
 * native code never sees a freed handle (which would crash the JVM).
 *
 * <p>Every native call brackets itself with {@link #acquire()} and
 * {@link #release()}: a count of calls in flight, with a closed bit. Closing
 * sets the bit (later acquires throw IllegalStateException), waits for the
 * calls in flight to return, then frees the handle, once. Closing from
 * inside one of this object's own calls would wait forever; no code path
 * does.
 */
abstract class NativeHandle implements AutoCloseable {
  private static final long CLOSED = 1L << 62;

  private final AtomicLong state = new AtomicLong();
  private final String what;
  private long handle;
  private boolean freed;

  NativeHandle(String what, long handle) {
    this.what = what;
    this.handle = handle;
  }

  /** The handle, for one native call; pair with release() in a finally. */
  final long acquire() {
    long s = state.getAndIncrement();
    if ((s & CLOSED) != 0) {
      state.getAndDecrement();
      throw new IllegalStateException(what + " is closed");
    }
    return handle;
  }

  final void release() {
    state.getAndDecrement();
  }

  /**
   * Runs one native call on the handle, guarded as above, and throws
   * LsmException unless it returns LSM_OK.
   */
  final void call(LongToIntFunction nativeCall) {
    long h = acquire();
    try {
      Check.ok(nativeCall.applyAsInt(h));
    } finally {
      release();
    }
  }

  /** True once close() has begun. */
  public final boolean isClosed() {
    return (state.get() & CLOSED) != 0;
  }

  /** Frees the native handle; called once, with no call in flight. */
  abstract void free(long handle);

  /** Work to do before the handle is freed (Db closes its children). */
  void beforeFree() {}

  /**
   * Releases the native resources; idempotent, and safe from any thread.
   * Waits for calls in flight on this object to return.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (freed) {
        return;
      }
      long s = state.get();
      while ((s & CLOSED) == 0 && !state.compareAndSet(s, s | CLOSED)) {
        s = state.get();
      }
      for (int spins = 0; (state.get() & ~CLOSED) != 0; spins++) {
        if (spins < 100) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(50_000);
        }
      }
      beforeFree();
      free(handle);
      handle = 0;
      freed = true;
    }
  }

  static void checkNotNull(Object o, String name) {
    if (o == null) {
      throw new NullPointerException(name + " is null");
    }
  }
}
