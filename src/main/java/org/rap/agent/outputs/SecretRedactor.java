package org.rap.agent.outputs;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Masks the values of the secret settings the agent passes into a job's container ({@code
 * DATABASE_URL} and the like) in what the job writes, before any of it can reach medium privacy. A
 * value is found whole, by each of its lines (a job log puts a timestamp before every line of a
 * multi-line value such as a TLS key) and, for a URL, by its password; fragments shorter than
 * {@link #MIN_FRAGMENT} bytes are not searched on their own, so common words are never masked.
 * Works on streams in bounded memory (a stream holds back less than the longest secret): a match
 * split between two writes is still found.
 */
public final class SecretRedactor {
  /** What a secret is replaced with (the container metadata's redaction mark). */
  public static final byte[] MASK = EnvRedactor.REDACTED.getBytes(StandardCharsets.UTF_8);

  static final int MIN_FRAGMENT = 8;
  private static final int MIN_VALUE = 4;
  private static final SecretRedactor NONE = new SecretRedactor(List.of());

  private final byte[][] secrets; // longest first
  private final boolean[] firstBytes = new boolean[256];

  private SecretRedactor(List<byte[]> secrets) {
    this.secrets = secrets.toArray(new byte[0][]);
    Arrays.sort(this.secrets, Comparator.comparingInt((byte[] b) -> b.length).reversed());
    for (byte[] s : this.secrets) {
      firstBytes[s[0] & 0xff] = true;
    }
  }

  public static SecretRedactor none() {
    return NONE;
  }

  /** A redactor for these secret values (nulls and very short values are ignored). */
  public static SecretRedactor of(Collection<String> values) {
    Set<String> found = new LinkedHashSet<>();
    for (String v : values) {
      if (v == null || v.strip().length() < MIN_VALUE) {
        continue;
      }
      found.add(v);
      found.add(v.strip());
      for (String line : v.split("\r?\n|\r")) {
        if (line.strip().length() >= MIN_FRAGMENT) {
          found.add(line.strip());
        }
      }
      password(v.strip())
          .forEach(
              p -> {
                if (p.length() >= MIN_FRAGMENT) {
                  found.add(p);
                }
              });
    }
    List<byte[]> bytes = new ArrayList<>();
    for (String s : found) {
      bytes.add(s.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.isEmpty() ? NONE : new SecretRedactor(bytes);
  }

  /** The password of a URL with user info, as written and percent-decoded. */
  private static List<String> password(String value) {
    try {
      String info = URI.create(value).getRawUserInfo();
      if (info == null || info.indexOf(':') < 0) {
        return List.of();
      }
      String raw = info.substring(info.indexOf(':') + 1);
      return List.of(raw, URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  public boolean isEmpty() {
    return secrets.length == 0;
  }

  /** A stream writing to {@code out} what is written to it, with every secret masked. */
  public Redacting filter(OutputStream out) {
    return new Redacting(out);
  }

  /** Whether {@code file} contains any of the secrets (read streaming, never through a link). */
  public boolean foundIn(Path file) throws IOException {
    if (isEmpty()) {
      return false;
    }
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        Redacting r = filter(OutputStream.nullOutputStream())) {
      in.transferTo(r);
      r.flush();
      return r.masked() > 0;
    }
  }

  /** The masking stream; {@link #close()} (or {@link #flush()}) writes what is held back. */
  public final class Redacting extends FilterOutputStream {
    private byte[] pending = new byte[0];
    private long masked;

    private Redacting(OutputStream out) {
      super(out);
    }

    /** How many secrets were masked so far. */
    public long masked() {
      return masked;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (secrets.length == 0) {
        out.write(b, off, len);
        return;
      }
      byte[] data;
      if (pending.length == 0) {
        data = Arrays.copyOfRange(b, off, off + len);
      } else {
        data = Arrays.copyOf(pending, pending.length + len);
        System.arraycopy(b, off, data, pending.length, len);
      }
      pending = process(data, false);
    }

    /** Writes what is held back (a partial match can no longer complete). */
    @Override
    public void flush() throws IOException {
      if (pending.length > 0) {
        pending = process(pending, true);
      }
      out.flush();
    }

    /** Masks and writes {@code data}, returning the tail held back for the next write. */
    private byte[] process(byte[] data, boolean last) throws IOException {
      int n = data.length;
      int from = 0;
      int i = 0;
      while (i < n) {
        if (!firstBytes[data[i] & 0xff]) {
          i++;
          continue;
        }
        int whole = 0;
        boolean partial = false;
        for (byte[] s : secrets) {
          int avail = Math.min(s.length, n - i);
          if (!regionMatches(data, i, s, avail)) {
            continue;
          }
          if (avail == s.length) {
            whole = Math.max(whole, s.length);
          } else {
            partial = true;
          }
        }
        if (partial && !last) {
          out.write(data, from, i - from);
          return Arrays.copyOfRange(data, i, n);
        }
        if (whole > 0) {
          out.write(data, from, i - from);
          out.write(MASK);
          masked++;
          i += whole;
          from = i;
        } else {
          i++;
        }
      }
      out.write(data, from, n - from);
      return new byte[0];
    }
  }

  private static boolean regionMatches(byte[] data, int at, byte[] secret, int len) {
    for (int k = 0; k < len; k++) {
      if (data[at + k] != secret[k]) {
        return false;
      }
    }
    return true;
  }
}
