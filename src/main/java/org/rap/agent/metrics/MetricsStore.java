package org.rap.agent.metrics;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Logger;

/**
 * The agent's metrics store (docs/spec/job-model.md section 10): SQLite file {@code
 * WORKDIR/metrics.sqlite} with table {@code jobs(id TEXT PRIMARY KEY, metrics TEXT)}. Created on
 * first write; reads tolerate a missing file or table. Blocking JDBC: worker threads only.
 * Agent-local, so plain sqlite-jdbc with a connection per call is enough (a few writes every
 * STATS_POLL_INTERVAL).
 */
public final class MetricsStore {
  private static final Logger LOG = Logger.getLogger(MetricsStore.class.getName());
  private final Path file;

  public MetricsStore(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /** The job's aggregates, or an empty object. */
  public synchronized JsonObject get(String jobId) {
    if (!Files.exists(file)) {
      return new JsonObject();
    }
    try (Connection c = connect();
        PreparedStatement st = c.prepareStatement("SELECT metrics FROM jobs WHERE id = ?")) {
      st.setString(1, jobId);
      try (ResultSet rs = st.executeQuery()) {
        if (rs.next() && rs.getString(1) != null) {
          return new JsonObject(rs.getString(1));
        }
      }
    } catch (SQLException | RuntimeException e) {
      if (!String.valueOf(e.getMessage()).contains("no such table")) {
        LOG.warning(
            "Could not read metrics of job " + jobId + " from " + file + ": " + e.getMessage());
      }
    }
    return new JsonObject();
  }

  public synchronized void put(String jobId, JsonObject metrics) throws SQLException {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new SQLException("cannot create the directory of " + file + ": " + e.getMessage(), e);
    }
    try (Connection c = connect()) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, metrics TEXT)");
      }
      try (PreparedStatement st =
          c.prepareStatement(
              "INSERT INTO jobs (id, metrics) VALUES (?, ?)"
                  + " ON CONFLICT (id) DO UPDATE SET metrics = excluded.metrics")) {
        st.setString(1, jobId);
        st.setString(2, metrics.encode());
        st.executeUpdate();
      }
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file + "?busy_timeout=5000");
  }
}
