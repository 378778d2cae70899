package org.rap.common.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rap.common.pipeline.ProjectParserRulesTest.assertInvalid;
import static org.rap.common.pipeline.ProjectParserRulesTest.project;
import static org.rap.common.pipeline.ProjectParserRulesTest.simple;
import static org.rap.common.pipeline.ProjectParserRulesTest.valid;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The limits a project.yaml is held to beyond the reference's rules: size, nesting, aliases and
 * what they expand to, values, output patterns no workspace file can match, and action names the
 * agent cannot file.
 */
class ProjectLimitsTest {
  private static final String PREFIX = "Invalid project: \n";

  private static String message(String yaml, ProjectLimits limits) {
    return assertThrows(ProjectValidationError.class, () -> ProjectParser.parse(yaml, limits))
        .getMessage();
  }

  private static String message(String yaml) {
    return message(yaml, ProjectLimits.DEFAULT);
  }

  // ------------------------------------------------------------------ size

  @Test
  void aFileAboveTheLimitIsRefusedBeforeDecoding() {
    byte[] bytes = new byte[2 * 1024 * 1024 + 1];
    bytes[0] = (byte) 0xff; // not UTF-8 either: the size is checked first
    ProjectValidationError e =
        assertThrows(ProjectValidationError.class, () -> ProjectParser.parse(bytes));
    assertEquals(
        PREFIX + "Project file is too large: 2097153 bytes (the limit is 2097152 bytes)",
        e.getMessage());
  }

  @Test
  void textIsMeasuredInBytesOfUtf8() {
    ProjectLimits limits = new ProjectLimits(1024);
    String fits = simple("5", "python:v2 x", "highly_sensitive", "o.csv");
    String text = fits + "# " + "\u00e9".repeat(500) + "\n"; // 500 characters, 1000 bytes
    assertTrue(text.length() <= 1024);
    assertEquals(
        PREFIX
            + "Project file is too large: "
            + text.getBytes(StandardCharsets.UTF_8).length
            + " bytes (the limit is 1024 bytes)",
        message(text, limits));
    valid(text); // within the default limit
  }

  @Test
  void aParserWithLimitsHoldsFilesToThem() throws Exception {
    ProjectLimits limits = new ProjectLimits(4096);
    PipelineParser parser = ProjectParser.withLimits(limits);
    assertSame(limits, parser.limits());
    assertSame(ProjectLimits.DEFAULT, ProjectParser.INSTANCE.limits());
    String big = simple("5", "python:v2 x", "highly_sensitive", "o.csv") + "#" + "x".repeat(5000);
    assertThrows(ProjectValidationError.class, () -> parser.parse(big));
    assertEquals(1, ProjectParser.INSTANCE.parse(big).actions().size());
  }

  @Test
  void limitsOutsideTheirRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ProjectLimits(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ProjectLimits(ProjectLimits.HIGHEST_MAX_BYTES + 1));
  }

  // ------------------------------------------------------------------ YAML structure

  @Test
  void nestingIsBoundedWithThePositionOfTheDeepestList() {
    String deep = "a: " + "[".repeat(100) + "]".repeat(100) + "\n";
    String m = message(deep);
    assertTrue(
        m.startsWith(
            "the YAML document is nested too deeply to be read (more than 100 levels of lists"
                + " and mappings)\n  in \"<unicode string>\", line 1, column 103:"),
        m);
    // 100 levels (the document's mapping and 99 lists) are read; the project is then invalid
    String ok = "a: " + "[".repeat(99) + "]".repeat(99) + "\n";
    assertTrue(message(ok).startsWith(PREFIX), message(ok));
  }

  @Test
  void aliasesOfListsAndMappingsAreCounted() {
    String many =
        "version: 5\nactions: {}\nx: &x [1]\ny: ["
            + String.join(", ", Collections.nCopies(10_001, "*x"))
            + "]\n";
    String m = message(many);
    assertTrue(
        m.startsWith(
            "the YAML document uses too many aliases to be read (more than 10000 aliases of"
                + " lists and mappings)"),
        m);
    String enough = many.replace("y: [*x, ", "y: [");
    assertTrue(message(enough).startsWith(PREFIX), "10,000 are read");
    // aliases of scalars cost only what they expand to
    String scalars =
        "version: 5\nactions: {}\nx: &x 1\ny: ["
            + String.join(", ", Collections.nCopies(20_000, "*x"))
            + "]\n";
    assertEquals(PREFIX + "Unexpected parameters (x, y) in project", message(scalars));
  }

  @Test
  void whatAliasesExpandToIsBounded() {
    ProjectLimits limits = new ProjectLimits(64 * 1024); // expands to at most 256 KiB
    String text =
        "version: 5\nactions: {}\ns: &s \""
            + "x".repeat(10_000)
            + "\"\nl: ["
            + String.join(", ", Collections.nCopies(30, "*s"))
            + "]\n";
    String m = message(text, limits);
    assertTrue(
        m.startsWith(
            "the YAML document is too large to be read once its aliases are expanded (more than"
                + " 262144 characters)"),
        m);
    assertEquals(PREFIX + "Unexpected parameters (s, l) in project", message(text));
  }

  @Test
  void theNumberOfValuesIsBoundedBySize() {
    ProjectLimits limits = new ProjectLimits(1024); // 64 values
    String text = "x: [" + String.join(",", Collections.nCopies(200, "1")) + "]\n";
    String m = message(text, limits);
    assertTrue(
        m.startsWith(
            "the YAML document has too many values to be read (more than 64 scalars, lists and"
                + " mappings)"),
        m);
  }

  @Test
  void aLongQuotedScalarAtTheLimitIsRead() throws Exception {
    // a run command of a megabyte: read in one buffer, in linear time
    String run = "python:v2 " + "x".repeat(1024 * 1024);
    Pipeline p =
        ProjectParser.parse(
            project("5", "run: \"" + run + "\"\noutputs: {highly_sensitive: {o: o.csv}}"));
    assertEquals(run.length(), String.join(" ", p.action("a").run()).length());
  }

  @Test
  void aHugeImageNameIsNotEchoedInFull() {
    String name = "x".repeat(100_000);
    assertInvalid(
        simple("5", name, "highly_sensitive", "o.csv"),
        "Action command "
            + "x".repeat(100)
            + "... must have a version specified in the form :vN (e.g. "
            + "x".repeat(100)
            + "...:v2)");
  }

  // ------------------------------------------------------------------ output patterns

  @ParameterizedTest
  @ValueSource(strings = {"../x.txt", "../../outside/x.csv", "../*.txt"})
  void patternsLeadingOutsideTheWorkspaceAreRefused(String pattern) {
    assertInvalid(
        simple("5", "python:v2 x", "moderately_sensitive", "'" + pattern + "'"),
        "Output path " + pattern + " is invalid: leads outside the workspace (starts with '..')");
  }

  @Test
  void patternsNoFileCanMatchAreRefused() {
    assertInvalid(
        simple("5", "python:v2 x", "highly_sensitive", "\"output/a\\0b.csv\""),
        "Output path output/a\u0000b.csv is invalid: contains a NUL character");
    String longName = "output/" + "a".repeat(252) + ".csv";
    assertInvalid(
        simple("5", "python:v2 x", "highly_sensitive", longName),
        "Output path "
            + longName
            + " is invalid: has a file or directory name longer than 255 bytes");
    valid(simple("5", "python:v2 x", "highly_sensitive", "output/" + "a".repeat(251) + ".csv"));
    valid(simple("5", "python:v2 x", "highly_sensitive", "output/..a.csv"));
  }

  // ------------------------------------------------------------------ action names

  private static String named(String name) {
    return "version: 5\nactions:\n  "
        + name
        + ":\n    run: python:v2 x\n    outputs: {highly_sensitive: {o: o.csv}}\n";
  }

  @Test
  void actionNamesTheAgentCannotFileAreRefused() {
    assertInvalid(named("'a/b'"), "Action name 'a/b' is invalid: it contains '/'");
    assertInvalid(
        named("\"a\\nb\""), "Action name 'a\\nb' is invalid: it contains a control character");
    assertInvalid(named("'..'"), "Action name '..' is invalid: '.' and '..' are not allowed");
    assertInvalid(named("''"), "Action name '' is invalid: it is empty");
    String tooLong = "a".repeat(201);
    assertInvalid(
        named(tooLong),
        "Action name '"
            + "a".repeat(59)
            + "... is invalid: it is 201 bytes long, the limit is 200 bytes");
    String multibyte = "\u00e9".repeat(101); // 202 bytes
    assertTrue(message(named(multibyte)).endsWith("it is 202 bytes long, the limit is 200 bytes"));
    assertEquals(1, valid(named("a".repeat(200))).actions().size());
    assertEquals(1, valid(named("caf\u00e9-2.0_x")).actions().size());
  }
}
