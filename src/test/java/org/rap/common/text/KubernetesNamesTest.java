package org.rap.common.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kubernetes")
class KubernetesNamesTest {
  @Test
  void checksTheApiNameRules() {
    assertTrue(KubernetesNames.isDnsLabel("os-job-abc234"));
    assertFalse(KubernetesNames.isDnsLabel("Os-job"));
    assertFalse(KubernetesNames.isDnsLabel("-a"));
    assertFalse(KubernetesNames.isDnsLabel("a".repeat(64)));
    assertTrue(KubernetesNames.isDnsSubdomain("rap-storage.v1"));
    assertFalse(KubernetesNames.isDnsSubdomain("rap_storage"));
    assertTrue(KubernetesNames.isLabelValue(""));
    assertTrue(KubernetesNames.isLabelValue("My_Workspace.v2"));
    assertFalse(KubernetesNames.isLabelValue("has space"));
    assertFalse(KubernetesNames.isLabelValue("trailing-"));
    assertTrue(KubernetesNames.isLabelKey("rap.opensafely.org/backend"));
    assertTrue(KubernetesNames.isLabelKey("disk"));
    assertFalse(KubernetesNames.isLabelKey("Bad_Prefix/x"));
    assertFalse(KubernetesNames.isLabelKey("a/b/c"));
    assertFalse(KubernetesNames.isLabelKey(""));
  }

  @Test
  void validValuesAreKeptAsTheyAre() {
    assertEquals("my-workspace", KubernetesNames.labelValue("my-workspace"));
    assertEquals(
        "os-job-abcdefgh23456789", KubernetesNames.dnsLabel("os-job-", "abcdefgh23456789"));
  }

  @Test
  void otherTextIsConvertedDeterministicallyAndDistinctly() {
    List<String> inputs =
        List.of(
            "généré data",
            "generate data",
            "-leading and trailing-",
            "x".repeat(100),
            "x".repeat(100) + "y",
            "!!!");
    for (String in : inputs) {
      String v = KubernetesNames.labelValue(in);
      assertTrue(KubernetesNames.isLabelValue(v), in + " -> " + v);
      assertEquals(v, KubernetesNames.labelValue(in));
      String n = KubernetesNames.dnsLabel("os-job-", in);
      assertTrue(KubernetesNames.isDnsLabel(n), in + " -> " + n);
      assertTrue(n.startsWith("os-job-"), n);
    }
    assertNotEquals(
        KubernetesNames.labelValue("x".repeat(100)),
        KubernetesNames.labelValue("x".repeat(100) + "y"));
    assertNotEquals(
        KubernetesNames.dnsLabel("p-", "Job_A"), KubernetesNames.dnsLabel("p-", "job-a"));
    assertTrue(KubernetesNames.labelValue("generate data").startsWith("generate-data-"));
  }
}
