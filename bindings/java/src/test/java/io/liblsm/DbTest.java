package io.liblsm;

import static io.liblsm.TestBytes.b;
import static io.liblsm.TestBytes.direct;
import static io.liblsm.TestBytes.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The public API of the binding, method by method, on one thread. */
class DbTest extends DbFixture {
  private static List<String> keys(Iterable<LsmIterator.Entry> entries) {
    List<String> out = new ArrayList<>();
    for (LsmIterator.Entry e : entries) {
      out.add(s(e.key()));
    }
    return out;
  }

  /** Keys "a" .. "j" with values "A" .. "J". */
  private static void putLetters(Db db) {
    for (char c = 'a'; c <= 'j'; c++) {
      db.put(b(String.valueOf(c)), b(String.valueOf(Character.toUpperCase(c))));
    }
  }

  private static void assertInvalid(Runnable r) {
    LsmException e = assertThrows(LsmException.class, r::run);
    assertEquals(Status.INVALID, e.status(), e.getMessage());
  }

  // ------------------------------------------------------------- basics

  @Test
  void versionIsTheHeaders() {
    String v = Db.version();
    assertEquals(io.liblsm.internal.lsmConstants.LSM_VERSION_STRING, v);
    assertEquals(io.liblsm.internal.lsmConstants.LSM_VERSION_MAJOR + "."
        + io.liblsm.internal.lsmConstants.LSM_VERSION_MINOR + "."
        + io.liblsm.internal.lsmConstants.LSM_VERSION_PATCH, v);
  }

  @Test
  void putGetDeleteAndAbsentIsNull() {
    try (Db db = Db.open(dbPath())) {
      assertNull(db.get(b("k")));
      db.put(b("k"), b("v1"));
      assertEquals("v1", s(db.get(b("k"))));
      db.put(b("k"), b("v2"));
      assertEquals("v2", s(db.get(b("k"))));
      db.delete(b("k"));
      assertNull(db.get(b("k")));
      db.delete(b("never-there")); // not an error
      assertNull(db.get(b("never-there")));
    }
  }

  @Test
  void getReturnsAFreshCopy() {
    try (Db db = Db.open(dbPath())) {
      byte[] value = b("value");
      db.put(b("k"), value);
      value[0] = 'X'; // the store copied it in
      byte[] got = db.get(b("k"));
      assertEquals("value", s(got));
      got[0] = 'Y';
      assertEquals("value", s(db.get(b("k"))));
    }
  }

  @Test
  void writeOptionsVariantsWrite() {
    WriteOptions sync = new WriteOptions();
    assertFalse(sync.sync());
    assertSame(sync, sync.sync(true));
    assertTrue(sync.sync());
    try (Db db = Db.open(dbPath())) {
      db.put(b("a"), b("1"), sync);
      db.put(b("b"), b("2"), new WriteOptions());
      db.put(b("c"), b("3"), null);
      db.delete(b("b"), sync);
      db.delete(b("c"), null);
      try (WriteBatch batch = new WriteBatch()) {
        db.write(batch.put(b("d"), b("4")), sync);
        db.write(batch.clear().put(b("e"), b("5")), null);
      }
      db.put(ByteBuffer.allocateDirect(1).put((byte) 'f').flip(),
          ByteBuffer.allocateDirect(1).put((byte) '6').flip(), sync);
    }
    try (Db db = Db.open(dbPath())) {
      assertEquals("1", s(db.get(b("a"))));
      assertNull(db.get(b("b")));
      assertNull(db.get(b("c")));
      assertEquals("4", s(db.get(b("d"))));
      assertEquals("5", s(db.get(b("e"))));
      assertEquals("6", s(db.get(b("f"))));
    }
  }

  @Test
  void reopenKeepsDataWithAndWithoutFlush() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("flushed"), b("1"));
      db.put(b("gone"), b("x"));
      db.flush();
      db.delete(b("gone"));
      db.put(b("in-log-only"), b("2"));
    }
    try (Db db = Db.open(dbPath())) {
      assertEquals("1", s(db.get(b("flushed"))));
      assertEquals("2", s(db.get(b("in-log-only"))));
      assertNull(db.get(b("gone")));
      db.put(b("second-run"), b("3"));
    }
    try (Db db = Db.open(dbPath(), new Options().createIfMissing(false))) {
      assertEquals("1", s(db.get(b("flushed"))));
      assertEquals("2", s(db.get(b("in-log-only"))));
      assertEquals("3", s(db.get(b("second-run"))));
    }
  }

  @Test
  void isClosedFollowsClose() {
    Db db = Db.open(dbPath());
    LsmIterator it = db.newIterator();
    Snapshot snap = db.snapshot();
    ReadOptions ro = new ReadOptions();
    WriteBatch batch = new WriteBatch();
    for (NativeHandle h : List.of(db, it, snap, ro, batch)) {
      assertFalse(h.isClosed());
    }
    it.close();
    assertTrue(it.isClosed());
    assertFalse(db.isClosed());
    db.close();
    assertTrue(db.isClosed());
    assertTrue(snap.isClosed()); // closed with the database
    assertFalse(ro.isClosed()); // not the database's
    ro.close();
    batch.close();
    assertTrue(ro.isClosed());
    assertTrue(batch.isClosed());
  }

  // -------------------------------------------------------------- batch

  @Test
  void writeBatchAppliesEveryOperationInOrder() {
    try (Db db = Db.open(dbPath()); WriteBatch batch = new WriteBatch()) {
      db.put(b("old"), b("x"));
      db.put(b("kept"), b("k"));
      assertEquals(0, batch.count());
      assertSame(batch, batch.put(b("a"), b("1")));
      assertSame(batch, batch.delete(b("old")));
      batch.put(b("b"), b("1")).put(b("b"), b("2")); // later wins
      batch.put(b("c"), b("1")).delete(b("c")); // put then delete: gone
      batch.delete(b("d")).put(b("d"), b("4")); // delete then put: there
      assertEquals(8, batch.count());
      assertNull(db.get(b("a")), "nothing is applied before write");

      db.write(batch);
      assertEquals("1", s(db.get(b("a"))));
      assertNull(db.get(b("old")));
      assertEquals("2", s(db.get(b("b"))));
      assertNull(db.get(b("c")));
      assertEquals("4", s(db.get(b("d"))));
      assertEquals("k", s(db.get(b("kept"))));
      assertEquals(8, batch.count(), "write does not change the batch");

      // The same batch again, after changes in between: applied anew.
      db.put(b("a"), b("changed"));
      db.write(batch);
      assertEquals("1", s(db.get(b("a"))));

      assertSame(batch, batch.clear());
      assertEquals(0, batch.count());
      db.put(b("z"), b("z"));
      db.write(batch); // an empty batch is fine and changes nothing
      assertEquals("z", s(db.get(b("z"))));
      assertEquals("1", s(db.get(b("a"))));
    }
  }

  @Test
  void batchCopiesItsArguments() {
    try (Db db = Db.open(dbPath()); WriteBatch batch = new WriteBatch()) {
      byte[] key = b("key");
      byte[] value = b("value");
      batch.put(key, value);
      key[0] = 'X';
      value[0] = 'X';
      db.write(batch);
      assertEquals("value", s(db.get(b("key"))));
      assertNull(db.get(b("Xey")));
    }
  }

  @Test
  void batchWithAnOversizedKeyIsRefusedAndStaysUsable() {
    try (Db db = Db.open(dbPath()); WriteBatch batch = new WriteBatch()) {
      batch.put(b("a"), b("1"));
      assertInvalid(() -> batch.put(new byte[(1 << 20) + 1], b("v")));
      assertInvalid(() -> batch.delete(new byte[(1 << 20) + 1]));
      assertEquals(1, batch.count());
      db.write(batch);
      assertEquals("1", s(db.get(b("a"))));
    }
  }

  // ---------------------------------------------------------- snapshots

  @Test
  void snapshotReadsTheOldState() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("k"), b("v1"));
      db.put(b("del"), b("d"));
      try (Snapshot snap = db.snapshot(); ReadOptions ro = new ReadOptions()) {
        db.put(b("k"), b("v2"));
        db.delete(b("del"));
        db.put(b("new"), b("n"));
        db.flush(); // the old versions survive a flush and a compaction too
        db.compactRange(null, null);

        assertNull(ro.snapshot());
        assertSame(ro, ro.snapshot(snap));
        assertSame(snap, ro.snapshot());
        assertEquals("v1", s(db.get(ro, b("k"))));
        assertEquals("d", s(db.get(ro, b("del"))));
        assertNull(db.get(ro, b("new")));
        try (LsmIterator it = db.newIterator(ro)) {
          assertEquals(List.of("del", "k"), keys(it.range(null, null)));
          it.seek(b("k"));
          assertEquals("v1", s(it.value()));
        }
        ByteBuffer key = ByteBuffer.allocateDirect(1).put((byte) 'k').flip();
        ByteBuffer value = ByteBuffer.allocateDirect(8);
        assertEquals(2, db.get(ro, key, value));
        assertEquals("v1", s(bytesBefore(value)));

        // Latest state without the options, or with the snapshot removed.
        assertEquals("v2", s(db.get(b("k"))));
        assertEquals("v2", s(db.get(null, b("k"))));
        ro.snapshot(null);
        assertNull(ro.snapshot());
        assertEquals("v2", s(db.get(ro, b("k"))));
        assertNull(db.get(ro, b("del")));
      }
      // Closing the snapshot releases nothing the database still shows.
      assertEquals("v2", s(db.get(b("k"))));
    }
  }

  @Test
  void snapshotOfAnotherDatabaseIsInvalid() {
    try (Db db1 = Db.open(dir.resolve("one"));
        Db db2 = Db.open(dir.resolve("two"));
        Snapshot snap1 = db1.snapshot();
        ReadOptions ro = new ReadOptions().snapshot(snap1)) {
      db2.put(b("k"), b("v"));
      assertInvalid(() -> db2.get(ro, b("k")));
      assertInvalid(() -> db2.newIterator(ro));
      assertInvalid(() -> db2.get(ro, ByteBuffer.allocateDirect(1), ByteBuffer.allocateDirect(1)));
      assertEquals("v", s(db2.get(b("k"))));
    }
  }

  // ---------------------------------------------------------- iterators

  @Test
  void iteratorOnEmptyDatabaseIsNeverValid() {
    try (Db db = Db.open(dbPath()); LsmIterator it = db.newIterator()) {
      assertFalse(it.isValid(), "unpositioned");
      it.seekToFirst();
      assertFalse(it.isValid());
      it.seekToLast();
      assertFalse(it.isValid());
      it.seek(b("a"));
      assertFalse(it.isValid());
      it.seekForPrev(b("a"));
      assertFalse(it.isValid());
      assertFalse(it.range(null, null).iterator().hasNext());
      assertFalse(it.reverseRange(null, null).iterator().hasNext());
    }
  }

  @Test
  void iteratorMovesBothWays() {
    try (Db db = Db.open(dbPath())) {
      putLetters(db);
      try (LsmIterator it = db.newIterator()) {
        it.seekToFirst();
        assertTrue(it.isValid());
        assertEquals("a", s(it.key()));
        assertEquals("A", s(it.value()));
        StringBuilder forward = new StringBuilder();
        for (; it.isValid(); it.next()) {
          forward.append(s(it.key()));
          assertEquals(s(it.key()).toUpperCase(), s(it.value()));
        }
        assertEquals("abcdefghij", forward.toString());

        it.seekToLast();
        assertEquals("j", s(it.key()));
        StringBuilder backward = new StringBuilder();
        for (; it.isValid(); it.prev()) {
          backward.append(s(it.key()));
        }
        assertEquals("jihgfedcba", backward.toString());

        it.seek(b("c"));
        assertEquals("c", s(it.key()));
        it.seek(b("cc")); // the first key at or after
        assertEquals("d", s(it.key()));
        it.prev();
        assertEquals("c", s(it.key()));
        it.next();
        it.next();
        assertEquals("e", s(it.key()));
        it.seek(b("k"));
        assertFalse(it.isValid());
        it.seek(new byte[0]);
        assertEquals("a", s(it.key()));

        it.seekForPrev(b("c"));
        assertEquals("c", s(it.key()));
        it.seekForPrev(b("cc")); // the last key at or before
        assertEquals("c", s(it.key()));
        it.seekForPrev(b("zzz"));
        assertEquals("j", s(it.key()));
        it.seekForPrev(b("0"));
        assertFalse(it.isValid());

        it.seekToFirst();
        it.prev();
        assertFalse(it.isValid(), "before the first key");
        it.seekToLast();
        it.next();
        assertFalse(it.isValid(), "after the last key");
      }
    }
  }

  @Test
  void iteratorSeesTheStateWhenOpened() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("a"), b("1"));
      db.put(b("b"), b("2"));
      try (LsmIterator it = db.newIterator()) {
        db.put(b("a"), b("changed"));
        db.delete(b("b"));
        db.put(b("c"), b("3"));
        db.flush();
        it.seekToFirst();
        assertEquals("a", s(it.key()));
        assertEquals("1", s(it.value()));
        it.next();
        assertEquals("b", s(it.key()));
        it.next();
        assertFalse(it.isValid());
      }
      try (LsmIterator it = db.newIterator()) {
        assertEquals(List.of("a", "c"), keys(it.range(null, null)));
      }
    }
  }

  @Test
  void iteratorKeysAndValuesAreCopies() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("a"), b("1"));
      try (LsmIterator it = db.newIterator()) {
        it.seekToFirst();
        byte[] key = it.key();
        byte[] value = it.value();
        key[0] = 'X';
        value[0] = 'X';
        assertEquals("a", s(it.key()));
        assertEquals("1", s(it.value()));
        LsmIterator.Entry e = it.range(null, null).iterator().next();
        e.key()[0] = 'Y';
        e.value()[0] = 'Y';
        assertEquals("a", s(it.key()));
        assertEquals("1", s(db.get(b("a"))));
      }
    }
  }

  @Test
  void readOptionsBoundsLimitIterators() {
    try (Db db = Db.open(dbPath())) {
      putLetters(db);
      try (ReadOptions ro = new ReadOptions()) {
        assertSame(ro, ro.lowerBound(b("c")));
        assertSame(ro, ro.upperBound(b("g")));
        try (LsmIterator it = db.newIterator(ro)) {
          it.seekToFirst();
          assertEquals("c", s(it.key()));
          it.seekToLast();
          assertEquals("f", s(it.key()), "upper bound is exclusive");
          it.seek(b("a"));
          assertEquals("c", s(it.key()));
          it.seek(b("g"));
          assertFalse(it.isValid());
          it.seekForPrev(b("z"));
          assertEquals("f", s(it.key()));
          it.seekForPrev(b("b"));
          assertFalse(it.isValid());
          it.seekToFirst();
          it.prev();
          assertFalse(it.isValid());
          assertEquals(List.of("c", "d", "e", "f"), keys(it.range(null, null)));
          assertEquals(List.of("f", "e", "d", "c"), keys(it.reverseRange(null, null)));
          assertEquals(List.of("d", "e"), keys(it.range(b("d"), b("f"))));
          assertEquals(List.of("e", "d"), keys(it.reverseRange(b("d"), b("f"))));
          assertEquals(List.of("c", "d", "e", "f"), keys(it.range(b("a"), b("z"))));
        }
        // Bounds are copied when set, and apply to iterators opened later.
        byte[] lower = b("h");
        ro.lowerBound(lower);
        lower[0] = 'a';
        ro.upperBound(null);
        try (LsmIterator it = db.newIterator(ro)) {
          assertEquals(List.of("h", "i", "j"), keys(it.range(null, null)));
        }
        ro.lowerBound(null).upperBound(b("b"));
        try (LsmIterator it = db.newIterator(ro)) {
          assertEquals(List.of("a"), keys(it.range(null, null)));
        }
        ro.upperBound(new byte[0]); // nothing is below the empty key
        try (LsmIterator it = db.newIterator(ro)) {
          it.seekToFirst();
          assertFalse(it.isValid());
        }
        // Bounds are for iterators: gets ignore them.
        assertEquals("J", s(db.get(ro, b("j"))));
      }
    }
  }

  @Test
  void boundsAndSnapshotTogether() {
    try (Db db = Db.open(dbPath())) {
      putLetters(db);
      try (Snapshot snap = db.snapshot();
          ReadOptions ro = new ReadOptions().snapshot(snap).lowerBound(b("b")).upperBound(b("e"))) {
        db.delete(b("c"));
        db.put(b("d"), b("new"));
        db.put(b("bb"), b("new"));
        try (LsmIterator it = db.newIterator(ro)) {
          List<String> seen = new ArrayList<>();
          for (LsmIterator.Entry e : it.range(null, null)) {
            seen.add(s(e.key()) + "=" + s(e.value()));
          }
          assertEquals(List.of("b=B", "c=C", "d=D"), seen);
        }
      }
    }
  }

  @Test
  void readOptionsChecksumAndCacheSettersAreAccepted() {
    try (Db db = Db.open(dbPath())) {
      putLetters(db);
      db.flush(); // so that reads go to table blocks
      for (boolean on : new boolean[] {false, true}) {
        try (ReadOptions ro = new ReadOptions()) {
          assertSame(ro, ro.verifyChecksums(on));
          assertSame(ro, ro.fillCache(on));
          assertEquals("C", s(db.get(ro, b("c"))));
          try (LsmIterator it = db.newIterator(ro)) {
            assertEquals(10, keys(it.range(null, null)).size());
          }
        }
      }
    }
  }

  // -------------------------------------------------------------- range

  @Test
  void rangeIsHalfOpenBothWays() {
    try (Db db = Db.open(dbPath())) {
      putLetters(db);
      try (LsmIterator it = db.newIterator()) {
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
            keys(it.range(null, null)));
        assertEquals(List.of("j", "i", "h", "g", "f", "e", "d", "c", "b", "a"),
            keys(it.reverseRange(null, null)));

        assertEquals(List.of("c", "d", "e"), keys(it.range(b("c"), b("f"))));
        assertEquals(List.of("e", "d", "c"), keys(it.reverseRange(b("c"), b("f"))));
        // Ends between keys.
        assertEquals(List.of("d", "e", "f"), keys(it.range(b("cc"), b("ff"))));
        assertEquals(List.of("f", "e", "d"), keys(it.reverseRange(b("cc"), b("ff"))));
        // Open ends.
        assertEquals(List.of("h", "i", "j"), keys(it.range(b("h"), null)));
        assertEquals(List.of("b", "a"), keys(it.reverseRange(null, b("c"))));
        assertEquals(List.of("a", "b"), keys(it.range(null, b("c"))));
        assertEquals(List.of("j", "i", "h"), keys(it.reverseRange(b("h"), null)));
        // Empty ranges.
        assertEquals(List.of(), keys(it.range(b("c"), b("c"))));
        assertEquals(List.of(), keys(it.reverseRange(b("c"), b("c"))));
        assertEquals(List.of(), keys(it.range(b("f"), b("c"))));
        assertEquals(List.of(), keys(it.reverseRange(b("f"), b("c"))));
        assertEquals(List.of(), keys(it.range(b("x"), null)));
        assertEquals(List.of(), keys(it.reverseRange(null, b("a"))));
        // One key.
        assertEquals(List.of("c"), keys(it.range(b("c"), b("cc"))));
        assertEquals(List.of("c"), keys(it.reverseRange(b("c"), b("cc"))));
      }
    }
  }

  @Test
  void rangeEntriesCarryValuesAndRestartOnEachLoop() {
    try (Db db = Db.open(dbPath())) {
      putLetters(db);
      try (LsmIterator it = db.newIterator()) {
        byte[] from = b("b");
        byte[] to = b("d");
        Iterable<LsmIterator.Entry> range = it.range(from, to);
        from[0] = 'a'; // the ends are copied when a loop starts...
        Iterator<LsmIterator.Entry> walk = range.iterator();
        to[0] = 'z'; // ...and kept for the loop
        assertTrue(walk.hasNext());
        assertTrue(walk.hasNext(), "hasNext does not move");
        LsmIterator.Entry e = walk.next();
        assertEquals("a", s(e.key()));
        assertEquals("A", s(e.value()));
        assertEquals("b", s(walk.next().key()));
        assertEquals("c", s(walk.next().key()));
        assertFalse(walk.hasNext());
        assertThrows(NoSuchElementException.class, walk::next);

        // Each loop over the Iterable starts from the beginning again.
        Iterable<LsmIterator.Entry> all = it.reverseRange(null, null);
        assertEquals(10, keys(all).size());
        assertEquals(10, keys(all).size());
      }
    }
  }

  // --------------------------------------------- flush, compact, sizes

  @Test
  void flushCompactAndApproximateSize() {
    Random rnd = new Random(1);
    try (Db db = Db.open(dbPath(), new Options().compression(Compression.NONE))) {
      for (int i = 0; i < 500; i++) {
        byte[] v = new byte[1000];
        rnd.nextBytes(v);
        db.put(b(String.format("key%05d", i)), v);
      }
      assertEquals(0, db.approximateSize(null, null), "the write buffer is not counted");
      db.flush();
      long all = db.approximateSize(null, null);
      assertTrue(all >= 400_000, "all = " + all);
      long firstHalf = db.approximateSize(null, b("key00250"));
      long secondHalf = db.approximateSize(b("key00250"), null);
      assertTrue(firstHalf > 0 && firstHalf <= all, "firstHalf = " + firstHalf);
      assertTrue(secondHalf > 0 && secondHalf <= all, "secondHalf = " + secondHalf);
      assertTrue(db.approximateSize(b("zzz"), null) < all / 10);
      assertTrue(Integer.parseInt(db.property("lsm.num-files-at-level0")) >= 1);

      for (int i = 0; i < 500; i += 2) {
        db.delete(b(String.format("key%05d", i)));
      }
      db.compactRange(b("key00100"), b("key00200"));
      db.compactRange(null, null);
      assertEquals("0", db.property("lsm.num-files-at-level0"), "compacted out of level 0");
      for (int i = 0; i < 500; i++) {
        byte[] v = db.get(b(String.format("key%05d", i)));
        if (i % 2 == 0) {
          assertNull(v);
        } else {
          assertNotNull(v);
          assertEquals(1000, v.length);
        }
      }
      long afterDeletes = db.approximateSize(null, null);
      assertTrue(afterDeletes > 0 && afterDeletes < all, afterDeletes + " vs " + all);
    }
  }

  /**
   * Four flushes of the same keys reach the level-0 trigger (4 by default);
   * once waitForCompactions returns, the compaction they caused has run and
   * deleted its inputs: no sleeping, no polling.
   */
  @Test
  void waitForCompactions() throws IOException {
    try (Db db = Db.open(dbPath())) {
      db.waitForCompactions(); // nothing to wait for
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 50; i++) {
          db.put(b(String.format("k%03d", i)), b(String.format("v%d-%03d", round, i)));
        }
        db.flush();
      }
      db.waitForCompactions();
      assertEquals("0", db.property("lsm.num-files-at-level0"));
      int listed = 0;
      for (int level = 0; level < 7; level++) {
        listed += Integer.parseInt(db.property("lsm.num-files-at-level" + level));
      }
      long tables;
      try (Stream<Path> files = Files.list(dbPath())) {
        tables = files.filter(f -> f.getFileName().toString().endsWith(".sst")).count();
      }
      assertTrue(listed >= 1, "no table listed");
      assertEquals(listed, tables, "tables on disk that no level lists: inputs not deleted");
      assertEquals("v3-007", s(db.get(b("k007"))));
      assertEquals("v3-049", s(db.get(b("k049"))));
    }
  }

  @Test
  void properties() {
    try (Db db = Db.open(dbPath())) {
      String stats = db.property("lsm.stats");
      assertNotNull(stats);
      assertFalse(stats.isEmpty());
      assertNull(db.property("no.such"));
      assertNull(db.property(""));
      long seq0 = Long.parseLong(db.property("lsm.sequence"));
      db.put(b("a"), b("1"));
      db.put(b("b"), b("2"));
      assertEquals(seq0 + 2, Long.parseLong(db.property("lsm.sequence")));
      assertTrue(Long.parseLong(db.property("lsm.memtable-bytes")) > 0);
      assertTrue(Long.parseLong(db.property("lsm.block-cache-bytes")) >= 0);
      for (int level = 0; level < 7; level++) {
        assertEquals("0", db.property("lsm.num-files-at-level" + level));
      }
      db.flush();
      assertEquals("1", db.property("lsm.num-files-at-level0"));
    }
  }

  // ------------------------------------------------------------ destroy

  @Test
  void destroyRemovesTheDatabase() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("k"), b("v"));
      db.flush();
      LsmException busy = assertThrows(LsmException.class, () -> Db.destroy(dbPath()));
      assertEquals(Status.BUSY, busy.status());
      assertEquals("v", s(db.get(b("k"))), "a refused destroy removes nothing");
    }
    Db.destroy(dbPath());
    assertFalse(Files.exists(dbPath()));
    Db.destroy(dbPath()); // a missing database is fine
    assertInvalid(() -> Db.open(dbPath(), new Options().createIfMissing(false)));
    try (Db db = Db.open(dbPath())) {
      assertNull(db.get(b("k")), "a new, empty database");
    }
  }

  // ---------------------------------------------- direct ByteBuffers

  /** The bytes of buf from 0 to its position. */
  private static byte[] bytesBefore(ByteBuffer buf) {
    byte[] out = new byte[buf.position()];
    buf.duplicate().flip().get(out);
    return out;
  }

  @Test
  void directPutReadsTheRemainingBytesAndMovesPositions() {
    try (Db db = Db.open(dbPath())) {
      ByteBuffer key = ByteBuffer.allocateDirect(16);
      key.put(b("xxkeyyy")).position(2).limit(5); // "key"
      ByteBuffer value = ByteBuffer.allocateDirect(16);
      value.put(b("__value")).flip().position(2); // "value"
      db.put(key, value);
      assertEquals(5, key.position());
      assertEquals(5, key.limit());
      assertEquals(7, value.position());
      assertEquals(7, value.limit());
      assertEquals("value", s(db.get(b("key"))));

      // A slice: its own position 0 is an offset into the parent.
      ByteBuffer parent = ByteBuffer.allocateDirect(32);
      parent.put(b("....k2....v2"));
      ByteBuffer k2 = parent.duplicate().position(4).limit(6).slice();
      ByteBuffer v2 = parent.duplicate().position(10).limit(12).slice();
      db.put(k2, v2);
      assertEquals("v2", s(db.get(b("k2"))));
      assertFalse(k2.hasRemaining());
      assertFalse(v2.hasRemaining());

      // Empty key and value.
      db.put(ByteBuffer.allocateDirect(0), ByteBuffer.allocateDirect(0));
      assertArrayEquals(new byte[0], db.get(new byte[0]));
    }
  }

  @Test
  void directGetCopiesIntoTheBufferAndMovesPositions() {
    try (Db db = Db.open(dbPath())) {
      db.put(b("key"), b("value"));

      ByteBuffer key = direct("key");
      ByteBuffer value = ByteBuffer.allocateDirect(16);
      value.position(3);
      assertEquals(5, db.get(key, value));
      assertEquals(3, key.position(), "key consumed");
      assertEquals(8, value.position(), "moved past the 5 bytes copied");
      assertEquals(16, value.limit());
      byte[] copied = new byte[5];
      value.duplicate().position(3).get(copied);
      assertEquals("value", s(copied));

      // Too small: cut short, full length returned.
      ByteBuffer small = ByteBuffer.allocateDirect(3);
      assertEquals(5, db.get(direct("key"), small));
      assertEquals(3, small.position());
      assertEquals("val", s(bytesBefore(small)));

      // Nothing remaining: only the length.
      ByteBuffer none = ByteBuffer.allocateDirect(8).position(8);
      assertEquals(5, db.get(direct("key"), none));
      assertEquals(8, none.position());

      // Absent: -1, no bytes copied.
      ByteBuffer absentValue = ByteBuffer.allocateDirect(8);
      ByteBuffer absentKey = direct("nope");
      assertEquals(-1, db.get(absentKey, absentValue));
      assertEquals(0, absentValue.position());
      assertEquals(absentKey.limit(), absentKey.position(), "key consumed, as documented");

      // An empty value is found, with length 0.
      db.put(b("empty"), new byte[0]);
      ByteBuffer forEmpty = ByteBuffer.allocateDirect(4);
      assertEquals(0, db.get(direct("empty"), forEmpty));
      assertEquals(0, forEmpty.position());

      // With read options (null is the defaults).
      assertEquals(5, db.get(null, direct("key"), ByteBuffer.allocateDirect(5)));
    }
  }

  @Test
  void directGetRefusesAReadOnlyBuffer() throws IOException {
    try (Db db = Db.open(dbPath())) {
      db.put(b("key"), b("value"));
      ByteBuffer writable = ByteBuffer.allocateDirect(8);
      ByteBuffer readOnly = writable.asReadOnlyBuffer();
      assertTrue(readOnly.isDirect());
      assertThrows(java.nio.ReadOnlyBufferException.class, () -> db.get(direct("key"), readOnly));
      assertEquals(0, readOnly.position());
      assertEquals(0, writable.get(0), "nothing was written through the read-only view");
      // A read-only mapping of a file: a native write into it would kill
      // the JVM (SIGSEGV), so it must be refused before the native call.
      Path file = dir.resolve("mapped");
      Files.write(file, new byte[64]);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, 64);
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> db.get(direct("key"), mapped));
      }
      // A read-only key is fine: it is only read.
      ByteBuffer value = ByteBuffer.allocateDirect(8);
      assertEquals(5, db.get(direct("key").asReadOnlyBuffer(), value));
      db.put(direct("k2").asReadOnlyBuffer(), direct("v2").asReadOnlyBuffer());
      assertEquals("v2", s(db.get(b("k2"))));
    }
  }

  @Test
  void heapByteBuffersAreRejected() {
    try (Db db = Db.open(dbPath())) {
      ByteBuffer heap = ByteBuffer.wrap(b("k"));
      ByteBuffer direct = direct("k");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> db.put(heap, direct("v")));
      assertTrue(e.getMessage().contains("key"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> db.put(direct, ByteBuffer.allocate(1)));
      assertTrue(e.getMessage().contains("value"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> db.get(heap, ByteBuffer.allocateDirect(1)));
      assertThrows(IllegalArgumentException.class, () -> db.get(direct, ByteBuffer.allocate(1)));
      assertEquals(0, heap.position(), "a refused buffer is not consumed");
      assertEquals(0, direct.position());
      assertNull(db.get(b("k")), "nothing was written");
    }
  }

  // ------------------------------------------------------------ options

  @Test
  void errorIfExistsAndCreateIfMissing() {
    LsmException e = assertThrows(LsmException.class,
        () -> Db.open(dbPath(), new Options().createIfMissing(false)));
    assertEquals(Status.INVALID, e.status());
    assertFalse(Files.exists(dbPath().resolve("CURRENT")));

    try (Db db = Db.open(dbPath(), new Options().errorIfExists(true).createIfMissing(true))) {
      db.put(b("k"), b("v"));
    }
    e = assertThrows(LsmException.class, () -> Db.open(dbPath(), new Options().errorIfExists(true)));
    assertEquals(Status.INVALID, e.status());
    try (Db db = Db.open(dbPath(), new Options().errorIfExists(false).createIfMissing(false))) {
      assertEquals("v", s(db.get(b("k"))));
    }
  }

  @Test
  void openingTheSameDirectoryTwiceIsBusy() {
    try (Db db = Db.open(dbPath())) {
      LsmException e = assertThrows(LsmException.class, () -> Db.open(dbPath()));
      assertEquals(Status.BUSY, e.status());
      db.put(b("k"), b("v")); // the first handle is unharmed
    }
    try (Db db = Db.open(dbPath())) { // and free again once closed
      assertEquals("v", s(db.get(b("k"))));
    }
  }

  @Test
  void everyOptionSetterIsAcceptedInRange() {
    Options o = new Options();
    assertSame(o, o.createIfMissing(true));
    assertSame(o, o.errorIfExists(false));
    assertSame(o, o.writeBufferSize(64 << 10));
    assertSame(o, o.blockSize(1024));
    assertSame(o, o.blockCacheSize(0));
    assertSame(o, o.bloomBitsPerKey(0));
    assertSame(o, o.compression(Compression.LZ4));
    assertSame(o, o.maxOpenFiles(16));
    assertSame(o, o.backgroundThreads(1));
    assertSame(o, o.paranoidChecks(true));
    assertSame(o, o.targetFileSize(64 << 10));
    assertSame(o, o.maxBytesForLevelBase(1 << 20));
    assertSame(o, o.levelSizeMultiplier(2));
    Random rnd = new Random(2);
    try (Db db = Db.open(dbPath(), o)) {
      for (int i = 0; i < 300; i++) {
        byte[] v = new byte[1000];
        rnd.nextBytes(v);
        db.put(b("k" + i), v);
      }
      db.flush();
      db.compactRange(null, null);
      for (int i = 0; i < 300; i++) {
        assertEquals(1000, db.get(b("k" + i)).length);
      }
    }
    // The same options object opens again (it is not consumed).
    try (Db db = Db.open(dbPath(), o)) {
      assertNotNull(db.get(b("k0")));
    }
  }

  @Test
  void walMmapIsAcceptedAndOffAppendsWithPwrite() {
    for (WalMmap mode : WalMmap.values()) {
      Options o = new Options();
      assertSame(o, o.walMmap(mode));
      try (Db db = Db.open(dir.resolve(mode.name()), o)) {
        db.put(b("k"), b("v"));
        assertEquals("v", s(db.get(b("k"))));
        String line = null;
        for (String l : db.property("lsm.stats").split("\n")) {
          if (l.startsWith("wal-appends: ")) {
            line = l;
          }
        }
        assertNotNull(line, mode + ": lsm.stats has no wal-appends line");
        if (mode == WalMmap.OFF) {
          // Off says so whatever the file system: pwrite, because of the option.
          assertTrue(line.startsWith("wal-appends: pwrite(2)") && line.contains("wal_mmap is off"), line);
        }
      }
    }
    assertThrows(NullPointerException.class, () -> new Options().walMmap(null));
  }

  static Stream<Arguments> badOptions() {
    List<Arguments> cases = new ArrayList<>();
    cases.add(Arguments.of("writeBufferSize(1)", (Supplier<Options>) () -> new Options().writeBufferSize(1)));
    cases.add(Arguments.of("writeBufferSize(2 GiB)",
        (Supplier<Options>) () -> new Options().writeBufferSize(2L << 30)));
    cases.add(Arguments.of("writeBufferSize(-1)", (Supplier<Options>) () -> new Options().writeBufferSize(-1)));
    cases.add(Arguments.of("blockSize(255)", (Supplier<Options>) () -> new Options().blockSize(255)));
    cases.add(Arguments.of("blockCacheSize(-1)", (Supplier<Options>) () -> new Options().blockCacheSize(-1)));
    cases.add(Arguments.of("bloomBitsPerKey(41)", (Supplier<Options>) () -> new Options().bloomBitsPerKey(41)));
    cases.add(Arguments.of("bloomBitsPerKey(-1)", (Supplier<Options>) () -> new Options().bloomBitsPerKey(-1)));
    cases.add(Arguments.of("maxOpenFiles(15)", (Supplier<Options>) () -> new Options().maxOpenFiles(15)));
    cases.add(Arguments.of("backgroundThreads(0)", (Supplier<Options>) () -> new Options().backgroundThreads(0)));
    cases.add(Arguments.of("backgroundThreads(65)", (Supplier<Options>) () -> new Options().backgroundThreads(65)));
    cases.add(Arguments.of("targetFileSize(1)", (Supplier<Options>) () -> new Options().targetFileSize(1)));
    cases.add(Arguments.of("maxBytesForLevelBase(1)",
        (Supplier<Options>) () -> new Options().maxBytesForLevelBase(1)));
    cases.add(Arguments.of("levelSizeMultiplier(1)",
        (Supplier<Options>) () -> new Options().levelSizeMultiplier(1)));
    cases.add(Arguments.of("levelSizeMultiplier(101)",
        (Supplier<Options>) () -> new Options().levelSizeMultiplier(101)));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badOptions")
  void optionOutOfRangeIsInvalidAtOpen(String name, Supplier<Options> options) {
    Options o = options.get(); // setting it is fine; open checks
    LsmException e = assertThrows(LsmException.class, () -> Db.open(dbPath(), o));
    assertEquals(Status.INVALID, e.status(), e.getMessage());
    assertTrue(e.getMessage().startsWith("INVALID: "), e.getMessage());
    assertFalse(Files.exists(dbPath().resolve("CURRENT")), "nothing was created");
    try (Db db = Db.open(dbPath())) { // the directory is not left locked
      db.put(b("k"), b("v"));
    }
  }

  @Test
  void compressionNoneWritesLargerTablesThanLz4() {
    byte[] compressible = new byte[4000];
    Arrays.fill(compressible, (byte) 'x');
    long[] sizes = new long[2];
    Compression[] kinds = {Compression.NONE, Compression.LZ4};
    for (int k = 0; k < 2; k++) {
      Path p = dir.resolve(kinds[k].name());
      try (Db db = Db.open(p, new Options().compression(kinds[k]))) {
        for (int i = 0; i < 100; i++) {
          db.put(b("key" + i), compressible);
        }
        db.flush();
        sizes[k] = db.approximateSize(null, null);
        assertArrayEquals(compressible, db.get(b("key7")));
      }
    }
    assertTrue(sizes[0] >= 100 * 4000, "NONE: " + sizes[0]);
    assertTrue(sizes[1] < sizes[0] / 4, "LZ4: " + sizes[1] + ", NONE: " + sizes[0]);

    // Tables of either kind stay readable under the other setting.
    try (Db db = Db.open(dir.resolve("NONE"), new Options().compression(Compression.LZ4))) {
      assertArrayEquals(compressible, db.get(b("key99")));
    }
    try (Db db = Db.open(dir.resolve("LZ4"), new Options().compression(Compression.NONE))) {
      assertArrayEquals(compressible, db.get(b("key99")));
    }
  }

  // ------------------------------------------------- exceptions, status

  @Test
  void statusCodesAreLsmHs() {
    assertEquals(0, Status.OK.code());
    assertEquals(1, Status.NOT_FOUND.code());
    assertEquals(2, Status.INVALID.code());
    assertEquals(3, Status.CORRUPTION.code());
    assertEquals(4, Status.IO_ERROR.code());
    assertEquals(5, Status.BUSY.code());
    assertEquals(6, Status.NO_MEMORY.code());
    assertEquals(7, Status.NOT_SUPPORTED.code());
    assertEquals(-1, Status.UNKNOWN.code());
    for (Status st : Status.values()) {
      assertSame(st, Status.fromCode(st.code()));
    }
    assertSame(Status.UNKNOWN, Status.fromCode(8));
    assertSame(Status.UNKNOWN, Status.fromCode(-2));
    assertSame(Status.UNKNOWN, Status.fromCode(Integer.MAX_VALUE));
  }

  @Test
  void lsmExceptionCarriesStatusAndMessage() {
    LsmException e = new LsmException(Status.CORRUPTION, "block checksum mismatch");
    assertSame(Status.CORRUPTION, e.status());
    assertEquals("CORRUPTION: block checksum mismatch", e.getMessage());
    assertTrue(RuntimeException.class.isInstance(e));

    // From the library: liblsm's own message for the failure.
    try (Db db = Db.open(dbPath())) {
      LsmException big = assertThrows(LsmException.class, () -> db.put(new byte[(1 << 20) + 1], b("v")));
      assertSame(Status.INVALID, big.status());
      assertTrue(big.getMessage().startsWith("INVALID: "), big.getMessage());
      assertTrue(big.getMessage().contains("1048577"), big.getMessage());
    }
  }
}
