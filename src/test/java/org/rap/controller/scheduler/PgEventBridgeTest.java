package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.EventNotifications;
import org.rap.testing.TestDatabases;

/** Events cross between controller processes on one PostgreSQL database, without echo loops. */
@Tag("postgres")
class PgEventBridgeTest {
  private final Vertx a = Vertx.vertx();
  private final Vertx b = Vertx.vertx();

  @AfterEach
  void close() {
    a.close().await();
    b.close().await();
  }

  @Test
  void taskCreatedInOneProcessReachesTheOtherOnce() throws Exception {
    DatabaseTarget target = TestDatabases.fresh("postgresql");
    PgEventBridge bridgeA = new PgEventBridge(Database.open(a, target));
    PgEventBridge bridgeB = new PgEventBridge(Database.open(b, target));
    a.deployVerticle(bridgeA).await();
    b.deployVerticle(bridgeB).await();
    for (int i = 0; i < 200 && !(bridgeA.hasPeers() && bridgeB.hasPeers()); i++) {
      Thread.sleep(25);
    }
    assertTrue(bridgeA.hasPeers() && bridgeB.hasPeers(), "the bridges heard each other's hello");
    List<JsonObject> inA = new CopyOnWriteArrayList<>();
    List<JsonObject> inB = new CopyOnWriteArrayList<>();
    List<String> originsInB = new CopyOnWriteArrayList<>();
    a.eventBus()
        .<JsonObject>consumer(ControllerEvents.TASK_CREATED, m -> inA.add(m.body()))
        .completion()
        .await();
    b.eventBus()
        .<JsonObject>consumer(
            ControllerEvents.TASK_CREATED,
            m -> {
              inB.add(m.body());
              originsInB.add(m.headers().get(PgEventBridge.ORIGIN_HEADER));
            })
        .completion()
        .await();

    JsonObject event = new JsonObject().put("backend", "test").put("task_id", "j-001");
    a.eventBus().publish(ControllerEvents.TASK_CREATED, event);
    for (int i = 0; i < 200 && inB.isEmpty(); i++) {
      Thread.sleep(25);
    }
    assertEquals(List.of(event), inB);
    assertTrue(originsInB.get(0) != null);
    Thread.sleep(300);
    assertEquals(List.of(event), inA, "no echo back to the sender");
    assertEquals(1, inB.size());
  }

  @Test
  void aLoneControllerForwardsNothingButItsHello() throws Exception {
    DatabaseTarget target = TestDatabases.fresh("postgresql");
    List<JsonObject> heard = new CopyOnWriteArrayList<>();
    PgSubscriber listener = PgSubscriber.subscriber(b, target.pgOptions());
    listener.channel(EventNotifications.CHANNEL).handler(t -> heard.add(new JsonObject(t)));
    listener.connect().await();
    PgEventBridge bridge = new PgEventBridge(Database.open(a, target));
    a.deployVerticle(bridge).await();
    for (int i = 0; i < 200 && heard.isEmpty(); i++) {
      Thread.sleep(25);
    }
    a.eventBus().publish(ControllerEvents.TASK_CREATED, new JsonObject().put("task_id", "j-1"));
    Thread.sleep(500);
    assertFalse(bridge.hasPeers());
    assertEquals(1, heard.size(), "only the hello: " + heard);
    assertEquals("hello", heard.get(0).getString("hello"));
  }
}
