package io.kubevde.agent.metrics;

import io.kubevde.agent.attach.SwitchingAttachmentHandler;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.LinkManager;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.netnode.DropReason;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.plugin.seal.Verdict;
import io.kubevde.vdeplug.plugin.vxvde.VxvdeStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's Prometheus metrics (k8s-conventions.md §8), one Micrometer registry:
 *
 * <ul>
 *   <li>{@code vde_port_{receive,transmit}_{bytes,packets}_total}, {@code
 *       vde_port_{receive,transmit}_drop_total} {@code {network, node, port_kind}} — sums over the
 *       switch's ports of that kind ({@code uplink}, {@code pod}, {@code link}, {@code client});
 *       "receive" = frames the switch received from the port;
 *   <li>{@code vde_switch_drop_total} {@code {network, node, port_kind, reason}} — frames the
 *       switch dropped on entry by the ports' ingress policing ({@code policed-frames}, {@code
 *       policed-bytes}) and storm control ({@code storm-broadcast}, {@code storm-multicast}, {@code
 *       storm-unknown-unicast}); not in the port's receive counters;
 *   <li>{@code vde_switch_vlan_drop_total} {@code {network, node}} — frames from pods with VLAN
 *       ports (access, trunk) dropped on entry because of their tag (a VID the port does not
 *       carry);
 *   <li>{@code vde_switch_mac_moves_total}, {@code vde_stp_blocked_drop_total{direction=in|out}},
 *       {@code vde_vxvde_self_echo_total} (counters);
 *   <li>{@code vde_stp_blocked_ports}, {@code vde_stp_root} (gauges), {@code
 *       vde_stp_topology_changes_total}, {@code vde_stp_bpdu_drop_total{reason=edge|malformed}}
 *       {@code {network, node}} — the switch's spanning tree (loop protection);
 *   <li>{@code vde_switch_ports}, {@code vde_switch_mac_entries}, {@code vde_vxvde_peers} {@code
 *       {network, node}};
 *   <li>{@code vde_vxvde_drop_total} {@code {network, node, reason}} — datagrams the vxvde uplink
 *       refused ({@code not-a-peer}, {@code sender-not-allowed}, {@code bad-header}, {@code
 *       wrong-vni}, {@code bad-length});
 *   <li>{@code vde_seal_drop_total} {@code {network, node, reason}} — frames a sealed uplink
 *       refused ({@code malformed}: plain or forged, {@code unknown_key}, {@code bad_tag}, {@code
 *       replay}; 0 for unsealed networks; restarts with the uplink);
 *   <li>{@code vde_link_up} {@code {namespace, link, path, node}} (0/1);
 *   <li>{@code vde_cni_requests_total{command, result}}, {@code vde_cni_request_duration_seconds}
 *       (histogram, {@code command});
 *   <li>{@code vde_attachments_unattached{node}} (gauge: attachments kept across a restart whose
 *       tap is not on its switch, retried with backoff), {@code
 *       vde_attachment_reattach_failures_total{node}} (failed re-attach attempts) — see {@link
 *       #attachments};
 *   <li>{@code vde_build_info{version}} = 1;
 *   <li>the JVM and process meters of Micrometer's binders ({@code jvm_memory_*}, {@code jvm_gc_*},
 *       {@code jvm_threads_*}, {@code process_cpu_usage}, {@code process_files_open_files}, {@code
 *       process_uptime_seconds}, …).
 * </ul>
 *
 * Per-network meters are registered when a network appears and removed when it goes ({@link
 * #sync}). A port kind's counters sum the live ports plus the totals of ports that left, so they
 * never go down while the network runs.
 */
public final class AgentMetrics {
  private static final List<String> KINDS = List.of("uplink", "pod", "link", "gateway", "client");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String node;
  private final DataPlane dataPlane;
  private final LinkManager links;
  private final Map<String, List<Meter>> perNetwork = new HashMap<>();
  private final Map<String, List<Meter>> perPath = new HashMap<>();

  /** Strong references: Micrometer function meters hold their state object weakly. */
  private final Map<String, PortTotals> totalsByNetwork = new HashMap<>();

  /**
   * @param node this node (label)
   * @param version agent version ({@code vde_build_info})
   * @param dataPlane the switches
   * @param links the links, or null
   */
  public AgentMetrics(String node, String version, DataPlane dataPlane, LinkManager links) {
    this.node = node;
    this.dataPlane = dataPlane;
    this.links = links;
    Gauge.builder("vde.build.info", () -> 1)
        .tags("version", version)
        .description("agent build")
        .register(registry);
    // JVM and process: memory, GC, threads, classes, CPU, uptime, open file descriptors (jvm_*,
    // process_*)
    for (MeterBinder b :
        List.of(
            new JvmMemoryMetrics(),
            new JvmGcMetrics(),
            new JvmThreadMetrics(),
            new ClassLoaderMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics(),
            new FileDescriptorMetrics())) {
      b.bindTo(registry);
    }
  }

  /**
   * Registers the re-attach meters of {@code handler}: the gauge {@code vde_attachments_unattached}
   * and the counter {@code vde_attachment_reattach_failures_total}.
   */
  public void attachments(SwitchingAttachmentHandler handler) {
    Gauge.builder("vde.attachments.unattached", handler, h -> h.unattached().size())
        .tags("node", node)
        .description(
            "attachments whose tap could not be (re-)attached to its switch; retried with backoff")
        .register(registry);
    FunctionCounter.builder(
            "vde.attachment.reattach.failures",
            handler,
            SwitchingAttachmentHandler::reattachFailures)
        .tags("node", node)
        .description("re-attach attempts of kept attachments that failed")
        .register(registry);
  }

  /** The registry. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    sync();
    return registry.scrape();
  }

  /** Records one CNI request: {@code command} (ADD, DEL, …), {@code ok}, duration in ns. */
  public void cniRequest(String command, boolean ok, long nanos) {
    Counter.builder("vde.cni.requests")
        .tags("command", command, "result", ok ? "success" : "error")
        .description("CNI requests served")
        .register(registry)
        .increment();
    Timer.builder("vde.cni.request.duration")
        .tags("command", command)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .description("CNI request latency in the agent")
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /** Registers meters of new networks and link paths, removes those of gone ones. */
  public synchronized void sync() {
    Map<String, NetworkSwitch> now = new HashMap<>();
    for (NetworkSwitch sw : dataPlane.networks()) now.put(sw.config().key(), sw);
    for (String key : new ArrayList<>(perNetwork.keySet())) {
      PortTotals t = totalsByNetwork.get(key);
      if (!now.containsKey(key)
          || (t != null && t.sw != now.get(key))) { // gone, or recreated (hub/switch)
        perNetwork.remove(key).forEach(registry::remove);
        totalsByNetwork.remove(key);
      }
    }
    for (var e : now.entrySet()) {
      if (perNetwork.containsKey(e.getKey())) continue;
      perNetwork.put(e.getKey(), register(e.getKey(), e.getValue()));
    }
    if (links == null) return;
    Map<String, LinkManager.PathState> paths = new HashMap<>();
    for (LinkManager.PathState p : links.status())
      paths.put(p.namespace() + "/" + p.link() + "/" + p.path(), p);
    for (String key : new ArrayList<>(perPath.keySet())) {
      if (!paths.containsKey(key)) perPath.remove(key).forEach(registry::remove);
    }
    for (var e : paths.entrySet()) {
      if (perPath.containsKey(e.getKey())) continue;
      LinkManager.PathState p = e.getValue();
      String k = e.getKey();
      perPath.put(
          k,
          List.of(
              Gauge.builder("vde.link.up", () -> linkUp(k))
                  .tags(
                      "namespace", p.namespace(), "link", p.link(), "path", p.path(), "node", node)
                  .description("1 when the link path is up")
                  .register(registry)));
    }
  }

  private double linkUp(String key) {
    for (LinkManager.PathState p : links.status()) {
      if ((p.namespace() + "/" + p.link() + "/" + p.path()).equals(key)) return p.up() ? 1 : 0;
    }
    return 0;
  }

  private List<Meter> register(String key, NetworkSwitch sw) {
    List<Meter> out = new ArrayList<>();
    Tags base = Tags.of("network", key, "node", node);
    PortTotals totals = new PortTotals(sw);
    totalsByNetwork.put(key, totals);
    for (String kind : KINDS) {
      Tags t = base.and("port_kind", kind);
      out.add(counter("vde.port.receive.bytes", t, totals, kind, 0, "bytes received from ports"));
      out.add(counter("vde.port.transmit.bytes", t, totals, kind, 1, "bytes sent to ports"));
      out.add(
          counter("vde.port.receive.packets", t, totals, kind, 2, "frames received from ports"));
      out.add(counter("vde.port.transmit.packets", t, totals, kind, 3, "frames sent to ports"));
      out.add(
          counter(
              "vde.port.receive.drop", t, totals, kind, 4, "received frames dropped (malformed)"));
      out.add(
          counter("vde.port.transmit.drop", t, totals, kind, 5, "frames not delivered to a port"));
      out.add(
          counter(
              "vde.port.plug.drop",
              t,
              totals,
              kind,
              PortTotals.PLUG_DROP,
              "frames the port's plug dropped itself (a tap write the kernel refused, a frame it"
                  + " could not take)"));
    }
    for (String kind : KINDS) {
      for (DropReason r : DropReason.values()) {
        out.add(
            counter(
                "vde.switch.drop",
                base.and("port_kind", kind, "reason", r.label()),
                totals,
                kind,
                PortTotals.STATS_FIELDS + r.ordinal(),
                "frames dropped on entry by the ports' ingress policing and storm control"));
      }
    }
    out.add(
        FunctionCounter.builder("vde.switch.vlan.drop", sw, NetworkSwitch::vlanDrops)
            .tags(base)
            .description(
                "frames from pods dropped on entry: tagged with a VID their access or trunk port"
                    + " does not carry")
            .register(registry));
    out.add(
        Gauge.builder("vde.switch.ports", sw, s -> s.node().ports().size())
            .tags(base)
            .description("ports on the network switch")
            .register(registry));
    out.add(
        Gauge.builder("vde.vxvde.peers", sw, AgentMetrics::peers)
            .tags(base)
            .description("vxvde-unicast peers of the uplink (0 for multicast or no uplink)")
            .register(registry));
    out.add(
        Gauge.builder("vde.switch.mac.entries", sw, s -> s.node().macTableSize())
            .tags(base)
            .description("MAC table size of the network switch")
            .register(registry));
    out.add(
        FunctionCounter.builder("vde.switch.mac.moves", sw, s -> s.node().macMoves())
            .tags(base)
            .description(
                "learned MACs seen on another port (a moved host, a loop or a forged source MAC)")
            .register(registry));
    out.add(
        FunctionCounter.builder("vde.stp.blocked.drop", sw, s -> s.loopStatus().blockedIn())
            .tags(base.and("direction", "in"))
            .description("data frames dropped because the spanning tree blocked their port")
            .register(registry));
    out.add(
        FunctionCounter.builder("vde.stp.blocked.drop", sw, s -> s.loopStatus().blockedOut())
            .tags(base.and("direction", "out"))
            .description("data frames dropped because the spanning tree blocked their port")
            .register(registry));
    out.add(
        FunctionCounter.builder(
                "vde.vxvde.self.echo",
                sw,
                s -> s.vxvdeStats() == null ? 0 : s.vxvdeStats().selfEcho())
            .tags(base)
            .description("the uplink's own multicast datagrams looped back and ignored")
            .register(registry));
    out.add(
        Gauge.builder("vde.stp.blocked.ports", sw, s -> s.loopStatus().blockedPorts())
            .tags(base)
            .description("spanning tree: ports of the switch that do not forward (loop guard)")
            .register(registry));
    out.add(
        Gauge.builder(
                "vde.stp.root",
                sw,
                s -> s.loopStatus().rootId() == s.loopStatus().bridgeId() ? 1 : 0)
            .tags(base)
            .description("1 when this switch is the root of the network's spanning tree")
            .register(registry));
    out.add(
        FunctionCounter.builder(
                "vde.stp.topology.changes", sw, s -> s.loopStatus().topologyChanges())
            .tags(base)
            .description("spanning tree topology changes seen (each flushes learned MACs)")
            .register(registry));
    out.add(
        FunctionCounter.builder("vde.stp.bpdu.drop", sw, s -> s.loopStatus().bpduOnEdge())
            .tags(base.and("reason", "edge"))
            .description("BPDUs dropped: from an edge port (pod) or malformed")
            .register(registry));
    out.add(
        FunctionCounter.builder("vde.stp.bpdu.drop", sw, s -> s.loopStatus().malformedBpdus())
            .tags(base.and("reason", "malformed"))
            .description("BPDUs dropped: from an edge port (pod) or malformed")
            .register(registry));
    for (String reason :
        List.of(
            VxvdeStats.NOT_A_PEER,
            VxvdeStats.SENDER_NOT_ALLOWED,
            VxvdeStats.BAD_HEADER,
            VxvdeStats.WRONG_VNI,
            VxvdeStats.BAD_LENGTH)) {
      out.add(
          FunctionCounter.builder(
                  "vde.vxvde.drop",
                  sw,
                  s -> s.vxvdeStats() == null ? 0 : s.vxvdeStats().dropsByReason().get(reason))
              .tags(base.and("reason", reason))
              .description("datagrams the vxvde uplink refused, by reason")
              .register(registry));
    }
    for (Verdict v : Verdict.values()) {
      if (v == Verdict.OPENED) continue;
      out.add(
          FunctionCounter.builder(
                  "vde.seal.drop", sw, s -> s.sealStats() == null ? 0 : s.sealStats().of(v))
              .tags(base.and("reason", v.name().toLowerCase(java.util.Locale.ROOT)))
              .description("frames the sealed uplink refused, by reason")
              .register(registry));
    }
    return out;
  }

  static double peers(NetworkSwitch sw) {
    String vnl = sw.uplinkVnl();
    if (vnl == null) return 0;
    int i = vnl.indexOf("/peers=");
    if (i < 0) return 0;
    String list = vnl.substring(i + 7);
    int end = list.indexOf('/');
    if (end >= 0) list = list.substring(0, end);
    return list.isEmpty() ? 0 : list.split(",").length;
  }

  private FunctionCounter counter(
      String name, Tags tags, PortTotals totals, String kind, int field, String help) {
    return FunctionCounter.builder(name, totals, t -> t.sum(kind, field))
        .tags(tags)
        .description(help)
        .register(registry);
  }

  /** Live ports' counters plus the last seen counters of ports that left (kept monotonic). */
  private static final class PortTotals {
    static final int STATS_FIELDS = 6;
    static final int PLUG_DROP = STATS_FIELDS + DropReason.values().length;
    static final int FIELDS = PLUG_DROP + 1;
    private final NetworkSwitch sw;
    private final Map<Integer, Netnode.PortInfo> seen = new HashMap<>();
    private final Map<Integer, String> kinds = new HashMap<>();
    private final Map<String, long[]> gone = new HashMap<>();

    PortTotals(NetworkSwitch sw) {
      this.sw = sw;
    }

    static long field(Netnode.PortInfo p, int i) {
      if (i == PLUG_DROP) return p.plugStats() == null ? 0 : p.plugStats().droppedCount();
      if (i >= STATS_FIELDS) return p.policer().dropped(DropReason.values()[i - STATS_FIELDS]);
      PlugStats s = p.stats();
      return switch (i) {
        case 0 -> s.rxBytes();
        case 1 -> s.txBytes();
        case 2 -> s.rxFrames();
        case 3 -> s.txFrames();
        case 4 -> s.malformedCount();
        default -> s.droppedCount();
      };
    }

    synchronized double sum(String kind, int field) {
      Map<Integer, PlugStats> live = new HashMap<>();
      for (Netnode.PortInfo p : sw.node().ports()) {
        live.put(p.id(), p.stats());
        Netnode.PortInfo before = seen.get(p.id());
        if (before == null || before.stats() != p.stats()) {
          retire(p.id());
          seen.put(p.id(), p);
          kinds.put(p.id(), sw.portKind(p));
        }
      }
      for (Integer id : new ArrayList<>(seen.keySet())) if (!live.containsKey(id)) retire(id);
      long total = 0;
      for (var e : seen.entrySet())
        if (kind.equals(kinds.get(e.getKey()))) total += field(e.getValue(), field);
      long[] g = gone.get(kind);
      if (g != null) total += g[field];
      return total;
    }

    private void retire(int id) {
      Netnode.PortInfo s = seen.remove(id);
      String k = kinds.remove(id);
      if (s == null || k == null) return;
      long[] g = gone.computeIfAbsent(k, x -> new long[FIELDS]);
      for (int i = 0; i < FIELDS; i++) g[i] += field(s, i);
    }
  }
}
