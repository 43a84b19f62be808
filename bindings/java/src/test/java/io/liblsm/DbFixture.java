package io.liblsm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture the test classes share, as their superclass: a temporary
 * directory per test for its databases, deleted after it, and a thread pool
 * for the tests that run threads, which must all have ended when the test
 * does.
 */
abstract class DbFixture {
  /** A bound on each wait for a test's threads: only a hang reaches it. */
  static final long JOIN_SECONDS = 60;

  @TempDir Path dir;

  /** The test's threads; a cached pool starts none until used. */
  ExecutorService pool;

  @BeforeEach
  void startPool() {
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(JOIN_SECONDS, TimeUnit.SECONDS), "threads still running");
  }

  /** Where a test's one database lives. */
  Path dbPath() {
    return dir.resolve("db");
  }

  /** Waits for every task, rethrowing the first failure. */
  static void joinAll(List<Future<?>> futures)
      throws InterruptedException, ExecutionException, TimeoutException {
    for (Future<?> f : futures) {
      f.get(JOIN_SECONDS, TimeUnit.SECONDS);
    }
  }
}
