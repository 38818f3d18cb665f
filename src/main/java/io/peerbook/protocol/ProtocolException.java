package io.peerbook.protocol;

/** A failure with a protocol code, thrown while validating input and turned into {@code {"code","text"}} or a ReplyException. */
public final class ProtocolException extends RuntimeException {
  private final int code;

  public ProtocolException(int code, String text) {
    super(text, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static ProtocolException badRequest(String text) {
    return new ProtocolException(Codes.BAD_REQUEST, text);
  }
}
