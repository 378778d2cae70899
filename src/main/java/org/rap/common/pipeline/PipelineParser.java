package org.rap.common.pipeline;

/** Parses and validates project.yaml text (implemented by {@code ProjectParser}). */
@FunctionalInterface
public interface PipelineParser {
  Pipeline parse(String yamlText) throws ProjectValidationError;

  /**
   * The limits this parser holds files to: a reader checks a file's size against {@link
   * ProjectLimits#maxBytes()} before reading it.
   */
  default ProjectLimits limits() {
    return ProjectLimits.DEFAULT;
  }
}
