package io.liblsm;

/**
 * Settings for one write. A plain Java object (the database keeps the
 * native options it needs), so there is nothing to close.
 */
public final class WriteOptions {
  private boolean sync;

  /**
   * True: the write is on stable storage (fdatasync) before the call
   * returns, and survives a power loss. False (default): it survives a
   * crash of the process. Writes from many threads share syncs.
   */
  public WriteOptions sync(boolean on) {
    sync = on;
    return this;
  }

  public boolean sync() {
    return sync;
  }
}
