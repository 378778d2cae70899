package org.rap.controller.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.testing.HeadlessChromium;

/**
 * The operator page in a real browser: headless Debian {@code chromium} loads {@code /ops/?token=}
 * from a running controller, runs the page's script (which fetches the summary and renders it) and
 * dumps the DOM. Skipped only when chromium is not installed ({@code scripts/ensure-services.sh}
 * installs it, so CI runs it).
 */
@Tag("browser")
class OpsPageChromiumTest {
  @TempDir Path dir;

  static Optional<Path> chromium() {
    return HeadlessChromium.binary();
  }

  /** The DOM after the page's script ran for {@code budgetMs} of virtual time. */
  private String dumpDom(Path chromium, String url, int budgetMs) throws Exception {
    Path profile = Files.createTempDirectory(dir, "profile");
    Path out = dir.resolve("dom-" + System.nanoTime() + ".html");
    Path err = dir.resolve("chromium-" + System.nanoTime() + ".log");
    List<String> cmd = HeadlessChromium.command(chromium, profile);
    cmd.addAll(List.of("--virtual-time-budget=" + budgetMs, "--dump-dom", url));
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish: " + Files.readString(err));
    }
    String dom = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), Files.readString(err));
    assertTrue(dom.contains("</html>"), "no DOM dumped: " + Files.readString(err));
    return dom;
  }

  /** The {@code <tr ...>...</tr>} whose opening tag contains {@code attribute}. */
  private static String row(String dom, String attribute) {
    Matcher m =
        Pattern.compile("<tr[^>]*" + Pattern.quote(attribute) + "[^>]*>(.*?)</tr>", Pattern.DOTALL)
            .matcher(dom);
    assertTrue(m.find(), "no row with " + attribute + " in\n" + dom);
    return m.group(0);
  }

  private static String section(String dom, String tableId) {
    int start = dom.indexOf("<table id=\"" + tableId + "\"");
    assertTrue(start >= 0, "no table " + tableId);
    return dom.substring(start, dom.indexOf("</table>", start));
  }

  private static int refreshes(String dom) {
    Matcher m = Pattern.compile("<body data-refreshes=\"(\\d+)\"").matcher(dom);
    assertTrue(m.find(), dom);
    return Integer.parseInt(m.group(1));
  }

  @Test
  void pageShowsBackendsAndJobsAndFollowsAStateChange() throws Exception {
    Optional<Path> chromium = chromium();
    assumeTrue(
        chromium.isPresent(), "chromium is not installed (scripts/ensure-services.sh installs it)");
    try (OpsFixture f = new OpsFixture("sqlite", dir, OpsFixture.TOKEN).populate()) {
      String url = f.base + "/ops/?token=" + OpsFixture.TOKEN;
      String dom = dumpDom(chromium.get(), url, 8000);

      assertTrue(refreshes(dom) >= 2, "the page polls the summary: " + refreshes(dom));
      assertTrue(dom.contains("Updated "), dom);
      String test = row(section(dom, "backends"), "data-backend=\"test\"");
      assertTrue(test.contains(">paused<"), test);
      assertTrue(test.contains("s ago ("), test);
      assertTrue(test.contains("1 running, 1 / 4 used"), test);
      assertTrue(test.contains("runjob 1"), test);
      String tpp = row(section(dom, "backends"), "data-backend=\"tpp\"");
      assertTrue(tpp.contains("db-maintenance (manual)"), tpp);
      assertTrue(tpp.contains(">never<"), tpp);

      String active = section(dom, "active-jobs");
      assertTrue(
          row(active, "data-job=\"" + f.running.id() + "\"").contains(">executing<"), active);
      String pending = row(active, "data-job=\"" + f.pending.id() + "\"");
      assertTrue(pending.contains("data-state=\"pending\""), pending);
      assertTrue(pending.contains(">generate<"), pending);
      assertTrue(section(dom, "active-by-state").contains(">waiting_db_maintenance<"), dom);

      // the user-influenced message is shown as text, never as markup
      String failures = section(dom, "failures");
      String failed = row(failures, "data-job=\"" + f.failed.id() + "\"");
      assertTrue(
          failed.contains(
              "&lt;img src=x onerror=\"document.title='pwned'\"&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"),
          failed);
      assertFalse(dom.contains("<img"), "no element from the message");
      assertFalse(dom.contains("<b>bold"), "no element from the message");
      assertTrue(
          dom.contains("<title>RAP operator page</title>"), "the message's script did not run");
      assertFalse(dom.contains(OpsFixture.TOKEN), "the token is not left in the page");

      // a state change shows on the next load: the pending job starts, the backend is unpaused
      var pool = f.ctx.db().pool();
      long now = f.now;
      assertTrue(
          f.ctx
              .jobs()
              .updateStatus(
                  pool,
                  f.pending.withStatus(
                      State.RUNNING,
                      StatusCode.PREPARING,
                      StatusMessages.INITIATED,
                      now,
                      now,
                      null,
                      now * 1_000_000_000L),
                  StatusCode.CREATED)
              .await());
      f.ctx.flags().set(pool, "test", "paused", null).await();
      String after = dumpDom(chromium.get(), url, 4000);
      String moved = row(section(after, "active-jobs"), "data-job=\"" + f.pending.id() + "\"");
      assertTrue(moved.contains("data-state=\"running\""), moved);
      assertTrue(moved.contains(">preparing<"), moved);
      String unpaused = row(section(after, "backends"), "data-backend=\"test\"");
      assertFalse(unpaused.contains(">paused<"), unpaused);
      assertTrue(unpaused.contains("2 running, 2 / 4 used"), unpaused);
    }
  }

  @Test
  void aWrongTokenGetsTheLoginFormAndNoData() throws Exception {
    Optional<Path> chromium = chromium();
    assumeTrue(
        chromium.isPresent(), "chromium is not installed (scripts/ensure-services.sh installs it)");
    try (OpsFixture f = new OpsFixture("sqlite", dir, OpsFixture.TOKEN).populate()) {
      String dom = dumpDom(chromium.get(), f.base + "/ops/?token=wrong", 2000);
      assertTrue(dom.contains("needs the controller's <code>OPS_PAGE_TOKEN</code>"), dom);
      assertFalse(dom.contains(f.running.id()), dom);
    }
  }
}
