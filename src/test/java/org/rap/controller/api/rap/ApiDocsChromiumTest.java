package org.rap.controller.api.rap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.testing.HeadlessChromium;

/**
 * The API docs page in a real browser (headless Debian chromium over the DevTools protocol):
 * Swagger UI loads from the controller alone, lists the operations of our OpenAPI document, expands
 * a schema, and "Try it out" sends real requests to this controller, without and with the client
 * token. Leaves a screenshot at {@code target/screenshots/api-docs.png}. Skipped only when chromium
 * is not installed ({@code scripts/ensure-services.sh} installs it, so CI runs it).
 */
@Tag("browser")
class ApiDocsChromiumTest {
  static final Path SCREENSHOT = Path.of("target", "screenshots", "api-docs.png");
  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void swaggerUiShowsTheContractAndTriesItOutAgainstTheController() throws Exception {
    Optional<Path> chromium = HeadlessChromium.binary();
    assumeTrue(
        chromium.isPresent(), "chromium is not installed (scripts/ensure-services.sh installs it)");
    try (RapApiServer server = new RapApiServer("sqlite");
        HeadlessChromium page = HeadlessChromium.start(chromium.get(), dir, 1280, 900)) {
      page.navigate("http://127.0.0.1:" + server.port + "/controller/v1/docs/");
      page.await("document.querySelectorAll('.opblock').length >= 4", WAIT);

      // the title and every operation of openapi/rap-api.yaml
      assertEquals(
          "RAP API", page.eval("document.querySelector('h1.title').firstChild.textContent"));
      assertEquals(
          JsonArray.of(
              "GET /backend/status/",
              "POST /rap/create/",
              "POST /rap/cancel/",
              "POST /rap/status/"),
          page.eval(
              "[...document.querySelectorAll('.opblock')].map(o =>"
                  + " o.querySelector('.opblock-summary-method').textContent + ' '"
                  + " + o.querySelector('.opblock-summary-path').dataset.path)"));

      // a schema expanded: the create request's fields with their constraints
      assertEquals(
          true,
          page.eval(
              "(() => { const a = [...document.querySelectorAll("
                  + "'section.models article[data-json-schema-level=\"0\"]')].find(a =>"
                  + " a.querySelector('.json-schema-2020-12__title').textContent"
                  + " === 'createRequestBody'); if (!a) return false;"
                  + " a.id = 'schema-createRequestBody'; return true; })()"));
      String model = "#schema-createRequestBody";
      page.click(model + " .json-schema-2020-12-expand-deep-button");
      List<String> fields =
          List.of(
              "rap_id",
              "repo_url",
              "commit",
              "requested_actions",
              "analysis_scope",
              "^[a-z0-9]{16}$",
              "^[0-9a-f]{40}$");
      // the UI resolves a field's $ref (rap_id's pattern) after it has drawn the field: wait for
      // every one, then say which is missing if one never came
      try {
        page.await(
            "(() => { const t = document.querySelector('"
                + model
                + "').innerText; return "
                + fields.stream()
                    .map(f -> "t.includes('" + f.replace("\\", "\\\\") + "')")
                    .collect(Collectors.joining(" && "))
                + "; })()",
            WAIT);
      } catch (AssertionError | RuntimeException e) {
        // reported field by field below
      }
      String schema = (String) page.eval("document.querySelector('" + model + "').innerText");
      for (String field : fields) {
        assertTrue(schema.contains(field), field + " in\n" + schema);
      }

      // try it out on the create operation: the request body editor with the contract's example
      page.click("#operations-rap_operations-createRap .opblock-summary-control");
      page.await(
          "document.querySelector('#operations-rap_operations-createRap .try-out__btn')", WAIT);
      page.click("#operations-rap_operations-createRap .try-out__btn");
      page.await(
          "document.querySelector('#operations-rap_operations-createRap textarea.body-param__text')",
          WAIT);
      String example =
          (String)
              page.eval(
                  "document.querySelector('#operations-rap_operations-createRap"
                      + " textarea.body-param__text').value");
      assertTrue(example.contains("\"rap_id\""), example);

      // try it out for real: backend status without a token, then with one
      String op = "#operations-backends-backendStatus";
      page.click(op + " .opblock-summary-control");
      page.await("document.querySelector('" + op + " .try-out__btn')", WAIT);
      page.click(op + " .try-out__btn");
      page.await("document.querySelector('" + op + " .execute')", WAIT);
      page.click(op + " .execute");
      page.await(
          "document.querySelector('"
              + op
              + " .live-responses-table tr.response .response-col_status')",
          WAIT);
      assertEquals("401", liveStatus(page, op));
      assertTrue(liveBody(page, op).contains("No token provided"), liveBody(page, op));

      page.click(".auth-wrapper .btn.authorize");
      page.await("document.querySelector('.auth-container input')", WAIT);
      page.type(".auth-container input", "tok-test");
      page.click(".auth-btn-wrapper .btn.modal-btn.auth.authorize");
      page.await("document.querySelector('.auth-btn-wrapper .btn-done')", WAIT);
      page.click(".auth-btn-wrapper .btn-done");
      page.click(op + " .execute");
      page.await(
          "document.querySelector('"
              + op
              + " .live-responses-table tr.response .response-col_status')"
              + ".textContent.trim() === '200'",
          WAIT);
      assertTrue(liveBody(page, op).contains("\"slug\": \"test\""), liveBody(page, op));

      page.screenshot(SCREENSHOT);
      assertTrue(Files.size(SCREENSHOT) > 50_000, "a real page, not a blank one");
      // nothing blocked (Content-Security-Policy), no script errors; the 401 above is expected
      assertEquals(
          List.of(), page.errors.stream().filter(e -> !e.contains("status of 401")).toList());
    }
  }

  private static String liveStatus(HeadlessChromium page, String op) {
    return ((String)
            page.eval(
                "document.querySelector('"
                    + op
                    + " .live-responses-table tr.response .response-col_status')"
                    + ".textContent"))
        .strip();
  }

  private static String liveBody(HeadlessChromium page, String op) {
    return (String)
        page.eval(
            "document.querySelector('"
                + op
                + " .live-responses-table tr.response .response-col_description')"
                + ".innerText");
  }
}
