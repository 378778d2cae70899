package org.rap.controller.api.rap;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** The fuzz property of {@link RapApiFuzzTest} on PostgreSQL. */
@Tag("postgres")
class RapApiFuzzPgTest {
  private static RapApiServer server;

  @BeforeContainer
  static void start() throws Exception {
    server = new RapApiServer("postgresql");
  }

  @AfterContainer
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Property(tries = 1500)
  void onlyDocumentedAnswers(@ForAll("requests") RapApiFuzzTest.Req req) {
    RapApiFuzzTest.check(server, req);
  }

  @Provide
  Arbitrary<RapApiFuzzTest.Req> requests() {
    return Arbitraries.randomValue(RapApiFuzzTest::request);
  }
}
