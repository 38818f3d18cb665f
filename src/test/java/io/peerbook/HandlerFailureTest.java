package io.peerbook;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.peerbook.protocol.Address;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.peerbook.SocketKit.provision;
import static io.peerbook.support.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bug in one handler (here: bodies no peerbook code would send) never takes down a verticle or the process: the
 * request is answered 503 at once, the error is logged once with its cause, and everything else keeps working.
 */
class HandlerFailureTest {
  private static final String EMAIL = "jon@example.com";
  private TestNode node;
  private LogCapture log;
  private PeerClient a;
  private PeerClient b;
  private String fpA;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", SocketKit.ADMIN_TOKEN));
    fpA = Fingerprints.random();
    String fpB = Fingerprints.random();
    provision(node, EMAIL, "A", fpA);
    provision(node, EMAIL, "B", fpB);
    a = node.connect(EMAIL, "A", fpA);
    a.expectCode(200);
    b = node.connect(EMAIL, "B", fpB);
    b.expectCode(200);
    a.nextUpdate();
    // The failures provoked here are asserted below, and kept off the console: a passing run prints no error.
    log = LogCapture.taking(e -> e.getThrowableProxy() != null
        && e.getThrowableProxy().getClassName().equals(NullPointerException.class.getName()));
  }

  @AfterEach
  void stop() {
    log.close();
    node.close();
  }

  private List<ILoggingEvent> withCause(Class<? extends Throwable> type) {
    return log.matching(e -> e.getThrowableProxy() != null && e.getThrowableProxy().getClassName().equals(type.getName()));
  }

  @Test
  @DisplayName("a directory request whose handler throws is answered 503 at once (no timeout), the error is logged once with its stack, and the directory keeps serving")
  void throwingRequestHandler() {
    Throwable failure = PeerClient.await(node.vertx.eventBus()
        .request(Address.DIRECTORY_ROUTE.address(), new JsonObject().put("email", EMAIL),
            new DeliveryOptions().setSendTimeout(10_000))
        .transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())));
    ReplyException reply = assertInstanceOf(ReplyException.class, failure);
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, reply.failureType(), "answered, not timed out: " + reply);
    assertEquals(503, reply.failureCode());

    List<ILoggingEvent> logged = withCause(NullPointerException.class);
    assertEquals(1, logged.size(), LogCapture.describe(log.failures()));
    assertTrue(logged.get(0).getThrowableProxy().getStackTraceElementProxyArray().length > 0, "logged without its stack");
    assertEquals(1, log.failures().size(), "logged more than once: " + LogCapture.describe(log.failures()));

    assertEquals(2, a.request(new JsonObject().put("command", "get_list")).getJsonArray("list").size());
  }

  @Test
  @DisplayName("a book event that makes the gateway's handler throw is logged once, with its cause, and the gateway keeps relaying and announcing")
  void throwingEventHandlers() {
    // An online event without its peer entry: two consumers trip over the missing field, the relay's (its route cache)
    // and the gateway's (the peer_update it tells the others).
    node.vertx.eventBus().publish(Address.BOOK_EVENTS.address(), new JsonObject().put("event", "online")
        .put("email", EMAIL).put("name_key", "ghost").put("gateway", "nowhere").put("conn", "none"));
    until(node.vertx, PeerClient.WAIT_SECONDS, () -> withCause(NullPointerException.class).size() >= 2,
        () -> "the failure was not logged: " + LogCapture.describe(log.failures()));

    a.send(new JsonObject().put("target", "B").put("offer", "after"));
    assertEquals(new JsonObject().put("source", "A").put("fingerprint", fpA).put("offer", "after"), b.next());
    b.close();
    assertEquals("offline", a.nextUpdate().getString("event"));
    a.expectNothingBeforePong();

    List<ILoggingEvent> logged = withCause(NullPointerException.class);
    assertEquals(2, logged.size(), "once per consumer: " + LogCapture.describe(log.failures()));
    assertTrue(logged.stream().allMatch(e -> e.getLoggerName().startsWith("io.peerbook")),
        "logged by peerbook, as an unexpected error: " + LogCapture.describe(logged));
    assertEquals(2, log.failures().size(), "logged more than once: " + LogCapture.describe(log.failures()));
  }
}
