package io.peerbook.web;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The management view (manage.jte): what waits for a decision first, then the approved devices, each as a card with
 * its facts and its buttons; and the confirmation page before a Remove (confirm-remove.jte). Buttons carry exactly
 * the contract's words (Approve, Reject, Remove, Rename): the card's heading says which device they act on.
 */
final class ManageView {
  /** A message shown once after a change: a notice ({@code role=status}) or an error ({@code role=alert}). */
  record Flash(String text, boolean error) {
  }

  /** {@code session} is how long the session lasts, in words. */
  record Page(String email, String session, Flash flash, List<Device> pending, List<Device> approved, String csrf) {
  }

  record ConfirmRemove(Device device, String csrf) {
  }

  private ManageView() {
  }

  static String page(String email, JsonObject book, String csrf, Flash flash, int sessionTtl) {
    return Pages.TEMPLATES.render("manage.jte", new Page(email, Pages.duration(sessionTtl), flash,
        Device.all(book.getJsonArray("pending")), Device.all(book.getJsonArray("approved")), csrf));
  }

  /** The step before a Remove: what goes, what happens to it, and the Remove that does it. */
  static String confirmRemove(JsonObject peer, String csrf) {
    return Pages.TEMPLATES.render("confirm-remove.jte", new ConfirmRemove(Device.of(peer), csrf));
  }
}
