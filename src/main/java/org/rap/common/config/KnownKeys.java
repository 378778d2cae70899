package org.rap.common.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises setting names: those of {@link ConfigKeys} (the per-backend ones for each backend),
 * their {@code <NAME>_FILE} forms for secrets, and names that deployments set beside them without
 * RAP reading them (Compose, the image's entry point, job-server, the reference's web framework).
 * Knows which are secrets and which role reads each. A key that is none of these but looks like one
 * of ours is a configuration error with a "did you mean" ({@link #unknownKeyProblem}).
 */
public final class KnownKeys {
  /** Who reads a key. */
  enum Scope {
    COMMON,
    CONTROLLER,
    AGENT,
    /** Set beside RAP's keys by deployments (Compose, image, job-server); RAP ignores them. */
    IGNORED
  }

  /** Suffix of the per-database keys ({@code DEFAULT_DATABASE_URL}): secrets (passwords). */
  static final String PER_DATABASE = "_DATABASE_URL";

  /** Every secret may instead be read from the file named by {@code <NAME>_FILE}. */
  public static final String FILE_SUFFIX = "_FILE";

  /** Secrets among the keys of {@link ConfigKeys} (per-backend ones with their {@code <B>_}). */
  private static final Set<String> SECRETS =
      Set.of(
          "PRIVATE_REPO_ACCESS_TOKEN",
          "OTEL_EXPORTER_OTLP_HEADERS",
          "DATABASE_URL",
          "STATA_LICENSE",
          "OPS_PAGE_TOKEN",
          "CONTROLLER_TASK_API_TOKEN",
          "DEFAULT_DATABASE_URL",
          "<B>_CLIENT_TOKENS",
          "<B>_JOB_SERVER_TOKEN");

  /** Names deployments set beside ours, and which of them are secrets. */
  private static final Map<String, Boolean> IGNORED =
      Map.ofEntries(
          // docker/compose.yaml and the image's entry point
          Map.entry("COMPOSE_PROJECT_NAME", false),
          Map.entry("RAP_IMAGE", false),
          Map.entry("RAP_CONTROLLER_ENV_FILE", false),
          Map.entry("RAP_AGENT_ENV_FILE", false),
          Map.entry("RAP_CONTROLLER_PUBLISH", false),
          Map.entry("RAP_AGENT_HOST_DIR", false),
          Map.entry("RAP_TLS_DIR", false),
          Map.entry("POSTGRES_IMAGE", false),
          Map.entry("POSTGRES_PASSWORD", true),
          Map.entry("DOCKER_GID", false),
          Map.entry("JAVA_OPTS", false),
          Map.entry("HEALTHCHECK_PORT", false),
          // job-server's side of the RAP API
          Map.entry("RAP_API_BASE_URL", false),
          Map.entry("RAP_API_TOKEN", true),
          Map.entry("RAP_API_POLL_INTERVAL", false),
          // the reference's web framework and debug log
          Map.entry("DJANGO_CONTROLLER_SECRET_KEY", true),
          Map.entry("DJANGO_DEBUG", false),
          Map.entry("DJANGO_LOG_LEVEL", false),
          Map.entry("DEBUG_LOG_FILE", false));

  private KnownKeys() {}

  /** Every concrete known name for these backends (per-backend keys expanded, secret files). */
  public static Set<String> names(List<String> backends) {
    Set<String> out = new LinkedHashSet<>();
    for (ConfigKeys.Key k : ConfigKeys.ALL) {
      if (k.perBackend()) {
        backends.forEach(b -> out.add(ConfigKeys.forBackend(k, b)));
      } else {
        out.add(k.name());
      }
    }
    out.addAll(IGNORED.keySet());
    for (String secret : List.copyOf(out)) {
      if (isSecret(secret)) {
        out.add(secret + FILE_SUFFIX);
      }
    }
    return out;
  }

  public static boolean isKnown(String key, List<String> backends) {
    if (key.startsWith("OTEL_")) {
      return true; // OpenTelemetry's own settings (OTEL_BSP_*, OTEL_SEMCONV_*...) pass through
    }
    return names(backends).contains(key);
  }

  /**
   * Whether the value of {@code key} is a secret: never logged, shown or echoed in errors, and
   * accepted from a {@code <KEY>_FILE}. Per-backend tokens count whatever the backend.
   */
  public static boolean isSecret(String key) {
    if (SECRETS.contains(key) || IGNORED.getOrDefault(key, false)) {
      return true;
    }
    if (key.endsWith(PER_DATABASE)) {
      return true;
    }
    return SECRETS.stream()
        .filter(n -> n.startsWith(ConfigKeys.BACKEND_PREFIX))
        .map(n -> n.substring(ConfigKeys.BACKEND_PREFIX.length() - 1))
        .anyMatch(suffix -> key.endsWith(suffix) && key.length() > suffix.length());
  }

  /**
   * Whether a process of {@code role} reads {@code key}: per-backend keys are the controller's,
   * per-database URLs the agent's, unknown keys nobody's.
   */
  public static boolean usedBy(String key, Role role) {
    Scope scope = scope(key);
    return switch (scope) {
      case COMMON -> true;
      case CONTROLLER -> role.runsController();
      case AGENT -> role.runsAgent();
      case IGNORED -> false;
    };
  }

  private static Scope scope(String key) {
    Optional<ConfigKeys.Key> k = ConfigKeys.find(key);
    if (k.isPresent()) {
      return switch (k.get().group()) {
        case COMMON -> Scope.COMMON;
        case CONTROLLER, PER_BACKEND -> Scope.CONTROLLER;
        case AGENT -> Scope.AGENT;
      };
    }
    if (key.endsWith(PER_DATABASE)) {
      return Scope.AGENT;
    }
    for (ConfigKeys.Key pb : ConfigKeys.of(ConfigKeys.Group.PER_BACKEND)) {
      String suffix = pb.name().substring(ConfigKeys.BACKEND_PREFIX.length() - 1);
      if (key.endsWith(suffix) && key.length() > suffix.length()) {
        return Scope.CONTROLLER;
      }
    }
    return Scope.IGNORED;
  }

  /**
   * The problem with an unknown {@code key}, if it looks like one of ours: close to a known name (a
   * typo), or starting with one of our prefixes.
   *
   * @param ownSource whether the key comes from a source only RAP reads (a configuration file or
   *     directory); the environment, which other software shares, is held to near misses and the
   *     role prefixes only
   * @param origin where the key was set, for the message
   */
  public static Optional<String> unknownKeyProblem(
      String key, List<String> backends, boolean ownSource, String origin) {
    if (isKnown(key, backends)) {
      return Optional.empty();
    }
    Set<String> names = names(backends);
    // the environment is shared with other software (SSL_CERT_FILE is two edits from
    // TLS_CERT_FILE): only a one-character slip in a long name counts there
    Optional<String> near =
        ownSource
            ? nearest(key, names, 2)
            : key.length() >= 8 ? nearest(key, names, 1) : Optional.empty();
    String where = origin == null ? "" : " (from " + origin + ")";
    if (near.isPresent()) {
      return Optional.of(key + where + " is not a known setting; did you mean " + near.get() + "?");
    }
    if (hasOurPrefix(key, backends, ownSource)) {
      return Optional.of(key + where + " is not a known setting" + prefixHint(key, names));
    }
    return Optional.empty();
  }

  private static boolean hasOurPrefix(String key, List<String> backends, boolean ownSource) {
    List<String> prefixes = new ArrayList<>(List.of("CONTROLLER_", "AGENT_"));
    if (ownSource) {
      prefixes.addAll(List.of("RAP_", "TLS_", "DEFAULT_", "TASK_API_"));
      backends.forEach(b -> prefixes.add(ConfigKeys.backendPrefix(b)));
    }
    String upper = key.toUpperCase(Locale.ROOT);
    return prefixes.stream().anyMatch(upper::startsWith);
  }

  /** "; known CONTROLLER_ settings: CONTROLLER_HOST, CONTROLLER_PORT, ...". */
  private static String prefixHint(String key, Set<String> names) {
    int cut = key.indexOf('_');
    if (cut <= 0) {
      return "";
    }
    String prefix = key.substring(0, cut + 1).toUpperCase(Locale.ROOT);
    List<String> same =
        names.stream().filter(n -> n.startsWith(prefix) && !secretFile(n)).sorted().toList();
    return same.isEmpty() ? "" : "; known " + prefix + " settings: " + String.join(", ", same);
  }

  private static boolean secretFile(String name) {
    return name.endsWith(FILE_SUFFIX)
        && isSecret(name.substring(0, name.length() - FILE_SUFFIX.length()));
  }

  /**
   * The known name closest to {@code key} (case ignored) within {@code most} edits, and one for
   * names of up to 8 characters, if any.
   */
  static Optional<String> nearest(String key, Set<String> names, int most) {
    String upper = key.toUpperCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String n : names) {
      int allowed = n.length() <= 8 ? Math.min(1, most) : most;
      int d = distance(upper, n, allowed);
      if (d <= allowed && d < bestDistance) {
        best = n;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Optimal string alignment distance (insertions, deletions, substitutions and transpositions of
   * neighbours), or {@code max + 1} as soon as it must exceed {@code max}.
   */
  static int distance(String a, String b, int max) {
    if (Math.abs(a.length() - b.length()) > max) {
      return max + 1;
    }
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int rowMin = Integer.MAX_VALUE;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
        rowMin = Math.min(rowMin, v);
      }
      if (rowMin > max) {
        return max + 1;
      }
    }
    return d[a.length()][b.length()];
  }
}
