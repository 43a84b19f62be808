package io.liblsm;

import static io.liblsm.TestBytes.direct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random operations on a database and on a TreeMap in unsigned byte order
 * (the model), checked against each other after every read: gets, full and
 * partial iterations both ways, iterators with bounds, snapshots taken at
 * random moments and read much later, reopens. A small write buffer makes
 * flushes and compactions happen along the way. Keys are random binary
 * strings from an alphabet rich in 0x00, 0x7f, 0x80 and 0xff, the empty key
 * included, so signed ordering anywhere would show.
 */
class ModelTest extends DbFixture {
  private static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;
  private static final byte[] ALPHABET = {0x00, 0x01, 0x41, 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};
  private static final int OPS = 3000;
  private static final int MAX_SNAPSHOTS = 4;

  /** A snapshot with a copy of the model as it was when taken. */
  private static final class Snap {
    final Snapshot snapshot;
    final TreeMap<byte[], byte[]> model;

    Snap(Snapshot snapshot, TreeMap<byte[], byte[]> model) {
      this.snapshot = snapshot;
      this.model = model;
    }
  }

  private Random rnd;
  private TreeMap<byte[], byte[]> model;
  private String where = "";

  private static Options options() {
    return new Options().writeBufferSize(64 << 10).targetFileSize(64 << 10).blockSize(1024);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 20240601, 987654321})
  void randomOperationsMatchTheModel(long seed) {
    rnd = new Random(seed);
    model = new TreeMap<>(ORDER);
    List<Snap> snaps = new ArrayList<>();
    Path path = dbPath();
    Db db = Db.open(path, options());
    int reopens = 0;
    int snapshotChecks = 0;
    try {
      for (int op = 0; op < OPS; op++) {
        where = "seed " + seed + ", op " + op;
        int dice = rnd.nextInt(1000);
        if (dice < 350) {
          byte[] k = pickKey();
          byte[] v = randomValue();
          db.put(k, v);
          model.put(k, v);
        } else if (dice < 380) {
          byte[] k = pickKey();
          byte[] v = randomValue();
          db.put(direct(k), direct(v));
          model.put(k, v);
        } else if (dice < 470) {
          byte[] k = pickKey();
          db.delete(k);
          model.remove(k);
        } else if (dice < 550) {
          writeRandomBatch(db);
        } else if (dice < 750) {
          byte[] k = pickKey();
          assertBytes(model.get(k), db.get(k), "get " + hex(k));
        } else if (dice < 780) {
          checkDirectGet(db, pickKey());
        } else if (dice < 830) {
          checkRange(db, null, model, true);
        } else if (dice < 880) {
          checkRange(db, null, model, false);
        } else if (dice < 925) {
          checkBoundedIterator(db, null, model);
        } else if (dice < 940) {
          if (snaps.size() < MAX_SNAPSHOTS) {
            snaps.add(new Snap(db.snapshot(), new TreeMap<>(model)));
          }
        } else if (dice < 972) {
          if (!snaps.isEmpty()) {
            Snap s = snaps.get(rnd.nextInt(snaps.size()));
            checkSnapshot(db, s);
            snapshotChecks++;
            if (rnd.nextInt(3) == 0) {
              s.snapshot.close();
              snaps.remove(s);
            }
          }
        } else if (dice < 984) {
          db.flush();
        } else if (dice < 996) {
          byte[] a = rnd.nextBoolean() ? null : randomKey();
          byte[] b = rnd.nextBoolean() ? null : randomKey();
          db.compactRange(a, b);
        } else {
          // Reopen: the database closes the snapshots still open.
          db.close();
          for (Snap s : snaps) {
            assertTrue(s.snapshot.isClosed(), where);
          }
          snaps.clear();
          db = Db.open(path, options());
          reopens++;
          checkAll(db, model);
        }
      }
      where = "seed " + seed + ", end";
      for (Snap s : snaps) {
        checkSnapshot(db, s);
        snapshotChecks++;
      }
      checkAll(db, model);
      db.compactRange(null, null);
      checkAll(db, model);
      for (Snap s : snaps) {
        checkSnapshot(db, s); // a compaction keeps what live snapshots see
      }
      db.close();
      db = Db.open(path, options());
      checkAll(db, model);
      assertTrue(reopens > 0, "the seed should reopen at least once");
      assertTrue(snapshotChecks > 0, "the seed should check a snapshot");
      int tables = 0;
      for (int level = 0; level < 7; level++) {
        tables += Integer.parseInt(db.property("lsm.num-files-at-level" + level));
      }
      assertTrue(tables > 1, "tables were written: " + tables);
    } finally {
      db.close();
    }
  }

  // --------------------------------------------------------- generators

  private byte[] randomKey() {
    int kind = rnd.nextInt(20);
    if (kind == 0) {
      return new byte[0];
    }
    if (kind == 1) {
      byte[] k = new byte[1 + rnd.nextInt(40)];
      rnd.nextBytes(k);
      return k;
    }
    byte[] k = new byte[1 + rnd.nextInt(5)];
    for (int i = 0; i < k.length; i++) {
      k[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
    }
    return k;
  }

  /** A key of the model half the time (when it has any), else a random one. */
  private byte[] pickKey() {
    if (!model.isEmpty() && rnd.nextBoolean()) {
      byte[] probe = randomKey();
      Map.Entry<byte[], byte[]> e = model.ceilingEntry(probe);
      if (e == null) {
        e = model.firstEntry();
      }
      return e.getKey().clone();
    }
    return randomKey();
  }

  private byte[] randomValue() {
    int kind = rnd.nextInt(20);
    int len = kind == 0 ? 0 : kind == 1 ? 2000 + rnd.nextInt(6000) : rnd.nextInt(300);
    byte[] v = new byte[len];
    rnd.nextBytes(v);
    return v;
  }

  private void writeRandomBatch(Db db) {
    try (WriteBatch batch = new WriteBatch()) {
      int n = 1 + rnd.nextInt(12);
      // Applied to a copy first: nothing of the batch shows before write.
      TreeMap<byte[], byte[]> after = new TreeMap<>(model);
      for (int i = 0; i < n; i++) {
        byte[] k = pickKey();
        if (rnd.nextInt(3) == 0) {
          batch.delete(k);
          after.remove(k);
        } else {
          byte[] v = randomValue();
          batch.put(k, v);
          after.put(k, v);
        }
      }
      assertEquals(n, batch.count(), where);
      db.write(batch);
      model = after;
    }
  }

  // ------------------------------------------------------------- checks

  private static String hex(byte[] b) {
    if (b == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("[");
    for (byte x : b) {
      sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return sb.append(']').toString();
  }

  private void assertBytes(byte[] expected, byte[] actual, String what) {
    if (!Arrays.equals(expected, actual)) {
      fail(where + ": " + what + ": expected " + describe(expected) + " but got " + describe(actual));
    }
  }

  private static String describe(byte[] v) {
    if (v == null) {
      return "null";
    }
    return v.length <= 32 ? hex(v) : v.length + " bytes starting " + hex(Arrays.copyOf(v, 16));
  }

  private void checkDirectGet(Db db, byte[] k) {
    byte[] expected = model.get(k);
    int cap = rnd.nextInt(400);
    ByteBuffer out = ByteBuffer.allocateDirect(cap);
    int n = db.get(direct(k), out);
    if (expected == null) {
      assertEquals(-1, n, where + ": direct get of absent " + hex(k));
      assertEquals(0, out.position(), where);
      return;
    }
    assertEquals(expected.length, n, where + ": direct get length of " + hex(k));
    int copied = Math.min(cap, expected.length);
    assertEquals(copied, out.position(), where);
    byte[] got = new byte[copied];
    out.flip().get(got);
    assertBytes(Arrays.copyOf(expected, copied), got, "direct get of " + hex(k));
  }

  /** The model's entries in [from, to) (null: an open end). */
  private static NavigableMap<byte[], byte[]> view(NavigableMap<byte[], byte[]> m, byte[] from, byte[] to) {
    if (from != null && to != null) {
      if (ORDER.compare(from, to) >= 0) {
        return new TreeMap<>(ORDER);
      }
      return m.subMap(from, true, to, false);
    }
    if (from != null) {
      return m.tailMap(from, true);
    }
    if (to != null) {
      return m.headMap(to, false);
    }
    return m;
  }

  private void assertEntries(NavigableMap<byte[], byte[]> expected, Iterable<LsmIterator.Entry> actual, String what) {
    java.util.Iterator<Map.Entry<byte[], byte[]>> want = expected.entrySet().iterator();
    int i = 0;
    for (LsmIterator.Entry e : actual) {
      if (!want.hasNext()) {
        fail(where + ": " + what + ": unexpected entry " + i + " " + hex(e.key()));
      }
      Map.Entry<byte[], byte[]> w = want.next();
      assertBytes(w.getKey(), e.key(), what + ": key " + i);
      assertBytes(w.getValue(), e.value(), what + ": value of " + hex(w.getKey()));
      i++;
    }
    if (want.hasNext()) {
      fail(where + ": " + what + ": missing entry " + i + " " + hex(want.next().getKey()));
    }
  }

  /** range or reverseRange over random ends, through ro (may be null). */
  private void checkRange(Db db, ReadOptions ro, NavigableMap<byte[], byte[]> m, boolean forward) {
    byte[] from = rnd.nextInt(4) == 0 ? null : pickKeyOf(m);
    byte[] to = rnd.nextInt(4) == 0 ? null : pickKeyOf(m);
    NavigableMap<byte[], byte[]> v = view(m, from, to);
    String what = (forward ? "range(" : "reverseRange(") + hex(from) + ", " + hex(to) + ")";
    try (LsmIterator it = db.newIterator(ro)) {
      if (forward) {
        assertEntries(v, it.range(from, to), what);
      } else {
        assertEntries(v.descendingMap(), it.reverseRange(from, to), what);
      }
    }
  }

  private byte[] pickKeyOf(NavigableMap<byte[], byte[]> m) {
    if (!m.isEmpty() && rnd.nextBoolean()) {
      Map.Entry<byte[], byte[]> e = m.ceilingEntry(randomKey());
      return (e == null ? m.lastKey() : e.getKey()).clone();
    }
    return randomKey();
  }

  private void assertAt(LsmIterator it, NavigableMap<byte[], byte[]> v, byte[] expectedKey, String what) {
    if (expectedKey == null) {
      if (it.isValid()) {
        fail(where + ": " + what + ": expected no entry but got " + hex(it.key()));
      }
      return;
    }
    if (!it.isValid()) {
      fail(where + ": " + what + ": expected " + hex(expectedKey) + " but the iterator is invalid");
    }
    assertBytes(expectedKey, it.key(), what);
    assertBytes(v.get(expectedKey), it.value(), what + " (value)");
  }

  /**
   * An iterator with random lower and upper bounds (and base's snapshot,
   * if any): seeks of every kind, then a random walk of next and prev.
   */
  private void checkBoundedIterator(Db db, Snapshot snap, NavigableMap<byte[], byte[]> m) {
    byte[] lower = rnd.nextInt(3) == 0 ? null : pickKeyOf(m);
    byte[] upper = rnd.nextInt(3) == 0 ? null : pickKeyOf(m);
    NavigableMap<byte[], byte[]> v = view(m, lower, upper);
    String bounds = "bounds [" + hex(lower) + ", " + hex(upper) + ")";
    try (ReadOptions ro = new ReadOptions().snapshot(snap).lowerBound(lower).upperBound(upper);
        LsmIterator it = db.newIterator(ro)) {
      it.seekToFirst();
      assertAt(it, v, v.isEmpty() ? null : v.firstKey(), bounds + " seekToFirst");
      it.seekToLast();
      assertAt(it, v, v.isEmpty() ? null : v.lastKey(), bounds + " seekToLast");
      byte[] cur = null;
      for (int i = 0; i < 3; i++) {
        byte[] t = pickKeyOf(m);
        it.seek(t);
        assertAt(it, v, v.ceilingKey(t), bounds + " seek " + hex(t));
        t = pickKeyOf(m);
        it.seekForPrev(t);
        cur = v.floorKey(t);
        assertAt(it, v, cur, bounds + " seekForPrev " + hex(t));
      }
      for (int step = 0; step < 20 && cur != null; step++) {
        if (rnd.nextBoolean()) {
          it.next();
          cur = v.higherKey(cur);
          assertAt(it, v, cur, bounds + " next");
        } else {
          it.prev();
          cur = v.lowerKey(cur);
          assertAt(it, v, cur, bounds + " prev");
        }
      }
      // A range over the bounded iterator: the intersection of both.
      if (rnd.nextBoolean()) {
        assertEntries(v, it.range(null, null), bounds + " range(null, null)");
      } else {
        assertEntries(v.descendingMap(), it.reverseRange(null, null), bounds + " reverseRange(null, null)");
      }
    }
  }

  private void checkSnapshot(Db db, Snap s) {
    String saved = where;
    where = saved + " (snapshot)";
    try (ReadOptions ro = new ReadOptions().snapshot(s.snapshot)) {
      for (int i = 0; i < 20; i++) {
        byte[] k = pickKeyOf(s.model);
        assertBytes(s.model.get(k), db.get(ro, k), "get " + hex(k));
      }
      checkRange(db, ro, s.model, true);
      checkRange(db, ro, s.model, false);
      checkBoundedIterator(db, s.snapshot, s.model);
      if (rnd.nextInt(4) == 0) {
        try (LsmIterator it = db.newIterator(ro)) {
          assertEntries(s.model, it.range(null, null), "full scan");
        }
      }
    } finally {
      where = saved;
    }
  }

  private void checkAll(Db db, NavigableMap<byte[], byte[]> m) {
    try (LsmIterator it = db.newIterator()) {
      assertEntries(m, it.range(null, null), "full scan");
      assertEntries(m.descendingMap(), it.reverseRange(null, null), "full reverse scan");
      // By hand too, with next/prev instead of the fused steps.
      it.seekToFirst();
      for (byte[] k : m.keySet()) {
        assertAt(it, m, k, "next-walk");
        it.next();
      }
      assertAt(it, m, null, "next-walk end");
      it.seekToLast();
      for (byte[] k : m.descendingKeySet()) {
        assertAt(it, m, k, "prev-walk");
        it.prev();
      }
      assertAt(it, m, null, "prev-walk end");
    }
    for (byte[] k : m.keySet()) {
      assertBytes(m.get(k), db.get(k), "get " + hex(k));
    }
  }
}
