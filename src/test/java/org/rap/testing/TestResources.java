package org.rap.testing;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Files under {@code src/test/resources}, as paths on disk (they are copied to test-classes). */
public final class TestResources {
  private TestResources() {}

  /** The path of a test resource, e.g. {@code "project-yaml"}; fails when it does not exist. */
  public static Path path(String name) {
    URL url = TestResources.class.getResource("/" + name);
    if (url == null) {
      throw new IllegalStateException("test resource not found: " + name);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The project.yaml corpus: upstream fixtures and real-world studies with expected outcomes. */
  public static Path projectYamlFixtures() {
    return path("project-yaml");
  }
}
