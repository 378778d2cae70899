package org.rap.controller.api.rap;

import io.vertx.core.json.JsonObject;

/** An HTTP-independent answer of the RAP API: status code and JSON body. */
public record ApiReply(int status, JsonObject body) {

  /** The reference's error body {@code {"error": ..., "details": ...}}. */
  public static ApiReply error(int status, String error, String details) {
    return new ApiReply(status, new JsonObject().put("error", error).put("details", details));
  }

  public boolean isSuccess() {
    return status == 200 || status == 201;
  }
}
