package io.liblsm;

import io.liblsm.internal.lsm;

/**
 * Settings for {@link Db#open(java.nio.file.Path, Options)}, with fluent
 * setters. A plain Java object: nothing native is held, so there is nothing
 * to close. Values are checked by liblsm at open (an out-of-range one makes
 * open throw {@link LsmException} with {@link Status#INVALID}). Each
 * setter is the liblsm option of the same name in snake_case; docs/options.md,
 * generated from liblsm's option table, gives every option's range and
 * default.
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

  /** Create the database if missing. */
  public Options createIfMissing(boolean on) {
    createIfMissing = on;
    return this;
  }

  /** Fail if the database exists. */
  public Options errorIfExists(boolean on) {
    errorIfExists = on;
    return this;
  }

  /** Bytes buffered in memory before a flush. */
  public Options writeBufferSize(long bytes) {
    writeBufferSize = bytes;
    return this;
  }

  /** Uncompressed size of a table block. */
  public Options blockSize(long bytes) {
    blockSize = bytes;
    return this;
  }

  /** Bytes of the block cache; 0 disables it. */
  public Options blockCacheSize(long bytes) {
    blockCacheSize = bytes;
    return this;
  }

  /** Bloom filter bits per key; 0 builds no filters. */
  public Options bloomBitsPerKey(int bits) {
    bloomBitsPerKey = bits;
    return this;
  }

  /** Compression of tables written from now on. */
  public Options compression(Compression c) {
    NativeHandle.checkNotNull(c, "compression");
    compression = c;
    return this;
  }

  /** Table files kept open. */
  public Options maxOpenFiles(int n) {
    maxOpenFiles = n;
    return this;
  }

  /** Background flush and compaction threads. */
  public Options backgroundThreads(int n) {
    backgroundThreads = n;
    return this;
  }

  /** Treat any damage found as an error rather than skip it. */
  public Options paranoidChecks(boolean on) {
    paranoidChecks = on;
    return this;
  }

  /** Size at which compactions cut output tables. */
  public Options targetFileSize(long bytes) {
    targetFileSize = bytes;
    return this;
  }

  /** Target size of level 1. */
  public Options maxBytesForLevelBase(long bytes) {
    maxBytesForLevelBase = bytes;
    return this;
  }

  /** Ratio of adjacent levels' target sizes. */
  public Options levelSizeMultiplier(int n) {
    levelSizeMultiplier = n;
    return this;
  }

  /** How the write-ahead log appends. */
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
