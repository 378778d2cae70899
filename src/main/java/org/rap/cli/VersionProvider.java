package org.rap.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest. */
public final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = VersionProvider.class.getPackage().getImplementationVersion();
    return new String[] {"rap " + (v == null ? "dev" : v)};
  }
}
