package org.rap.controller.api.rap;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Validator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The status body's fast check ({@link RapApi#plainStatusBody}) lets a body skip the schema
 * validator, so it must never accept a body that our contract's {@code statusRequestBody} schema
 * rejects; and it must accept what job-server sends, or it saves nothing.
 */
class PlainStatusBodyTest {
  static Vertx vertx;
  static Validator validator;

  @BeforeContainer
  static void load() {
    vertx = Vertx.vertx();
    RapContract contract = RapContract.load(vertx).await();
    validator =
        contract
            .contract()
            .getSchemaRepository()
            .validator(
                contract
                    .contract()
                    .operation("rapStatus")
                    .getRequestBody()
                    .getContent()
                    .get("application/json")
                    .getSchema());
  }

  @AfterContainer
  static void close() {
    vertx.close().await();
  }

  @Property(tries = 3000)
  void acceptsOnlyWhatTheSchemaAccepts(@ForAll("bodies") Object body) {
    if (RapApi.plainStatusBody(body)) {
      assertTrue(
          validator.validate(body).getValid(),
          () -> "fast check accepted a body the schema rejects: " + body);
    }
  }

  @Example
  void acceptsJobServersBodies() {
    assertTrue(RapApi.plainStatusBody(new JsonObject().put("rap_ids", new JsonArray())));
    assertTrue(
        RapApi.plainStatusBody(
            new JsonObject()
                .put("rap_ids", new JsonArray().add("abcdefgh23456789").add("0000000000000000"))));
    assertTrue(
        RapApi.plainStatusBody(
            new JsonObject()
                .put("rap_ids", new JsonArray().add("abcdefgh23456789"))
                .put("other", 1)));
  }

  @Example
  void leavesEverythingElseToTheValidator() {
    for (Object body :
        List.<Object>of(
            new JsonObject(),
            new JsonArray(),
            "rap_ids",
            new JsonObject().put("rap_ids", "abcdefgh23456789"),
            new JsonObject().put("rap_ids", new JsonArray().add("ABCDEFGH23456789")),
            new JsonObject().put("rap_ids", new JsonArray().add("abcdefgh2345678")),
            new JsonObject().put("rap_ids", new JsonArray().add("abcdefgh23456789\n")),
            new JsonObject().put("rap_ids", new JsonArray().add("abcdefgh23456789").add(7)),
            new JsonObject().put("rap_ids", new JsonArray().addNull()))) {
      assertFalse(RapApi.plainStatusBody(body), () -> String.valueOf(body));
    }
  }

  @Provide
  Arbitrary<Object> bodies() {
    Arbitrary<Object> id =
        Arbitraries.oneOf(
            Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789").ofLength(16),
            Arbitraries.strings().withChars("abcxyz0189AZ_-\n ").ofMinLength(14).ofMaxLength(18),
            Arbitraries.strings().ofMinLength(0).ofMaxLength(20),
            Arbitraries.integers().between(-5, 5).map(i -> (Object) i),
            Arbitraries.just(null),
            Arbitraries.just(new JsonObject()),
            Arbitraries.just(new JsonArray()));
    Arbitrary<JsonArray> ids = id.list().ofMaxSize(6).map(JsonArray::new);
    Arbitrary<Object> rapIds =
        Arbitraries.oneOf(
            ids.map(a -> (Object) a),
            Arbitraries.strings().ofMaxLength(20).map(s -> (Object) s),
            Arbitraries.just(null));
    Arbitrary<Object> object =
        Combinators.combine(
                rapIds,
                Arbitraries.of("rap_ids", "rap_id", "RAP_IDS", ""),
                Arbitraries.of(true, false))
            .as(
                (value, key, extra) -> {
                  JsonObject o = new JsonObject().put(key, value);
                  if (extra) {
                    o.put("backend", "test");
                  }
                  return (Object) o;
                });
    return Arbitraries.oneOf(
        object,
        ids.map(a -> (Object) a),
        Arbitraries.strings().ofMaxLength(10).map(s -> (Object) s));
  }
}
