package io.liblsm.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads liblsmjni once per class loader. The jar carries the library at
 * {@code io/liblsm/native/<os>-<arch>/<System.mapLibraryName("lsmjni")>};
 * it is copied to a temporary file and loaded from there (and the file is
 * deleted once loaded where the OS allows, as Linux does). Without a copy
 * for this platform in the jar, {@code System.loadLibrary("lsmjni")} looks
 * on {@code java.library.path}.
 */
public final class NativeLoader {
  private static boolean loaded;

  private NativeLoader() {}

  /** The platform directory name used in the jar, e.g. {@code linux-x86_64}. */
  public static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) {
      os = "linux";
    } else if (os.startsWith("mac") || os.startsWith("darwin")) {
      os = "darwin";
    } else if (os.startsWith("windows")) {
      os = "windows";
    }
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      arch = "x86_64";
    } else if (arch.equals("arm64") || arch.equals("aarch64")) {
      arch = "aarch64";
    }
    return os + "-" + arch;
  }

  /** Loads the library if this class loader has not yet; idempotent. */
  public static synchronized void load() {
    if (loaded) {
      return;
    }
    String name = System.mapLibraryName("lsmjni");
    String resource = "/io/liblsm/native/" + platform() + "/" + name;
    try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
      if (in != null) {
        Path file = Files.createTempFile("liblsmjni-", "-" + name);
        try {
          Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
          System.load(file.toAbsolutePath().toString());
        } finally {
          // Once loaded the mapping stays; the name is no longer needed
          // (where the OS refuses, as Windows does, it goes at exit).
          try {
            Files.delete(file);
          } catch (IOException e) {
            file.toFile().deleteOnExit();
          }
        }
        loaded = true;
        return;
      }
    } catch (IOException e) {
      throw new UnsatisfiedLinkError("liblsm: cannot extract " + resource + ": " + e);
    }
    try {
      System.loadLibrary("lsmjni");
    } catch (UnsatisfiedLinkError e) {
      UnsatisfiedLinkError err = new UnsatisfiedLinkError(
          "liblsm: this jar has no native library for " + platform() + " (" + resource
              + ") and lsmjni is not on java.library.path: " + e.getMessage());
      err.initCause(e);
      throw err;
    }
    loaded = true;
  }
}
