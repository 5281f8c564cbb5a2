package io.kubevde.vdeplug.netnode.stp;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bench of {@link SpanningTree} bridges joined by simulated point-to-point links, on a simulated
 * ms clock. BPDUs go through the real wire encoding and take {@code latency} ms per hop. Pure
 * logic, deterministic.
 */
final class StpLab {
  final long latency;
  final List<Bridge> bridges = new ArrayList<>();
  final Map<String, String> links = new HashMap<>(); // "b:p" -> "b:p", both ways
  final Set<String> silenced = new HashSet<>();
  final ArrayDeque<Msg> wire = new ArrayDeque<>();
  long now;

  record Msg(long at, int bridge, int port, ByteBuffer frame) {}

  final class Bridge implements SpanningTree.Actions {
    final int index;
    final SpanningTree tree;
    final Set<Integer> forwarding = new HashSet<>();
    final List<Integer> flushed = new ArrayList<>();
    final List<Bpdu> sent = new ArrayList<>();

    Bridge(int index, long id) {
      this.index = index;
      this.tree = new SpanningTree(id, StpTimers.DEFAULT, this);
    }

    @Override
    public void send(int port, Bpdu bpdu) {
      sent.add(bpdu);
      String peer = links.get(index + ":" + port);
      if (peer == null || silenced.contains(index + ":" + port)) return;
      String[] bp = peer.split(":");
      ByteBuffer f = ByteBuffer.allocate(64);
      bpdu.encode(0x00FF_0000_0000L | index, f);
      wire.add(new Msg(now + latency, Integer.parseInt(bp[0]), Integer.parseInt(bp[1]), f));
    }

    @Override
    public void forwarding(int port, boolean on) {
      if (on) forwarding.add(port);
      else forwarding.remove(port);
    }

    @Override
    public void flush(int port) {
      flushed.add(port);
    }
  }

  StpLab(long latency) {
    this.latency = latency;
  }

  Bridge bridge(int priority, long mac) {
    Bridge b = new Bridge(bridges.size(), SpanningTree.bridgeId(priority, mac));
    bridges.add(b);
    return b;
  }

  /** Joins bridge a's port pa and bridge b's port pb (ports are added to the trees now). */
  void link(Bridge a, int pa, Bridge b, int pb) {
    links.put(a.index + ":" + pa, b.index + ":" + pb);
    links.put(b.index + ":" + pb, a.index + ":" + pa);
    if (!a.tree.hasPort(pa)) a.tree.addPort(pa, false, now);
    if (!b.tree.hasPort(pb)) b.tree.addPort(pb, false, now);
  }

  /** Cuts a link: both ends see their port go away (a closed cable). */
  void cut(Bridge a, int pa) {
    String peer = links.remove(a.index + ":" + pa);
    links.remove(peer);
    a.tree.removePort(pa, now);
    String[] bp = peer.split(":");
    bridges.get(Integer.parseInt(bp[0])).tree.removePort(Integer.parseInt(bp[1]), now);
  }

  /** Runs the clock for {@code ms}, ticking every 10 ms and delivering BPDUs on time. */
  void run(long ms) {
    long end = now + ms;
    while (now < end) {
      now++;
      while (!wire.isEmpty() && wire.peek().at() <= now) {
        Msg m = wire.poll();
        Bpdu.decode(m.frame())
            .ifPresent(b -> bridges.get(m.bridge()).tree.receive(m.port(), b, now));
      }
      if (now % 10 == 0) for (Bridge b : bridges) b.tree.tick(now);
    }
  }

  /** Whether data can go from a to b over links whose both ends forward. */
  boolean dataPath(Bridge from, Bridge to) {
    Set<Integer> seen = new HashSet<>();
    ArrayDeque<Integer> todo = new ArrayDeque<>();
    todo.add(from.index);
    seen.add(from.index);
    while (!todo.isEmpty()) {
      int b = todo.poll();
      for (var e : links.entrySet()) {
        String[] x = e.getKey().split(":");
        String[] y = e.getValue().split(":");
        if (Integer.parseInt(x[0]) != b) continue;
        int yb = Integer.parseInt(y[0]);
        if (bridges.get(b).forwarding.contains(Integer.parseInt(x[1]))
            && bridges.get(yb).forwarding.contains(Integer.parseInt(y[1]))
            && seen.add(yb)) todo.add(yb);
      }
    }
    return seen.contains(to.index);
  }

  /** Links (counted once) whose both ends forward. */
  int forwardingLinks() {
    int n = 0;
    for (var e : links.entrySet()) {
      String[] x = e.getKey().split(":");
      String[] y = e.getValue().split(":");
      if (bridges.get(Integer.parseInt(x[0])).forwarding.contains(Integer.parseInt(x[1]))
          && bridges.get(Integer.parseInt(y[0])).forwarding.contains(Integer.parseInt(y[1]))) n++;
    }
    return n / 2;
  }

  /** Runs until every bridge reaches every other, at most {@code maxMs}; returns the ms taken. */
  long untilConnected(long maxMs) {
    long start = now;
    while (now - start < maxMs) {
      boolean all = true;
      for (Bridge a : bridges) for (Bridge b : bridges) all &= dataPath(a, b);
      if (all) return now - start;
      run(1);
    }
    return -1;
  }
}
