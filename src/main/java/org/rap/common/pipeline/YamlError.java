package org.rap.common.pipeline;

/** A YAML document that cannot be loaded, with the complete, user-facing message. */
final class YamlError extends Exception {
  YamlError(String message) {
    super(message, null, false, false);
  }
}
