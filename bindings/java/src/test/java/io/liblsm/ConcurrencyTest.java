package io.liblsm;

import static io.liblsm.TestBytes.b;
import static io.liblsm.TestBytes.direct;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One Db shared by many threads: writers and readers at once, batches seen
 * whole, a snapshot shared by readers, and the Db closed under threads
 * still using it (they may only see IllegalStateException).
 */
class ConcurrencyTest extends DbFixture {
  private static final int WRITERS = 4;
  private static final int KEYS_PER_WRITER = 400;

  private static byte[] key(int writer, int i) {
    return b(String.format("w%d-%05d", writer, i));
  }

  /** The first value written under key, later overwritten by finalValue. */
  private static byte[] firstValue(byte[] key) {
    return b("first:" + new String(key, UTF_8));
  }

  /** A value of 50 to 250 bytes that only key has. */
  private static byte[] finalValue(byte[] key) {
    String k = new String(key, UTF_8);
    StringBuilder sb = new StringBuilder("final:");
    int n = 50 + Math.floorMod(k.hashCode(), 200);
    while (sb.length() < n) {
      sb.append(k);
    }
    return b(sb.substring(0, n));
  }

  private static boolean validValue(byte[] key, byte[] value) {
    return Arrays.equals(value, firstValue(key)) || Arrays.equals(value, finalValue(key));
  }

  // -------------------------------------------------- writers + readers

  @Test
  void writersAndReadersShareOneDb() throws Exception {
    try (Db db = Db.open(dbPath(), new Options().writeBufferSize(64 << 10))) {
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger writersLeft = new AtomicInteger(WRITERS);
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        final int writer = w;
        futures.add(pool.submit((Callable<Void>) () -> {
          start.await();
          try {
            write(db, writer);
          } finally {
            writersLeft.decrementAndGet();
          }
          return null;
        }));
      }
      AtomicInteger readerPasses = new AtomicInteger();
      for (int r = 0; r < 3; r++) {
        final long seed = r;
        futures.add(pool.submit((Callable<Void>) () -> {
          start.await();
          read(db, seed, writersLeft, readerPasses);
          return null;
        }));
      }
      // Flushes and compactions asked for while all that goes on.
      futures.add(pool.submit((Callable<Void>) () -> {
        start.await();
        while (writersLeft.get() > 0) {
          db.flush();
          db.compactRange(null, null);
          assertNotNull(db.property("lsm.stats"));
          Thread.sleep(5);
        }
        return null;
      }));
      start.countDown();
      joinAll(futures);
      assertTrue(readerPasses.get() >= 3);

      // Every writer's keys are there with their final values.
      for (int w = 0; w < WRITERS; w++) {
        for (int i = 0; i < KEYS_PER_WRITER; i++) {
          byte[] k = key(w, i);
          assertArrayEquals(finalValue(k), db.get(k), new String(k, UTF_8));
        }
      }
      try (LsmIterator it = db.newIterator()) {
        int n = 0;
        for (LsmIterator.Entry e : it.range(null, null)) {
          assertArrayEquals(finalValue(e.key()), e.value());
          n++;
        }
        assertEquals(WRITERS * KEYS_PER_WRITER, n);
      }
    }
  }

  /** Each key: first value, then (later, in various ways) the final one. */
  private static void write(Db db, int writer) {
    Random rnd = new Random(100 + writer);
    for (int i = 0; i < KEYS_PER_WRITER; i++) {
      byte[] k = key(writer, i);
      db.put(k, firstValue(k));
    }
    try (WriteBatch batch = new WriteBatch()) {
      for (int i = 0; i < KEYS_PER_WRITER; i++) {
        byte[] k = key(writer, i);
        switch (rnd.nextInt(3)) {
          case 0:
            db.put(k, finalValue(k));
            break;
          case 1:
            db.put(direct(k), direct(finalValue(k)));
            break;
          default:
            batch.put(k, finalValue(k));
            if (batch.count() >= 10) {
              db.write(batch);
              batch.clear();
            }
            break;
        }
      }
      db.write(batch);
    }
  }

  private static void read(Db db, long seed, AtomicInteger writersLeft, AtomicInteger passes) {
    Random rnd = new Random(seed);
    // This reader's own iterator, opened at the start: a fixed view, the
    // same on every pass however much is written meanwhile.
    try (LsmIterator fixed = db.newIterator()) {
      int fixedCount = -1;
      int lastFreshCount = 0;
      boolean lastPass = false;
      while (!lastPass) {
        lastPass = writersLeft.get() == 0; // one more pass after the writers end
        for (int i = 0; i < 200; i++) {
          byte[] k = key(rnd.nextInt(WRITERS), rnd.nextInt(KEYS_PER_WRITER));
          byte[] v = db.get(k);
          if (v != null && !validValue(k, v)) {
            fail("get " + new String(k, UTF_8) + " = " + new String(v, UTF_8));
          }
          ByteBuffer out = ByteBuffer.allocateDirect(300);
          int n = db.get(direct(k), out);
          if (n >= 0) {
            byte[] got = new byte[n];
            out.flip().get(got);
            if (!validValue(k, got)) {
              fail("direct get " + new String(k, UTF_8) + " = " + new String(got, UTF_8));
            }
          }
        }
        int count = scan(fixed);
        if (fixedCount < 0) {
          fixedCount = count;
        }
        assertEquals(fixedCount, count, "an iterator's view does not change");
        try (LsmIterator fresh = db.newIterator()) {
          // Keys are only added, so later views hold at least as many.
          int freshCount = scan(fresh);
          assertTrue(freshCount >= lastFreshCount, freshCount + " < " + lastFreshCount);
          lastFreshCount = freshCount;
        }
        passes.incrementAndGet();
      }
      assertEquals(WRITERS * KEYS_PER_WRITER, lastFreshCount, "the last pass sees every key");
    }
  }

  /** Scans all, checking order and values both ways; returns the count. */
  private static int scan(LsmIterator it) {
    byte[] prev = null;
    int n = 0;
    for (LsmIterator.Entry e : it.range(null, null)) {
      if (prev != null && Arrays.compareUnsigned(prev, e.key()) >= 0) {
        fail("out of order: " + new String(prev, UTF_8) + " then " + new String(e.key(), UTF_8));
      }
      if (!validValue(e.key(), e.value())) {
        fail("bad value under " + new String(e.key(), UTF_8));
      }
      prev = e.key();
      n++;
    }
    int back = 0;
    for (it.seekToLast(); it.isValid(); it.prev()) {
      back++;
    }
    assertEquals(n, back, "forward and backward scans agree");
    return n;
  }

  // ------------------------------------------------------------ batches

  @Test
  void batchesAreSeenWholeByReaders() throws Exception {
    byte[][] keys = {b("a"), b("m"), b("z")};
    int rounds = 1500;
    try (Db db = Db.open(dbPath(), new Options().writeBufferSize(64 << 10))) {
      AtomicBoolean writing = new AtomicBoolean(true);
      List<Future<?>> futures = new ArrayList<>();
      futures.add(pool.submit((Callable<Void>) () -> {
        try (WriteBatch batch = new WriteBatch()) {
          byte[] pad = new byte[200];
          for (int i = 1; i <= rounds; i++) {
            batch.clear();
            byte[] v = b(Integer.toString(i));
            for (byte[] k : keys) {
              batch.put(k, v);
            }
            batch.put(b("pad" + (i % 50)), pad); // so flushes happen meanwhile
            db.write(batch);
          }
        } finally {
          writing.set(false);
        }
        return null;
      }));
      AtomicInteger checks = new AtomicInteger();
      for (int r = 0; r < 3; r++) {
        futures.add(pool.submit((Callable<Void>) () -> {
          boolean last = false;
          while (!last) {
            last = !writing.get();
            try (Snapshot snap = db.snapshot(); ReadOptions ro = new ReadOptions().snapshot(snap)) {
              byte[] first = db.get(ro, keys[0]);
              for (byte[] k : keys) {
                assertArrayEquals(first, db.get(ro, k), "all of a batch or none");
              }
            }
            try (LsmIterator it = db.newIterator()) {
              List<byte[]> values = new ArrayList<>();
              for (byte[] k : keys) {
                it.seek(k);
                if (it.isValid() && Arrays.equals(it.key(), k)) {
                  values.add(it.value());
                }
              }
              for (byte[] v : values) {
                assertArrayEquals(values.get(0), v, "an iterator sees all of a batch or none");
              }
              if (!values.isEmpty()) {
                assertEquals(keys.length, values.size());
              }
            }
            checks.incrementAndGet();
          }
          return null;
        }));
      }
      joinAll(futures);
      assertTrue(checks.get() >= 3);
      for (byte[] k : keys) {
        assertEquals(Integer.toString(rounds), new String(db.get(k), UTF_8));
      }
    }
  }

  @Test
  void oneSnapshotSharedByReaderThreads() throws Exception {
    try (Db db = Db.open(dbPath(), new Options().writeBufferSize(64 << 10))) {
      for (int i = 0; i < 200; i++) {
        db.put(b("k" + i), b("old" + i));
      }
      try (Snapshot snap = db.snapshot()) {
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Future<?>> futures = new ArrayList<>();
        futures.add(pool.submit((Callable<Void>) () -> {
          try {
            for (int round = 0; round < 10; round++) {
              for (int i = 0; i < 200; i++) {
                db.put(b("k" + i), b("new" + round + "-" + i));
                if (i % 3 == 0) {
                  db.delete(b("k" + i));
                }
              }
              db.flush();
            }
          } finally {
            writing.set(false);
          }
          return null;
        }));
        for (int r = 0; r < 3; r++) {
          futures.add(pool.submit((Callable<Void>) () -> {
            // Each thread its own ReadOptions (single-thread objects), all
            // the same snapshot.
            try (ReadOptions ro = new ReadOptions().snapshot(snap)) {
              boolean last = false;
              while (!last) {
                last = !writing.get();
                for (int i = 0; i < 200; i += 7) {
                  assertEquals("old" + i, new String(db.get(ro, b("k" + i)), UTF_8));
                }
                try (LsmIterator it = db.newIterator(ro)) {
                  int n = 0;
                  for (LsmIterator.Entry e : it.range(null, null)) {
                    assertTrue(new String(e.value(), UTF_8).startsWith("old"));
                    n++;
                  }
                  assertEquals(200, n);
                }
              }
            }
            return null;
          }));
        }
        joinAll(futures);
      }
      assertNull(db.get(b("k0")));
      assertEquals("new9-1", new String(db.get(b("k1")), UTF_8));
    }
  }

  // ------------------------------------------------ close under use

  /** One kind of work done in a loop by a thread until the Db is closed. */
  private interface Work {
    void step(Db db, Random rnd);
  }

  private static List<Work> workKinds() {
    List<Work> kinds = new ArrayList<>();
    kinds.add((db, rnd) -> db.get(b("k" + rnd.nextInt(100))));
    kinds.add((db, rnd) -> db.put(b("k" + rnd.nextInt(100)), b("v" + rnd.nextInt())));
    kinds.add((db, rnd) -> db.delete(b("k" + (100 + rnd.nextInt(100)))));
    kinds.add((db, rnd) -> {
      try (WriteBatch batch = new WriteBatch()) {
        db.write(batch.put(b("k" + rnd.nextInt(100)), b("batch")).delete(b("nope")));
      }
    });
    kinds.add((db, rnd) -> {
      db.put(direct(b("k" + rnd.nextInt(100))), direct(b("direct")));
      db.get(direct(b("k" + rnd.nextInt(100))), ByteBuffer.allocateDirect(16));
    });
    kinds.add((db, rnd) -> {
      try (LsmIterator it = db.newIterator()) {
        int n = 0;
        for (LsmIterator.Entry e : it.range(null, null)) {
          assertNotNull(e.key());
          if (++n == 20) {
            break;
          }
        }
        it.seekToLast();
        while (it.isValid() && n-- > 0) {
          it.key();
          it.prev();
        }
      }
    });
    kinds.add((db, rnd) -> {
      try (Snapshot snap = db.snapshot(); ReadOptions ro = new ReadOptions().snapshot(snap)) {
        db.get(ro, b("k" + rnd.nextInt(100)));
      }
    });
    kinds.add((db, rnd) -> {
      if (rnd.nextInt(20) == 0) {
        db.flush();
      }
      db.property("lsm.sequence");
      db.approximateSize(null, null);
    });
    return kinds;
  }

  @Test
  void closingTheDbUnderBusyThreadsOnlyCausesIllegalStateException() throws Exception {
    List<Work> kinds = workKinds();
    Path path = dbPath();
    for (int round = 0; round < 4; round++) {
      Db db = Db.open(path, new Options().writeBufferSize(64 << 10));
      db.put(b("keep"), b("me"));
      CountDownLatch running = new CountDownLatch(kinds.size() + 1);
      ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      AtomicInteger stoppedByClose = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      List<Work> all = new ArrayList<>(kinds);
      // Plus a thread holding one iterator across the close, stepping it.
      all.add(new Work() {
        LsmIterator it;

        @Override
        public void step(Db d, Random rnd) {
          if (it == null) {
            it = d.newIterator();
          }
          it.seekToFirst();
          while (it.isValid()) {
            it.value();
            it.next();
          }
        }
      });
      for (int t = 0; t < all.size(); t++) {
        Work work = all.get(t);
        long seed = round * 100L + t;
        futures.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          try {
            for (int i = 0; ; i++) {
              work.step(db, rnd);
              if (i == 20) {
                running.countDown();
              }
            }
          } catch (IllegalStateException e) {
            stoppedByClose.incrementAndGet();
          } catch (Throwable e) {
            unexpected.add(e);
          } finally {
            running.countDown(); // (also if it failed before step 20)
          }
        }));
      }
      assertTrue(running.await(JOIN_SECONDS, TimeUnit.SECONDS));
      // Two closers at once: both return, one does the work.
      Future<?> otherCloser = pool.submit(db::close);
      db.close();
      otherCloser.get(JOIN_SECONDS, TimeUnit.SECONDS);
      assertTrue(db.isClosed());
      joinAll(futures);
      for (Throwable e : unexpected) {
        throw new AssertionError("round " + round + ": not an IllegalStateException", e);
      }
      assertEquals(all.size(), stoppedByClose.get(), "round " + round);
      // The database is intact and the directory free.
      try (Db again = Db.open(path)) {
        assertEquals("me", new String(again.get(b("keep")), UTF_8));
      }
    }
  }
}
