package io.liblsm;

import static io.liblsm.TestBytes.b;
import static io.liblsm.TestBytes.direct;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Misuse and edge cases: closed objects, null arguments, unpositioned
 * iterators, empty and very large keys and values. None may crash the JVM
 * or leak a native failure as anything but the documented exception.
 */
class SafetyTest extends DbFixture {
  private static final int MAX_KEY = 1 << 20; // LSM_MAX_KEY_SIZE

  private static void assertClosed(String what, Executable call) {
    IllegalStateException e = assertThrows(IllegalStateException.class, call, what);
    assertNotNull(e.getMessage(), what);
    assertTrue(e.getMessage().contains("closed"), what + ": " + e.getMessage());
  }

  private static void assertNpe(String param, Executable call) {
    NullPointerException e = assertThrows(NullPointerException.class, call, param);
    assertEquals(param + " is null", e.getMessage());
  }

  // ------------------------------------------- close with open children

  @Test
  void closingTheDatabaseClosesItsIteratorsAndSnapshots() {
    Db db = Db.open(dbPath());
    db.put(b("k"), b("v"));
    LsmIterator it = db.newIterator();
    it.seekToFirst();
    assertTrue(it.isValid());
    Snapshot snap = db.snapshot();
    ReadOptions ro = new ReadOptions().snapshot(snap);
    LsmIterator snapIt = db.newIterator(ro);
    Iterator<LsmIterator.Entry> walk = it.range(null, null).iterator();

    db.close(); // succeeds although all of the above are open

    assertTrue(it.isClosed());
    assertTrue(snapIt.isClosed());
    assertTrue(snap.isClosed());
    assertClosed("key", it::key);
    assertClosed("isValid", it::isValid);
    assertClosed("next", it::next);
    assertClosed("seekToFirst", snapIt::seekToFirst);
    assertClosed("walk", walk::hasNext);
    assertClosed("ro with closed snapshot", () -> ro.snapshot(snap));
    // Closing them again is a no-op, and so is closing the database again.
    assertDoesNotThrow(it::close);
    assertDoesNotThrow(snapIt::close);
    assertDoesNotThrow(snap::close);
    assertDoesNotThrow(db::close);
    ro.close();

    // The directory is free again and the data is there.
    try (Db again = Db.open(dbPath())) {
      assertEquals("v", new String(again.get(b("k")), UTF_8));
    }
  }

  @Test
  void closingChildrenFirstThenTheDatabase() {
    Db db = Db.open(dbPath());
    LsmIterator it = db.newIterator();
    Snapshot snap = db.snapshot();
    it.close();
    snap.close();
    it.close();
    snap.close();
    db.close();
    db.close();
    assertTrue(db.isClosed());
  }

  @Test
  void readOptionsWithAClosedSnapshotThrows() {
    try (Db db = Db.open(dbPath()); ReadOptions ro = new ReadOptions()) {
      db.put(b("k"), b("v"));
      Snapshot snap = db.snapshot();
      ro.snapshot(snap);
      assertEquals("v", new String(db.get(ro, b("k")), UTF_8));
      snap.close();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> db.get(ro, b("k")));
      assertTrue(e.getMessage().contains("snapshot"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> db.newIterator(ro));
      assertThrows(IllegalStateException.class,
          () -> db.get(ro, direct(b("k")), ByteBuffer.allocateDirect(4)));
      assertThrows(IllegalStateException.class, () -> ro.snapshot(snap));
      // The options themselves still work once the snapshot is dropped.
      ro.snapshot(null);
      assertEquals("v", new String(db.get(ro, b("k")), UTF_8));
    }
  }

  @Test
  void anIteratorOutlivesTheSnapshotItWasOpenedWith() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("a"), b("1"));
      Snapshot snap = db.snapshot();
      LsmIterator it;
      try (ReadOptions ro = new ReadOptions().snapshot(snap)) {
        it = db.newIterator(ro);
      }
      db.put(b("a"), b("2"));
      db.put(b("b"), b("2"));
      snap.close();
      db.flush();
      db.compactRange(null, null);
      it.seekToFirst();
      assertEquals("a", new String(it.key(), UTF_8));
      assertEquals("1", new String(it.value(), UTF_8));
      it.next();
      assertFalse(it.isValid());
      it.close();
    }
  }

  // -------------------------------------------------- use after close

  @Test
  void everyDbMethodThrowsAfterClose() {
    Db db = Db.open(dbPath());
    db.close();
    byte[] k = b("k");
    Map<String, Executable> calls = new LinkedHashMap<>();
    calls.put("put", () -> db.put(k, k));
    calls.put("put wo", () -> db.put(k, k, new WriteOptions()));
    calls.put("put direct", () -> db.put(direct(k), direct(k)));
    calls.put("put direct wo", () -> db.put(direct(k), direct(k), new WriteOptions().sync(true)));
    calls.put("delete", () -> db.delete(k));
    calls.put("delete wo", () -> db.delete(k, new WriteOptions()));
    calls.put("write", () -> {
      try (WriteBatch batch = new WriteBatch()) {
        db.write(batch.put(k, k));
      }
    });
    calls.put("get", () -> db.get(k));
    calls.put("get ro", () -> db.get(null, k));
    calls.put("get direct", () -> db.get(direct(k), ByteBuffer.allocateDirect(1)));
    calls.put("snapshot", db::snapshot);
    calls.put("newIterator", () -> db.newIterator());
    calls.put("newIterator ro", () -> db.newIterator(null));
    calls.put("flush", db::flush);
    calls.put("compactRange", () -> db.compactRange(null, null));
    calls.put("waitForCompactions", db::waitForCompactions);
    calls.put("approximateSize", () -> db.approximateSize(null, null));
    calls.put("property", () -> db.property("lsm.stats"));
    for (Map.Entry<String, Executable> c : calls.entrySet()) {
      assertClosed(c.getKey(), c.getValue());
    }
  }

  @Test
  void everyIteratorMethodThrowsAfterClose() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("k"), b("v"));
      LsmIterator it = db.newIterator();
      it.seekToFirst();
      Iterable<LsmIterator.Entry> range = it.range(null, null);
      it.close();
      Map<String, Executable> calls = new LinkedHashMap<>();
      calls.put("seekToFirst", it::seekToFirst);
      calls.put("seekToLast", it::seekToLast);
      calls.put("seek", () -> it.seek(b("k")));
      calls.put("seekForPrev", () -> it.seekForPrev(b("k")));
      calls.put("next", it::next);
      calls.put("prev", it::prev);
      calls.put("isValid", it::isValid);
      calls.put("key", it::key);
      calls.put("value", it::value);
      calls.put("range", () -> range.iterator());
      calls.put("reverseRange", () -> it.reverseRange(null, null).iterator());
      for (Map.Entry<String, Executable> c : calls.entrySet()) {
        assertClosed(c.getKey(), c.getValue());
      }
      it.close();
      // The database is unaffected.
      assertEquals("v", new String(db.get(b("k")), UTF_8));
    }
  }

  @Test
  void closingAnIteratorMidLoopStopsTheLoop() {
    try (Db db = Db.open(dbPath())) {
      for (int i = 0; i < 10; i++) {
        db.put(b("k" + i), b("v"));
      }
      LsmIterator it = db.newIterator();
      Iterator<LsmIterator.Entry> walk = it.range(null, null).iterator();
      assertTrue(walk.hasNext());
      walk.next();
      it.close();
      assertClosed("hasNext", walk::hasNext);
    }
  }

  @Test
  void closedSnapshotCannotBeSetOnReadOptions() {
    try (Db db = Db.open(dbPath()); ReadOptions ro = new ReadOptions()) {
      Snapshot snap = db.snapshot();
      snap.close();
      assertClosed("snapshot", () -> ro.snapshot(snap));
      assertNull(ro.snapshot(), "a refused snapshot is not kept");
      assertNull(db.get(ro, b("k")));
    }
  }

  @Test
  void everyReadOptionsMethodThrowsAfterClose() {
    try (Db db = Db.open(dbPath()); Snapshot snap = db.snapshot()) {
      ReadOptions ro = new ReadOptions();
      ro.close();
      ro.close();
      Map<String, Executable> calls = new LinkedHashMap<>();
      calls.put("snapshot", () -> ro.snapshot(snap));
      calls.put("snapshot null", () -> ro.snapshot(null));
      calls.put("verifyChecksums", () -> ro.verifyChecksums(true));
      calls.put("fillCache", () -> ro.fillCache(false));
      calls.put("lowerBound", () -> ro.lowerBound(b("a")));
      calls.put("upperBound", () -> ro.upperBound(null));
      calls.put("get", () -> db.get(ro, b("k")));
      calls.put("get direct", () -> db.get(ro, direct(b("k")), ByteBuffer.allocateDirect(1)));
      calls.put("newIterator", () -> db.newIterator(ro));
      for (Map.Entry<String, Executable> c : calls.entrySet()) {
        assertClosed(c.getKey(), c.getValue());
      }
      db.put(b("k"), b("v")); // the database is unaffected
    }
  }

  @Test
  void everyWriteBatchMethodThrowsAfterClose() {
    try (Db db = Db.open(dbPath())) {
      WriteBatch batch = new WriteBatch().put(b("k"), b("v"));
      batch.close();
      batch.close();
      assertClosed("put", () -> batch.put(b("k"), b("v")));
      assertClosed("delete", () -> batch.delete(b("k")));
      assertClosed("clear", batch::clear);
      assertClosed("count", batch::count);
      assertClosed("write", () -> db.write(batch));
      assertClosed("write wo", () -> db.write(batch, new WriteOptions()));
      assertNull(db.get(b("k")));
    }
  }

  @Test
  void aReadOptionsOutlivesItsDatabase() {
    ReadOptions ro = new ReadOptions().lowerBound(b("b"));
    try (Db db = Db.open(dir.resolve("one"))) {
      db.put(b("a"), b("1"));
      db.put(b("b"), b("2"));
      try (LsmIterator it = db.newIterator(ro)) {
        it.seekToFirst();
        assertEquals("b", new String(it.key(), UTF_8));
      }
    }
    try (Db db = Db.open(dir.resolve("two"))) {
      db.put(b("a"), b("1"));
      db.put(b("c"), b("3"));
      try (LsmIterator it = db.newIterator(ro)) {
        it.seekToFirst();
        assertEquals("c", new String(it.key(), UTF_8));
      }
    }
    ro.close();
  }

  // ------------------------------------------------------ null arguments

  @Test
  void nullArgumentsNameTheParameter() {
    try (Db db = Db.open(dbPath());
        WriteBatch batch = new WriteBatch();
        LsmIterator it = db.newIterator()) {
      byte[] k = b("k");
      ByteBuffer dk = direct(k);
      ByteBuffer dv = ByteBuffer.allocateDirect(4);
      assertNpe("path", () -> Db.open(null));
      assertNpe("path", () -> Db.open(null, new Options()));
      assertNpe("options", () -> Db.open(dbPath(), null));
      assertNpe("path", () -> Db.destroy(null));
      assertNpe("key", () -> db.put(null, k));
      assertNpe("value", () -> db.put(k, null));
      assertNpe("key", () -> db.put(null, k, new WriteOptions()));
      assertNpe("key", () -> db.put((ByteBuffer) null, dv));
      assertNpe("value", () -> db.put(dk, (ByteBuffer) null));
      assertNpe("key", () -> db.delete(null));
      assertNpe("key", () -> db.delete(null, null));
      assertNpe("batch", () -> db.write(null));
      assertNpe("batch", () -> db.write(null, new WriteOptions()));
      assertNpe("key", () -> db.get((byte[]) null));
      assertNpe("key", () -> db.get(null, (byte[]) null));
      assertNpe("key", () -> db.get((ByteBuffer) null, dv));
      assertNpe("value", () -> db.get(dk, (ByteBuffer) null));
      assertNpe("name", () -> db.property(null));
      assertNpe("key", () -> batch.put(null, k));
      assertNpe("value", () -> batch.put(k, null));
      assertNpe("key", () -> batch.delete(null));
      assertNpe("target", () -> it.seek(null));
      assertNpe("target", () -> it.seekForPrev(null));
      assertNpe("compression", () -> new Options().compression(null));
      // Nothing was written, and everything still works.
      assertEquals(0, batch.count());
      assertNull(db.get(k));
      db.put(k, k);
      assertArrayEquals(k, db.get(k));
    }
  }

  // ---------------------------------------------- unpositioned iterators

  @Test
  void movingOrReadingAnInvalidIteratorThrows() {
    try (Db db = Db.open(dbPath()); LsmIterator it = db.newIterator()) {
      db.put(b("a"), b("1"));
      // Unpositioned.
      assertFalse(it.isValid());
      assertThrows(IllegalStateException.class, it::next);
      assertThrows(IllegalStateException.class, it::prev);
      assertThrows(IllegalStateException.class, it::key);
      assertThrows(IllegalStateException.class, it::value);
    }
    try (Db db = Db.open(dbPath()); LsmIterator it = db.newIterator()) {
      // Run off the end, and off the start.
      it.seekToFirst();
      assertEquals("a", new String(it.key(), UTF_8));
      it.next();
      assertFalse(it.isValid());
      assertThrows(IllegalStateException.class, it::next);
      assertThrows(IllegalStateException.class, it::prev);
      assertThrows(IllegalStateException.class, it::key);
      assertThrows(IllegalStateException.class, it::value);
      it.seekToLast();
      it.prev();
      assertThrows(IllegalStateException.class, it::prev);
      assertThrows(IllegalStateException.class, it::key);
      // A seek makes it usable again.
      it.seek(b("a"));
      assertEquals("1", new String(it.value(), UTF_8));
    }
  }

  // ----------------------------------------------- empty keys and values

  @Test
  void emptyValueIsStoredAsEmptyNotNull() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("k"), new byte[0]);
      try (WriteBatch batch = new WriteBatch()) {
        db.write(batch.put(b("kb"), new byte[0]));
      }
      checkEmptyValues(db); // from the write buffer
      db.flush();
      checkEmptyValues(db); // from a table
    }
    try (Db db = Db.open(dbPath())) {
      checkEmptyValues(db); // after a reopen
    }
  }

  private static void checkEmptyValues(Db db) {
    assertArrayEquals(new byte[0], db.get(b("k")));
    assertArrayEquals(new byte[0], db.get(b("kb")));
    try (LsmIterator it = db.newIterator()) {
      it.seekToFirst(); // forward
      assertEquals("k", new String(it.key(), UTF_8));
      assertArrayEquals(new byte[0], it.value());
      it.seekToLast(); // backward
      assertEquals("kb", new String(it.key(), UTF_8));
      assertArrayEquals(new byte[0], it.value());
      it.prev();
      assertArrayEquals(new byte[0], it.value());
      List<byte[]> values = new ArrayList<>();
      for (LsmIterator.Entry e : it.range(null, null)) {
        values.add(e.value());
      }
      for (LsmIterator.Entry e : it.reverseRange(null, null)) {
        values.add(e.value());
      }
      assertEquals(4, values.size());
      for (byte[] v : values) {
        assertArrayEquals(new byte[0], v);
      }
    }
  }

  @Test
  void emptyKeyIsAKeyLikeAnyOther() {
    try (Db db = Db.open(dbPath())) {
      byte[] empty = new byte[0];
      db.put(b("a"), b("after"));
      db.put(empty, b("empty"));
      for (int round = 0; round < 2; round++) {
        assertEquals("empty", new String(db.get(empty), UTF_8));
        ByteBuffer v = ByteBuffer.allocateDirect(16);
        assertEquals(5, db.get(ByteBuffer.allocateDirect(0), v));
        try (LsmIterator it = db.newIterator()) {
          it.seekToFirst(); // the empty key sorts first
          assertArrayEquals(empty, it.key());
          assertEquals("empty", new String(it.value(), UTF_8));
          it.seekToLast();
          it.prev(); // backward onto it
          assertArrayEquals(empty, it.key());
          it.seek(empty);
          assertArrayEquals(empty, it.key());
          it.seekForPrev(empty);
          assertArrayEquals(empty, it.key());
          it.seekForPrev(b("0"));
          assertArrayEquals(empty, it.key());
          List<Integer> lengths = new ArrayList<>();
          for (LsmIterator.Entry e : it.range(empty, null)) {
            lengths.add(e.key().length);
          }
          assertEquals(List.of(0, 1), lengths);
          lengths.clear();
          for (LsmIterator.Entry e : it.reverseRange(null, null)) {
            lengths.add(e.key().length);
          }
          assertEquals(List.of(1, 0), lengths);
          assertFalse(it.range(null, empty).iterator().hasNext(), "nothing is below the empty key");
        }
        try (ReadOptions ro = new ReadOptions().lowerBound(empty).upperBound(b("a"))) {
          try (LsmIterator it = db.newIterator(ro)) {
            it.seekToLast();
            assertArrayEquals(empty, it.key());
          }
        }
        db.flush();
      }
      db.delete(empty);
      assertNull(db.get(empty));
      try (WriteBatch batch = new WriteBatch()) {
        db.write(batch.put(empty, b("again")));
      }
      assertEquals("again", new String(db.get(empty), UTF_8));
      db.compactRange(empty, empty);
      assertEquals("again", new String(db.get(empty), UTF_8));
    }
  }

  // ------------------------------------------------------- large sizes

  @Test
  void aValueOfSeveralMiBRoundTrips() {
    byte[] big = new byte[5 << 20];
    new Random(42).nextBytes(big);
    try (Db db = Db.open(dbPath())) {
      db.put(b("big"), big);
      assertArrayEquals(big, db.get(b("big")));
      try (WriteBatch batch = new WriteBatch()) {
        db.write(batch.put(b("big2"), big).put(b("small"), b("s")));
      }
      assertArrayEquals(big, db.get(b("big2")));

      ByteBuffer out = ByteBuffer.allocateDirect(big.length);
      assertEquals(big.length, db.get(direct(b("big")), out));
      assertEquals(big.length, out.position());
      byte[] copied = new byte[big.length];
      out.flip().get(copied);
      assertArrayEquals(big, copied);
      db.put(direct(b("big3")), direct(big));
      assertArrayEquals(big, db.get(b("big3")));

      db.flush();
      try (LsmIterator it = db.newIterator()) {
        it.seek(b("big"));
        assertArrayEquals(big, it.value());
        int n = 0;
        for (LsmIterator.Entry e : it.range(b("big"), b("big4"))) {
          assertArrayEquals(big, e.value());
          n++;
        }
        assertEquals(3, n);
        it.seekForPrev(b("big2"));
        assertArrayEquals(big, it.value());
      }
    }
    try (Db db = Db.open(dbPath())) {
      assertArrayEquals(big, db.get(b("big2")));
    }
  }

  @Test
  void aKeyOfTheLimitIsFineAndOneByteMoreIsInvalid() {
    byte[] atLimit = new byte[MAX_KEY];
    new Random(7).nextBytes(atLimit);
    byte[] over = new byte[MAX_KEY + 1];
    try (Db db = Db.open(dbPath()); WriteBatch batch = new WriteBatch(); LsmIterator it = db.newIterator()) {
      db.put(atLimit, b("v"));
      assertEquals("v", new String(db.get(atLimit), UTF_8));

      Map<String, Executable> calls = new LinkedHashMap<>();
      calls.put("put", () -> db.put(over, b("v")));
      calls.put("put direct", () -> db.put(direct(over), direct(b("v"))));
      calls.put("get", () -> db.get(over));
      calls.put("get direct", () -> db.get(direct(over), ByteBuffer.allocateDirect(1)));
      calls.put("delete", () -> db.delete(over));
      calls.put("batch put", () -> batch.put(over, b("v")));
      calls.put("batch delete", () -> batch.delete(over));
      calls.put("seek", () -> it.seek(over));
      calls.put("seekForPrev", () -> it.seekForPrev(over));
      calls.put("lowerBound", () -> {
        try (ReadOptions ro = new ReadOptions()) {
          ro.lowerBound(over);
        }
      });
      calls.put("compactRange", () -> db.compactRange(over, null));
      calls.put("approximateSize", () -> db.approximateSize(null, over));
      for (Map.Entry<String, Executable> c : calls.entrySet()) {
        LsmException e = assertThrows(LsmException.class, c.getValue(), c.getKey());
        assertEquals(Status.INVALID, e.status(), c.getKey());
        assertTrue(e.getMessage().contains(Integer.toString(MAX_KEY)), c.getKey() + ": " + e.getMessage());
      }
      assertEquals(0, batch.count());
      // The database goes on working, and nothing over the limit got in.
      db.put(b("after"), b("ok"));
      assertEquals("ok", new String(db.get(b("after")), UTF_8));
      try (LsmIterator all = db.newIterator()) {
        int n = 0;
        for (LsmIterator.Entry e : all.range(null, null)) {
          assertTrue(e.key().length <= MAX_KEY);
          n++;
        }
        assertEquals(2, n);
      }
    }
  }
}
