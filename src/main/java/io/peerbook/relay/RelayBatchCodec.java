package io.peerbook.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.Json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link RelayBatch} on the wire between nodes: counts, then each field as a length-prefixed UTF-8 string (a
 * message's id as its JSON text). Registered on every node's event bus before the verticles start.
 */
public final class RelayBatchCodec implements MessageCodec<RelayBatch, RelayBatch> {
  static final String NAME = "peerbook-relay-batch";

  /** Registers the codec on a Vert.x instance (again is harmless: a second deployment on one instance). */
  public static void register(EventBus bus) {
    try {
      bus.registerDefaultCodec(RelayBatch.class, new RelayBatchCodec());
    } catch (IllegalStateException registered) {
      // already there
    }
  }

  @Override
  public void encodeToWire(Buffer buf, RelayBatch b) {
    put(buf, b.origin());
    buf.appendInt(b.deliveries().size());
    for (RelayBatch.Delivery d : b.deliveries()) {
      put(buf, d.email());
      put(buf, d.targetKey());
      put(buf, d.targetFingerprint());
      put(buf, d.targetName());
      put(buf, d.type());
      put(buf, d.senderConn());
      put(buf, d.id() == null ? null : Json.encode(d.id()));
      put(buf, d.echo());
      put(buf, d.text());
    }
    buf.appendInt(b.failures().size());
    for (RelayBatch.Failure f : b.failures()) {
      put(buf, f.senderConn());
      put(buf, f.id() == null ? null : Json.encode(f.id()));
      put(buf, f.echo());
      buf.appendInt(f.code());
      put(buf, f.text());
    }
  }

  @Override
  public RelayBatch decodeFromWire(int pos, Buffer buf) {
    Reader r = new Reader(buf, pos);
    String origin = r.string();
    int n = r.integer();
    List<RelayBatch.Delivery> deliveries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      deliveries.add(new RelayBatch.Delivery(r.string(), r.string(), r.string(), r.string(), r.string(), r.string(),
          r.id(), r.string(), r.string()));
    }
    int m = r.integer();
    List<RelayBatch.Failure> failures = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      failures.add(new RelayBatch.Failure(r.string(), r.id(), r.string(), r.integer(), r.string()));
    }
    return new RelayBatch(origin, deliveries, failures);
  }

  @Override
  public RelayBatch transform(RelayBatch b) {
    return b; // immutable: a batch for this same node is used as it is
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static void put(Buffer buf, String s) {
    if (s == null) {
      buf.appendInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    buf.appendInt(bytes.length).appendBytes(bytes);
  }

  private static final class Reader {
    private final Buffer buf;
    private int pos;

    Reader(Buffer buf, int pos) {
      this.buf = buf;
      this.pos = pos;
    }

    int integer() {
      int v = buf.getInt(pos);
      pos += 4;
      return v;
    }

    String string() {
      int len = integer();
      if (len < 0) {
        return null;
      }
      String s = buf.getString(pos, pos + len, "UTF-8");
      pos += len;
      return s;
    }

    Object id() {
      String json = string();
      return json == null ? null : Json.decodeValue(json);
    }
  }
}
