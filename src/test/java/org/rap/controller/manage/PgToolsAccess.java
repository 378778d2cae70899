package org.rap.controller.manage;

import java.nio.file.Path;

/** Test access to the package-private tool lookup. */
public final class PgToolsAccess {
  private PgToolsAccess() {}

  public static Path find(String tool, String path, Path debianRoot) throws Snapshots.Refused {
    return PgTools.find(tool, path, debianRoot);
  }
}
