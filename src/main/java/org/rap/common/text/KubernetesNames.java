package org.rap.common.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The name rules of the Kubernetes API (DNS-1123 labels and subdomains, label keys and values), as
 * checks for configuration and as deterministic conversions of arbitrary text (job ids, workspace
 * and action names) into valid names and label values.
 */
public final class KubernetesNames {
  /** Longest DNS-1123 label, label name and label value. */
  public static final int MAX_LABEL = 63;

  /** Longest DNS-1123 subdomain (object names such as Jobs and Secrets). */
  public static final int MAX_SUBDOMAIN = 253;

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  private static final Pattern LABEL_NAME =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

  /** Characters of the hash that makes a converted value unique. */
  private static final int HASH_CHARS = 8;

  private KubernetesNames() {}

  /** A DNS-1123 label: lower-case letters, digits and '-', at most 63 characters. */
  public static boolean isDnsLabel(String s) {
    return s != null && s.length() <= MAX_LABEL && DNS_LABEL.matcher(s).matches();
  }

  /** A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters. */
  public static boolean isDnsSubdomain(String s) {
    return s != null && s.length() <= MAX_SUBDOMAIN && DNS_SUBDOMAIN.matcher(s).matches();
  }

  /** A label value: empty, or at most 63 letters, digits, '-', '_' and '.', alphanumeric ends. */
  public static boolean isLabelValue(String s) {
    return s != null && s.length() <= MAX_LABEL && LABEL_VALUE.matcher(s).matches();
  }

  /** A label key (also a node-selector or taint key): {@code [<DNS subdomain>/]<name>}. */
  public static boolean isLabelKey(String s) {
    if (s == null) {
      return false;
    }
    int slash = s.indexOf('/');
    String name = slash < 0 ? s : s.substring(slash + 1);
    if (slash >= 0 && !isDnsSubdomain(s.substring(0, slash))) {
      return false;
    }
    return name.length() <= MAX_LABEL && LABEL_NAME.matcher(name).matches();
  }

  /**
   * {@code value} as a label value: unchanged when it is one already, else its invalid characters
   * replaced by '-', trimmed to alphanumeric ends and shortened, followed by '-' and a hash of the
   * original text, so different inputs keep different values. Deterministic.
   */
  public static String labelValue(String value) {
    if (isLabelValue(value)) {
      return value;
    }
    String cleaned = value.replaceAll("[^-A-Za-z0-9_.]", "-");
    return withHash(cleaned, value, MAX_LABEL, false);
  }

  /**
   * {@code prefix + name} as a DNS-1123 label: unchanged when valid, else lower-cased, invalid
   * characters replaced by '-', shortened and followed by '-' and a hash of {@code name}.
   */
  public static String dnsLabel(String prefix, String name) {
    String whole = prefix + name;
    if (isDnsLabel(whole)) {
      return whole;
    }
    String cleaned = whole.toLowerCase(Locale.ROOT).replaceAll("[^-a-z0-9]", "-");
    return withHash(cleaned, name, MAX_LABEL, true);
  }

  private static String withHash(String cleaned, String original, int max, boolean lowerOnly) {
    String hash = hash(original);
    String head = cleaned.substring(0, Math.min(cleaned.length(), max - HASH_CHARS - 1));
    head = head.replaceAll(lowerOnly ? "^[^a-z0-9]+" : "^[^A-Za-z0-9]+", "");
    head = head.replaceAll(lowerOnly ? "[^a-z0-9]+$" : "[^A-Za-z0-9]+$", "");
    return head.isEmpty() ? hash : head + "-" + hash;
  }

  private static String hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
