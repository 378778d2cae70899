package org.rap.common.model;

import java.text.Normalizer;
import java.util.Locale;

/** Django-style slugify, as used by the reference for job slugs. */
public final class Slugs {
  private Slugs() {}

  public static String slugify(String value) {
    String ascii =
        Normalizer.normalize(value, Normalizer.Form.NFKD).replaceAll("[^\\x00-\\x7F]", "");
    String cleaned = ascii.toLowerCase(Locale.ROOT).replaceAll("[^\\w\\s-]", "");
    return cleaned.replaceAll("[-\\s]+", "-").replaceAll("^[-_]+|[-_]+$", "");
  }
}
