package org.rap.controller.api.rap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import org.rap.controller.api.ApiDocuments;

/**
 * Our OpenAPI document ({@code openapi/rap-api.yaml}) as written (served at {@code spec.json}) and
 * as a vertx-openapi contract. vertx-openapi rejects the relative server URL the document declares,
 * so the contract is built from a copy with an absolute one.
 */
public final class RapContract {
  public static final String RESOURCE = "openapi/rap-api.yaml";

  /** Only used to satisfy vertx-openapi; routing uses the path below the host. */
  static final String ABSOLUTE_SERVER = "http://localhost/controller/v1/";

  private final JsonObject document;
  private final OpenAPIContract contract;

  private RapContract(JsonObject document, OpenAPIContract contract) {
    this.document = document;
    this.contract = contract;
  }

  public static Future<RapContract> load(Vertx vertx) {
    return ApiDocuments.load(vertx, RESOURCE)
        .compose(
            doc ->
                OpenAPIContract.from(vertx, ApiDocuments.withServer(doc, ABSOLUTE_SERVER))
                    .map(c -> new RapContract(doc, c)));
  }

  /** The document as written. */
  public JsonObject document() {
    return document;
  }

  public OpenAPIContract contract() {
    return contract;
  }
}
