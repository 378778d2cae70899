package org.rap.common.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;
import io.vertx.core.json.jackson.JacksonFactory;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Which JSON codec Vert.x gets: the default for services, the streaming one when asked. */
class CodecChoiceTest {
  @Test
  void isVertxsJsonFactoryService() {
    assertEquals(
        CodecChoice.class,
        ServiceLoader.load(JsonFactory.class).findFirst().orElseThrow().getClass());
  }

  @Test
  void servicesGetVertxsDefault() {
    System.clearProperty(CodecChoice.STREAMING_ONLY);
    assertSame(JacksonFactory.CODEC, new CodecChoice().codec());
  }

  @Test
  void aShortCommandGetsTheStreamingCodecWhichReadsAndWritesDocumentsAlike() {
    System.setProperty(CodecChoice.STREAMING_ONLY, "true");
    try {
      JsonCodec codec = new CodecChoice().codec();
      assertFalse(codec instanceof DatabindCodec);
      String doc = "{\"a\":[1,2.5,\"b\",true,null,{\"c\":{}}],\"n\":12345678901}";
      Object read = codec.fromString(doc, Object.class);
      assertEquals(new JsonObject(doc).getMap(), new JsonObject(codec.toString(read)).getMap());
      assertEquals(doc, codec.toString(new JsonObject(doc)));
    } finally {
      System.clearProperty(CodecChoice.STREAMING_ONLY);
    }
  }
}
