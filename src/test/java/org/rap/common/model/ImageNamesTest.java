package org.rap.common.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one rule for an image's names, on both sides of the task API. */
class ImageNamesTest {
  private static final String SHA = "sha256:" + "a".repeat(64);

  @Test
  void aDefinitionNamesTheImageInTheRegistry() {
    assertEquals(
        "ghcr.io/opensafely-core/python:v2",
        ImageNames.inRegistry("ghcr.io/opensafely-core", "python:v2"));
    assertEquals(
        "ghcr.io/opensafely-core/python:v2",
        ImageNames.inRegistry("ghcr.io/opensafely-core/", "python:v2"));
  }

  @Test
  void anAgentPullsItByDigestThroughTheProxy() {
    String image = ImageNames.inRegistry("ghcr.io/opensafely-core", "python:v2");
    assertEquals("python:v2", ImageNames.nameTag(image, "ghcr.io/opensafely-core"));
    assertEquals(
        "docker-proxy.opensafely.org/opensafely-core/python@" + SHA,
        ImageNames.byDigest(
            image, "ghcr.io/opensafely-core", "docker-proxy.opensafely.org/opensafely-core", SHA));
    assertEquals(
        "proxy:5000/tpp-database-utils@" + SHA,
        ImageNames.byDigest(
            "localhost:5000/r/tpp-database-utils:latest", "other", "proxy:5000", SHA));
  }
}
