package io.kubevde.operator.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code /healthz} (liveness: the process answers), {@code /readyz} (readiness: controllers started
 * and every event source healthy, k8s-conventions.md §8) and {@code /metrics} (Prometheus text
 * format) on one port, JDK HttpServer.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;
  private final java.util.function.BooleanSupplier ready;
  private final PrometheusMeterRegistry registry;

  /**
   * @param port TCP port on all addresses (0 = any free port)
   * @param ready true when controllers are started and every event source is healthy
   * @param registry meters to publish
   * @throws UncheckedIOException if the port cannot be bound
   */
  public HealthServer(
      int port, java.util.function.BooleanSupplier ready, PrometheusMeterRegistry registry) {
    this.ready = ready;
    this.registry = registry;
    try {
      server = HttpServer.create(new InetSocketAddress(port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port, e);
    }
    server.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "health-http");
              t.setDaemon(true);
              return t;
            }));
    server.createContext("/healthz", ex -> reply(ex, 200, "ok\n", "text/plain"));
    server.createContext(
        "/readyz",
        ex -> {
          boolean ok = ready.getAsBoolean();
          reply(ex, ok ? 200 : 503, ok ? "ok\n" : "not ready\n", "text/plain");
        });
    server.createContext(
        "/metrics",
        ex -> reply(ex, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
  }

  /** Starts serving. */
  public void start() {
    server.start();
  }

  /**
   * @return the bound port
   */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int code, String body, String type)
      throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
