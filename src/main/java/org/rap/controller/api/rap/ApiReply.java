package org.rap.controller.api.rap;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * An HTTP-independent answer of the RAP API: status code and JSON body, either as an object or
 * already encoded (the status endpoint assembles its large body from database-rendered text).
 */
public record ApiReply(int status, JsonObject body, Buffer encoded) {

  public ApiReply(int status, JsonObject body) {
    this(status, body, null);
  }

  /** The reference's error body {@code {"error": ..., "details": ...}}. */
  public static ApiReply error(int status, String error, String details) {
    return new ApiReply(status, new JsonObject().put("error", error).put("details", details));
  }

  public Buffer toBuffer() {
    return encoded != null ? encoded : body.toBuffer();
  }

  public boolean isSuccess() {
    return status == 200 || status == 201;
  }
}
