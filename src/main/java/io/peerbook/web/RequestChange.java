package io.peerbook.web;

import io.vertx.core.json.JsonObject;

/**
 * What a pending request would change about the user's devices, in the words the page and the mail both use: a new
 * device, a new fingerprint for an approved name, a device key that differs from the approved one (another key, or
 * none), or a key for a device approved without one. Each change but a new device has its own tag, its own look
 * ({@link #tone()}) and a paragraph that says what approving does (contract: "Device keys: proof of possession").
 */
public enum RequestChange {
  NEW(null, null), FINGERPRINT("New fingerprint", "warn"), KEY("Key differs", "danger"),
  ADDS_KEY("Adds a device key", "info");

  private final String tag;
  private final String tone;

  RequestChange(String tag, String tone) {
    this.tag = tag;
    this.tone = tone;
  }

  /** The directory's {@code change}; a request recorded before device keys has none and is new or a fingerprint. */
  public static RequestChange of(JsonObject request) {
    String change = request.getString("change");
    if (change == null) {
      return request.getString("replaces") == null ? NEW : FINGERPRINT;
    }
    return switch (change) {
      case "fingerprint" -> FINGERPRINT;
      case "key" -> KEY;
      case "adds_key" -> ADDS_KEY;
      default -> NEW;
    };
  }

  /** The short mark on the request ("Key differs"), or null for a new device. */
  public String tag() {
    return tag;
  }

  /** The look of the mark and its paragraph: warn, danger or info (classes of page.css); null for a new device. */
  public String tone() {
    return tone;
  }

  /**
   * What approving the request of device {@code name} does, in plain words, given the request's key id and the
   * approved one it would replace (each null when there is none); null for a new device.
   */
  public String warning(String name, String keyId, String replacesKeyId) {
    String approvedKey = replacesKeyId == null ? "a device key" : "device key " + replacesKeyId;
    return switch (this) {
      case NEW -> null;
      case FINGERPRINT -> name + " is approved with another fingerprint. Approving this request replaces it, and the "
          + "device still using the old one is disconnected." + (replacesKeyId == null ? ""
          : keyId == null ? " " + name + " was approved with " + approvedKey + " and this request has no key: approving "
              + "it lets a connection without the device's key act as " + name + "."
          : " It also replaces " + approvedKey + " with key " + keyId + ".");
      case KEY -> keyId == null
          ? name + " is approved with " + approvedKey + ", and this request has no key. This is what someone who knows "
              + "only " + name + "'s fingerprint, which is not secret, would send: approving it lets a connection without "
              + "the device's key act as " + name + ", and disconnects the device. Reject it unless you set " + name
              + " up again without its key yourself."
          : name + " is approved with " + approvedKey + ", and this request has another key, " + keyId + ", with the "
              + "same fingerprint. Anyone who knows the fingerprint, which is not secret, can make a key and ask like "
              + "this. Approve only if " + name + " itself shows key id " + keyId + ": approving replaces the key, and "
              + "the device still using the old one is disconnected.";
      case ADDS_KEY -> name + " is approved without a device key, and this request, with the same fingerprint, adds key "
          + keyId + ". Anyone who knows the fingerprint, which is not secret, can make a key and ask like this: approve "
          + "only if " + name + " itself shows key id " + keyId + ". Approving binds the key: from then on a connection "
          + "is " + name + " only if it proves that key, and " + name + "'s connection without it is disconnected. Until "
          + "you decide, " + name + " keeps connecting without a key.";
    };
  }
}
