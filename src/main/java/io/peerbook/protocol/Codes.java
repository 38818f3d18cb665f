package io.peerbook.protocol;

/** The protocol's status and error codes, and the WebSocket close codes. */
public final class Codes {
  public static final int OK = 200;
  public static final int CREATED = 201;
  public static final int BAD_REQUEST = 400;
  public static final int UNAUTHORIZED = 401;
  public static final int FORBIDDEN = 403;
  public static final int NOT_FOUND = 404;
  public static final int CONFLICT = 409;
  public static final int GONE = 410;
  public static final int TOO_LARGE = 413;
  public static final int TOO_MANY = 429;
  public static final int OFFLINE = 480;
  public static final int UNAVAILABLE = 503;

  public static final short CLOSE_SHUTDOWN = 1001;
  public static final short CLOSE_ABUSE = 1008;
  public static final short CLOSE_TOO_LARGE = 1009;
  public static final short CLOSE_TRY_LATER = 1013;
  public static final short CLOSE_REVOKED = 4401;
  public static final short CLOSE_REJECTED = 4403;
  public static final short CLOSE_PING_TIMEOUT = 4408;
  public static final short CLOSE_REPLACED = 4409;

  private Codes() {
  }
}
