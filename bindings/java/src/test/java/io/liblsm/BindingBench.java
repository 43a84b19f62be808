package io.liblsm;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The Java side of the bindings' benchmark: the workload of
 * tools/lsm_abi_bench.c (read its header; the two must match), run through
 * this binding, so that the cost per operation compares with the C ABI's.
 * A smaller warm-up pass runs first so that the JIT has compiled the paths
 * being measured. With --engine=rocksdb the same harness drives RocksDB's
 * own Java binding (rocksdbjni, from Maven Central; its adapter is in
 * src/bench-rocksdb, compiled only by the bench-rocksdb Maven profile),
 * given the same settings. Not a JUnit test: ci/bench-bindings.sh runs it as
 *   java -cp target/liblsm-0.1.0.jar:target/test-classes io.liblsm.BindingBench
 *        [--engine=lsm|rocksdb] [--num=N] [--value_size=N] [--db=DIR]
 * Output: the same "step ..." lines as lsm_abi_bench.
 */
public final class BindingBench {
  private BindingBench() {}

  /** What the workload needs of a store. */
  interface Engine extends AutoCloseable {
    void put(byte[] key, byte[] value);

    /** The value, or null if absent. */
    byte[] get(byte[] key);

    /** One forward pass over every entry; returns how many had 16-byte keys. */
    long scanAll();

    @Override
    void close();
  }

  /** liblsm through this binding. */
  static final class LsmEngine implements Engine {
    private final Db db;

    LsmEngine(Path dir) {
      Db.destroy(dir);
      db = Db.open(dir, new Options().writeBufferSize(64L << 20).blockCacheSize(32L << 20));
    }

    @Override
    public void put(byte[] key, byte[] value) {
      db.put(key, value);
    }

    @Override
    public byte[] get(byte[] key) {
      return db.get(key);
    }

    @Override
    public long scanAll() {
      long seen = 0;
      try (LsmIterator it = db.newIterator()) {
        for (LsmIterator.Entry e : it.range(null, null)) {
          seen += e.key().length == 16 ? 1 : 0;
        }
      }
      return seen;
    }

    @Override
    public void close() {
      db.close();
    }
  }

  static Engine open(String engine, Path dir) {
    if (engine.equals("lsm")) {
      return new LsmEngine(dir);
    }
    if (engine.equals("rocksdb")) {
      try {
        return (Engine) Class.forName("io.liblsm.RocksDbEngine").getDeclaredConstructor(Path.class)
            .newInstance(dir);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("--engine=rocksdb needs the bench-rocksdb Maven profile", e);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot open RocksDB: " + e.getCause(), e);
      }
    }
    throw new IllegalArgumentException("unknown engine " + engine + " (lsm, rocksdb)");
  }

  private static void makeKey(long i, byte[] key) {
    for (int d = 15; d >= 0; d--) {
      key[d] = (byte) ('0' + i % 10);
      i /= 10;
    }
  }

  /** 26 + n bytes, byte j being 'a' + j % 26: index i's value is n of them from i % 26. */
  private static byte[] makePattern(int n) {
    byte[] pattern = new byte[26 + n];
    for (int j = 0; j < pattern.length; j++) {
      pattern[j] = (byte) ('a' + j % 26);
    }
    return pattern;
  }

  // One copy per value, as the C tool makes it, rather than a division per byte.
  private static void makeValue(long i, byte[] pattern, byte[] value) {
    System.arraycopy(pattern, (int) (i % 26), value, 0, value.length);
  }

  private static void report(boolean print, String step, long ops, long nanos) {
    if (print) {
      System.out.printf(Locale.ROOT, "step %s ops %d seconds %.3f ns_per_op %.1f%n", step, ops,
          nanos / 1e9, (double) nanos / ops);
    }
  }

  static void run(String engine, Path dir, long num, int valueSize, boolean print) {
    try (Engine db = open(engine, dir)) {
      byte[] key = new byte[16];
      byte[] value = new byte[valueSize];
      byte[] pattern = makePattern(valueSize);
      long t = System.nanoTime();
      for (long i = 0; i < num; i++) {
        long k = i * 1000003L % num;
        makeKey(k, key);
        makeValue(k, pattern, value);
        db.put(key, value);
      }
      report(print, "put", num, System.nanoTime() - t);

      long found = 0;
      t = System.nanoTime();
      for (long i = 0; i < num; i++) {
        makeKey(i * 7919L % num, key);
        byte[] v = db.get(key);
        if (v != null && v.length == valueSize) {
          found++;
        }
      }
      report(print, "get", num, System.nanoTime() - t);
      if (found != num) {
        throw new IllegalStateException("get found " + found + " of " + num);
      }

      t = System.nanoTime();
      long seen = db.scanAll();
      report(print, "iterate", seen, System.nanoTime() - t);
      if (seen != num) {
        throw new IllegalStateException("iterate saw " + seen + " of " + num);
      }
    }
  }

  public static void main(String[] args) {
    long num = 1_000_000;
    int valueSize = 100;
    Path dir = Path.of("/tmp/lsm_binding_bench");
    String engine = "lsm";
    for (String a : args) {
      if (a.startsWith("--engine=")) {
        engine = a.substring(9);
      } else if (a.startsWith("--num=")) {
        num = Long.parseLong(a.substring(6));
      } else if (a.startsWith("--value_size=")) {
        valueSize = Integer.parseInt(a.substring(13));
      } else if (a.startsWith("--db=")) {
        dir = Path.of(a.substring(5));
      } else {
        System.err.println("usage: BindingBench [--engine=lsm|rocksdb] [--num=N] [--value_size=N] [--db=DIR]");
        System.exit(2);
      }
    }
    if (num <= 0 || num % 1000003 == 0 || num % 7919 == 0) {
      System.err.println("BindingBench: --num must be positive and not a multiple of 1000003 or 7919");
      System.exit(2);
    }
    run(engine, dir, Math.min(num, 200_000), valueSize, false);  // JIT warm-up
    run(engine, dir, num, valueSize, true);
  }
}
