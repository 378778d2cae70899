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
 *
 * <p>Events are forwarded only while another controller process listens: each bridge says hello
 * when it subscribes (and again after a reconnection), answers another's hello at once, and repeats
 * it every {@link #HELLO_MS}; a bridge that heard no other for {@link #PEER_TTL_MS} stops
 * forwarding. A lone controller so sends one notification every few seconds instead of one per
 * event (several per job). Events of the moment between a second controller's start and the hellos'
 * exchange are not forwarded: that, too, only delays them.
 */
public final class PgEventBridge extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(PgEventBridge.class.getName());
  static final String ORIGIN_HEADER = "rap-origin";

  /** How often a bridge says hello to the others. */
  static final long HELLO_MS = 10_000;

  /** A bridge forwards events while it heard another's hello at most this long ago. */
  static final long PEER_TTL_MS = 3 * HELLO_MS;

  private final Database db;
  private final EventNotifications notifications = new EventNotifications();
  private final String origin = UUID.randomUUID().toString();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private PgSubscriber subscriber;
  private long helloTimer = -1;

  /** When another bridge was last heard ({@code nanoTime}); none yet: {@link Long#MIN_VALUE}. */
  private long peerHeardNs = Long.MIN_VALUE;

  public PgEventBridge(Database db) {
    this.db = db;
  }

  @Override
  public Future<?> start() {
    DatabaseTarget t = db.target();
    subscriber = PgSubscriber.subscriber(vertx, t.pgOptions()).reconnectPolicy(retries -> 1000L);
    subscriber
        .channel(EventNotifications.CHANNEL)
        .subscribeHandler(v -> hello(false))
        .handler(this::received);
    for (String address : ControllerEvents.ALL) {
      consumers.add(
          vertx
              .eventBus()
              .<Object>consumer(
                  address,
                  msg -> {
                    if (msg.headers().contains(ORIGIN_HEADER) || !hasPeers()) {
                      return;
                    }
                    Object body = msg.body();
                    send(
                        new JsonObject()
                            .put("o", origin)
                            .put("a", address)
                            .put("b", body instanceof JsonObject j ? j : null));
                  }));
    }
    helloTimer = vertx.setPeriodic(HELLO_MS, id -> hello(false));
    return subscriber.connect();
  }

  /** Whether another controller process was heard lately (events are forwarded only then). */
  boolean hasPeers() {
    return peerHeardNs != Long.MIN_VALUE
        && System.nanoTime() - peerHeardNs < PEER_TTL_MS * 1_000_000;
  }

  /** Tells the other bridges this one listens ({@code answer}: in reply to a newcomer's hello). */
  private void hello(boolean answer) {
    send(new JsonObject().put("o", origin).put("hello", answer ? "answer" : "hello"));
  }

  private void send(JsonObject payload) {
    notifications
        .notify(db.pool(), payload.encode())
        .onFailure(e -> LOG.fine("Could not notify the other controllers: " + e));
  }

  private void received(String text) {
    JsonObject p;
    try {
      p = new JsonObject(text);
    } catch (RuntimeException e) {
      return;
    }
    if (origin.equals(p.getString("o"))) {
      return;
    }
    if (!hasPeers()) {
      LOG.info("Another controller process listens on this database: forwarding events to it");
    }
    peerHeardNs = System.nanoTime();
    String hello = p.getString("hello");
    if (hello != null) {
      if (hello.equals("hello")) {
        // a newcomer learns of this bridge at once rather than at its next hello
        hello(true);
      }
      return;
    }
    if (p.getString("a") == null) {
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
    vertx.cancelTimer(helloTimer);
    List<Future<Void>> all = new ArrayList<>();
    consumers.forEach(c -> all.add(c.unregister()));
    if (subscriber != null) {
      all.add(subscriber.close());
    }
    return Future.join(all);
  }
}
