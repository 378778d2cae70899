package org.rap.common.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Output path pattern rules (docs/spec/project-yaml.md section 6), then the patterns no file in the
 * workspace can match, and the Python path helpers the rules rely on ({@code
 * pathlib.PurePosixPath}, {@code posixpath.normpath}, {@code fnmatch}).
 */
final class PathRules {
  private PathRules() {}

  /** File types allowed for moderately_sensitive outputs (case-sensitive). */
  static final Set<String> MODERATELY_SENSITIVE_TYPES =
      Set.of(
          ".csv", ".jpg", ".jpeg", ".png", ".svg", ".svgz", ".html", ".txt", ".log", ".json",
          ".md");

  /** Returns the reason a pattern is invalid (the text after "is invalid: "), or null. */
  static String invalidReason(String pattern, String privacyLevel) {
    if (pattern.indexOf('\\') >= 0) {
      return "contains back slashes (use forward slashes only)";
    }
    for (String expr : new String[] {"**", "?", "["}) {
      if (pattern.contains(expr)) {
        return "contains '" + expr + "' (only the * wildcard character is supported)";
      }
    }
    String suffix = suffix(pattern);
    if (suffix.isEmpty() || suffix.endsWith("*")) {
      return "output paths must have a file type extension at the end";
    }
    if (privacyLevel.equals("moderately_sensitive")
        && !MODERATELY_SENSITIVE_TYPES.contains(suffix)) {
      return pathStr(pattern) + " is not an allowed file type for moderately_sensitive outputs";
    }
    if (!normpath(pattern).equals(pattern)) {
      return "is not in standard form (contains double slashes or '..' elements)";
    }
    if (pattern.equals("metadata") || pattern.startsWith("metadata/")) {
      return "should not include the metadata directory";
    }
    if (pattern.startsWith("/") || isWindowsAbsolute(pattern)) {
      return "is an absolute path";
    }
    // Beyond the reference, which accepts these and lets the job fail when it runs: patterns no
    // output inside the workspace can match.
    if (pattern.equals("..") || pattern.startsWith("../")) {
      return "leads outside the workspace (starts with '..')";
    }
    if (pattern.indexOf('\0') >= 0) {
      return "contains a NUL character";
    }
    for (String part : pattern.split("/")) {
      if (part.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        return "has a file or directory name longer than " + MAX_NAME_BYTES + " bytes";
      }
    }
    return null;
  }

  /** The longest file name (one path component) Linux file systems accept. */
  static final int MAX_NAME_BYTES = 255;

  private static boolean isWindowsAbsolute(String p) {
    // PureWindowsPath: a drive ("X:") followed by a root separator.
    return p.length() >= 3
        && p.charAt(1) == ':'
        && (p.charAt(2) == '/' || p.charAt(2) == '\\')
        && !Character.isSurrogate(p.charAt(0));
  }

  // ---------------------------------------------------------------- pathlib.PurePosixPath

  /** Root of a POSIX path as pathlib sees it: "", "/" or "//". */
  private static String root(String p) {
    if (p.startsWith("//") && !p.startsWith("///")) {
      return "//";
    }
    return p.startsWith("/") ? "/" : "";
  }

  /** Non-empty, non-"." components. */
  static List<String> parts(String p) {
    List<String> out = new ArrayList<>();
    for (String part : p.split("/", -1)) {
      if (!part.isEmpty() && !part.equals(".")) {
        out.add(part);
      }
    }
    return out;
  }

  /** {@code str(PurePosixPath(p))}. */
  static String pathStr(String p) {
    String root = root(p);
    String joined = String.join("/", parts(p));
    String s = root + joined;
    return s.isEmpty() ? "." : s;
  }

  /** {@code PurePosixPath(p).name}. */
  static String name(String p) {
    List<String> parts = parts(p);
    return parts.isEmpty() ? "" : parts.get(parts.size() - 1);
  }

  /** {@code str(PurePosixPath(p).parent)}. */
  static String parent(String p) {
    String root = root(p);
    List<String> parts = parts(p);
    if (parts.isEmpty()) {
      return root.isEmpty() ? "." : root;
    }
    String s = root + String.join("/", parts.subList(0, parts.size() - 1));
    return s.isEmpty() ? "." : s;
  }

  /** {@code PurePosixPath(p).suffix}. */
  static String suffix(String p) {
    String name = name(p);
    int i = name.lastIndexOf('.');
    return (i > 0 && i < name.length() - 1) ? name.substring(i) : "";
  }

  /** {@code posixpath.normpath(p)}. */
  static String normpath(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    int initialSlashes = path.startsWith("/") ? 1 : 0;
    if (initialSlashes == 1 && path.startsWith("//") && !path.startsWith("///")) {
      initialSlashes = 2;
    }
    List<String> comps = new ArrayList<>();
    for (String comp : path.split("/", -1)) {
      if (comp.isEmpty() || comp.equals(".")) {
        continue;
      }
      if (!comp.equals("..")
          || (initialSlashes == 0 && comps.isEmpty())
          || (!comps.isEmpty() && comps.get(comps.size() - 1).equals(".."))) {
        comps.add(comp);
      } else if (!comps.isEmpty()) {
        comps.remove(comps.size() - 1);
      }
    }
    String s = "/".repeat(initialSlashes) + String.join("/", comps);
    return s.isEmpty() ? "." : s;
  }

  // ---------------------------------------------------------------- fnmatch

  /** {@code fnmatch.fnmatch(name, pattern)} on POSIX ({@code *} also matches {@code /}). */
  static boolean fnmatch(String name, String pattern) {
    return Pattern.compile(translate(pattern), Pattern.DOTALL).matcher(name).matches();
  }

  private static String translate(String pat) {
    StringBuilder res = new StringBuilder();
    int i = 0;
    int n = pat.length();
    while (i < n) {
      char c = pat.charAt(i++);
      if (c == '*') {
        while (i < n && pat.charAt(i) == '*') {
          i++;
        }
        res.append(".*");
      } else if (c == '?') {
        res.append('.');
      } else if (c == '[') {
        int j = i;
        if (j < n && pat.charAt(j) == '!') {
          j++;
        }
        if (j < n && pat.charAt(j) == ']') {
          j++;
        }
        while (j < n && pat.charAt(j) != ']') {
          j++;
        }
        if (j >= n) {
          res.append("\\[");
        } else {
          String stuff = pat.substring(i, j);
          i = j + 1;
          if (stuff.isEmpty()) {
            res.append("(?!)");
          } else if (stuff.equals("!")) {
            res.append('.');
          } else {
            StringBuilder cls = new StringBuilder("[");
            int k = 0;
            if (stuff.charAt(0) == '!') {
              cls.append('^');
              k = 1;
            }
            for (; k < stuff.length(); k++) {
              char d = stuff.charAt(k);
              if (d == '-') {
                cls.append('-');
              } else {
                cls.append(Character.isLetterOrDigit(d) ? String.valueOf(d) : "\\" + d);
              }
            }
            cls.append(']');
            String regex = cls.toString();
            try {
              Pattern.compile(regex);
              res.append(regex);
            } catch (PatternSyntaxException e) {
              res.append("(?!)");
            }
          }
        }
      } else {
        res.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return res.toString();
  }
}
