package io.peerbook.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A summary of a JFR recording of a server under load: where its threads spend CPU (execution samples, by the
 * method on top and by layer), what inclusive time peerbook's own methods account for, what it allocates, and GC.
 * The same as {@code jfr print --events jdk.ExecutionSample}, counted.
 */
final class HotMethods {
  /** Calls worth a line of their own: what a relayed message costs, by step (a sample counts once per key). */
  private static final String[][] KEYS = {
      {"event-bus send/request", "io.vertx.core.eventbus.impl.EventBusImpl.sendOrPubInternal"},
      {"event-bus delivery to a consumer", "io.vertx.core.eventbus.impl.HandlerRegistration.receive"},
      {"event-bus reply", "io.vertx.core.eventbus.impl.MessageImpl.reply"},
      {"clustered event bus (TCP between nodes)", "io.vertx.core.eventbus.impl.clustered."},
      {"request timeout timers", "io.vertx.core.impl.VertxImpl.scheduleTimeout"},
      {"JsonObject.copy (local delivery)", "io.vertx.core.json.JsonObject.copy"},
      {"JSON encode", "io.vertx.core.json.JsonObject.encode"},
      {"JSON decode", "io.vertx.core.json.Json.decodeValue"},
      {"websocket write", "io.vertx.core.http.impl.WebSocketImplBase.writeTextMessage"},
      {"websocket frame read", "io.vertx.core.http.impl.WebSocketImplBase.receiveFrame"},
      {"socket flush (system call)", "io.netty.channel.AbstractChannel$AbstractUnsafe.flush0"},
      {"Redis client", "io.vertx.redis.client."},
      {"HTTP upgrade / handshake", "io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker.handshake"},
      {"router (vertx-web)", "io.vertx.ext.web.impl.RouterImpl.handle"},
  };

  private HotMethods() {
  }

  static JsonObject summarize(Path jfr) {
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> layers = new HashMap<>();
    Map<String, Long> threads = new HashMap<>();
    Map<String, Long> keyed = new LinkedHashMap<>();
    Map<String, Long> allocClass = new HashMap<>();
    Map<String, Long> allocSite = new HashMap<>();
    long samples = 0;
    long allocTotal = 0;
    long gcCount = 0;
    double gcPauseMs = 0;
    try (RecordingFile file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        switch (e.getEventType().getName()) {
          case "jdk.ExecutionSample" -> {
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
              continue;
            }
            samples++;
            List<RecordedFrame> frames = st.getFrames();
            String top = method(frames.get(0));
            self.merge(top, 1L, Long::sum);
            layers.merge(layer(frames), 1L, Long::sum);
            if (e.getThread("sampledThread") != null) {
              threads.merge(threadGroup(e.getThread("sampledThread").getJavaName()), 1L, Long::sum);
            }
            Set<String> seen = new HashSet<>();
            Set<String> keys = new HashSet<>();
            for (RecordedFrame f : frames) {
              String m = method(f);
              if (seen.add(m)) {
                inclusive.merge(m, 1L, Long::sum);
              }
              for (String[] k : KEYS) {
                if (m.startsWith(k[1]) && keys.add(k[0])) {
                  keyed.merge(k[0], 1L, Long::sum);
                }
              }
            }
          }
          case "jdk.ObjectAllocationSample" -> {
            long w = e.getLong("weight");
            allocTotal += w;
            if (e.getClass("objectClass") != null) {
              allocClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st != null) {
              allocSite.merge(firstOwnFrame(st.getFrames()), w, Long::sum);
            }
          }
          case "jdk.GarbageCollection" -> {
            gcCount++;
            gcPauseMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
          }
          default -> {
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + jfr + ": " + e.getMessage(), e);
    }
    final long n = Math.max(1, samples);
    final long a = Math.max(1, allocTotal);
    return new JsonObject().put("file", jfr.getFileName().toString()).put("samples", samples)
        .put("self", top(self, 20, n)).put("layers", top(layers, 20, n)).put("threads", top(threads, 10, n))
        .put("peerbook_inclusive", top(filter(inclusive, "io.peerbook."), 20, n))
        .put("inclusive", top(inclusive, 30, n)).put("steps", top(keyed, KEYS.length, n))
        .put("alloc_mib", allocTotal / 1048576.0).put("alloc_classes", top(allocClass, 12, a))
        .put("alloc_sites", top(allocSite, 15, a)).put("gc_count", gcCount).put("gc_pause_ms", gcPauseMs);
  }

  private static String method(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  /** The layer a sample belongs to: the first frame, walking from the top, in a package we know. */
  private static String layer(List<RecordedFrame> frames) {
    String top = frames.get(0).getMethod().getType().getName();
    if (top.startsWith("com.fasterxml.jackson")) {
      return "JSON (Jackson)";
    }
    if (top.startsWith("io.peerbook")) {
      return "peerbook";
    }
    if (top.startsWith("io.vertx.core.eventbus") || top.startsWith("io.vertx.core.impl.future")
        || top.startsWith("io.vertx.core.json")) {
      return "Vert.x event bus / futures / JSON objects";
    }
    if (top.startsWith("com.hazelcast")) {
      return "Hazelcast";
    }
    if (top.startsWith("io.netty") || top.startsWith("sun.nio") || top.startsWith("java.nio")) {
      return "Netty and socket I/O";
    }
    if (top.startsWith("io.vertx")) {
      return "Vert.x HTTP / WebSocket / other";
    }
    for (RecordedFrame f : frames) {
      String t = f.getMethod().getType().getName();
      if (t.startsWith("com.fasterxml.jackson")) {
        return "JSON (Jackson)";
      }
      if (t.startsWith("io.vertx.core.eventbus") || t.startsWith("io.vertx.core.json")) {
        return "Vert.x event bus / futures / JSON objects";
      }
      if (t.startsWith("io.netty")) {
        return "Netty and socket I/O";
      }
      if (t.startsWith("io.vertx")) {
        return "Vert.x HTTP / WebSocket / other";
      }
      if (t.startsWith("io.peerbook")) {
        return "peerbook";
      }
    }
    return "JDK / other (" + top.substring(0, Math.max(0, top.lastIndexOf('.'))) + ")";
  }

  private static String threadGroup(String name) {
    return name == null ? "?" : name.replaceAll("-?\\d+$", "");
  }

  private static String firstOwnFrame(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      String t = f.getMethod().getType().getName();
      if (!t.startsWith("java.") && !t.startsWith("jdk.") && !t.startsWith("sun.")) {
        return method(f);
      }
    }
    return frames.isEmpty() ? "?" : method(frames.get(0));
  }

  private static Map<String, Long> filter(Map<String, Long> m, String prefix) {
    Map<String, Long> out = new HashMap<>();
    m.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k, v);
      }
    });
    return out;
  }

  private static JsonArray top(Map<String, Long> m, int limit, long total) {
    Map<String, Long> sorted = new LinkedHashMap<>();
    m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(limit)
        .forEach(en -> sorted.put(en.getKey(), en.getValue()));
    JsonArray out = new JsonArray();
    sorted.forEach((k, v) -> out.add(new JsonObject().put("name", k).put("count", v).put("pct", 100.0 * v / total)));
    return out;
  }
}
