package io.peerbook.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

import java.util.function.Consumer;

/**
 * Puts a peer's frames together into whole messages of at most {@link #MAX_BYTES}: Vert.x's own aggregation reports an
 * oversized message only as an exception told apart by its text. A message past the limit is reported once, and the
 * rest of its frames are dropped. Control frames are Vert.x's business (it answers pings, closes on close frames).
 */
final class MessageAssembler {
  /** The protocol's limit on one message. */
  static final int MAX_BYTES = 64 * 1024;

  /** What a whole message is handed to. */
  interface Sink {
    void text(String text);

    void binary();

    void tooLarge();
  }

  private final Sink sink;
  /** The frames of a fragmented message so far; null between messages. */
  private Buffer partial;
  private boolean partialIsText;
  /** Dropping the rest of a message that was too large. */
  private boolean skipping;

  MessageAssembler(Sink sink) {
    this.sink = sink;
  }

  void frame(WebSocketFrame frame) {
    if (frame.isText() || frame.isBinary()) {
      partial = null;
      skipping = false;
      if (frame.isFinal()) {
        // The common case: a whole message in one frame, no copy.
        whole(frame.isText(), frame.binaryData(), frame);
        return;
      }
      partialIsText = frame.isText();
      partial = Buffer.buffer();
      append(frame);
    } else if (frame.isContinuation() && (partial != null || skipping)) {
      append(frame);
    }
  }

  private void append(WebSocketFrame frame) {
    if (!skipping) {
      if (partial.length() + frame.binaryData().length() > MAX_BYTES) {
        skipping = true;
        partial = null;
        sink.tooLarge();
      } else {
        partial.appendBuffer(frame.binaryData());
      }
    }
    if (frame.isFinal()) {
      boolean done = !skipping;
      skipping = false;
      Buffer message = partial;
      partial = null;
      if (done) {
        whole(partialIsText, message, null);
      }
    }
  }

  private void whole(boolean text, Buffer data, WebSocketFrame single) {
    if (data.length() > MAX_BYTES) {
      sink.tooLarge();
    } else if (!text) {
      sink.binary();
    } else {
      sink.text(single != null ? single.textData() : data.toString());
    }
  }
}
