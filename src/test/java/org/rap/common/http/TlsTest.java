package org.rap.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.poller.FatalErrors;
import org.rap.agent.poller.TaskApiClient;
import org.rap.common.config.ServerTls;
import org.rap.testing.TestCertificates;

/**
 * TLS on loopback with a CA made in the test: the agent's task-API client reaches a TLS listener
 * only when it trusts the listener's CA and the certificate names the host it dialled, and a
 * renewed certificate is served to new connections without a restart.
 */
class TlsTest {
  private final Vertx vertx = Vertx.vertx();
  @TempDir Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** A listener answering the task API's list with no tasks, as a verticle (owns the timer). */
  private int serve(ServerTls tls) {
    Router router = Router.router(vertx);
    router
        .get("/test/tasks/")
        .handler(
            rc ->
                rc.response().putHeader("Content-Type", "application/json").end("{\"tasks\":[]}"));
    return TestCertificates.serve(vertx, router, tls);
  }

  private Future<?> fetch(String url, Optional<Path> ca) {
    TaskApiClient client =
        new TaskApiClient(
            vertx, url, "test", "agent-token", Duration.ofSeconds(5), new FatalErrors(), ca);
    return client
        .fetchTasks(0)
        .eventually(
            () -> {
              client.close();
              return Future.succeededFuture();
            });
  }

  @Test
  void agentReachesTheControllerOnlyThroughItsCaAndName() throws Exception {
    TestCertificates ca = TestCertificates.authority("RAP test CA");
    TestCertificates.Issued cert = ca.issue(dir, "controller", "localhost", "127.0.0.1");
    Path caFile = ca.writeCa(dir);
    int port = serve(new ServerTls(cert.certFile(), cert.keyFile(), Duration.ofSeconds(10)));

    // trusted CA, right name (localhost and the address): the tasks come back
    assertEquals(List.of(), fetch("https://localhost:" + port + "/", Optional.of(caFile)).await());
    fetch("https://127.0.0.1:" + port + "/", Optional.of(caFile)).await();

    // another CA, or only the JVM's CAs: refused
    Path otherCa =
        TestCertificates.authority("Someone else")
            .writeCa(Files.createDirectories(dir.resolve("other")));
    Exception wrongCa =
        assertThrows(
            Exception.class,
            () -> fetch("https://localhost:" + port + "/", Optional.of(otherCa)).await());
    assertTrue(
        String.valueOf(wrongCa.getMessage())
            .toLowerCase()
            .matches("(?s).*(certif|pkix|handshake|ssl).*"),
        wrongCa.getMessage());
    assertThrows(
        Exception.class, () -> fetch("https://localhost:" + port + "/", Optional.empty()).await());
    // plain http to a TLS listener gets nowhere either
    assertThrows(
        Exception.class,
        () -> fetch("http://localhost:" + port + "/", Optional.of(caFile)).await());
  }

  @Test
  void aCertificateForAnotherNameIsRefused() throws Exception {
    TestCertificates ca = TestCertificates.authority("RAP test CA");
    TestCertificates.Issued cert = ca.issue(dir, "elsewhere", "controller.example.org");
    Path caFile = ca.writeCa(dir);
    int port = serve(new ServerTls(cert.certFile(), cert.keyFile(), Duration.ofSeconds(10)));
    Exception e =
        assertThrows(
            Exception.class,
            () -> fetch("https://localhost:" + port + "/", Optional.of(caFile)).await());
    assertTrue(
        String.valueOf(e.getMessage()).matches("(?s).*(localhost|subject|name|certificate).*"),
        e.getMessage());
  }

  @Test
  void onlyTls12AndLaterAreSpoken() throws Exception {
    TestCertificates ca = TestCertificates.authority("RAP test CA");
    TestCertificates.Issued cert = ca.issue(dir, "controller", "localhost");
    Path caFile = ca.writeCa(dir);
    int port = serve(new ServerTls(cert.certFile(), cert.keyFile(), Duration.ofSeconds(10)));
    try (SSLSocket s = socket(caFile, port, "TLSv1.2")) {
      s.startHandshake();
      assertEquals("TLSv1.2", s.getSession().getProtocol());
    }
    try (SSLSocket s = socket(caFile, port, null)) {
      s.startHandshake();
      assertEquals("TLSv1.3", s.getSession().getProtocol());
    }
  }

  @Test
  void aRenewedCertificateIsServedToNewConnections() throws Exception {
    TestCertificates ca = TestCertificates.authority("RAP test CA");
    Path caFile = ca.writeCa(dir);
    Path live = Files.createDirectories(dir.resolve("live"));
    TestCertificates.Issued first = ca.issue(live, "tls", "localhost");
    int port = serve(new ServerTls(first.certFile(), first.keyFile(), Duration.ofMillis(100)));
    assertEquals(first.serial(), servedSerial(caFile, port));

    // renew as cert-manager or certbot do: new files moved into place
    Path staging = Files.createDirectories(dir.resolve("staging"));
    TestCertificates.Issued second = ca.issue(staging, "tls", "localhost");
    Thread.sleep(20); // a later modification time than the first pair's
    Files.move(second.keyFile(), first.keyFile(), StandardCopyOption.REPLACE_EXISTING);
    Files.move(second.certFile(), first.certFile(), StandardCopyOption.REPLACE_EXISTING);
    assertEquals(second.serial(), awaitSerial(caFile, port, second.serial()));
    fetch("https://localhost:" + port + "/", Optional.of(caFile)).await();

    // a broken replacement (key of another certificate) keeps the last good one in service
    TestCertificates.Issued third = ca.issue(staging, "tls", "localhost");
    Files.move(third.certFile(), first.certFile(), StandardCopyOption.REPLACE_EXISTING);
    Thread.sleep(500);
    assertEquals(second.serial(), servedSerial(caFile, port));
    // and the pair completed later is picked up
    Files.move(third.keyFile(), first.keyFile(), StandardCopyOption.REPLACE_EXISTING);
    assertEquals(third.serial(), awaitSerial(caFile, port, third.serial()));
  }

  private BigInteger awaitSerial(Path caFile, int port, BigInteger wanted) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    BigInteger seen = null;
    while (System.nanoTime() < deadline) {
      seen = servedSerial(caFile, port);
      if (wanted.equals(seen)) {
        return seen;
      }
      Thread.sleep(50);
    }
    return seen;
  }

  /** The serial number of the certificate a new connection is given. */
  private static BigInteger servedSerial(Path caFile, int port) throws Exception {
    try (SSLSocket s = socket(caFile, port, null)) {
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static SSLSocket socket(Path caFile, int port, String protocol) throws Exception {
    SSLContext ctx = TestCertificates.trusting(caFile);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port);
    if (protocol != null) {
      s.setEnabledProtocols(new String[] {protocol});
    }
    return s;
  }
}
