package org.rap.common.git;

/** The file is larger than the reader accepts; it was not read. */
public final class GitFileTooLargeException extends GitException {
  private final long size;

  public GitFileTooLargeException(String path, long size) {
    super("File '" + path + "' is too large: " + size + " bytes");
    this.size = size;
  }

  /** The file's size in bytes. */
  public long size() {
    return size;
  }
}
