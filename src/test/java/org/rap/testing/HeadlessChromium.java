package org.rap.testing;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Headless Debian {@code chromium} driven over the Chrome DevTools Protocol (a WebSocket, through
 * Vert.x): navigate, run scripts in the page, type, take screenshots, and collect what the page
 * logged as errors. One page per instance; {@link #close} ends the browser process.
 */
public final class HeadlessChromium implements AutoCloseable {
  private final Process process;
  private final Vertx vertx;
  private final WebSocketClient wsClient;
  private final WebSocket page;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, Promise<JsonObject>> pending = new ConcurrentHashMap<>();

  /** Errors the page reported: console errors, uncaught exceptions, blocked loads (CSP). */
  public final List<String> errors = new CopyOnWriteArrayList<>();

  private HeadlessChromium(Process process, Vertx vertx, WebSocketClient wsClient, WebSocket page) {
    this.process = process;
    this.vertx = vertx;
    this.wsClient = wsClient;
    this.page = page;
  }

  /** The chromium binary on PATH, if installed. */
  public static Optional<Path> binary() {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        Path p = Path.of(d, name);
        if (!d.isEmpty() && Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * chromium headless with the profile, without sandbox (root in CI) or anything it would fetch.
   */
  public static List<String> command(Path binary, Path profile) {
    return new ArrayList<>(
        List.of(
            binary.toString(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--user-data-dir=" + profile));
  }

  /** Starts chromium with a fresh profile under {@code dir} and attaches to its page. */
  public static HeadlessChromium start(Path binary, Path dir, int width, int height)
      throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    List<String> cmd = command(binary, profile);
    cmd.addAll(
        List.of(
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=" + width + "," + height,
            "about:blank"));
    Process process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("chromium.log").toFile())
            .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new IllegalStateException(
              "chromium did not open its DevTools port: "
                  + Files.readString(dir.resolve("chromium.log")));
        }
        Thread.sleep(100);
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
      Vertx probe = Vertx.vertx();
      String wsUrl;
      try {
        JsonArray targets =
            WebClient.create(probe)
                .get(port, "127.0.0.1", "/json/list")
                .send()
                .await()
                .bodyAsJsonArray();
        wsUrl =
            targets.stream()
                .map(JsonObject.class::cast)
                .filter(t -> "page".equals(t.getString("type")))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no page target: " + targets))
                .getString("webSocketDebuggerUrl");
      } finally {
        probe.close().await();
      }
      return connect(process, URI.create(wsUrl));
    } catch (Exception | Error e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private static HeadlessChromium connect(Process process, URI ws) {
    Vertx v = Vertx.vertx();
    WebSocketClient client =
        v.createWebSocketClient(
            new WebSocketClientOptions().setMaxFrameSize(64 << 20).setMaxMessageSize(64 << 20));
    WebSocket socket =
        client
            .connect(
                new WebSocketConnectOptions()
                    .setHost(ws.getHost())
                    .setPort(ws.getPort())
                    .setURI(ws.getPath()))
            .await();
    HeadlessChromium c = new HeadlessChromium(process, v, client, socket);
    socket.textMessageHandler(text -> c.received(new JsonObject(text)));
    c.call("Page.enable", new JsonObject());
    c.call("Runtime.enable", new JsonObject());
    c.call("Log.enable", new JsonObject());
    return c;
  }

  private void received(JsonObject msg) {
    Integer id = msg.getInteger("id");
    if (id != null) {
      Promise<JsonObject> p = pending.remove(id);
      if (p != null) {
        if (msg.containsKey("error")) {
          p.fail(msg.getJsonObject("error").encode());
        } else {
          p.complete(msg.getJsonObject("result", new JsonObject()));
        }
      }
      return;
    }
    JsonObject params = msg.getJsonObject("params", new JsonObject());
    switch (msg.getString("method", "")) {
      case "Runtime.exceptionThrown" ->
          errors.add("exception: " + params.getJsonObject("exceptionDetails").encode());
      case "Runtime.consoleAPICalled" -> {
        if ("error".equals(params.getString("type"))) {
          errors.add("console.error: " + params.getJsonArray("args").encode());
        }
      }
      case "Log.entryAdded" -> {
        JsonObject entry = params.getJsonObject("entry");
        if ("error".equals(entry.getString("level"))) {
          errors.add(entry.getString("source") + ": " + entry.getString("text"));
        }
      }
      default -> {}
    }
  }

  /** One DevTools command; its result. */
  public JsonObject call(String method, JsonObject params) {
    int id = ids.incrementAndGet();
    Promise<JsonObject> p = Promise.promise();
    pending.put(id, p);
    page.writeTextMessage(
        new JsonObject().put("id", id).put("method", method).put("params", params).encode());
    try {
      return p.future().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(method + " failed: " + e.getMessage(), e);
    }
  }

  public void navigate(String url) {
    call("Page.navigate", new JsonObject().put("url", url));
  }

  /** Evaluates a JavaScript expression in the page; its value (JSON-compatible). */
  public Object eval(String expression) {
    JsonObject r =
        call(
            "Runtime.evaluate",
            new JsonObject()
                .put("expression", expression)
                .put("returnByValue", true)
                .put("awaitPromise", true));
    if (r.containsKey("exceptionDetails")) {
      throw new IllegalStateException(
          "script failed: " + expression + "\n" + r.getJsonObject("exceptionDetails").encode());
    }
    return r.getJsonObject("result").getValue("value");
  }

  /** Waits until the JavaScript condition holds in the page. */
  public void await(String condition, Duration timeout) throws InterruptedException {
    waitFor(() -> Boolean.TRUE.equals(eval("!!(" + condition + ")")), condition, timeout);
  }

  private static void waitFor(BooleanSupplier ok, String what, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Clicks the first element matching the CSS selector (fails when there is none). */
  public void click(String selector) {
    Object found =
        eval(
            "(() => { const e = document.querySelector("
                + literal(selector)
                + "); if (!e) return false; e.scrollIntoView(); e.click(); return true; })()");
    if (!Boolean.TRUE.equals(found)) {
      throw new AssertionError("nothing to click at " + selector);
    }
  }

  /** Focuses the element and types the text, as a user would. */
  public void type(String selector, String text) {
    eval("document.querySelector(" + literal(selector) + ").focus()");
    call("Input.insertText", new JsonObject().put("text", text));
  }

  /** A JavaScript string literal. */
  private static String literal(String s) {
    String array = new JsonArray().add(s).encode();
    return array.substring(1, array.length() - 1);
  }

  /** A PNG of the whole page (not only the window), written to {@code file}. */
  public Path screenshot(Path file) throws Exception {
    JsonObject metrics = call("Page.getLayoutMetrics", new JsonObject());
    JsonObject size = metrics.getJsonObject("cssContentSize");
    JsonObject shot =
        call(
            "Page.captureScreenshot",
            new JsonObject()
                .put("format", "png")
                .put("captureBeyondViewport", true)
                .put(
                    "clip",
                    new JsonObject()
                        .put("x", 0)
                        .put("y", 0)
                        .put("width", size.getDouble("width"))
                        .put("height", size.getDouble("height"))
                        .put("scale", 1)));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(shot.getString("data")));
    return file;
  }

  @Override
  public void close() throws Exception {
    try {
      page.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the browser is ended below anyway
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    wsClient.close();
    vertx.close().await();
  }
}
