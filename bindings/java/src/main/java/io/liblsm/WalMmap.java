package io.liblsm;

import io.liblsm.internal.lsmConstants;

/**
 * How the write-ahead log hands writes that are not synced to the kernel
 * ({@link Options#walMmap(WalMmap)}): copied into a shared mapping of the
 * log (no system call per write) or written with pwrite(2). A store into a
 * mapping cannot return an error: where the file system must still find
 * space or read a page when it happens, a failure kills the process with
 * SIGBUS. The {@code "lsm.stats"} property says which the open log uses,
 * on its {@code wal-appends:} line.
 */
public enum WalMmap {
  /**
   * The default: map the log only on ext4, xfs and tmpfs, where its blocks
   * are reserved before they are mapped; write with pwrite elsewhere
   * (btrfs, ZFS, NFS, overlay, FUSE, ...), where a full disk is then an
   * {@link LsmException} with {@link Status#IO_ERROR}.
   */
  AUTO(lsmConstants.LSM_WAL_MMAP_AUTO),
  /** Always write with pwrite. */
  OFF(lsmConstants.LSM_WAL_MMAP_OFF),
  /** Map the log on any file system where mmap works, accepting the risk of SIGBUS. */
  ON(lsmConstants.LSM_WAL_MMAP_ON);

  final int code;

  WalMmap(int code) {
    this.code = code;
  }
}
