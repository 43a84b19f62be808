package io.liblsm;

import io.liblsm.internal.lsmConstants;

/** The status codes of liblsm's C interface ({@code LSM_*} in lsm.h). */
public enum Status {
  OK(lsmConstants.LSM_OK),
  NOT_FOUND(lsmConstants.LSM_NOT_FOUND),
  INVALID(lsmConstants.LSM_INVALID),
  CORRUPTION(lsmConstants.LSM_CORRUPTION),
  IO_ERROR(lsmConstants.LSM_IO_ERROR),
  BUSY(lsmConstants.LSM_BUSY),
  NO_MEMORY(lsmConstants.LSM_NO_MEMORY),
  NOT_SUPPORTED(lsmConstants.LSM_NOT_SUPPORTED),
  /** A code this version of the binding does not know. */
  UNKNOWN(-1);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The C code, e.g. 3 for {@link #CORRUPTION}; -1 for {@link #UNKNOWN}. */
  public int code() {
    return code;
  }

  /** The status for a C code; {@link #UNKNOWN} for codes not listed. */
  public static Status fromCode(int code) {
    for (Status s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    return UNKNOWN;
  }
}
