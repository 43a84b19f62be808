package io.liblsm;

/**
 * A liblsm operation failed. Carries the {@link Status} and liblsm's
 * message for it (lsm_last_error), e.g. {@code CORRUPTION: block checksum
 * mismatch in 000012.sst}. Unchecked, like the exceptions of
 * java.util.concurrent, so that iteration with for-each and lambdas stays
 * usable; catch it where a failure can be handled.
 */
public class LsmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status status;

  public LsmException(Status status, String message) {
    super(status + ": " + message);
    this.status = status;
  }

  public Status status() {
    return status;
  }
}
