package io.peerbook.web;

import io.netty.handler.codec.DecoderException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The last word on a request a route failed: input that cannot be decoded (a form or query with a broken percent
 * escape) is the client's 400; a status a handler chose (413 from a body limit) is kept; anything else is our bug,
 * logged once with its cause and answered 500, so no request is left without an answer.
 */
final class RouteFailures {
  private static final Logger LOG = LoggerFactory.getLogger(RouteFailures.class);

  private RouteFailures() {
  }

  static void handle(RoutingContext rc) {
    Throwable err = rc.failure();
    if (err instanceof HttpClosedException) {
      return; // the client went away mid-request (or was cut for being slow): nobody is left to answer
    }
    int status;
    String text;
    if (err == null) {
      status = rc.statusCode() > 0 ? rc.statusCode() : 500;
      text = status == 413 ? "request body too large" : "request failed";
    } else if (malformed(err)) {
      status = 400;
      text = "malformed request: " + err.getMessage();
    } else {
      LOG.error("{} {} failed unexpectedly", rc.request().method(), rc.request().path(), err);
      status = 500;
      text = "request failed";
    }
    if (rc.response().headWritten()) {
      rc.response().reset();
      return;
    }
    rc.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8")
        .end(text.lines().findFirst().orElse("") + "\n");
  }

  static void malformedRequest(RoutingContext rc) {
    if (!rc.response().headWritten()) {
      rc.response().setStatusCode(400).putHeader("content-type", "text/plain; charset=utf-8").end("malformed request\n");
    }
  }

  /**
   * What reading a client's bytes throws: Netty's decoders, the percent-decoding of queries and forms, the form
   * decoder's I/O errors (a field over the body limit, a connection cut mid-body), and whatever else a Netty codec
   * throws while it parses them (its multipart decoder fails on an empty boundary with an index error).
   */
  static boolean malformed(Throwable err) {
    return err instanceof DecoderException || err instanceof IllegalArgumentException || err instanceof IOException
        || thrownByCodec(err);
  }

  private static boolean thrownByCodec(Throwable err) {
    for (StackTraceElement frame : err.getStackTrace()) {
      if (!frame.getClassName().startsWith("java.")) {
        return frame.getClassName().startsWith("io.netty.handler.codec.");
      }
    }
    return false;
  }
}
