package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Logger;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.EventNotifications;

/**
 * Carries the controller's event-bus events between controller processes on one PostgreSQL database
 * (LISTEN/NOTIFY): an agent update received by a standby controller wakes the active scheduler, and
 * a task created by the active scheduler answers long polls waiting on a standby. Events from other
 * processes are republished locally with the header {@code rap-origin}; those are not forwarded
 * again. Notifications sent while disconnected are lost, which only delays work until the
 * scheduler's safety-net pass and the long poll's timeout.
 */
public final class PgEventBridge extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(PgEventBridge.class.getName());
  static final String ORIGIN_HEADER = "rap-origin";

  private final Database db;
  private final EventNotifications notifications = new EventNotifications();
  private final String origin = UUID.randomUUID().toString();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private PgSubscriber subscriber;

  public PgEventBridge(Database db) {
    this.db = db;
  }

  @Override
  public Future<?> start() {
    DatabaseTarget t = db.target();
    subscriber = PgSubscriber.subscriber(vertx, t.pgOptions()).reconnectPolicy(retries -> 1000L);
    subscriber.channel(EventNotifications.CHANNEL).handler(this::received);
    for (String address : ControllerEvents.ALL) {
      consumers.add(
          vertx
              .eventBus()
              .<Object>consumer(
                  address,
                  msg -> {
                    if (msg.headers().contains(ORIGIN_HEADER)) {
                      return;
                    }
                    Object body = msg.body();
                    JsonObject payload =
                        new JsonObject()
                            .put("o", origin)
                            .put("a", address)
                            .put("b", body instanceof JsonObject j ? j : null);
                    notifications
                        .notify(db.pool(), payload.encode())
                        .onFailure(e -> LOG.fine("Could not forward " + address + ": " + e));
                  }));
    }
    return subscriber.connect();
  }

  private void received(String text) {
    JsonObject p;
    try {
      p = new JsonObject(text);
    } catch (RuntimeException e) {
      return;
    }
    if (origin.equals(p.getString("o")) || p.getString("a") == null) {
      return;
    }
    vertx
        .eventBus()
        .publish(
            p.getString("a"),
            p.getJsonObject("b", new JsonObject()),
            new DeliveryOptions().addHeader(ORIGIN_HEADER, p.getString("o")));
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> all = new ArrayList<>();
    consumers.forEach(c -> all.add(c.unregister()));
    if (subscriber != null) {
      all.add(subscriber.close());
    }
    return Future.join(all);
  }
}
