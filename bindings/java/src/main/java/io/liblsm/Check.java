package io.liblsm;

import io.liblsm.internal.lsm;

/** Turns C status codes into exceptions. */
final class Check {
  private Check() {}

  /** Throws LsmException for any code but LSM_OK. Call on the thread that made the call. */
  static void ok(int rc) {
    if (rc != 0) {
      throw failure(rc);
    }
  }

  static LsmException failure(int rc) {
    return new LsmException(Status.fromCode(rc), lsm.last_error());
  }
}
