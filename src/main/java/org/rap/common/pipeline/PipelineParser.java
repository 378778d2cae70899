package org.rap.common.pipeline;

/** Parses and validates project.yaml text (implemented by {@code ProjectParser}). */
@FunctionalInterface
public interface PipelineParser {
  Pipeline parse(String yamlText) throws ProjectValidationError;
}
