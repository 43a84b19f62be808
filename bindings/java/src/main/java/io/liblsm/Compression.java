package io.liblsm;

import io.liblsm.internal.lsmConstants;

/** How table blocks are compressed. */
public enum Compression {
  NONE(lsmConstants.LSM_COMPRESSION_NONE),
  LZ4(lsmConstants.LSM_COMPRESSION_LZ4);

  final int code;

  Compression(int code) {
    this.code = code;
  }
}
