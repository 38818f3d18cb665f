package io.peerbook.protocol;

import io.peerbook.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/** Requests between verticles, and the one place where any failure becomes a protocol code and text. */
public final class Bus {
  private static final Logger LOG = LoggerFactory.getLogger(Bus.class);
  /** A connect during an outage must be answered within 2 s; a request never waits longer than this. */
  public static final long TIMEOUT_MS = 1500;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS);

  private Bus() {
  }

  /** A request to a service verticle of this node (every node runs directory, mailer and relay). */
  public static Future<JsonObject> request(EventBus bus, Address address, JsonObject body) {
    return timed(address.address(), bus.<JsonObject>request(address.address(), body, LOCAL));
  }

  private static Future<JsonObject> timed(String address, Future<Message<JsonObject>> reply) {
    long start = System.nanoTime();
    return reply.andThen(ar -> Meters.busRequest(address, ar.succeeded() ? "ok" : String.valueOf(code(ar.cause())))
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS)).map(Message::body);
  }

  /** The protocol code of a failed request: the consumer's own code, else 503 (timeout, no handler, crash). */
  public static int code(Throwable failure) {
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && reply.failureCode() >= 400 && reply.failureCode() < 600) {
      return reply.failureCode();
    }
    if (failure instanceof ProtocolException pe) {
      return pe.code();
    }
    return Codes.UNAVAILABLE;
  }

  public static String text(Throwable failure) {
    int code = code(failure);
    if (code == Codes.UNAVAILABLE && !(failure instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE)) {
      return "service unavailable, try again";
    }
    return failure.getMessage() == null ? "error" : failure.getMessage();
  }

  /**
   * Answers a request with the outcome of its handler: the reply body, or a failure carrying the protocol code.
   * Unexpected exceptions are logged once and answered 503 so the caller never waits for a timeout.
   */
  static void reply(Message<JsonObject> msg, Future<JsonObject> outcome, OnceInAWhile warnings) {
    outcome.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result() == null ? new JsonObject() : ar.result());
      } else {
        Throwable cause = ar.cause();
        if (cause instanceof ProtocolException pe) {
          msg.fail(pe.code(), pe.getMessage());
        } else if (cause instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
          msg.fail(re.failureCode(), re.getMessage());
        } else {
          if (isBug(cause)) {
            // Logged here and only here, with its stack: the caller hears 503 and does not log it again.
            LOG.error("{} failed unexpectedly", msg.address(), cause);
          } else {
            warnings.warn(LOG, msg.address(), msg.address() + " failed: " + OnceInAWhile.firstLine(cause));
          }
          msg.fail(Codes.UNAVAILABLE, "service unavailable, try again");
        }
      }
    });
  }

  /**
   * A failure of our own code (a null, a bad cast, unreadable stored JSON) rather than of a service we depend on: a
   * backing service fails with I/O errors, timeouts, Redis errors ({@link VertxException} or checked exceptions),
   * which are expected during an outage and need no stack trace.
   */
  static boolean isBug(Throwable cause) {
    return cause instanceof RuntimeException && (!(cause instanceof VertxException) || cause instanceof DecodeException);
  }

  /**
   * Serves requests to a service address of this node: each body goes to {@code handler}, and its outcome is the
   * reply ({@link #reply}). Completes once the consumer is registered.
   */
  public static Future<Void> serve(EventBus bus, Address address, Function<JsonObject, Future<JsonObject>> handler) {
    // An outage fails every request the same way: a warning now and then for this consumer, with a count.
    OnceInAWhile warnings = new OnceInAWhile();
    return bus.<JsonObject>consumer(address.address(),
        msg -> reply(msg, guard(() -> handler.apply(msg.body())), warnings)).completion();
  }

  /** Runs a handler and catches what it throws synchronously, so a bad body is a reply and not a dead request. */
  public static Future<JsonObject> guard(Supplier<Future<JsonObject>> handler) {
    try {
      return handler.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
