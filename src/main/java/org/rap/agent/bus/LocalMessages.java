package org.rap.agent.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.tracing.TracingPolicy;
import java.time.Duration;
import java.util.function.Function;

/**
 * How the agent's verticles exchange messages over the event bus. They never leave the process, so
 * one codec hands the sent object itself to the receiver (nothing is copied or serialised; every
 * message is immutable or handed over), and a request's failure travels as the exception itself, so
 * the caller can tell a permanent failure from a transient one exactly as when it called the
 * executor directly. Internal messages are not traced.
 */
public final class LocalMessages {
  /** The codec's name. */
  public static final String CODEC = "rap-agent-local";

  private LocalMessages() {}

  /** Registers the codec on {@code vertx}'s event bus; later calls find it registered. */
  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new PassThrough());
    } catch (IllegalStateException alreadyRegistered) {
      // another agent verticle of this Vert.x instance registered it
    }
  }

  private static DeliveryOptions options(Duration timeout) {
    return new DeliveryOptions()
        .setCodecName(CODEC)
        .setLocalOnly(true)
        .setSendTimeout(Math.max(1, timeout.toMillis()))
        .setTracingPolicy(TracingPolicy.IGNORE);
  }

  /**
   * Sends {@code body} to {@code address}; completes with the reply, or fails with the exception
   * the receiver failed with (or the event bus's own, e.g. no receiver or a timeout).
   */
  @SuppressWarnings("unchecked")
  public static <T> Future<T> request(Vertx vertx, String address, Object body, Duration timeout) {
    return vertx
        .eventBus()
        .request(address, body, options(timeout))
        .compose(
            reply ->
                reply.body() instanceof Failure f
                    ? Future.failedFuture(f.cause())
                    : Future.succeededFuture((T) reply.body()));
  }

  /** Publishes {@code body} to every consumer of {@code address}. */
  public static void publish(Vertx vertx, String address, Object body) {
    vertx.eventBus().publish(address, body, options(Duration.ofSeconds(30)));
  }

  /**
   * Answers each request to {@code address} with the outcome of {@code handler} (its value, or the
   * exception it failed or threw with).
   */
  @SuppressWarnings("unchecked")
  public static <B> MessageConsumer<Object> serve(
      Vertx vertx, String address, Function<B, Future<?>> handler) {
    return vertx
        .eventBus()
        .consumer(
            address,
            message -> {
              Future<?> result;
              try {
                result = handler.apply((B) message.body());
              } catch (RuntimeException e) {
                result = Future.failedFuture(e);
              }
              result.onComplete(ar -> reply(message, ar.succeeded() ? ar.result() : ar.cause()));
            });
  }

  private static void reply(Message<Object> request, Object resultOrFailure) {
    Object body =
        resultOrFailure instanceof Throwable t ? new Failure(t) : (Object) resultOrFailure;
    request.reply(body, options(Duration.ofSeconds(30)));
  }

  /** A failed answer. */
  private record Failure(Throwable cause) {}

  /** The object itself, to receivers in this process only. */
  private static final class PassThrough implements MessageCodec<Object, Object> {
    @Override
    public void encodeToWire(Buffer buffer, Object o) {
      throw new UnsupportedOperationException("agent messages never leave the process");
    }

    @Override
    public Object decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("agent messages never leave the process");
    }

    @Override
    public Object transform(Object o) {
      return o;
    }

    @Override
    public String name() {
      return CODEC;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
