package io.liblsm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * BindingBench's workload on RocksDB through rocksdbjni, with the settings
 * liblsm gets: 64 MiB write buffer, 32 MiB block cache, 10 bloom bits,
 * 4 KiB blocks, lz4, two background jobs (liblsm's background_threads).
 * Compiled only by the bench-rocksdb Maven profile.
 */
final class RocksDbEngine implements BindingBench.Engine {
  static {
    RocksDB.loadLibrary();
  }

  private final org.rocksdb.Options options;
  private final LRUCache cache;
  private final BloomFilter bloom;
  private final RocksDB db;

  RocksDbEngine(Path dir) throws RocksDBException, IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> {
          try {
            Files.delete(p);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      }
    }
    cache = new LRUCache(32L << 20);
    bloom = new BloomFilter(10);
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(cache)
        .setFilterPolicy(bloom)
        .setBlockSize(4096);
    options = new org.rocksdb.Options()
        .setCreateIfMissing(true)
        .setWriteBufferSize(64L << 20)
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setMaxBackgroundJobs(2)
        .setTableFormatConfig(table);
    db = RocksDB.open(options, dir.toString());
  }

  @Override
  public void put(byte[] key, byte[] value) {
    try {
      db.put(key, value);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public long scanAll() {
    long seen = 0;
    try (RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        byte[] value = it.value();
        seen += key.length == 16 && value != null ? 1 : 0;
      }
    }
    return seen;
  }

  @Override
  public void close() {
    db.close();
    options.close();
    bloom.close();
    cache.close();
  }
}
