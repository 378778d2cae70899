package org.rap.common.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedHostsTest {
  @Test
  void exactDomainAndAny() {
    AllowedHosts h = new AllowedHosts(List.of("Controller.Example.org", ".rap.internal", "[::1]"));
    assertTrue(h.allows("controller.example.org"));
    assertTrue(h.allows("CONTROLLER.example.org."));
    assertFalse(h.allows("evil.example.org"));
    assertFalse(h.allows("controller.example.org.evil.net"));
    assertTrue(h.allows("rap.internal"));
    assertTrue(h.allows("agent-3.rap.internal"));
    assertFalse(h.allows("notrap.internal"));
    assertTrue(h.allows("::1"));
    assertTrue(h.allows("[::1]"));
    assertFalse(h.allows(null));
    assertFalse(h.allows(""));
    assertTrue(new AllowedHosts(List.of("*")).allows("anything.example"));
  }
}
