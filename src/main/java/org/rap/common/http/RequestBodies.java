package org.rap.common.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Request bodies read in bounded memory, for routes that read their body themselves (a {@code
 * BodyHandler} with a body limit does the same for the others): a {@code Content-Length} above the
 * limit is refused before anything is read, a chunked body as soon as it passes the limit.
 */
public final class RequestBodies {
  private RequestBodies() {}

  /** The body was larger than the route accepts (and the request was answered with 413). */
  public static final class TooLarge extends Exception {
    public TooLarge(long maxBytes) {
      super(tooLargeDetails(maxBytes), null, false, false);
    }
  }

  /** Whether the request's {@code Content-Length} alone is above {@code maxBytes}. */
  public static boolean declaredTooLarge(HttpServerRequest request, long maxBytes) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return false;
    }
    try {
      return Long.parseLong(length.strip()) > maxBytes;
    } catch (NumberFormatException e) {
      return false; // Netty refuses a malformed length itself
    }
  }

  /**
   * The whole body; beyond {@code maxBytes} the request is answered with 413 ({@link #tooLarge})
   * and the future fails with {@link TooLarge}.
   */
  public static Future<Buffer> read(RoutingContext rc, long maxBytes) {
    HttpServerRequest request = rc.request();
    if (declaredTooLarge(request, maxBytes)) {
      tooLarge(rc, maxBytes);
      return Future.failedFuture(new TooLarge(maxBytes));
    }
    Promise<Buffer> body = Promise.promise();
    Buffer received = Buffer.buffer();
    request.handler(
        chunk -> {
          if (body.future().isComplete()) {
            return;
          }
          if (received.length() + (long) chunk.length() > maxBytes) {
            tooLarge(rc, maxBytes);
            body.tryFail(new TooLarge(maxBytes));
            return;
          }
          received.appendBuffer(chunk);
        });
    request.endHandler(v -> body.tryComplete(received));
    request.exceptionHandler(body::tryFail);
    request.resume();
    return body.future();
  }

  /** 413 with the error body {@code {"error": "Request too large", "details": ...}}. */
  public static void tooLarge(RoutingContext rc, long maxBytes) {
    // the rest of the body is not read: the connection closes after this answer
    rc.response().putHeader(HttpHeaders.CONNECTION, "close");
    Responses.error(rc, 413, "Request too large", tooLargeDetails(maxBytes));
  }

  private static String tooLargeDetails(long maxBytes) {
    return "The request body is larger than the limit of " + maxBytes + " bytes";
  }
}
