package io.kubevde.agent.dataplane;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import io.kubevde.vdeplug.plugin.seal.SealPlug;
import io.kubevde.vdeplug.plugin.seal.SealStats;
import io.kubevde.vdeplug.plugin.vxvde.VxvdePlug;
import io.kubevde.vdeplug.plugin.vxvde.VxvdeStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One network on this node (architecture.md §6): a switch netnode ({@code hub} when the network
 * says so) serving the rendezvous directory {@code <run-dir>/net/<ns>/<name>} (so {@code vde_plug
 * vde://DIR tap://x} or qemu join the L2), with ports for the uplink (a vxvde plug; none for {@code
 * local}), one per pod tap and one per VdeLink. Every port has ingress policing and storm control
 * ({@link SwitchLimits}); their drops are counted per port ({@link
 * io.kubevde.vdeplug.netnode.PortPolicer}). Thread-safe.
 */
public final class NetworkSwitch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkSwitch.class);

  private final Netnode node;
  private final SwitchLimits limits;
  private volatile AgentNetworkConfig config;
  private volatile boolean fromOperator;
  private volatile String uplinkVnl;
  private volatile int uplinkPort = -1;
  private volatile SealPlug uplinkSeal;
  private volatile VxvdePlug uplinkVxvde;
  private volatile Plug uplinkPlug;
  private volatile String wantedUplink;
  private volatile String uplinkError;
  private final Map<AttachmentKey, Integer> taps = new ConcurrentHashMap<>();
  private final Map<AttachmentKey, VlanEdge> vlanPorts = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.LongAdder vlanDropsGone =
      new java.util.concurrent.atomic.LongAdder();
  private volatile InheritedFds inherited = InheritedFds.NONE;

  private NetworkSwitch(
      Netnode node, SwitchLimits limits, AgentNetworkConfig config, boolean fromOperator) {
    this.node = node;
    this.limits = limits;
    this.config = config;
    this.fromOperator = fromOperator;
  }

  /**
   * Starts the switch and its uplink. An uplink that cannot be opened (no multicast route, address
   * not there yet) is logged and retried by {@link #retryUplink} (every heartbeat); the switch is
   * not {@link #ready} meanwhile but serves its pods and rendezvous.
   *
   * @param config the network (the operator's, or {@link AgentNetworkConfig#local} made on demand)
   * @param fromOperator true when {@code config} came from the operator (a ConfigMap or its cached
   *     copy)
   * @param directory the rendezvous directory (its parent is created)
   * @param uplink the uplink VNL, or null for none
   * @throws IOException when the rendezvous cannot be served
   */
  public static NetworkSwitch open(
      AgentNetworkConfig config, boolean fromOperator, Path directory, String uplink)
      throws IOException {
    return open(config, fromOperator, directory, uplink, SwitchLimits.DEFAULT);
  }

  /**
   * As {@link #open(AgentNetworkConfig, boolean, Path, String)}, with the ports' ingress policing
   * and storm control: {@code limits.ports()} for pods, links and {@code vde://} clients, {@code
   * limits.uplink()} for the uplink.
   *
   * @throws IOException when the rendezvous cannot be served
   */
  public static NetworkSwitch open(
      AgentNetworkConfig config,
      boolean fromOperator,
      Path directory,
      String uplink,
      SwitchLimits limits)
      throws IOException {
    return open(
        config,
        fromOperator,
        directory,
        uplink,
        limits,
        InheritedFds.NONE,
        NetnodeConfig.DEFAULT_MODE);
  }

  /**
   * As {@link #open(AgentNetworkConfig, boolean, Path, String, SwitchLimits)}, the uplink taken
   * from {@code inherited} when a previous agent handed over its sockets for the same VNL, and the
   * rendezvous sockets with permission bits {@code socketMode} (e.g. {@code 0666} so that a
   * non-root container given the directory by the device plugin can connect; the directory's mode
   * is derived from it, vde-protocols.md §6.1). Clients must have their data socket in the
   * directory: a container announces it by the path it sees ({@code /run/vde/…}), which the switch
   * maps into the directory by name; sockets elsewhere on the host are refused (NetnodeConfig
   * {@code confined()}). With {@code inherited} other than {@link InheritedFds#NONE} the ports'
   * readers are held until {@link DataPlane#inherit inherit(null)} (frames queued in the
   * handed-over fds wait until every port is back).
   *
   * @throws IOException when the rendezvous cannot be served
   */
  public static NetworkSwitch open(
      AgentNetworkConfig config,
      boolean fromOperator,
      Path directory,
      String uplink,
      SwitchLimits limits,
      InheritedFds inherited,
      int socketMode)
      throws IOException {
    Files.createDirectories(directory.getParent());
    NetnodeConfig at = NetnodeConfig.at(directory);
    Netnode node =
        Netnode.open(
            config.hub() ? NetnodeKind.HUB : NetnodeKind.SWITCH,
            new NetnodeConfig(
                    at.directory(),
                    socketMode,
                    NetnodeConfig.dirModeFor(socketMode),
                    at.group(),
                    at.hashSize(),
                    at.hashSeed(),
                    at.expireSeconds(),
                    at.dedupMillis(),
                    at.healthMillis(),
                    at.limits())
                .withLimits(limits.ports())
                .confined());
    node.enableLoopProtection(loopProtection(directory));
    // built from a predecessor's fds: read nothing queued in them until every port is back
    if (inherited != InheritedFds.NONE) node.holdReaders();
    NetworkSwitch sw = new NetworkSwitch(node, limits, config, fromOperator);
    sw.wantedUplink = uplink;
    sw.inherited = inherited;
    sw.retryUplink();
    return sw;
  }

  /** Request descriptions of the agent's link plugs (LinkManager), tree ports on the far end. */
  public static final String LINK_DESCRIPTION_PREFIX = "kubevde link ";

  /**
   * The switch's spanning tree (issue 16: loop protection, always on): bridge id = priority 0x8000
   * and MAC {@code 00:ff} + 4 bytes of SHA-256(host name " " rendezvous directory), stable across
   * agent restarts and hand-overs, distinct per network and node (and per agent when several run on
   * one host, as in tests); pods ({@link #attach}) and plain {@code vde://} clients (VMs, {@code
   * vde_plug}) are edge ports; the uplink, link ports and the far ends of the agent's links
   * (clients whose description starts with {@value #LINK_DESCRIPTION_PREFIX}) are tree ports.
   */
  static io.kubevde.vdeplug.netnode.LoopProtectionConfig loopProtection(Path directory) {
    String host = HostName.VALUE;
    byte[] h;
    try {
      h =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(
                  (host + " " + directory.toAbsolutePath())
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long mac = 0x00FF_0000_0000L | (java.nio.ByteBuffer.wrap(h).getInt() & 0xFFFF_FFFFL);
    return new io.kubevde.vdeplug.netnode.LoopProtectionConfig(
        io.kubevde.vdeplug.netnode.LoopProtectionConfig.DEFAULT_PRIORITY,
        mac,
        io.kubevde.vdeplug.netnode.stp.StpTimers.DEFAULT,
        true,
        LINK_DESCRIPTION_PREFIX);
  }

  /**
   * This host's name, looked up once per process ({@code InetAddress.getLocalHost} may wait for a
   * resolver; every switch the agent opens, the crash path's early start included, needs it).
   */
  private static final class HostName {
    static final String VALUE = lookup();

    private static String lookup() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "localhost";
      }
    }
  }

  /** The spanning tree's state (roles, blocked ports, BPDU counters). */
  public io.kubevde.vdeplug.netnode.LoopProtection.Status loopStatus() {
    return node.loopProtection().orElseThrow().status();
  }

  /** The network config this switch runs. */
  public AgentNetworkConfig config() {
    return config;
  }

  /**
   * Whether the config came from the operator (false: a local switch made on demand for a CNI
   * request).
   */
  public boolean fromOperator() {
    return fromOperator;
  }

  /** The netnode (ports, stats, MAC table). */
  public Netnode node() {
    return node;
  }

  /** The uplink VNL in use (open), or null. */
  public String uplinkVnl() {
    return uplinkVnl;
  }

  /**
   * Applies a newer config: replaces the uplink port when its VNL changed. A switch/hub change
   * needs a new switch (the caller recreates it; see {@link DataPlane}).
   *
   * @throws IOException when the new uplink cannot be opened (the switch then runs without uplink)
   */
  public synchronized void update(AgentNetworkConfig newConfig, boolean operator, String uplink)
      throws IOException {
    boolean vlanChanged =
        !java.util.Objects.equals(newConfig.vlan(), config.vlan())
            || !java.util.Arrays.equals(
                EgressGateway.macOf(newConfig), EgressGateway.macOf(config));
    this.config = newConfig;
    this.fromOperator = operator;
    if (vlanChanged || !java.util.Objects.equals(uplink, wantedUplink)) {
      LOG.info(
          "network "
              + newConfig.key()
              + ": uplink "
              + wantedUplink
              + " replaced by "
              + uplink
              + (vlanChanged ? " (vlan or egress gateway changed)" : ""));
      wantedUplink = uplink;
      uplinkVnl = null;
      if (uplinkPort >= 0) node.removePort(uplinkPort);
      uplinkPort = -1;
    }
    retryUplink();
  }

  /**
   * Opens the wanted uplink if it is not a live port (first start, a failed open, a plug that
   * closed).
   *
   * @return true when the uplink (or no uplink) is in place
   */
  public synchronized boolean retryUplink() {
    if (wantedUplink == null) return true;
    if (ready()) return true;
    try {
      setUplink(wantedUplink);
      if (uplinkError != null)
        LOG.info("network " + config.key() + ": uplink " + wantedUplink + " up");
      uplinkError = null;
      return true;
    } catch (IOException | RuntimeException e) {
      if (!String.valueOf(e.getMessage()).equals(uplinkError)) {
        LOG.warn(
            "network "
                + config.key()
                + ": cannot open uplink "
                + wantedUplink
                + ": "
                + e.getMessage()
                + " (retrying every heartbeat)");
      }
      uplinkError = String.valueOf(e.getMessage());
      return false;
    }
  }

  /**
   * The sealed uplink's counters (frames dropped by reason, key reloads), or null when the uplink
   * is not sealed.
   */
  public SealStats sealStats() {
    SealPlug s = uplinkSeal;
    return s == null ? null : s.sealStats();
  }

  /**
   * The vxvde uplink's counters (sender checks and malformed datagrams by reason), seen through a
   * seal wrapper, or null when the uplink is not vxvde.
   */
  public VxvdeStats vxvdeStats() {
    VxvdePlug v = uplinkVxvde;
    return v == null ? null : v.vxvdeStats();
  }

  /**
   * The fds of the uplink's sockets to hand to a new agent: a plain vxvde uplink's group and
   * unicast sockets ({@link VxvdePlug#socketFds}); empty when there is no uplink or it is sealed (a
   * seal's state is not handed over: the new agent opens it anew).
   */
  public int[] uplinkFds() {
    VxvdePlug v = uplinkVxvde;
    return v == null || uplinkSeal != null || uplinkVnl == null ? new int[0] : v.socketFds();
  }

  /**
   * Stops every port's reader without closing the taps and uplink sockets, after each forwarded the
   * frame it held ({@link Netnode#quiesce}): the first step of a hand-over's stop, see {@link
   * DataPlane#stopReading}.
   *
   * @return true when every reader ended within {@code timeoutMs}
   */
  boolean quiesce(long timeoutMs) {
    return node.quiesce(timeoutMs);
  }

  /** Starts the port readers held while this switch was built from handed-over fds. */
  void releaseReaders() {
    node.releaseReaders();
  }

  /** Why the uplink is not up, or null. */
  public String uplinkError() {
    return uplinkError;
  }

  private synchronized void setUplink(String vnl) throws IOException {
    if (uplinkPort >= 0) node.removePort(uplinkPort);
    uplinkPort = -1;
    uplinkVnl = null;
    uplinkSeal = null;
    uplinkVxvde = null;
    if (vnl == null) return;
    byte[] gatewayMac = EgressGateway.macOf(config);
    String open = offloadVnl(vnl, config.vlan() == null && gatewayMac == null);
    Plug p = inherited.takeUplink(config.key(), vnl, open).orElse(null);
    boolean taken = p != null;
    if (p == null)
      p = Plugs.open(open, OpenArgs.DEFAULT.withDescription("kubevde uplink " + config.key()));
    LOG.info(
        "network "
            + config.key()
            + ": uplink "
            + open
            + (taken ? " on the sockets handed over by the previous agent" : " opened"));
    uplinkSeal = p instanceof SealPlug seal ? seal : null;
    Plug transport = uplinkSeal != null ? uplinkSeal.inner() : p;
    uplinkVxvde = transport instanceof VxvdePlug vx ? vx : null;
    if (config.vlan() != null) p = new VlanPlug(p, config.vlan());
    if (gatewayMac != null) p = new GatewayGuardPlug(p, gatewayMac);
    uplinkPort = node.addPort(p, "uplink " + vnl, limits.uplink());
    uplinkPlug = p;
    uplinkVnl = vnl;
  }

  /**
   * The VNL the agent opens for uplink {@code vnl}: a plain {@code vxvde} uplink gets the {@code
   * offload} option (issue 14, offloads.md §3, §4: {@code UDP_GRO} reads coalesced into
   * super-frames for the pods' offload taps, super-frames from them sent as MTU-sized datagrams in
   * one {@code UDP_SEGMENT} call; the datagrams on the wire stay those of vde-protocols.md §5, so C
   * peers are unaffected). Other transports, and a vxvde uplink behind a wrapper that rewrites
   * frames (a network VLAN, the egress guard: {@code direct} false), are opened as they are.
   */
  static String offloadVnl(String vnl, boolean direct) {
    if (!direct || !vnl.startsWith("vxvde://") || vnl.matches(".*/offload(=[a-z]*)?(/.*)?$"))
      return vnl;
    return (vnl.endsWith("/") ? vnl.substring(0, vnl.length() - 1) : vnl) + "/offload";
  }

  /**
   * Adds a pod's tap as a port (replacing a previous port of the same attachment).
   *
   * @param key the attachment
   * @param plug the opened tap (the switch owns it from now on)
   * @throws IOException when the switch is closed
   */
  public void attach(AttachmentKey key, Plug plug) throws IOException {
    int id =
        node.addPort(
            plug, "pod " + key.containerId() + "/" + key.ifName(), node.limits(), /* edge */ true);
    Integer old = taps.put(key, id);
    VlanEdge oldVlans = plug instanceof VlanEdge v ? vlanPorts.put(key, v) : vlanPorts.remove(key);
    if (oldVlans != null) vlanDropsGone.add(oldVlans.vlanDrops());
    if (old != null) node.removePort(old);
  }

  /**
   * Adds the network's egress gateway tap as a port (its frames are kept off the uplink by {@link
   * GatewayGuardPlug}, installed with the uplink while the network has egress).
   *
   * @return the port id, for {@link #removeGatewayPort}
   * @throws IOException when the switch is closed
   */
  public int addGatewayPort(EgressGateway gateway) throws IOException {
    return node.addPort(gateway.plug(), "gateway " + gateway.ifName());
  }

  /** Removes (and closes) the gateway's port. */
  public void removeGatewayPort(int id) {
    node.removePort(id);
  }

  /** Removes (and closes) the attachment's port; false when it had none. */
  public boolean detach(AttachmentKey key) {
    Integer id = taps.remove(key);
    VlanEdge v = vlanPorts.remove(key);
    if (v != null) vlanDropsGone.add(v.vlanDrops());
    return id != null && node.removePort(id);
  }

  /**
   * Frames from pods dropped on entry because of their VLAN (a tagged frame of a VID their access
   * or trunk port does not carry, {@link PortVlanPlug#vlanDrops}; any tagged frame from a plain
   * port, {@link UntaggedPortPlug#vlanDrops}), over the pod ports of this switch and those that
   * left it: never goes down while the switch runs.
   */
  public long vlanDrops() {
    long n = vlanDropsGone.sum();
    for (VlanEdge v : vlanPorts.values()) n += v.vlanDrops();
    return n;
  }

  /** The VLANs of the attachment's port, or null for a plain port (or no port). */
  public io.kubevde.agent.model.PortVlans vlansOf(AttachmentKey key) {
    return vlanPorts.get(key) instanceof PortVlanPlug v ? v.vlans() : null;
  }

  /** Number of pod attachments with a port. */
  public int attachments() {
    return taps.size();
  }

  /** Whether the attachment has a live port. */
  public boolean attached(AttachmentKey key) {
    Integer id = taps.get(key);
    return id != null && node.ports().stream().anyMatch(p -> p.id() == id);
  }

  /** Whether the switch forwards (not closed; the uplink, when wanted, is a live port). */
  public boolean ready() {
    int up = uplinkPort;
    if (wantedUplink == null) return true;
    return uplinkVnl != null && up >= 0 && node.ports().stream().anyMatch(p -> p.id() == up);
  }

  /**
   * Kind of port {@code id}: {@code uplink}, {@code pod}, {@code link}, {@code gateway} (an egress
   * gateway) or {@code client} (a vde:// client).
   */
  public String portKind(Netnode.PortInfo p) {
    // by the description given at addPort (stable from the port's first frame; no race with the
    // taps map)
    String d = p.description();
    if (p.id() == uplinkPort || d.startsWith("uplink ")) return "uplink";
    if (d.startsWith("pod ")) return "pod";
    if (d.startsWith("link ")) return "link";
    if (d.startsWith("gateway ")) return "gateway";
    return "client";
  }

  @Override
  public void close() {
    try {
      node.close();
    } catch (RuntimeException e) {
      LOG.debug("close " + config.key(), e);
    }
  }
}
