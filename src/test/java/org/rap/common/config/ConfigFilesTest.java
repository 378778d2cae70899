package org.rap.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config} files in every format: values as written, problems naming file and line. */
class ConfigFilesTest {
  @TempDir Path dir;

  private ConfigLayer read(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return ConfigFiles.read(f);
  }

  @Test
  void everyFormatGivesTheSameSettings() throws Exception {
    Map<String, String> want =
        Map.of("CONTROLLER_PORT", "4000", "BACKENDS", "tpp,test", "ALLOW_LOCAL_GIT_REPOS", "on");
    List<ConfigLayer> layers =
        List.of(
            read(
                "rap.yaml",
                "CONTROLLER_PORT: 4000\nBACKENDS: [tpp, test]\nALLOW_LOCAL_GIT_REPOS: on\n"),
            read(
                "rap.yml",
                "CONTROLLER_PORT: '4000'\nBACKENDS: tpp,test\nALLOW_LOCAL_GIT_REPOS: on\n"),
            read(
                "rap.json",
                "{\"CONTROLLER_PORT\": 4000, \"BACKENDS\": [\"tpp\", \"test\"],\n"
                    + " \"ALLOW_LOCAL_GIT_REPOS\": \"on\"}"),
            read(
                "rap.properties",
                "CONTROLLER_PORT=4000\nBACKENDS = tpp,test\nALLOW_LOCAL_GIT_REPOS:on\n"),
            read(
                "settings.env",
                "CONTROLLER_PORT=4000\nBACKENDS=tpp,test\nALLOW_LOCAL_GIT_REPOS=on\n"),
            read(
                "settings",
                "# no extension\nCONTROLLER_PORT=4000\nBACKENDS=tpp,test\nALLOW_LOCAL_GIT_REPOS=on\n"),
            read(
                "rap.conf",
                "CONTROLLER_PORT: 4000\nBACKENDS: tpp,test\nALLOW_LOCAL_GIT_REPOS: on\n"));
    for (ConfigLayer l : layers) {
      assertEquals(List.of(), l.problems(), l.name());
      assertEquals(want, l.values(), l.name());
    }
  }

  @Test
  void dotenvAsComposeAndContainerPlatformsWriteIt() throws Exception {
    ConfigLayer l =
        read(
            "prod.env",
            String.join(
                "\n",
                "# a comment",
                "",
                "export BACKENDS=tpp",
                "TPP_CLIENT_TOKENS = \"quoted # not a comment\"  # a comment",
                "TPP_JOB_SERVER_TOKEN='single $literal \\n'",
                "WORKDIR=/srv/rap # inline comment",
                "LOGLEVEL=",
                "STATA_LICENSE=\"line one",
                "line two\"",
                "OTEL_EXPORTER_OTLP_HEADERS=\"x-key=a\\\"b\"",
                "DOCKER_PROXY=with#hash",
                ""));
    assertEquals(List.of(), l.problems());
    assertEquals("tpp", l.values().get("BACKENDS"));
    assertEquals("quoted # not a comment", l.values().get("TPP_CLIENT_TOKENS"));
    assertEquals("single $literal \\n", l.values().get("TPP_JOB_SERVER_TOKEN"));
    assertEquals("/srv/rap", l.values().get("WORKDIR"));
    assertEquals("", l.values().get("LOGLEVEL"));
    assertEquals("line one\nline two", l.values().get("STATA_LICENSE"));
    assertEquals("x-key=a\"b", l.values().get("OTEL_EXPORTER_OTLP_HEADERS"));
    assertEquals("with#hash", l.values().get("DOCKER_PROXY"));
    assertEquals(l.name() + " line 6", l.origins().get("WORKDIR"));
  }

  @Test
  void problemsNameFileAndLineButNeverAValue() throws Exception {
    String secret = "s3cr3t-value-never-shown";
    ConfigLayer env =
        read(
            "bad.env",
            "BACKENDS=tpp\nTPP_CLIENT_TOKENS " + secret + "\n2BAD=x\nBACKENDS=test\nX=\"" + secret);
    assertEquals(4, env.problems().size(), env.problems().toString());
    assertTrue(
        env.problems().get(0).endsWith("bad.env line 2: expected KEY=value"),
        env.problems().get(0));
    assertTrue(env.problems().get(1).contains("line 3: '2BAD' is not a valid name"));
    assertTrue(env.problems().get(2).contains("line 4: BACKENDS is already set on line 1"));
    assertTrue(env.problems().get(3).contains("line 5: the value of X has no closing \""));

    ConfigLayer yaml = read("bad.yaml", "BACKENDS: tpp\nTPP_CLIENT_TOKENS: " + secret + ": x\n");
    assertEquals(1, yaml.problems().size());
    assertTrue(yaml.problems().get(0).contains("bad.yaml line 2, column"), yaml.problems().get(0));

    ConfigLayer dup = read("dup.yaml", "BACKENDS: tpp\nBACKENDS: test\n");
    assertEquals(
        List.of(dir.resolve("dup.yaml") + " line 2: BACKENDS is already set on line 1"),
        dup.problems());

    ConfigLayer json = read("bad.json", "{\"BACKENDS\": \"tpp\",\n \"TOKEN\": " + secret + "}");
    assertEquals(1, json.problems().size());
    assertTrue(json.problems().get(0).contains("bad.json line 2, column"), json.problems().get(0));

    ConfigLayer list = read("list.yaml", "- BACKENDS\n");
    assertTrue(list.problems().get(0).contains("expected a mapping"), list.problems().toString());

    for (ConfigLayer l : List.of(env, yaml, json)) {
      for (String p : l.problems()) {
        assertFalse(p.contains(secret), p);
      }
    }
  }

  @Test
  void yamlKeepsScalarsAsWrittenAndMappingsAsJson() throws Exception {
    ConfigLayer l =
        read(
            "rap.yaml",
            "VERSION: 4.0\nDOCKER_USER_ID: 012\nDOCKER_PROXY: ~\n"
                + "WORKSPACE_EHRQL_MAX_JOIN_COUNT: {ws: 3}\n");
    assertEquals(List.of(), l.problems());
    assertEquals("4.0", l.values().get("VERSION"));
    assertEquals("012", l.values().get("DOCKER_USER_ID"));
    assertEquals("", l.values().get("DOCKER_PROXY"));
    assertEquals("{\"ws\":3}", l.values().get("WORKSPACE_EHRQL_MAX_JOIN_COUNT"));
  }

  @Test
  void anUnreadableFileIsOneProblem() {
    ConfigLayer l = ConfigFiles.read(dir.resolve("missing.env"));
    assertEquals(1, l.problems().size());
    assertTrue(l.problems().get(0).contains("missing.env does not exist or is not readable"));
  }
}
