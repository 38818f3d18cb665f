package io.peerbook.fuzz;

import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Vert.x's metrics SPI, counting what a leak would leave behind: event-bus handlers per address, and the HTTP
 * server's open TCP connections and WebSockets. Plugged into the node's own Vert.x; nothing else is measured.
 */
final class CountingMetrics implements VertxMetricsFactory, VertxMetrics {
  private final Map<String, AtomicInteger> handlers = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger webSockets = new AtomicInteger();

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    return this;
  }

  /** Handlers registered and not yet unregistered, by address (reply handlers under their generated addresses). */
  Map<String, Integer> handlers() {
    Map<String, Integer> out = new TreeMap<>();
    handlers.forEach((a, n) -> {
      if (n.get() != 0) {
        out.put(a, n.get());
      }
    });
    return out;
  }

  int handlerCount() {
    return handlers.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  int connections() {
    return connections.get();
  }

  int webSockets() {
    return webSockets.get();
  }

  @Override
  public EventBusMetrics<?> createEventBusMetrics() {
    return new EventBusMetrics<String>() {
      @Override
      public String handlerRegistered(String address) {
        // Reply handlers each have an address of their own: counted together, so the map itself does not grow.
        String key = address.startsWith("__vertx.reply.") ? "__vertx.reply.*" : address;
        handlers.computeIfAbsent(key, a -> new AtomicInteger()).incrementAndGet();
        return key;
      }

      @Override
      public void handlerUnregistered(String address) {
        handlers.get(address).decrementAndGet();
      }
    };
  }

  @Override
  public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
    return new HttpServerMetrics<Void, Boolean, Boolean>() {
      @Override
      public Boolean connected(SocketAddress remoteAddress, String remoteName) {
        connections.incrementAndGet();
        return Boolean.TRUE;
      }

      @Override
      public void disconnected(Boolean socketMetric, SocketAddress remoteAddress) {
        connections.decrementAndGet();
      }

      @Override
      public Boolean connected(Boolean socketMetric, Void requestMetric, ServerWebSocket serverWebSocket) {
        webSockets.incrementAndGet();
        return Boolean.TRUE;
      }

      @Override
      public void disconnected(Boolean serverWebSocketMetric) {
        webSockets.decrementAndGet();
      }
    };
  }
}
