package org.rap.testing;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A separate process holding an OS lock on a file, as a controller's scheduler holds {@code
 * <db>.scheduler.lock}: prints {@code locked}, then holds it until its stdin closes.
 */
public final class FileLockHolder {
  private FileLockHolder() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel ch =
        FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.lock();
      ch.truncate(0);
      ch.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
      System.out.println("locked");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until stdin closes
      }
    }
  }
}
