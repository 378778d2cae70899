package org.rap.common.json;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.json.jackson.JacksonFactory;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Vert.x's JSON codec for this process (registered as Vert.x's {@link JsonFactory} service, read
 * once, the first time JSON is used). Services get Vert.x's default, the jackson-databind codec. A
 * short command that sets {@link #STREAMING_ONLY} before its first JSON gets Vert.x's streaming
 * codec (jackson-core alone): it reads and writes JSON objects, arrays, maps, lists and plain
 * values as the other does, maps no Java objects, and spares a fresh process setting up
 * jackson-databind's object mapper, some 30 ms of CPU.
 */
public final class CodecChoice implements JsonFactory {
  /** The system property ("true") that asks for the streaming codec. */
  public static final String STREAMING_ONLY = "rap.json.streaming-only";

  @Override
  public JsonCodec codec() {
    return Boolean.getBoolean(STREAMING_ONLY) ? new JacksonCodec() : JacksonFactory.CODEC;
  }
}
