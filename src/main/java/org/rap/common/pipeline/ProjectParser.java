package org.rap.common.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses and validates project.yaml exactly as the reference pipeline library does
 * (docs/spec/project-yaml.md): same rules, same order, same messages. Where the reference crashes,
 * a clear {@link ProjectValidationError} is raised instead; {@code needs} cycles are rejected.
 *
 * <p>Every project.yaml is held to {@link ProjectLimits} (size, nesting, aliases): the default ones
 * unless a {@link ProjectLimits} is given.
 *
 * <p>Use {@link #parse(String)} directly or {@link #INSTANCE} where a {@link PipelineParser} is
 * expected.
 */
public final class ProjectParser {
  /** The parser as a {@link PipelineParser}, with the default limits. */
  public static final PipelineParser INSTANCE = withLimits(ProjectLimits.DEFAULT);

  public static final double LATEST_VERSION = 5;
  static final String PREFIX = "Invalid project: \n";
  static final String RUN_ALL = "run_all";

  static final List<String> LEVELS =
      List.of("highly_sensitive", "moderately_sensitive", "minimally_sensitive");

  private static final Map<String, Set<String>> DB_COMMANDS =
      Map.of(
          "ehrql", Set.of("generate-dataset", "generate-measures"),
          "cohortextractor", Set.of("generate_cohort", "generate_codelist_report"),
          "databuilder", Set.of("generate-dataset"));

  private ProjectParser() {}

  /** The parser as a {@link PipelineParser} holding files to {@code limits}. */
  public static PipelineParser withLimits(ProjectLimits limits) {
    return new PipelineParser() {
      @Override
      public Pipeline parse(String yamlText) throws ProjectValidationError {
        return ProjectParser.parse(yamlText, limits);
      }

      @Override
      public ProjectLimits limits() {
        return limits;
      }
    };
  }

  /** Decodes UTF-8 bytes (strictly) and parses them, with the default limits. */
  public static Pipeline parse(byte[] bytes) throws ProjectValidationError {
    return parse(bytes, ProjectLimits.DEFAULT);
  }

  /** Checks the size, decodes UTF-8 bytes (strictly) and parses them. */
  public static Pipeline parse(byte[] bytes, ProjectLimits limits) throws ProjectValidationError {
    limits.checkSize(bytes.length);
    return parse(decode(bytes), limits);
  }

  /** Decodes UTF-8 strictly; invalid bytes give a {@link ProjectValidationError}. */
  public static String decode(byte[] bytes) throws ProjectValidationError {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      return decoder.decode(in).toString();
    } catch (MalformedInputException e) {
      int pos = in.position();
      throw new ProjectValidationError(
          String.format(
              "Project file is not valid UTF-8 text: 'utf-8' codec can't decode byte 0x%02x in"
                  + " position %d",
              pos < bytes.length ? bytes[pos] & 0xff : 0, pos));
    } catch (CharacterCodingException e) {
      throw new ProjectValidationError("Project file is not valid UTF-8 text: " + e);
    }
  }

  /** Parses and validates project.yaml text, with the default limits. */
  public static Pipeline parse(String text) throws ProjectValidationError {
    return parse(text, ProjectLimits.DEFAULT);
  }

  /** Parses and validates project.yaml text held to {@code limits}. */
  public static Pipeline parse(String text, ProjectLimits limits) throws ProjectValidationError {
    if (text == null) {
      throw invalid("Project file is empty");
    }
    limits.checkSize(text);
    Optional<Object> data;
    try {
      data = YamlLoader.load(text, limits);
    } catch (YamlError e) {
      throw new ProjectValidationError(e.getMessage());
    }
    try {
      return new ProjectValidation().run(data.orElse(null));
    } catch (RuntimeException | StackOverflowError e) {
      // Not expected (the property tests look for it); never let it escape as a crash.
      throw invalid("Project file could not be validated: " + e);
    }
  }

  /** A validation rule's failure: {@code Invalid project: } + newline + the rule's message. */
  static ProjectValidationError invalid(String message) {
    return new ProjectValidationError(PREFIX + message);
  }

  /**
   * Whether an action with these run parts accesses the database (docs/spec/project-yaml.md section
   * 9).
   */
  static boolean isDatabaseAction(List<String> parts) {
    String image = parts.get(0).split(":", -1)[0];
    if (image.equals("sqlrunner")) {
      return true;
    }
    Set<String> commands = DB_COMMANDS.get(image);
    if (commands == null || parts.size() == 1) {
      return false;
    }
    return commands.contains(parts.get(1));
  }
}
