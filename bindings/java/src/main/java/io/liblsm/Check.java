package io.liblsm;

import io.liblsm.internal.lsm;

/** Turns C status codes into exceptions. */
final class Check {
  private Check() {}

  /**
   * Throws LsmException for any code but LSM_OK. Call on the thread that
   * made the call, before anything that may block: lsm_last_error is per
   * OS thread. A platform thread is one OS thread; a virtual thread leaves
   * its carrier only where it blocks, and nothing between a native call's
   * return and the lsm.last_error below does (the Go binding, whose
   * goroutines move between threads at any call, locks them instead).
   */
  static void ok(int rc) {
    if (rc != 0) {
      throw failure(rc);
    }
  }

  static LsmException failure(int rc) {
    return new LsmException(Status.fromCode(rc), lsm.last_error());
  }
}
