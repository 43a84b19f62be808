package io.liblsm;

import io.liblsm.internal.lsm;

/**
 * Settings for {@link Db#open(java.nio.file.Path, Options)}, with fluent
 * setters. A plain Java object: nothing native is held, so there is nothing
 * to close. Values are checked by liblsm at open (an out-of-range one makes
 * open throw {@link LsmException} with {@link Status#INVALID}); the
 * defaults and ranges are lsm.h's.
 */
public final class Options {
  private Boolean createIfMissing;
  private Boolean errorIfExists;
  private Long writeBufferSize;
  private Long blockSize;
  private Long blockCacheSize;
  private Integer bloomBitsPerKey;
  private Compression compression;
  private Integer maxOpenFiles;
  private Integer backgroundThreads;
  private Boolean paranoidChecks;
  private Long targetFileSize;
  private Long maxBytesForLevelBase;
  private Integer levelSizeMultiplier;
  private WalMmap walMmap;

  /** Create the database if missing (default true). */
  public Options createIfMissing(boolean on) {
    createIfMissing = on;
    return this;
  }

  /** Fail if the database exists (default false). */
  public Options errorIfExists(boolean on) {
    errorIfExists = on;
    return this;
  }

  /** Bytes buffered in memory before a flush (64 KiB .. 1 GiB, default 4 MiB). */
  public Options writeBufferSize(long bytes) {
    writeBufferSize = bytes;
    return this;
  }

  /** Uncompressed size of a table block (256 B .. 4 MiB, default 4 KiB). */
  public Options blockSize(long bytes) {
    blockSize = bytes;
    return this;
  }

  /** Bytes of the block cache; 0 disables it (default 8 MiB). */
  public Options blockCacheSize(long bytes) {
    blockCacheSize = bytes;
    return this;
  }

  /** Bloom filter bits per key, 0 .. 40 (default 10). */
  public Options bloomBitsPerKey(int bits) {
    bloomBitsPerKey = bits;
    return this;
  }

  /** Compression of tables written from now on (default LZ4). */
  public Options compression(Compression c) {
    NativeHandle.checkNotNull(c, "compression");
    compression = c;
    return this;
  }

  /** Table files kept open (16 .. 1000000, default 1000). */
  public Options maxOpenFiles(int n) {
    maxOpenFiles = n;
    return this;
  }

  /** Background flush and compaction threads (1 .. 64, default 2). */
  public Options backgroundThreads(int n) {
    backgroundThreads = n;
    return this;
  }

  /** Treat any damage found as an error rather than skip it (default false). */
  public Options paranoidChecks(boolean on) {
    paranoidChecks = on;
    return this;
  }

  /** Size at which compactions cut output tables (64 KiB .. 4 GiB, default 8 MiB). */
  public Options targetFileSize(long bytes) {
    targetFileSize = bytes;
    return this;
  }

  /** Target size of level 1 (1 MiB .. 1 TiB, default 64 MiB). */
  public Options maxBytesForLevelBase(long bytes) {
    maxBytesForLevelBase = bytes;
    return this;
  }

  /** Ratio of adjacent levels' target sizes (2 .. 100, default 10). */
  public Options levelSizeMultiplier(int n) {
    levelSizeMultiplier = n;
    return this;
  }

  /** How the write-ahead log appends (default {@link WalMmap#AUTO}). */
  public Options walMmap(WalMmap mode) {
    NativeHandle.checkNotNull(mode, "mode");
    walMmap = mode;
    return this;
  }

  /** Applies the settings made to native options h; throws on a bad value. */
  void applyTo(long h) {
    if (createIfMissing != null) Check.ok(lsm.options_set_create_if_missing(h, createIfMissing ? 1 : 0));
    if (errorIfExists != null) Check.ok(lsm.options_set_error_if_exists(h, errorIfExists ? 1 : 0));
    if (writeBufferSize != null) Check.ok(lsm.options_set_write_buffer_size(h, size(writeBufferSize, "writeBufferSize")));
    if (blockSize != null) Check.ok(lsm.options_set_block_size(h, size(blockSize, "blockSize")));
    if (blockCacheSize != null) Check.ok(lsm.options_set_block_cache_size(h, size(blockCacheSize, "blockCacheSize")));
    if (bloomBitsPerKey != null) Check.ok(lsm.options_set_bloom_bits_per_key(h, bloomBitsPerKey));
    if (compression != null) Check.ok(lsm.options_set_compression(h, compression.code));
    if (maxOpenFiles != null) Check.ok(lsm.options_set_max_open_files(h, maxOpenFiles));
    if (backgroundThreads != null) Check.ok(lsm.options_set_background_threads(h, backgroundThreads));
    if (paranoidChecks != null) Check.ok(lsm.options_set_paranoid_checks(h, paranoidChecks ? 1 : 0));
    if (targetFileSize != null) Check.ok(lsm.options_set_target_file_size(h, size(targetFileSize, "targetFileSize")));
    if (maxBytesForLevelBase != null) {
      Check.ok(lsm.options_set_max_bytes_for_level_base(h, size(maxBytesForLevelBase, "maxBytesForLevelBase")));
    }
    if (levelSizeMultiplier != null) Check.ok(lsm.options_set_level_size_multiplier(h, levelSizeMultiplier));
    if (walMmap != null) Check.ok(lsm.options_set_wal_mmap(h, walMmap.code));
  }

  // A negative size would reach C as a huge size_t; say what it was instead.
  private static long size(long v, String name) {
    if (v < 0) {
      throw new LsmException(Status.INVALID, name + " is negative: " + v);
    }
    return v;
  }
}
