package io.liblsm;

import io.liblsm.internal.lsm;

/**
 * A consistent view of a database at one moment, from {@link Db#snapshot()}:
 * reads through {@link ReadOptions#snapshot(Snapshot)} see the database as
 * it was then. Close it when done (old versions are kept for it); closing
 * the database closes it too. May be shared by reader threads.
 */
public final class Snapshot extends NativeHandle {
  private final Db db;

  Snapshot(Db db, long handle) {
    super("Snapshot", handle);
    this.db = db;
  }

  @Override
  void free(long handle) {
    Check.ok(lsm.snapshot_release(handle));
    db.forget(this);
  }
}
