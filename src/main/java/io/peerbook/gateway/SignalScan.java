package io.peerbook.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;

/**
 * A signaling message read in one streaming pass, without a JSON tree: the fields signaling needs, and where the
 * payload's JSON text lies in the message, so that the stamped message is the sender's payload text spliced after the
 * sender's identity, never parsed into objects and encoded again (the garbage a relayed message made was mostly that
 * tree, docs/benchmarks.md). Only the plain shape is read this way: exactly one of offer, answer or candidate, a
 * string target, an id that is a string or a number, a fingerprint that is a string or absent, and no command.
 * Anything else (a command, a malformed or unusual message) is left to the full parse, which answers it exactly as
 * before.
 */
record SignalScan(Object id, String target, String fingerprint, String type, String text, int start, int end) {
  private static final JsonFactory JSON = new JsonFactory();

  /** The payload's JSON text, exactly as the sender wrote it (already checked to be valid JSON). */
  String payload() {
    return text.substring(start, end);
  }

  /** The message read in one pass, or null when it is not the plain signaling shape (or not valid JSON). */
  static SignalScan of(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Object id = null;
      String target = null;
      String fingerprint = null;
      String type = null;
      int start = 0;
      int end = 0;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "command" -> {
            return null;
          }
          case "id" -> {
            if (value == JsonToken.VALUE_STRING) {
              id = p.getText();
            } else if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
              id = p.getNumberValue();
            } else {
              return null;
            }
          }
          case "target" -> {
            if (value != JsonToken.VALUE_STRING) {
              return null;
            }
            target = p.getText();
          }
          case "fingerprint" -> {
            if (value == JsonToken.VALUE_NULL) {
              fingerprint = null;
            } else if (value == JsonToken.VALUE_STRING) {
              fingerprint = p.getText();
            } else {
              return null;
            }
          }
          case "offer", "answer", "candidate" -> {
            if (type != null && !type.equals(name)) {
              return null; // more than one kind: the full parse says so
            }
            type = name;
            start = (int) p.currentTokenLocation().getCharOffset();
            if (value == JsonToken.VALUE_STRING) {
              p.finishToken(); // a string's end is known once it is read
            } else {
              p.skipChildren();
            }
            end = (int) p.currentLocation().getCharOffset();
          }
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || type == null || target == null
          || target.isEmpty()) {
        return null;
      }
      return new SignalScan(id, target, fingerprint, type, text, start, end);
    } catch (IOException | RuntimeException e) {
      return null; // not JSON, or not of this shape: the full parse tells which
    }
  }
}
