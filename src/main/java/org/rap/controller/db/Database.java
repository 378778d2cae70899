package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The controller's connection pool and transaction boundary, for SQLite (vertx-jdbc-client) and
 * PostgreSQL (vertx-pg-client).
 *
 * <p>SQLite transactions use explicit {@code BEGIN IMMEDIATE}/{@code COMMIT} SQL on one pooled
 * connection: vertx-jdbc-client 5.0.10's {@code begin()} leaves the connection in autocommit=false
 * after commit (vert-x3/vertx-jdbc-client#356), which holds the write lock.
 */
public final class Database implements AutoCloseable {
  private final Pool pool;
  private final DatabaseTarget target;

  private Database(Pool pool, DatabaseTarget target) {
    this.pool = pool;
    this.target = target;
  }

  public static Database open(Vertx vertx, DatabaseTarget target) {
    Pool pool;
    if (target.dialect() == DatabaseTarget.Dialect.SQLITE) {
      pool =
          JDBCPool.pool(
              vertx,
              new JDBCConnectOptions().setJdbcUrl(target.jdbcUrl()),
              new PoolOptions().setMaxSize(4).setName("rap-sqlite"));
    } else {
      PgConnectOptions opts =
          target.pgOptions().setCachePreparedStatements(true).setPipeliningLimit(16);
      pool =
          PgBuilder.pool()
              .with(new PoolOptions().setMaxSize(8).setName("rap-pg"))
              // an unreachable host fails requests (503) in seconds, not after a minute
              .with(new NetClientOptions().setConnectTimeout(5_000))
              .connectingTo(opts)
              .using(vertx)
              .build();
    }
    return new Database(pool, target);
  }

  public Pool pool() {
    return pool;
  }

  public DatabaseTarget target() {
    return target;
  }

  public boolean isSqlite() {
    return target.dialect() == DatabaseTarget.Dialect.SQLITE;
  }

  /**
   * Inside a transaction: its commit need not wait for the disk (PostgreSQL {@code
   * synchronous_commit = off} for this transaction only; a crash may lose it, never corrupt
   * anything). Only for writes that are harmless to lose, such as keep-alive refreshes. SQLite
   * (WAL, synchronous=NORMAL) already commits without waiting: nothing to do.
   */
  public Future<Void> relaxDurability(SqlConnection conn) {
    if (isSqlite()) {
      return Future.succeededFuture();
    }
    return conn.query("SET LOCAL synchronous_commit TO OFF").execute().mapEmpty();
  }

  /** Class key of {@link #lockInTransaction}'s advisory locks ("RAPC"; the two-key space). */
  static final int TRANSACTION_LOCK_CLASS = 0x52415043;

  /**
   * Inside a transaction, first: serialises it with every other transaction that takes the same
   * {@code key}, in any process, until it ends. PostgreSQL takes a transaction-scoped advisory lock
   * (two-key form, so it never meets the scheduler's single-key lock); READ COMMITTED alone would
   * let two such transactions read the same state and both write. On SQLite {@code BEGIN IMMEDIATE}
   * already holds the database's write lock: nothing is sent.
   */
  public Future<Void> lockInTransaction(SqlConnection conn, String key) {
    if (isSqlite()) {
      return Future.succeededFuture();
    }
    return SqlTemplate.forQuery(
            conn,
            "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(#{cls}, hashtext(#{key}))) AS locked")
        .execute(Map.of("cls", TRANSACTION_LOCK_CLASS, "key", key))
        .mapEmpty();
  }

  /** Runs {@code body} in one transaction: committed if its future succeeds, else rolled back. */
  public <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> body) {
    if (!isSqlite()) {
      return pool.withTransaction(body);
    }
    return pool.withConnection(
        conn ->
            conn.query("BEGIN IMMEDIATE")
                .execute()
                .compose(begun -> commitOrRollback(conn, body.apply(conn))));
  }

  /** SQLite: COMMIT after {@code work} succeeded, else ROLLBACK and its failure. */
  private static <T> Future<T> commitOrRollback(SqlConnection conn, Future<T> work) {
    return work.compose(
        result -> conn.query("COMMIT").execute().map(result),
        failure ->
            conn.query("ROLLBACK").execute().transform(ignored -> Future.<T>failedFuture(failure)));
  }

  /**
   * {@link #inTransaction} whose first statement is a read: {@code firstRead} (which must not
   * write) runs first inside the transaction, then {@code body} with its result. On SQLite the read
   * is sent right behind {@code BEGIN IMMEDIATE} without waiting for it: statements of a connection
   * run in order on its worker, so the read still sees the transaction's snapshot, and one round
   * trip between the event loop and the worker is saved. If {@code BEGIN} fails, the read may have
   * run outside any transaction (harmless: it writes nothing) and its result is dropped; {@code
   * body} runs only once both succeeded.
   */
  public <R, T> Future<T> inTransaction(
      Function<SqlConnection, Future<R>> firstRead, BiFunction<SqlConnection, R, Future<T>> body) {
    if (!isSqlite()) {
      return pool.withTransaction(conn -> firstRead.apply(conn).compose(r -> body.apply(conn, r)));
    }
    return pool.withConnection(
        conn -> {
          Future<?> begun = conn.query("BEGIN IMMEDIATE").execute();
          Future<R> read;
          try {
            read = firstRead.apply(conn);
          } catch (RuntimeException e) {
            read = Future.failedFuture(e);
          }
          Future<R> first = read;
          // results arrive in statement order: when the read completes, BEGIN has completed
          return Future.join(begun, first)
              .transform(
                  joined -> {
                    if (begun.failed()) {
                      return Future.<T>failedFuture(begun.cause());
                    }
                    return commitOrRollback(conn, first.compose(r -> body.apply(conn, r)));
                  });
        });
  }

  /** A cheap round trip, for readiness probes. */
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute().mapEmpty();
  }

  public Future<Void> closeAsync() {
    return pool.close();
  }

  @Override
  public void close() {
    pool.close();
  }
}
