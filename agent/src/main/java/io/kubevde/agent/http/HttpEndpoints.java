package io.kubevde.agent.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoints (k8s-conventions.md §8), JDK {@code HttpServer} on virtual threads:
 * {@code /healthz} (liveness: 200 "ok" while the process serves), {@code /readyz} (200 when every
 * check passes, else 503 listing the failing ones; {@code ?verbose} lists all) on the health port;
 * {@code /metrics} (Prometheus text 0.0.4) on the metrics port. The two may be the same port.
 */
public final class HttpEndpoints implements AutoCloseable {
  /** A named readiness check. */
  public record Check(String name, BooleanSupplier ok) {}

  private final HttpServer health;
  private final HttpServer metrics;

  /**
   * Starts the servers (port 0 = ephemeral, -1 = that server off).
   *
   * @throws IOException when a port cannot be bound
   */
  public HttpEndpoints(int healthPort, int metricsPort, List<Check> checks, Supplier<String> scrape)
      throws IOException {
    health = healthPort < 0 ? null : server(healthPort);
    metrics =
        metricsPort < 0
            ? null
            : (metricsPort == healthPort && health != null ? health : server(metricsPort));
    if (health != null) {
      health.createContext("/healthz", ex -> send(ex, 200, "text/plain", "ok\n"));
      health.createContext("/livez", ex -> send(ex, 200, "text/plain", "ok\n"));
      health.createContext(
          "/readyz",
          ex -> {
            StringBuilder sb = new StringBuilder();
            boolean all = true;
            boolean verbose =
                ex.getRequestURI().getQuery() != null
                    && ex.getRequestURI().getQuery().contains("verbose");
            for (Check c : checks) {
              boolean ok;
              try {
                ok = c.ok().getAsBoolean();
              } catch (RuntimeException e) {
                ok = false;
              }
              all &= ok;
              if (verbose || !ok)
                sb.append('[')
                    .append(ok ? "+" : "-")
                    .append(']')
                    .append(c.name())
                    .append(ok ? " ok" : " failed")
                    .append('\n');
            }
            sb.append(all ? "ok\n" : "not ready\n");
            send(ex, all ? 200 : 503, "text/plain", sb.toString());
          });
    }
    if (metrics != null) {
      metrics.createContext(
          "/metrics",
          ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", scrape.get()));
    }
    if (health != null) health.start();
    if (metrics != null && metrics != health) metrics.start();
  }

  private static HttpServer server(int port) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(port), 16);
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    return s;
  }

  private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
    ex.close();
  }

  /** The bound health port, or -1. */
  public int healthPort() {
    return health == null ? -1 : health.getAddress().getPort();
  }

  /** The bound metrics port, or -1. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.getAddress().getPort();
  }

  @Override
  public void close() {
    if (health != null) health.stop(0);
    if (metrics != null && metrics != health) metrics.stop(0);
  }
}
