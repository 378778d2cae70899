package org.rap.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.config.ServerTls;
import org.rap.testing.TestCertificates;

/** The sync client verifies job-server: its CA (JOB_SERVER_CA_FILE or the JVM's) and its name. */
class JobServerClientTlsTest {
  private final Vertx vertx = Vertx.vertx();
  @TempDir Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private int jobServer(TestCertificates.Issued cert) {
    Router router = Router.router(vertx);
    router
        .get("/api/v2/job-requests/")
        .handler(
            rc ->
                rc.response()
                    .putHeader("Content-Type", "application/json")
                    .end("{\"results\": [], \"next\": null}"));
    return TestCertificates.serve(
        vertx, router, new ServerTls(cert.certFile(), cert.keyFile(), Duration.ofSeconds(10)));
  }

  private List<?> requests(int port, String host, Optional<Path> ca) {
    JobServerClient client =
        new JobServerClient(vertx, "https://" + host + ":" + port + "/api/v2/", ca);
    try {
      return client.jobRequests("backend-token").await();
    } finally {
      client.close();
    }
  }

  @Test
  void onlyATrustedCertificateForTheHostIsAccepted() throws Exception {
    TestCertificates ca = TestCertificates.authority("job-server test CA");
    Path caFile = ca.writeCa(dir);
    int port = jobServer(ca.issue(dir, "jobs", "localhost"));
    assertEquals(List.of(), requests(port, "localhost", Optional.of(caFile)));
    // the JVM's CAs do not know the test CA; 127.0.0.1 is not a name in the certificate
    assertThrows(Exception.class, () -> requests(port, "localhost", Optional.empty()));
    assertThrows(Exception.class, () -> requests(port, "127.0.0.1", Optional.of(caFile)));
  }
}
