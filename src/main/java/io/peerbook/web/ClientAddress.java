package io.peerbook.web;

import io.netty.util.NetUtil;
import io.peerbook.config.AddressRange;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * Who is on the other end of a request: the peer of the TCP connection, unless that peer is a trusted proxy; then
 * the right-most hop of {@code X-Forwarded-For} that is not a trusted proxy. Hops to the left of it were written by
 * the client and may be anything, so they are never believed.
 */
public final class ClientAddress {
  /** A hop is an address; anything longer is garbage a proxy would not write, cut so it cannot bloat a key. */
  static final int MAX_LENGTH = 64;

  private ClientAddress() {
  }

  /** The client of a request, as {@link #resolve} tells it. */
  public static String of(HttpServerRequest req, List<AddressRange> trusted) {
    return resolve(req.remoteAddress() == null ? null : req.remoteAddress().host(),
        req.headers().getAll("X-Forwarded-For"), trusted);
  }

  /**
   * @param remote    the host of the TCP peer, as Vert.x gives it (may be null for a closed connection)
   * @param forwarded every {@code X-Forwarded-For} header of the request, in order
   */
  public static String resolve(String remote, List<String> forwarded, List<AddressRange> trusted) {
    String client = remote == null ? "" : remote;
    if (trusted.isEmpty() || !isTrusted(client, trusted)) {
      return cut(client);
    }
    for (int h = forwarded.size() - 1; h >= 0; h--) {
      String[] hops = forwarded.get(h).split(",");
      for (int i = hops.length - 1; i >= 0; i--) {
        String hop = hops[i].trim();
        if (hop.isEmpty()) {
          continue;
        }
        if (!isTrusted(hop, trusted)) {
          return cut(hop);
        }
        client = hop;
      }
    }
    // Every hop was a trusted proxy: the left-most one is as close to the client as we can tell.
    return cut(client);
  }

  private static boolean isTrusted(String host, List<AddressRange> trusted) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
    if (bytes == null) {
      return false;
    }
    for (AddressRange r : trusted) {
      if (r.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static String cut(String s) {
    return s.length() <= MAX_LENGTH ? s : s.substring(0, MAX_LENGTH);
  }
}
