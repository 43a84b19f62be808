package io.liblsm;

import static io.liblsm.TestBytes.b;
import static io.liblsm.TestBytes.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The safety net under objects a program forgets to close: once garbage
 * collected, the Cleaner frees their native memory, and
 * {@link Db#unclosedObjectsFreed()} counts them. Other tests' forgotten
 * objects may be counted meanwhile, so the checks are "at least".
 */
class CleanerTest extends DbFixture {
  /** A bound on each wait for the Cleaner: only a missing free reaches it. */
  private static final long WAIT_MILLIS = 30_000;

  /** Collects garbage until done says so, or the wait's bound; returns done's last answer. */
  private static boolean collectUntil(BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      System.gc();
      Thread.sleep(20);
    }
    return true;
  }

  /** Collects garbage until the count has grown by at least n since before. */
  private static void awaitFreed(long before, long n) throws InterruptedException {
    collectUntil(() -> Db.unclosedObjectsFreed() - before >= n);
    long freed = Db.unclosedObjectsFreed() - before;
    assertTrue(freed >= n, "the Cleaner freed " + freed + " unclosed objects, want " + n);
  }

  // Made in methods of their own, so that no local of the test keeps them.

  private static void leakBatchesAndReadOptions(int n) {
    for (int i = 0; i < n; i++) {
      new WriteBatch().put(b("key" + i), new byte[100]).delete(b("gone"));
      new ReadOptions().lowerBound(b("a")).upperBound(b("z")).fillCache(false);
    }
  }

  private static void leakIteratorsAndSnapshots(Db db, int n) {
    for (int i = 0; i < n; i++) {
      db.newIterator().seekToFirst();
      db.snapshot();
    }
  }

  private static void leakDb(Path path) {
    Db db = Db.open(path);
    db.put(b("k"), b("v"));
    db.newIterator().seekToLast();
    db.snapshot();
  }

  @Test
  void unclosedWriteBatchesAndReadOptionsAreFreedAndCounted() throws InterruptedException {
    long before = Db.unclosedObjectsFreed();
    leakBatchesAndReadOptions(50_000);
    awaitFreed(before, 100_000);
  }

  @Test
  void unclosedIteratorsAndSnapshotsAreFreedWhileTheirDbStaysOpen() throws InterruptedException {
    try (Db db = Db.open(dbPath())) {
      db.put(b("k"), b("v"));
      long before = Db.unclosedObjectsFreed();
      leakIteratorsAndSnapshots(db, 500);
      // Freed, they are no longer the Db's to close.
      Set<NativeHandle.Resource> children = ((NativeHandle.DbResource) db.resource).children;
      assertTrue(collectUntil(children::isEmpty), children.size() + " iterators and snapshots left");
      awaitFreed(before, 1000);
      db.put(b("k"), b("v2"));
      assertEquals("v2", s(db.get(b("k"))));
    }
  }

  @Test
  void closingTheDbWhileTheCleanerFreesItsIterators() {
    // Db.close frees the iterators still open while the Cleaner thread may
    // be freeing the same ones: each is freed once, before the database.
    for (int round = 0; round < 20; round++) {
      Db db = Db.open(dbPath());
      db.put(b("k" + round), b("v"));
      leakIteratorsAndSnapshots(db, 200);
      System.gc();
      db.close();
    }
    try (Db db = Db.open(dbPath())) {
      assertEquals("v", s(db.get(b("k19"))));
    }
  }

  @Test
  void anUnclosedDbIsClosedWithItsIteratorsAndSnapshots() throws InterruptedException {
    Path path = dbPath();
    long before = Db.unclosedObjectsFreed();
    leakDb(path);
    // Once closed, the directory is no longer locked: it opens again, with
    // the write in it.
    Db[] again = new Db[1];
    assertTrue(collectUntil(() -> {
      try {
        again[0] = Db.open(path);
        return true;
      } catch (LsmException e) {
        assertEquals(Status.BUSY, e.status(), e.getMessage());
        return false;
      }
    }), "the unclosed Db was not closed");
    try (Db db = again[0]) {
      assertEquals("v", s(db.get(b("k"))));
    }
    awaitFreed(before, 3);
  }
}
