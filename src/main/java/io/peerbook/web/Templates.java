package io.peerbook.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;

import java.util.Map;

/**
 * Renders jte templates that the build compiled into classes of one package (see the jte plugin in pom.xml). Html
 * templates escape every value for where it lands, so no page or mail puts text into HTML by hand.
 */
public final class Templates {
  private final TemplateEngine engine;

  private Templates(ContentType type, Class<?> owner) {
    // jte finds the compiled templates through the context class loader of the thread that creates the engine:
    // pin it to the one that loaded the owner, whatever thread gets here first.
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    thread.setContextClassLoader(owner.getClassLoader());
    try {
      engine = TemplateEngine.createPrecompiled(null, type, owner.getClassLoader(), owner.getPackageName());
    } finally {
      thread.setContextClassLoader(before);
    }
  }

  /** The Html templates compiled into the package of {@code owner}. */
  public static Templates html(Class<?> owner) {
    return new Templates(ContentType.Html, owner);
  }

  /** The plain-text templates compiled into the package of {@code owner} (nothing is escaped). */
  public static Templates plain(Class<?> owner) {
    return new Templates(ContentType.Plain, owner);
  }

  /** Renders a template whose one parameter is {@code model}. */
  public String render(String template, Object model) {
    StringOutput out = new StringOutput();
    engine.render(template, model, out);
    return out.toString();
  }

  /** Renders a template without parameters. */
  public String render(String template) {
    StringOutput out = new StringOutput();
    engine.render(template, Map.of(), out);
    return out.toString();
  }
}
