package io.kubevde.agent.metrics;

import io.kubevde.agent.attach.AttachmentHandler;
import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.NetConf;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An {@link AttachmentHandler} that records every call in {@link AgentMetrics#cniRequest} (count,
 * result, latency).
 */
public final class MeteredHandler implements AttachmentHandler {
  private final AttachmentHandler delegate;
  private final AgentMetrics metrics;

  /** Wraps {@code delegate}. */
  public MeteredHandler(AttachmentHandler delegate, AgentMetrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  private <T> T timed(String command, Supplier<T> call) {
    long t0 = System.nanoTime();
    boolean ok = false;
    try {
      T r = call.get();
      ok = true;
      return r;
    } finally {
      metrics.cniRequest(command, ok, System.nanoTime() - t0);
    }
  }

  @Override
  public Map<String, Object> add(AttachRequest req) {
    return timed("ADD", () -> delegate.add(req));
  }

  @Override
  public void del(AttachRequest req) {
    timed(
        "DEL",
        () -> {
          delegate.del(req);
          return null;
        });
  }

  @Override
  public void check(AttachRequest req) {
    timed(
        "CHECK",
        () -> {
          delegate.check(req);
          return null;
        });
  }

  @Override
  public void status(NetConf conf) {
    timed(
        "STATUS",
        () -> {
          delegate.status(conf);
          return null;
        });
  }

  @Override
  public void gc(NetConf conf, Set<AttachmentKey.Id> valid) {
    timed(
        "GC",
        () -> {
          delegate.gc(conf, valid);
          return null;
        });
  }
}
