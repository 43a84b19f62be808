package io.liblsm;

import static io.liblsm.TestBytes.b;
import static io.liblsm.TestBytes.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Objects the Javadoc calls safe to share (an iterator, a batch, read
 * options, a snapshot) shared by threads at once, and closed under them,
 * their Db included: nothing may crash the JVM, and every call gives a
 * correct result or the documented IllegalStateException. Before the
 * per-object locks, sharing an iterator or a batch crashed the JVM.
 */
class SharingTest extends DbFixture {
  private static final String NOT_ON_ENTRY = "iterator is not positioned on an entry";

  private final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();

  /** A body for a thread; what it throws is collected as unexpected. */
  private interface Body {
    void run(int thread) throws Exception;
  }

  /** Runs body on n threads at once and waits for them; fails on anything they threw. */
  private void onThreads(int n, Body body) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        try {
          start.await();
          body.run(thread);
        } catch (Throwable e) {
          unexpected.add(e);
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(JOIN_SECONDS, TimeUnit.SECONDS);
    }
    for (Throwable e : unexpected) {
      throw new AssertionError("a thread failed", e);
    }
  }

  /** Keys k000..k(n-1) with values v0..v(n-1). */
  private static Db filled(Path path, int n) {
    Db db = Db.open(path);
    for (int i = 0; i < n; i++) {
      db.put(key(i), b("v" + i));
    }
    return db;
  }

  private static byte[] key(int i) {
    return b(String.format("k%03d", i));
  }

  /** Checks that value is the one filled() stored under key. */
  private static void checkEntry(byte[] key, byte[] value) {
    assertEquals("v" + Integer.parseInt(s(key).substring(1)), s(value), s(key));
  }

  /** True if e is the documented exception of reading an iterator that another thread moved off its entries. */
  private static boolean offEntry(IllegalStateException e) {
    return NOT_ON_ENTRY.equals(e.getMessage());
  }

  /** True if e is the documented exception of using a closed object. */
  private static boolean closed(IllegalStateException e) {
    return e.getMessage() != null && e.getMessage().endsWith(" is closed");
  }

  // ------------------------------------------------------------ iterator

  /** One step of a thread sharing it: a move, or a read, of what another thread may have moved. */
  private static void shareStep(LsmIterator it, Random rnd) {
    try {
      switch (rnd.nextInt(8)) {
        case 0:
          it.seekToFirst();
          break;
        case 1:
          it.seek(key(rnd.nextInt(300)));
          break;
        case 2:
          it.seekForPrev(key(rnd.nextInt(300)));
          break;
        case 3:
          it.next();
          break;
        case 4:
          it.prev();
          break;
        case 5: {
          byte[] k = it.key();
          assertTrue(s(k).matches("k\\d{3}"), s(k));
          break;
        }
        case 6:
          assertTrue(s(it.value()).startsWith("v"));
          break;
        default: {
          int n = 0;
          for (LsmIterator.Entry e : it.range(key(rnd.nextInt(300)), null)) {
            checkEntry(e.key(), e.value()); // each entry comes whole from one native step
            if (++n == 5) {
              break;
            }
          }
        }
      }
      it.isValid();
    } catch (IllegalStateException e) {
      if (!offEntry(e)) {
        throw e;
      }
    }
  }

  @Test
  void oneIteratorSharedByThreads() throws Exception {
    try (Db db = filled(dbPath(), 300); LsmIterator it = db.newIterator()) {
      onThreads(4, t -> {
        Random rnd = new Random(t);
        for (int i = 0; i < 20_000; i++) {
          shareStep(it, rnd);
        }
      });
      // Alone again, it walks as usual.
      int n = 0;
      for (LsmIterator.Entry e : it.range(null, null)) {
        checkEntry(e.key(), e.value());
        n++;
      }
      assertEquals(300, n);
    }
  }

  @Test
  void closingASharedIteratorOrItsDbUnderItsThreads() throws Exception {
    for (boolean closeDb : new boolean[] {false, true}) {
      Db db = filled(dir.resolve("db-" + closeDb), 300);
      LsmIterator it = db.newIterator();
      AtomicInteger steps = new AtomicInteger();
      AtomicInteger stopped = new AtomicInteger();
      onThreads(5, t -> {
        if (t == 0) {
          while (steps.get() < 2000) {
            Thread.onSpinWait();
          }
          if (closeDb) {
            db.close();
          } else {
            it.close();
          }
          return;
        }
        Random rnd = new Random(t);
        try {
          while (true) {
            shareStep(it, rnd);
            steps.incrementAndGet();
          }
        } catch (IllegalStateException e) {
          if (!closed(e)) {
            throw e;
          }
          stopped.incrementAndGet();
        }
      });
      assertEquals(4, stopped.get(), "threads stopped by the close");
      assertTrue(it.isClosed());
      assertThrows(IllegalStateException.class, it::seekToFirst);
      db.close();
      try (Db again = Db.open(dir.resolve("db-" + closeDb))) {
        assertEquals("v7", s(again.get(key(7))));
      }
    }
  }

  // --------------------------------------------------------------- batch

  @Test
  void oneWriteBatchSharedByThreads() throws Exception {
    int fillers = 4;
    int perFiller = 5000;
    try (Db db = Db.open(dbPath()); WriteBatch batch = new WriteBatch()) {
      AtomicInteger filling = new AtomicInteger(fillers);
      onThreads(fillers + 1, t -> {
        if (t == fillers) {
          // Writes the batch, as it is at each moment, while it fills.
          do {
            db.write(batch);
          } while (filling.get() > 0);
          return;
        }
        try {
          for (int i = 0; i < perFiller; i++) {
            byte[] k = b("t" + t + "-" + i);
            batch.put(k, k);
            if (i % 10 == 0) {
              batch.delete(b("t" + t + "-gone"));
            }
          }
        } finally {
          filling.decrementAndGet();
        }
      });
      assertEquals(fillers * (perFiller + perFiller / 10), batch.count());
      db.write(batch);
      for (int t = 0; t < fillers; t++) {
        for (int i = 0; i < perFiller; i++) {
          assertEquals("t" + t + "-" + i, s(db.get(b("t" + t + "-" + i))));
        }
        assertNull(db.get(b("t" + t + "-gone")));
      }
    }
  }

  @Test
  void closingASharedWriteBatchUnderItsThreads() throws Exception {
    try (Db db = Db.open(dbPath())) {
      WriteBatch batch = new WriteBatch();
      AtomicInteger puts = new AtomicInteger();
      AtomicInteger stopped = new AtomicInteger();
      onThreads(4, t -> {
        if (t == 0) {
          while (puts.get() < 2000) {
            Thread.onSpinWait();
          }
          batch.close();
          return;
        }
        try {
          for (int i = 0; ; i++) {
            batch.put(b("t" + t + "-" + i), b("v"));
            puts.incrementAndGet();
            if (t == 1 && i % 50 == 0) {
              db.write(batch);
            }
          }
        } catch (IllegalStateException e) {
          if (!closed(e)) {
            throw e;
          }
          stopped.incrementAndGet();
        }
      });
      assertEquals(3, stopped.get());
    }
  }

  // ------------------------------------------- read options and snapshot

  @Test
  void oneReadOptionsSharedByReadersWhileItsSettingsChange() throws Exception {
    try (Db db = filled(dbPath(), 300);
        Snapshot snap = db.snapshot();
        ReadOptions ro = new ReadOptions()) {
      AtomicBoolean reading = new AtomicBoolean(true);
      AtomicInteger readersLeft = new AtomicInteger(3);
      onThreads(4, t -> {
        if (t == 3) {
          // Changes every setting while the others read through ro.
          Random rnd = new Random(3);
          while (reading.get()) {
            int lo = rnd.nextInt(300);
            ro.lowerBound(rnd.nextBoolean() ? key(lo) : null)
                .upperBound(rnd.nextBoolean() ? key(lo + rnd.nextInt(300 - lo) + 1) : null)
                .fillCache(rnd.nextBoolean())
                .verifyChecksums(rnd.nextBoolean())
                .snapshot(rnd.nextBoolean() ? snap : null);
          }
          return;
        }
        try {
          Random rnd = new Random(t);
          for (int i = 0; i < 3000; i++) {
            int k = rnd.nextInt(300);
            assertEquals("v" + k, s(db.get(ro, key(k))));
            if (i % 10 == 0) {
              try (LsmIterator it = db.newIterator(ro)) {
                // Whatever bounds it was opened with, it shows them whole
                // and only filled() entries.
                for (LsmIterator.Entry e : it.range(null, null)) {
                  checkEntry(e.key(), e.value());
                }
              }
            }
          }
        } finally {
          if (readersLeft.decrementAndGet() == 0) {
            reading.set(false);
          }
        }
      });
    }
  }

  @Test
  void closingASnapshotAndReadOptionsUnderTheirReaders() throws Exception {
    for (boolean closeSnapshot : new boolean[] {true, false}) {
      try (Db db = filled(dir.resolve("db-" + closeSnapshot), 100)) {
        Snapshot snap = db.snapshot();
        ReadOptions ro = new ReadOptions().snapshot(snap);
        db.put(key(5), b("new"));
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger stopped = new AtomicInteger();
        onThreads(4, t -> {
          if (t == 0) {
            while (reads.get() < 2000) {
              Thread.onSpinWait();
            }
            if (closeSnapshot) {
              snap.close();
            } else {
              ro.close();
            }
            return;
          }
          try {
            for (int i = 0; ; i++) {
              assertEquals("v5", s(db.get(ro, key(5)))); // the snapshot's value
              if (i % 20 == 0) {
                try (LsmIterator it = db.newIterator(ro)) {
                  it.seek(key(5));
                  assertEquals("v5", s(it.value()));
                }
              }
              reads.incrementAndGet();
            }
          } catch (IllegalStateException e) {
            // "ReadOptions is closed", or "the ReadOptions' snapshot is closed".
            if (!closed(e)) {
              throw e;
            }
            stopped.incrementAndGet();
          }
        });
        assertEquals(3, stopped.get());
        snap.close();
        ro.close();
        assertEquals("new", s(db.get(key(5))));
      }
    }
  }
}
