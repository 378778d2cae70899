package org.rap.controller.api.rap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Thousands of generated requests (methods, paths, tokens, content types, bodies from valid to
 * garbage): only documented status codes (405 for other methods, 404 off the API), never a 5xx,
 * every error body {error, details}, every API response valid in both contracts.
 */
class RapApiFuzzTest {
  static RapApiServer server;

  @BeforeContainer
  static void start() throws Exception {
    server = new RapApiServer("sqlite");
  }

  @AfterContainer
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** A generated request. */
  record Req(HttpMethod method, String path, String token, String contentType, Buffer body) {
    @Override
    public String toString() {
      String b =
          body == null
              ? "null"
              : body.length() > 300 ? body.getString(0, 300) + "..." : body.toString();
      return method + " " + path + " auth=" + token + " ct=" + contentType + " body=" + b;
    }
  }

  @Property(tries = 3000)
  void onlyDocumentedAnswers(@ForAll("requests") Req req) {
    check(server, req);
  }

  static void check(RapApiServer server, Req req) {
    Map<String, String> headers = new HashMap<>();
    if (req.contentType() != null) {
      headers.put("Content-Type", req.contentType());
    }
    RapApiServer.Reply r = server.call(req.method(), req.path(), req.token(), req.body(), headers);
    String op = ResponseContracts.operationId(req.method().name(), req.path());
    String msg = req + " -> " + r.status() + " " + r.raw();
    if (op != null) {
      assertTrue(ResponseContracts.DOCUMENTED.get(op).contains(r.status()), msg);
    } else if (req.path().startsWith("/controller/v1/spec.json")
        || req.path().startsWith("/controller/v1/docs")) {
      assertTrue(Set.of(200, 404, 405).contains(r.status()), msg);
    } else {
      assertTrue(Set.of(404, 405).contains(r.status()), msg);
    }
    if (r.status() >= 400 && req.method() != HttpMethod.HEAD) {
      JsonObject body = new JsonObject(r.raw());
      assertTrue(
          body.getValue("error") instanceof String && body.getValue("details") instanceof String,
          msg);
    }
    if (r.status() == 401) {
      assertTrue(
          req.token() == null
              || !Set.of("tok-test", "tok-tpp", "tok-all", "Bearer tok-test").contains(req.token()),
          msg);
    }
  }

  static final List<String> PATHS =
      List.of(
          "/controller/v1/rap/create/",
          "/controller/v1/rap/cancel/",
          "/controller/v1/rap/status/",
          "/controller/v1/backend/status/",
          "/controller/v1/rap/status",
          "/controller/v1/rap/",
          "/controller/v1/",
          "/controller/v1/rap/create/x",
          "/controller/v1/spec.json",
          "/controller/v1/docs/",
          "/controller/v1/rap/create/?x=1",
          "/controller/v1/rap//status/");

  @Provide
  Arbitrary<Req> requests() {
    return Arbitraries.randomValue(RapApiFuzzTest::request);
  }

  static Req request(Random rnd) {
    String path =
        rnd.nextInt(10) < 8 ? PATHS.get(rnd.nextInt(4)) : PATHS.get(rnd.nextInt(PATHS.size()));
    HttpMethod method;
    int m = rnd.nextInt(20);
    if (m < 16) {
      method =
          path.contains("backend") || path.contains("spec") || path.contains("docs")
              ? HttpMethod.GET
              : HttpMethod.POST;
    } else {
      method =
          List.of(
                  HttpMethod.GET,
                  HttpMethod.PUT,
                  HttpMethod.DELETE,
                  HttpMethod.PATCH,
                  HttpMethod.HEAD,
                  HttpMethod.OPTIONS)
              .get(rnd.nextInt(6));
    }
    String token =
        switch (rnd.nextInt(10)) {
          case 0 -> null;
          case 1 -> "";
          case 2 -> headerValue(rnd, 20);
          case 3 -> "Bearer tok-test";
          case 4 -> "tok-tpp";
          case 5 -> "tok-all";
          default -> "tok-test";
        };
    String ct =
        switch (rnd.nextInt(10)) {
          case 0 -> null;
          case 1 -> "text/plain";
          case 2 -> "application/json; charset=utf-8";
          case 3 -> headerValue(rnd, 10);
          default -> "application/json";
        };
    Buffer body =
        method == HttpMethod.GET || method == HttpMethod.HEAD
            ? (rnd.nextInt(5) == 0 ? Buffer.buffer("{}") : null)
            : body(rnd, path);
    return new Req(method, path, token, ct, body);
  }

  static Buffer body(Random rnd, String path) {
    switch (rnd.nextInt(12)) {
      case 0:
        return Buffer.buffer();
      case 1:
        {
          byte[] b = new byte[rnd.nextInt(64)];
          rnd.nextBytes(b);
          return Buffer.buffer(b);
        }
      case 2:
        return Buffer.buffer(randomString(rnd, 40));
      case 3:
        {
          String valid = validBody(rnd, path).encode();
          return Buffer.buffer(valid.substring(0, rnd.nextInt(valid.length())));
        }
      case 4:
        return Buffer.buffer(String.valueOf(randomJson(rnd, 3)));
      default:
        return Buffer.buffer(mutate(rnd, validBody(rnd, path)).encode());
    }
  }

  static final List<String> RAPS =
      List.of("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc", "abcdefgh23456789");

  static JsonObject validBody(Random rnd, String path) {
    String rap = RAPS.get(rnd.nextInt(RAPS.size()));
    if (path.contains("cancel")) {
      return new JsonObject()
          .put("rap_id", rap)
          .put("actions", new JsonArray().add(List.of("a", "b", "generate").get(rnd.nextInt(3))));
    }
    if (path.contains("status")) {
      JsonArray ids = new JsonArray();
      for (int i = rnd.nextInt(4); i > 0; i--) {
        ids.add(RAPS.get(rnd.nextInt(RAPS.size())));
      }
      return new JsonObject().put("rap_ids", ids);
    }
    List<String> actions =
        List.of(
            "a",
            "b",
            "generate",
            "fail_known",
            "fail_unknown",
            "nothing_succeeded",
            "nothing_scheduled");
    return RapApiTest.createBody(
        rap,
        List.of("test", "tpp", "emis", "x").get(rnd.nextInt(4)),
        actions.get(rnd.nextInt(actions.size())));
  }

  static JsonObject mutate(Random rnd, JsonObject body) {
    int n = rnd.nextInt(3);
    List<String> keys = List.copyOf(body.fieldNames());
    for (int i = 0; i < n && !keys.isEmpty(); i++) {
      String k = keys.get(rnd.nextInt(keys.size()));
      switch (rnd.nextInt(4)) {
        case 0 -> body.remove(k);
        case 1 -> body.put(k, randomJson(rnd, 2));
        case 2 -> body.put(randomString(rnd, 8), randomJson(rnd, 2));
        default -> {}
      }
    }
    return body;
  }

  static Object randomJson(Random rnd, int depth) {
    int kind = rnd.nextInt(depth <= 0 ? 6 : 8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return rnd.nextBoolean();
      case 2:
        return rnd.nextInt();
      case 3:
        return rnd.nextDouble() * 1e6;
      case 4:
        return randomString(rnd, 20);
      case 5:
        return rnd.nextBoolean() ? "" : "abcdefgh2345678" + (char) ('a' + rnd.nextInt(26));
      case 6:
        {
          JsonArray a = new JsonArray();
          for (int i = rnd.nextInt(4); i > 0; i--) {
            a.add(randomJson(rnd, depth - 1));
          }
          return a;
        }
      default:
        {
          JsonObject o = new JsonObject();
          for (int i = rnd.nextInt(4); i > 0; i--) {
            o.put(randomString(rnd, 6), randomJson(rnd, depth - 1));
          }
          return o;
        }
    }
  }

  static String randomString(Random rnd, int max) {
    StringBuilder sb = new StringBuilder();
    for (int i = rnd.nextInt(max + 1); i > 0; i--) {
      int c = rnd.nextInt(10);
      if (c < 6) {
        sb.append((char) ('a' + rnd.nextInt(26)));
      } else if (c < 8) {
        String specials = "\"'\\{}[]:, \n\t";
        sb.append(specials.charAt(rnd.nextInt(specials.length())));
      } else {
        sb.append((char) (0x80 + rnd.nextInt(0x3000)));
      }
    }
    return sb.toString();
  }

  /** Printable ASCII, as a header value can carry. */
  static String headerValue(Random rnd, int max) {
    StringBuilder sb = new StringBuilder();
    for (int i = rnd.nextInt(max + 1); i > 0; i--) {
      sb.append((char) (0x21 + rnd.nextInt(0x7e - 0x21)));
    }
    return sb.toString();
  }
}
