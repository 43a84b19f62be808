import io.liblsm.Db;
import io.liblsm.LsmIterator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The jar on its own: with nothing but target/liblsm-*.jar on the class
 * path (no liblsm installed, no java.library.path), open a database,
 * write, read and iterate it. ci/test.sh runs it after mvn package:
 *   java -Djava.library.path=/nonexistent -cp target/liblsm-0.1.0.jar src/smoke/JarSmoke.java
 * Exits 1 with a message on any mismatch.
 */
public class JarSmoke {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("lsm-jar-smoke").resolve("db");
    try (Db db = Db.open(dir)) {
      for (int i = 0; i < 1000; i++) {
        db.put(key(i), value(i));
      }
      db.flush();
      for (int i = 0; i < 1000; i++) {
        check(Arrays.equals(db.get(key(i)), value(i)), "get " + i);
      }
      check(db.get(new byte[] {'x'}) == null, "absent key");
      int n = 0;
      try (LsmIterator it = db.newIterator()) {
        for (LsmIterator.Entry e : it.range(null, null)) {
          check(Arrays.equals(e.key(), key(n)) && Arrays.equals(e.value(), value(n)), "entry " + n);
          n++;
        }
      }
      check(n == 1000, "iterated " + n + " entries");
    }
    Db.destroy(dir);
    Files.delete(dir.getParent());
    System.out.println("jar smoke: open, 1000 puts, flush, gets, iteration: ok (liblsm " + Db.version() + ")");
  }

  static byte[] key(int i) {
    return String.format("key%06d", i).getBytes();
  }

  static byte[] value(int i) {
    return ("value" + i).getBytes();
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      System.err.println("jar smoke: FAILED: " + what);
      System.exit(1);
    }
  }
}
