package io.liblsm;

import io.liblsm.internal.lsm;

/**
 * A consistent view of a database at one moment, from {@link Db#snapshot()}:
 * reads through {@link ReadOptions#snapshot(Snapshot)} see the database as
 * it was then. Close it when done (old versions are kept for it); closing
 * the database closes it too. May be shared by any number of threads, and
 * closed while they read through it: reads in flight finish first, later
 * ones throw IllegalStateException.
 */
public final class Snapshot extends NativeHandle {
  // Keeps the Db reachable while this is: the Cleaner must not close the
  // database under a snapshot still in use.
  private final Db db;

  Snapshot(Db db, Resource resource) {
    super(resource);
    this.db = db;
  }

  static void releaseNative(long handle) {
    Check.ok(lsm.snapshot_release(handle));
  }
}
