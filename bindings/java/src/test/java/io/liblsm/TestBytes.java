package io.liblsm;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;

/** Byte helpers the test classes share. */
final class TestBytes {
  private TestBytes() {}

  /** The UTF-8 bytes of s. */
  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  /** bytes as UTF-8 text; null stays null. */
  static String s(byte[] bytes) {
    return bytes == null ? null : new String(bytes, UTF_8);
  }

  /** A direct buffer holding bytes, positioned at 0 with bytes.length remaining. */
  static ByteBuffer direct(byte[] bytes) {
    return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
  }

  static ByteBuffer direct(String s) {
    return direct(b(s));
  }
}
