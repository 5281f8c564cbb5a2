package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.vde.VdeRequest;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one netnode engine behind {@code hub://}, {@code switch://}, {@code multi://} and {@code
 * bonding://} (vde-protocols.md §6, §7): a set of {@link NetnodePort}s, an optional {@code vde://}
 * rendezvous directory that C and Java clients join, and a {@link ForwardingPolicy} deciding where
 * each frame goes.
 *
 * <p>The node is itself a {@link Plug}, the "host" port: {@link #send} makes a frame enter the
 * node, {@link #receive} returns frames the policy delivered to the host. The agent also attaches
 * in-process plugs (taps, uplinks) with {@link #addPort(Plug, String)}.
 *
 * <p>Frame loop: one reader thread per port calls {@link #input}, which first applies the port's
 * ingress policing ({@link PortLimits}; refused frames are dropped and counted before they take any
 * lock) and then runs the policy under the node's forwarding lock; policies apply storm control
 * ({@link NetnodePort#admitFlood}) before they learn or flood. Deliveries never block on a client
 * socket (MSG_DONTWAIT; a full receiver drops, counted in that port's stats); frames shorter than
 * 14 bytes are dropped (counted on the source port). Ports, and nodes, never share a reader: a
 * flooding port costs its own thread's CPU and the forwarding lock of its own node only.
 *
 * <p>Super-frames (offloads.md; issue 14): a port whose plug has offloads on (a tap with {@code
 * IFF_VNET_HDR}, vxvde with {@code offload}) feeds the node TCP/UDP super-frames of up to 64 KiB;
 * the policy routes them by their Ethernet header like any frame, ports whose plugs take them get
 * them whole, every other port gets them cut into ordinary frames once per frame ({@code
 * SuperFrames}; {@link #superFrameCounters}).
 */
public final class Netnode implements Plug {
  private final NetnodeKind kind;
  private final ForwardingPolicy policy;
  private final HostPort host = new HostPort();
  private final Delivery delivery = new Delivery();
  private final ReentrantLock lock = new ReentrantLock();
  private volatile NetnodePort[] ports = new NetnodePort[0];
  private volatile FrameObserver[] observers = new FrameObserver[0];
  private final Rendezvous rendezvous;
  private final PortLimits limits;
  private final Thread ticker;
  private volatile LoopProtection loop;
  private Thread loopTicker;
  private volatile boolean closed;
  // guarded by lock: while true, new plug ports wait in held instead of starting their readers
  private boolean holding;
  private final List<PlugPort> held = new ArrayList<>();

  private Netnode(NetnodeKind kind, ForwardingPolicy policy, NetnodeConfig config)
      throws IOException {
    this.kind = kind;
    this.policy = policy;
    this.limits = config.limits();
    host.delivery = delivery;
    this.rendezvous =
        config.directory().isPresent()
            ? Rendezvous.open(config.directory().get(), config, this)
            : null;
    long every = policy.tickMillis();
    this.ticker =
        every <= 0
            ? null
            : Thread.ofPlatform().daemon().name("netnode-tick").start(() -> tickLoop(every));
  }

  private void tickLoop(long everyMs) {
    while (!closed) {
      try {
        Thread.sleep(everyMs);
      } catch (InterruptedException e) {
        return;
      }
      lock.lock();
      try {
        if (!closed) policy.tick(ports, host);
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Starts a node of {@code kind}; with {@code config.directory()} present it serves {@code
   * vde://DIR} clients.
   *
   * @throws IOException when the rendezvous cannot be set up (directory in use by a live switch,
   *     parent missing, non-socket leftovers, permissions)
   */
  public static Netnode open(NetnodeKind kind, NetnodeConfig config) throws IOException {
    return new Netnode(kind, kind.newPolicy(config), config);
  }

  /**
   * Starts a node with a custom {@code policy} (tests, the agent). Errors as {@link
   * #open(NetnodeKind, NetnodeConfig)}.
   */
  public static Netnode open(NetnodeKind kind, ForwardingPolicy policy, NetnodeConfig config)
      throws IOException {
    return new Netnode(kind, policy, config);
  }

  /**
   * Starts the spanning tree on this node ({@link LoopProtection}; kubevde's FSTP): every current
   * and future port joins it, as an edge port or a tree port. Calling it again returns the running
   * one (its config unchanged).
   *
   * @return the node's loop protection, enabled
   */
  public LoopProtection enableLoopProtection(LoopProtectionConfig config) {
    LoopProtection lp = installLoopProtection(config);
    lp.setEnabled(true);
    return lp;
  }

  /**
   * Gives this node a spanning tree with {@code config}, turned off ({@link
   * LoopProtection#setEnabled} starts it), or returns the one it has (config unchanged).
   */
  public LoopProtection installLoopProtection(LoopProtectionConfig config) {
    LoopProtection lp;
    lock.lock();
    try {
      if (loop == null) {
        loop = new LoopProtection(this, config);
        long every = Math.max(5, config.timers().helloMillis() / 4);
        loopTicker =
            Thread.ofPlatform()
                .daemon()
                .name("netnode-stp")
                .start(
                    () -> {
                      while (!closed) {
                        try {
                          Thread.sleep(every);
                        } catch (InterruptedException e) {
                          return;
                        }
                        lock.lock();
                        try {
                          if (!closed) loop.tick();
                        } finally {
                          lock.unlock();
                        }
                      }
                    });
      }
      lp = loop;
    } finally {
      lock.unlock();
    }
    return lp;
  }

  /** The node's spanning tree, if {@link #enableLoopProtection} was called (it may be off now). */
  public Optional<LoopProtection> loopProtection() {
    return Optional.ofNullable(loop);
  }

  NetnodePort[] portArray() {
    return ports;
  }

  ForwardingPolicy policy() {
    return policy;
  }

  ReentrantLock lock() {
    return lock;
  }

  /** The node kind. */
  public NetnodeKind kind() {
    return kind;
  }

  /** The rendezvous directory, if the node serves one. */
  public Optional<Path> directory() {
    return Optional.ofNullable(rendezvous).map(Rendezvous::directory);
  }

  /**
   * Times a learned MAC moved to another port (switch kinds; {@link MacTable#moves}), 0 for other
   * kinds.
   */
  public long macMoves() {
    lock.lock();
    try {
      return policy.macMoves();
    } finally {
      lock.unlock();
    }
  }

  /** Live MAC table entries (switch), 0 for other kinds. */
  public int macTableSize() {
    lock.lock();
    try {
      return policy.macTableSize();
    } finally {
      lock.unlock();
    }
  }

  /**
   * A snapshot of the learned MAC table (switch kinds): {@code MacTable.key(mac, vlan)} (MAC in the
   * low 48 bits, VLAN above) → port id; empty for hub, multi and bonding.
   */
  public java.util.Map<Long, Integer> macEntries() {
    lock.lock();
    try {
      return policy.macEntries();
    } finally {
      lock.unlock();
    }
  }

  /**
   * What one port is, for listings: id, kind ({@code unix}/{@code plug}), description and live
   * counters.
   *
   * @param stats the port's counters (what the node handed to it and took from it)
   * @param plugStats the counters of the plug behind a plug port (its own drops: a tap write the
   *     kernel refused, a frame it could not take), null for other kinds
   */
  public record PortInfo(
      int id,
      String kind,
      String description,
      PlugStats stats,
      PortPolicer policer,
      int endpoint,
      ClientIdentity identity,
      PlugStats plugStats) {}

  /** The current ports (without the host), in attachment order. */
  public List<PortInfo> ports() {
    List<PortInfo> out = new ArrayList<>();
    for (NetnodePort p : ports) {
      out.add(
          new PortInfo(
              p.id(),
              p.kind(),
              p.description(),
              p.stats(),
              p.policer(),
              p.endpoint(),
              p.identity(),
              p instanceof PlugPort pp ? pp.plugStats() : null));
    }
    return out;
  }

  /**
   * The limits every port gets unless {@link #addPort(Plug, String, PortLimits)} says otherwise.
   */
  public PortLimits limits() {
    return limits;
  }

  /**
   * Counters of the host port (the node's own plug): rx = frames the host sent in, tx = frames it
   * was given.
   */
  public PlugStats hostStats() {
    return host.stats();
  }

  /**
   * Requests on the rendezvous: rx = accepted clients, malformed = refused connections. Empty
   * without rendezvous.
   */
  public Optional<PlugStats> requestStats() {
    return Optional.ofNullable(rendezvous).map(Rendezvous::requestStats);
  }

  /**
   * Attaches an in-process plug as a new port (the node owns it from now on and closes it when the
   * port leaves).
   *
   * @return the new port's id (≥ 1)
   * @throws IOException when the node is closed
   */
  public int addPort(Plug plug, String description) throws IOException {
    return addPort(plug, description, limits);
  }

  /**
   * As {@link #addPort(Plug, String)}, with this port's own ingress policing and storm control.
   *
   * @return the new port's id (≥ 1)
   * @throws IOException when the node is closed
   */
  public int addPort(Plug plug, String description, PortLimits portLimits) throws IOException {
    return addPort(plug, description, portLimits, null);
  }

  /**
   * As {@link #addPort(Plug, String, PortLimits)}, saying whether the port is an edge port of the
   * spanning tree (a pod, a host: never blocked, sends no BPDUs, drops those it receives) or a tree
   * port (an uplink, a link to another switch). Without loop protection the flag is kept for when
   * it starts.
   *
   * @param edge true for an edge port, false for a tree port, null for the default (tree port)
   * @return the new port's id (≥ 1)
   * @throws IOException when the node is closed
   */
  public int addPort(Plug plug, String description, PortLimits portLimits, Boolean edge)
      throws IOException {
    PlugPort port;
    lock.lock();
    try {
      if (closed) throw new IOException("netnode closed");
      port = new PlugPort(freeId(0), description, portLimits, plug, this);
      add(port, edge == null ? Boolean.FALSE : edge);
      if (holding) {
        held.add(port);
        return port.id();
      }
    } finally {
      lock.unlock();
    }
    port.start();
    return port.id();
  }

  /**
   * Plug ports added from now on ({@link #addPort}) join the node (deliveries reach them) but do
   * not read until {@link #releaseReaders}: a node being rebuilt from handed-over fds (agent
   * hand-over) reads none of the frames queued in them before every port they may be addressed to
   * is there. Ports already reading go on.
   */
  public void holdReaders() {
    lock.lock();
    try {
      holding = true;
    } finally {
      lock.unlock();
    }
  }

  /** Starts the readers held since {@link #holdReaders} (ports removed meanwhile stay stopped). */
  public void releaseReaders() {
    List<PlugPort> start;
    lock.lock();
    try {
      holding = false;
      start = new ArrayList<>(held);
      held.clear();
    } finally {
      lock.unlock();
    }
    for (PlugPort p : start) p.start();
  }

  /**
   * Stops every plug port's reader without closing its plug ({@link Plug#shutdownReceive}; a plug
   * that cannot is closed), lets each forward the frame it already read (the node is still whole),
   * and waits until all have ended, at most {@code timeoutMs} in all. Frames arriving afterwards
   * stay queued in the plugs' fds. Used before those fds are handed to another process (agent
   * hand-over): no frame this node read is lost. The ports stay (deliveries from {@code vde://}
   * clients go on) until {@link #close}.
   *
   * @return true when every reader ended in time
   */
  public boolean quiesce(long timeoutMs) {
    List<PlugPort> plugs = new ArrayList<>();
    for (NetnodePort p : ports) if (p instanceof PlugPort pp) plugs.add(pp);
    for (PlugPort p : plugs) p.quiesce(); // all at once: none reads while another is stopping
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    boolean all = true;
    for (PlugPort p : plugs) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
      all &= p.awaitQuiesced(left);
    }
    return all;
  }

  /**
   * Detaches and closes port {@code id} (its first endpoint, when a vde_switch-mode port has
   * several); false when there is no such port.
   */
  public boolean removePort(int id) {
    for (NetnodePort p : ports) if (p.id() == id) return remove(p);
    return false;
  }

  /** Detaches and closes exactly {@code port}; false when it is no longer attached. */
  boolean remove(NetnodePort port) {
    NetnodePort gone = null;
    lock.lock();
    try {
      NetnodePort[] cur = ports;
      for (int i = 0; i < cur.length; i++) {
        if (cur[i] == port) {
          gone = cur[i];
          NetnodePort[] next = new NetnodePort[cur.length - 1];
          System.arraycopy(cur, 0, next, 0, i);
          System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
          ports = next;
          policy.portRemoved(gone);
          LoopProtection lp = loop;
          if (lp != null) lp.portRemoved(gone);
          break;
        }
      }
    } finally {
      lock.unlock();
    }
    if (gone == null) return false;
    gone.shutdown();
    return true;
  }

  UnixClientPort attachClient(
      VdeRequest req, ClientIdentity who, UnixSocket ctl, UnixSocket data, Path dataPath)
      throws IOException {
    UnixClientPort port;
    lock.lock();
    try {
      if (closed) throw new IOException("netnode closed");
      int id = policy.admit(req.port(), who, this::hasPortId);
      if (id < 0) {
        id = req.port() > 0 && policy.sharesPortNumbers() ? req.port() : freeId(req.port());
      }
      port = new UnixClientPort(id, req.description(), who, limits, ctl, data, dataPath, this);
      add(port, null);
    } finally {
      lock.unlock();
    }
    port.start();
    return port;
  }

  List<UnixClientPort> unixPorts() {
    List<UnixClientPort> out = new ArrayList<>();
    for (NetnodePort p : ports) if (p instanceof UnixClientPort u) out.add(u);
    return out;
  }

  private boolean hasPortId(int id) {
    for (NetnodePort p : ports) if (p.id() == id) return true;
    return false;
  }

  /**
   * Detaches and closes the endpoint with {@link NetnodePort#endpoint()} {@code endpoint} of port
   * {@code id} (vde_switch's {@code port/epclose}); false when there is no such endpoint.
   */
  public boolean removeEndpoint(int id, int endpoint) {
    for (NetnodePort p : ports) if (p.id() == id && p.endpoint() == endpoint) return remove(p);
    return false;
  }

  private int freeId(int wanted) {
    if (wanted > 0 && Arrays.stream(ports).noneMatch(p -> p.id() == wanted)) return wanted;
    int id = 1;
    while (true) {
      final int c = id;
      if (Arrays.stream(ports).noneMatch(p -> p.id() == c)) return id;
      id++;
    }
  }

  private void add(NetnodePort port, Boolean edge) {
    port.delivery = delivery;
    NetnodePort[] cur = ports;
    NetnodePort[] next = Arrays.copyOf(cur, cur.length + 1);
    next[cur.length] = port;
    ports = next;
    LoopProtection lp = loop;
    if (lp != null) lp.portAdded(port, edge);
  }

  /**
   * A frame (position..limit) entered through {@code source}: policed, counted, then routed by the
   * policy. Frames shorter than {@link Plug#MIN_FRAME} are dropped and counted; frames over the
   * port's ingress rate are dropped and counted by the port's {@link PortPolicer} (not in its rx
   * counters), before the forwarding lock. The buffer's position is not moved.
   */
  void input(NetnodePort source, ByteBuffer frame) {
    input(source, frame, null, false);
  }

  /**
   * As {@link #input(NetnodePort, ByteBuffer)} for a frame that may be a super-frame ({@code gso}
   * non-null and {@link GsoInfo#isGso}; offloads.md): the policy routes it by its Ethernet header
   * like any frame; each destination gets it whole or cut ({@link NetnodePort#deliver}). Ingress
   * policing and the port's counters see it as one frame of its full length. With {@code batched}
   * the caller is a reader draining a batch: destinations may keep ordinary frames until it calls
   * {@link #flushBatch}.
   */
  void input(NetnodePort source, ByteBuffer frame, GsoInfo gso, boolean batched) {
    int len = frame.remaining();
    if (len < MIN_FRAME) {
      source.stats().dropped();
      return;
    }
    source.markInput();
    if (!source.policer().admit(len)) return;
    source.stats().received(len);
    lock.lock();
    try {
      if (closed) return;
      FrameObserver[] obs = observers;
      for (FrameObserver o : obs) o.observe(source.id(), frame);
      LoopProtection lp = loop;
      if (lp != null && lp.consume(source, frame)) return;
      delivery.begin(frame, gso, batched);
      try {
        policy.forward(source, frame, ports, host);
      } finally {
        delivery.end();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends every frame destinations kept during the calling reader's batch ({@link #input} with
   * {@code batched}); a reader calls it before it waits for more input.
   */
  void flushBatch() {
    lock.lock();
    try {
      delivery.flush();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Super-frame counters (offloads.md): {@code [0]} super-frames that entered the node from ports
   * whose plugs deliver them (offload taps, vxvde with {@code offload}), {@code [1]} of those cut
   * into ordinary frames for at least one destination that does not take super-frames, {@code [2]}
   * dropped because they did not parse as their GSO description said (frames).
   */
  public long[] superFrameCounters() {
    SuperFrames sf = delivery.superFrames();
    return new long[] {sf.received(), sf.cut(), sf.malformed()};
  }

  /**
   * Registers {@code observer} for every frame entering the node from now on (see {@link
   * FrameObserver}); closing the returned handle unregisters it (idempotent). Observing costs the
   * forwarding path nothing while no observer is registered.
   */
  public java.io.Closeable observe(FrameObserver observer) {
    java.util.Objects.requireNonNull(observer, "observer");
    synchronized (this) {
      FrameObserver[] cur = observers;
      FrameObserver[] next = Arrays.copyOf(cur, cur.length + 1);
      next[cur.length] = observer;
      observers = next;
    }
    return () -> {
      synchronized (this) {
        FrameObserver[] cur = observers;
        observers = Arrays.stream(cur).filter(o -> o != observer).toArray(FrameObserver[]::new);
      }
    };
  }

  /** How many {@link FrameObserver}s are registered. */
  public int observers() {
    return observers.length;
  }

  /** The host sends a frame into the node (it is routed like a frame from any port). */
  @Override
  public void send(ByteBuffer frame) throws IOException {
    if (closed) throw new IOException("netnode closed");
    input(host, frame);
    frame.position(frame.limit());
  }

  /**
   * Blocks until the policy delivers a frame to the host; {@link #CLOSED} once the node is closed.
   */
  @Override
  public int receive(ByteBuffer frame) throws IOException {
    int n = host.take(frame);
    return n < 0 ? CLOSED : n;
  }

  /** The host port's counters. */
  @Override
  public PlugStats stats() {
    return host.stats();
  }

  /**
   * Stops the rendezvous, detaches and closes every port, unlinks every socket and removes the
   * directory.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) return;
      closed = true;
    } finally {
      lock.unlock();
    }
    if (ticker != null) ticker.interrupt();
    if (loopTicker != null) loopTicker.interrupt();
    if (rendezvous != null) rendezvous.close();
    for (NetnodePort p : ports) remove(p);
    host.shutdown();
    if (rendezvous != null) rendezvous.removeDirectory();
  }

  @Override
  public String toString() {
    return kind.scheme() + " netnode" + directory().map(d -> " at " + d).orElse("");
  }
}
