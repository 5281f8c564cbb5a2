package io.kubevde.agent.attach;

import io.kubevde.agent.ipam.AddressReservations;
import io.kubevde.agent.ipam.IpAllocator;
import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.agent.model.IpamConfig;
import io.kubevde.agent.model.NetConf;
import io.kubevde.agent.netlink.Rtnetlink;
import io.kubevde.api.net.Cidr;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.CniResults;
import io.kubevde.cni.protocol.Json;
import io.kubevde.cni.protocol.TapAlias;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The netns/tap part of an attachment (architecture.md §6 "ADD"), done in-process over rtnetlink
 * inside the pod netns ({@link PodInterfaces}; no {@code ip} exec):
 *
 * <ol>
 *   <li>reserve addresses ({@link IpAllocator}, the pool of the VdeNetwork; or the IPAM plugin
 *       named by another {@code ipam.type}, {@link IpamDelegate}) and write the record in state
 *       {@code creating};
 *   <li>pod netns (one thread that entered it with setns): create a <b>persistent</b> tap under a
 *       temporary name ({@code kvt…}), set MAC, MTU and the {@link TapAlias} alias, rename it to
 *       CNI_IFNAME (an interface of that name always carries our alias, even after a crash
 *       half-way), addresses (IPv6 without DAD), link up, routes; the CNI result reports the MAC
 *       and MTU read back from the kernel;
 *   <li>record in state {@code ready} with the CNI result ({@code interfaces[0].sandbox} =
 *       CNI_NETNS).
 * </ol>
 *
 * The tap is created directly inside the pod netns rather than in the host netns and moved
 * (architecture.md §6 says "create, move"): the result is the same persistent tap, but a netns move
 * costs ~20 ms of kernel RCU synchronisation per ADD here (measured: create+move 23 ms, create in
 * place 5 ms). The data plane opens it by name inside the netns (setns), which it must do after an
 * agent restart anyway. Any failure undoes what was done and answers code 103. Attaching the tap to
 * the network's switch is {@link SwitchingAttachmentHandler}'s job; the tap is persistent so it can
 * be opened by name there and survives agent restarts. Thread-safe: operations on one key are
 * serialised by a lock stripe; different keys run in parallel.
 */
public final class TapAttachmentHandler implements AttachmentHandler {
  private static final Logger LOG = LoggerFactory.getLogger(TapAttachmentHandler.class);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final AttachmentStore store;
  private final IpAllocator ipam;
  private final PodInterfaces pods = new PodInterfaces();
  private final int defaultMtu;
  private final IpamDelegate delegate;
  private final Object[] stripes = new Object[64];
  private volatile AddressReservations reservations = AddressReservations.NONE;

  /**
   * Record pod-map key: the static addresses reserved cluster-wide for this attachment ({@link
   * AddressReservations}), comma-separated; DEL and clean-up release them.
   */
  public static final String RESERVED = "KUBEVDE_RESERVED";

  /** Record pod-map key: the delegated IPAM plugin ({@code ipam.type}) that gave the addresses. */
  public static final String IPAM_PLUGIN = "KUBEVDE_IPAM_PLUGIN";

  /**
   * Record pod-map key: the network configuration given to the delegated IPAM plugin (JSON; DEL
   * gets it again).
   */
  public static final String IPAM_CONFIG = "KUBEVDE_IPAM_CONFIG";

  /** Record pod-map key: CNI_PATH of the ADD (where the delegated IPAM plugin was found). */
  public static final String IPAM_PATH = "KUBEVDE_IPAM_PATH";

  /**
   * Record pod-map key: the inode of the netns at ADD time (a path naming another netns later is
   * not ours).
   */
  public static final String NETNS_INODE = "KUBEVDE_NETNS_INODE";

  /**
   * @param store attachment records
   * @param ipam address allocator
   * @param pluginTimeoutMs how long a delegated IPAM plugin may run (ms) before it is killed
   * @param defaultMtu the MTU when the config has none (bytes; underlay MTU − 50)
   */
  public TapAttachmentHandler(
      AttachmentStore store, IpAllocator ipam, long pluginTimeoutMs, int defaultMtu) {
    this.store = store;
    this.ipam = ipam;
    this.defaultMtu = defaultMtu;
    this.delegate = new IpamDelegate(pluginTimeoutMs);
    for (int i = 0; i < stripes.length; i++) stripes[i] = new Object();
  }

  /**
   * Sets where requested (static) addresses are reserved cluster-wide (the agent sets the
   * Kubernetes store once its client exists; default {@link AddressReservations#NONE}).
   *
   * @param r the store
   */
  public void reservations(AddressReservations r) {
    this.reservations = r == null ? AddressReservations.NONE : r;
  }

  private Object lock(AttachmentKey k) {
    return lock(k.id());
  }

  /**
   * Runs {@code body} holding the attachment's lock — the one every ADD, DEL, GC and clean-up of
   * that (container, interface) takes — so a caller makes a step outside this handler (opening the
   * tap on its switch, or removing it) atomic with the record: a re-attach retry never sees the
   * {@code ready} record of an ADD or DEL in flight. Reentrant.
   */
  public <T> T locked(AttachmentKey key, java.util.function.Supplier<T> body) {
    synchronized (lock(key)) {
      return body.get();
    }
  }

  /**
   * The stripe of a (container, ifname): also taken by orphan reclaim, which knows only that pair.
   */
  private Object lock(AttachmentKey.Id id) {
    return stripes[Math.floorMod(id.hashCode(), stripes.length)];
  }

  @Override
  public Map<String, Object> add(AttachRequest req) {
    AttachmentKey key = req.key();
    NetConf conf = req.conf();
    if (!Files.exists(Path.of(req.netns()))) {
      throw new CniError.Failure(
          CniError.INVALID_ENV, "CNI_NETNS " + req.netns() + " does not exist");
    }
    synchronized (lock(key)) {
      if (store.read(key) != null) {
        throw new CniError.Failure(
            CniError.ATTACHMENT_EXISTS,
            "attachment "
                + key.containerId()
                + "/"
                + key.ifName()
                + " on network "
                + key.network()
                + " already exists");
      }
      String mac = conf.mac() != null ? conf.mac() : randomMac();
      int mtu = conf.mtu() != null ? conf.mtu() : defaultMtu;
      Map<String, String> pod = new LinkedHashMap<>();
      for (String k :
          List.of(
              "K8S_POD_NAMESPACE",
              "K8S_POD_NAME",
              "K8S_POD_UID",
              ChainedAttachmentHandler.CHAINED_NETWORK,
              ChainedAttachmentHandler.CHAINED_IFNAME)) {
        if (req.args().containsKey(k)) pod.put(k, req.args().get(k));
      }
      String ino = NetnsCheck.inode(req.netns());
      if (ino != null) pod.put(NETNS_INODE, ino);
      List<Cidr> addrs;
      String plugin = conf.delegatedIpam();
      if (plugin != null) {
        Map<String, Object> res = delegate.run("ADD", plugin, req.cniPath(), conf.raw(), req);
        pod.put(IPAM_PLUGIN, plugin);
        pod.put(IPAM_CONFIG, Json.write(conf.raw()));
        pod.put(IPAM_PATH, req.cniPath());
        try {
          addrs = new ArrayList<>();
          Cidr gw = null;
          for (Object o : (List<?>) res.get("ips")) {
            Map<?, ?> m = (Map<?, ?>) o;
            addrs.add(Cidr.parse(String.valueOf(m.get("address"))));
            if (gw == null && m.get("gateway") != null)
              gw = Cidr.parse(String.valueOf(m.get("gateway")));
          }
          List<Map<String, Object>> routes = new ArrayList<>();
          if (res.get("routes") instanceof List<?> rl) {
            for (Object o : rl) routes.add(new LinkedHashMap<>((Map<String, Object>) o));
          }
          conf =
              conf.with(
                  new IpamConfig(null, null, null, gw, List.of(), routes), conf.mtu(), conf.mac());
        } catch (RuntimeException e) {
          delegateDelQuietly(plugin, req.cniPath(), req.conf().raw(), req);
          throw new CniError.Failure(
              new CniError(
                  CniError.SETUP_FAILED,
                  "IPAM plugin " + plugin + " returned an unreadable result",
                  Json.write(res)));
        }
      } else {
        addrs = ipam.allocate(conf, key);
        if (!conf.ips().isEmpty() && !addrs.isEmpty()) {
          List<AddressReservations.Claim> claims = claims(conf.network(), addrs, key, pod);
          reserveAll(claims, conf.network(), key);
          pod.put(RESERVED, String.join(",", addrs.stream().map(Cidr::ip).toList()));
        }
      }
      AttachmentRecord rec =
          new AttachmentRecord(
              key,
              conf.network(),
              req.netns(),
              mac,
              mtu,
              addrs.stream().map(Cidr::toString).toList(),
              pod,
              System.currentTimeMillis(),
              "creating",
              null,
              conf.vlans());
      boolean created = false;
      try {
        store.write(rec);
        String alias = TapAlias.of(AttachmentKey.encode(conf.name()), key.containerId());
        String dev = key.ifName();
        List<PodInterfaces.Route> routes = new ArrayList<>();
        if (conf.ipam() != null) {
          for (Map<String, Object> rt : conf.ipam().routes()) routes.add(route(rt, conf.ipam()));
        }
        Rtnetlink.Link link;
        try {
          link = pods.createTap(req.netns(), dev, mac, mtu, alias, addrs, routes);
        } catch (IOException e) {
          throw new CniError.Failure(
              new CniError(
                  CniError.SETUP_FAILED,
                  "cannot create tap " + dev + " in " + req.netns(),
                  e.getMessage()));
        }
        created = true;
        AttachRequest done =
            new AttachRequest(
                conf, req.containerId(), req.netns(), req.ifName(), req.args(), req.cniPath());
        Map<String, Object> result =
            CniResults.inVersion(
                CniResults.chain(conf.prevResult(), ownResult(done, link.mac(), link.mtu(), addrs)),
                conf.cniVersion());
        store.write(rec.ready(result));
        return result;
      } catch (IOException | RuntimeException e) {
        undo(
            key,
            conf.network(),
            req.netns(),
            created ? TapAlias.of(AttachmentKey.encode(conf.name()), key.containerId()) : null,
            pod.get(RESERVED) == null ? List.of() : List.of(pod.get(RESERVED).split(",")));
        if (plugin != null) delegateDelQuietly(plugin, req.cniPath(), req.conf().raw(), req);
        if (e instanceof CniError.Failure f) throw f;
        throw new CniError.Failure(
            new CniError(CniError.SETUP_FAILED, "ADD failed", String.valueOf(e)));
      }
    }
  }

  /**
   * Drops the records that a new ADD of {@code req} supersedes: same netns (path, and the same
   * namespace by inode) and same interface name, another container id, and that interface is
   * <b>proven</b> absent from the netns. Such a record is left by an ADD or DEL the agent could not
   * finish (agent killed after the record was written; the CNI binary's DEL without the agent
   * removed the tap but kept record and addresses), and its re-attach can never succeed: without
   * this its (static) address would refuse the retried ADD in the same sandbox (code 7) until the
   * netns goes. The record's addresses, cluster-wide reservations and record are released as a DEL
   * would. A record whose netns path now names another namespace (proven gone) is dropped too. An
   * interface of that name present in the netns (the old attachment is live, or something else
   * holds the name), or a netns or interface that cannot be checked, keeps the record. Each record
   * is checked and dropped under its own attachment lock; the caller must hold no attachment lock.
   *
   * @param req the new ADD
   * @return the keys of the records dropped (the caller detaches them from their switches)
   */
  public List<AttachmentKey> dropSuperseded(AttachRequest req) {
    List<AttachmentKey> dropped = new ArrayList<>();
    if (req.netns() == null || req.netns().isEmpty()) return dropped;
    String ino = NetnsCheck.inode(req.netns());
    if (ino == null) return dropped; // cannot check the new netns: keep everything
    for (AttachmentRecord seen : store.list()) {
      if (!req.ifName().equals(seen.key().ifName())
          || !req.netns().equals(seen.netns())
          || seen.key().containerId().equals(req.containerId())) continue;
      try {
        synchronized (lock(seen.key())) {
          AttachmentRecord rec = store.read(seen.key());
          if (rec == null) continue;
          String recIno = rec.pod().get(NETNS_INODE);
          NetnsCheck.State st = NetnsCheck.state(rec.netns(), recIno);
          if (st == NetnsCheck.State.UNKNOWN) continue;
          if (st == NetnsCheck.State.PRESENT) {
            if (recIno == null || !recIno.equals(ino)) continue; // not provably the same netns
            Optional<PodInterfaces.Shown> shown;
            try {
              shown = pods.show(rec.netns(), rec.key().ifName());
            } catch (IOException | RuntimeException e) {
              LOG.warn(
                  "cannot check "
                      + rec.key().ifName()
                      + " in "
                      + rec.netns()
                      + " for the superseded attachment "
                      + rec.key()
                      + ": "
                      + e.getMessage());
              continue;
            }
            if (shown.isPresent()) continue; // the old attachment (or another) holds the name
          }
          // the interface is proven absent (or the netns gone): release only, touch no interface
          release(rec.key(), rec.vdeNetwork(), rec.netns(), rec);
          dropped.add(rec.key());
          LOG.warn(
              "dropped attachment "
                  + rec.key()
                  + " of pod "
                  + podName(rec)
                  + " (addresses "
                  + rec.ips()
                  + "): superseded by the ADD of container "
                  + req.containerId()
                  + " in the same netns, its interface is gone");
        }
      } catch (RuntimeException e) {
        LOG.warn("cannot drop superseded attachment " + seen.key() + ": " + e.getMessage());
      }
    }
    return dropped;
  }

  /**
   * Reserves each claim cluster-wide; on a refusal releases the ones made and this node's pool
   * reservation of the key, then rethrows.
   */
  private void reserveAll(List<AddressReservations.Claim> claims, String pool, AttachmentKey key) {
    List<AddressReservations.Claim> made = new ArrayList<>();
    try {
      for (AddressReservations.Claim c : claims) {
        reservations.reserve(c);
        made.add(c);
      }
    } catch (RuntimeException e) {
      made.forEach(reservations::release);
      ipam.release(pool, key);
      throw e;
    }
  }

  /** The cluster-wide claims of {@code addrs} for an attachment with pod map {@code pod}. */
  private static List<AddressReservations.Claim> claims(
      String network, List<Cidr> addrs, AttachmentKey key, Map<String, String> pod) {
    List<AddressReservations.Claim> out = new ArrayList<>();
    for (Cidr c : addrs) out.add(claim(network, c.ip(), key, pod));
    return out;
  }

  private static AddressReservations.Claim claim(
      String network, String address, AttachmentKey key, Map<String, String> pod) {
    return new AddressReservations.Claim(
        network,
        address,
        pod.get("K8S_POD_NAMESPACE"),
        pod.get("K8S_POD_NAME"),
        pod.get("K8S_POD_UID"),
        key.containerId(),
        key.ifName());
  }

  /** The cluster-wide claims a record holds ({@link #RESERVED}). */
  private static List<AddressReservations.Claim> claims(AttachmentRecord rec) {
    String list = rec.pod().get(RESERVED);
    if (list == null || list.isBlank()) return List.of();
    List<AddressReservations.Claim> out = new ArrayList<>();
    for (String a : list.split(","))
      if (!a.isBlank()) out.add(claim(rec.vdeNetwork(), a.strip(), rec.key(), rec.pod()));
    return out;
  }

  /**
   * Undoes a failed ADD: deletes the tap only if it carries exactly {@code alias} (ours, not a
   * clashing one).
   */
  private void undo(
      AttachmentKey key, String pool, String netns, String alias, List<String> reserved) {
    if (alias != null) {
      try {
        pods.deleteIf(netns, key.ifName(), l -> alias.equals(l.alias()));
      } catch (IOException | RuntimeException e) {
        LOG.warn(
            "undo: cannot delete tap " + key.ifName() + " in " + netns + ": " + e.getMessage());
      }
    }
    for (String a : reserved) reservations.release(claim(pool, a, key, Map.of()));
    ipam.release(pool, key);
    try {
      store.delete(key);
    } catch (IOException ignored) {
      // best effort: reconcile at start-up drops 'creating' records
    }
  }

  /**
   * One route of the config: {@code dst}, and {@code gw} or else the IPAM gateway of the same
   * family (none: on-link).
   *
   * @throws IllegalArgumentException when {@code dst} or {@code gw} is not an address
   */
  static PodInterfaces.Route route(Map<String, Object> rt, IpamConfig ipam) {
    Cidr dst = Cidr.parse(String.valueOf(rt.get("dst")));
    Cidr gw = rt.get("gw") == null ? null : Cidr.parse(String.valueOf(rt.get("gw")));
    if (gw == null && ipam.gateway(dst.v6()) != null) gw = ipam.gateway(dst.v6());
    return new PodInterfaces.Route(dst, gw == null ? null : new Cidr.Ip(gw.address(), gw.bits()));
  }

  private static Map<String, Object> ownResult(
      AttachRequest req, String mac, int mtu, List<Cidr> addrs) {
    NetConf conf = req.conf();
    Map<String, Object> iface = new LinkedHashMap<>();
    iface.put("name", req.ifName());
    iface.put("mac", mac);
    iface.put("mtu", (long) mtu);
    iface.put("sandbox", req.netns());
    if (conf.vlans() != null) iface.putAll(conf.vlans().toJson());
    List<Object> ips = new ArrayList<>();
    for (Cidr c : addrs) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("address", c.toString());
      Cidr gw = conf.ipam() == null ? null : conf.ipam().gateway(c.v6());
      if (gw != null) e.put("gateway", gw.ip());
      e.put("interface", 0L);
      ips.add(e);
    }
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("cniVersion", conf.cniVersion());
    res.put("interfaces", new ArrayList<Object>(List.of(iface)));
    res.put("ips", ips);
    List<Object> routes = new ArrayList<>();
    if (conf.ipam() != null) {
      for (Map<String, Object> rt : conf.ipam().routes()) routes.add(new LinkedHashMap<>(rt));
    }
    if (!routes.isEmpty()) res.put("routes", routes);
    if (conf.dns() != null) res.put("dns", conf.dns());
    return res;
  }

  /** A random locally administered unicast MAC (02:xx:…). */
  static String randomMac() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    b[0] = (byte) ((b[0] & 0xfc) | 0x02);
    return HexFormat.ofDelimiter(":").formatHex(b);
  }

  @Override
  public void del(AttachRequest req) {
    AttachmentKey key = req.key();
    synchronized (lock(key)) {
      AttachmentRecord rec = store.read(key);
      String netns = !req.netns().isEmpty() ? req.netns() : rec != null ? rec.netns() : "";
      if (rec == null && req.conf().delegatedIpam() != null) {
        // no record (ADD failed or never ran): the plugin may still hold an address for it
        delegateDel(req.conf().delegatedIpam(), req.cniPath(), req.conf().raw(), req);
      }
      remove(key, rec != null ? rec.vdeNetwork() : req.conf().network(), netns, rec);
    }
  }

  /** Runs the delegated IPAM plugin's DEL; a failure is thrown (the runtime retries DEL). */
  private void delegateDel(
      String plugin, String cniPath, Map<String, Object> config, AttachRequest req) {
    delegate.run("DEL", plugin, cniPath, config, req);
  }

  /**
   * Deletes tap, host leftover, addresses and record; idempotent. With a ready record for this
   * netns the interface is ours (we created it under this name there) and is deleted directly, as
   * the reference plugins do; otherwise only if it carries the kubevde alias.
   */
  private void remove(AttachmentKey key, String pool, String netns, AttachmentRecord rec) {
    if (!netns.isEmpty() && Files.exists(Path.of(netns))) {
      if (rec != null && "ready".equals(rec.state()) && netns.equals(rec.netns())) {
        deleteIn(netns, key.ifName(), l -> true);
      } else {
        deleteTapIn(netns, key.ifName());
      }
    }
    if (rec != null
        && rec.netns() != null
        && !rec.netns().equals(netns)
        && !rec.netns().isEmpty()
        && NetnsCheck.state(rec.netns(), rec.pod().get(NETNS_INODE)) == NetnsCheck.State.PRESENT) {
      // only while the path still names the record's namespace: a reused name is another pod's
      deleteTapIn(rec.netns(), key.ifName());
    }
    release(key, pool, netns, rec);
  }

  /**
   * The address part of {@link #remove}: the delegated IPAM plugin's DEL, the cluster-wide
   * reservations, this node's pool reservation and the record; no interface is touched.
   */
  private void release(AttachmentKey key, String pool, String netns, AttachmentRecord rec) {
    if (rec != null && rec.pod().get(IPAM_PLUGIN) != null) {
      Map<String, Object> cfg = Json.parseObject(rec.pod().get(IPAM_CONFIG));
      delegateDel(
          rec.pod().get(IPAM_PLUGIN),
          rec.pod().getOrDefault(IPAM_PATH, ""),
          cfg,
          new AttachRequest(null, key.containerId(), netns, key.ifName(), podArgs(rec)));
    }
    if (rec != null) claims(rec).forEach(reservations::release);
    ipam.release(pool, key);
    try {
      store.delete(key);
    } catch (IOException e) {
      throw new CniError.Failure(
          CniError.IO_FAILURE, "cannot delete attachment record: " + e.getMessage());
    }
  }

  private void deleteTapIn(String netns, String ifName) {
    deleteIn(netns, ifName, l -> TapAlias.isKubevdeTap(l.kind(), l.alias()));
  }

  /**
   * Deletes {@code ifName} in {@code netns} if {@code ours}; a failure is logged and DEL goes on
   * (as a failed {@code ip link del} did before: the netns is going away with the pod).
   */
  private void deleteIn(String netns, String ifName, Predicate<Rtnetlink.Link> ours) {
    try {
      pods.deleteIf(netns, ifName, ours);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot delete " + ifName + " in " + netns + ": " + e.getMessage());
    }
  }

  @Override
  public void check(AttachRequest req) {
    AttachmentKey key = req.key();
    AttachmentRecord rec = store.read(key);
    if (rec == null) {
      throw new CniError.Failure(
          CniError.UNKNOWN_CONTAINER,
          "no attachment "
              + key.containerId()
              + "/"
              + key.ifName()
              + " on network "
              + key.network());
    }
    if (!Files.exists(Path.of(req.netns()))) throw fail("netns " + req.netns() + " does not exist");
    PodInterfaces.Shown shown;
    try {
      shown =
          pods.show(req.netns(), key.ifName())
              .orElseThrow(
                  () -> fail("interface " + key.ifName() + " is missing in " + req.netns()));
    } catch (IOException e) {
      throw fail("cannot read interface " + key.ifName() + ": " + e.getMessage());
    }
    Rtnetlink.Link link = shown.link();
    if (!TapAlias.isKubevdeTap(link.kind(), link.alias()))
      throw fail("interface " + key.ifName() + " is not a kubevde tap");
    if (!rec.mac().equalsIgnoreCase(link.mac())) {
      throw fail(
          "interface " + key.ifName() + " has MAC " + link.mac() + ", expected " + rec.mac());
    }
    if (link.mtu() != rec.mtu()) {
      throw fail(
          "interface " + key.ifName() + " has MTU " + link.mtu() + ", expected " + rec.mtu());
    }
    List<String> have = shown.addresses().stream().map(Cidr::toString).toList();
    for (String want : rec.ips()) {
      if (!have.contains(want)) throw fail("interface " + key.ifName() + " lacks address " + want);
    }
    Map<String, Object> prev = req.conf().prevResult();
    if (prev != null && prev.get("interfaces") instanceof List<?> ifs) {
      boolean listed =
          ifs.stream()
              .anyMatch(
                  o ->
                      o instanceof Map<?, ?> m
                          && key.ifName().equals(m.get("name"))
                          && req.netns().equals(m.get("sandbox")));
      if (!listed) throw fail("prevResult does not list " + key.ifName() + " in " + req.netns());
    }
  }

  private static CniError.Failure fail(String msg) {
    return new CniError.Failure(CniError.CHECK_FAILED, msg);
  }

  @Override
  public void status(NetConf conf) {
    if (!Files.isWritable(store.dir())) {
      throw new CniError.Failure(
          CniError.NOT_AVAILABLE, "attachment state directory " + store.dir() + " is not writable");
    }
  }

  @Override
  public void gc(NetConf conf, Set<AttachmentKey.Id> valid) {
    for (AttachmentRecord rec : store.list()) {
      if (!rec.key().network().equals(conf.name()) || valid.contains(rec.key().id())) continue;
      try {
        synchronized (lock(rec.key())) {
          remove(rec.key(), rec.vdeNetwork(), rec.netns(), rec);
        }
      } catch (RuntimeException e) {
        LOG.warn("GC of " + rec.key() + " failed: " + e.getMessage());
      }
    }
    reclaimOrphans(conf.network(), valid::contains);
  }

  /**
   * Frees the reservations of {@code pool} that no attachment record of that VdeNetwork owns (a
   * crash between allocation and record, an empty or garbled owner file), except owners {@code
   * keep} accepts (GC's valid list). Each owner is checked under its attachment lock, so an ADD in
   * flight is never robbed of its address.
   *
   * @return the freed addresses
   */
  public List<String> reclaimOrphans(
      String pool, java.util.function.Predicate<AttachmentKey.Id> keep) {
    List<String> freed =
        new ArrayList<>(ipam.reclaim(pool, id -> true)); // empty / garbled owner files
    for (AttachmentKey.Id id : ipam.owners(pool)) {
      if (keep.test(id)) continue;
      synchronized (lock(id)) {
        boolean owned =
            store.list().stream()
                .anyMatch(r -> r.key().id().equals(id) && pool.equals(r.vdeNetwork()));
        if (!owned && ipam.release(pool, id) > 0) freed.add(id.containerId() + "/" + id.ifName());
      }
    }
    return freed;
  }

  /**
   * Start-up and periodic clean-up (architecture.md §6 "Restart"): drops the records whose netns is
   * <b>proven</b> gone ({@link NetnsCheck}: ENOENT on the path, or the path now names another
   * namespace), and records left half-made ({@code creating}: no ADD holds their lock, so a crash
   * left them), with their addresses and taps; a netns that cannot be checked (timeout, permission,
   * I/O error) keeps its record (logged, naming the pod). Then frees orphaned address reservations
   * in every pool.
   *
   * @return how many records were removed
   */
  public int reconcile() {
    int removed = 0;
    for (AttachmentRecord seen : store.list()) {
      try {
        synchronized (lock(seen.key())) {
          AttachmentRecord rec = store.read(seen.key());
          if (rec == null) continue;
          NetnsCheck.State st = NetnsCheck.state(rec.netns(), rec.pod().get(NETNS_INODE));
          if (st == NetnsCheck.State.UNKNOWN) {
            LOG.warn(
                "cannot check netns "
                    + rec.netns()
                    + " of pod "
                    + podName(rec)
                    + " ("
                    + rec.key()
                    + "); attachment kept, retried later");
          }
          boolean drop = st == NetnsCheck.State.GONE || !"ready".equals(rec.state());
          if (!drop) continue;
          remove(
              rec.key(), rec.vdeNetwork(), st == NetnsCheck.State.PRESENT ? rec.netns() : "", rec);
          removed++;
        }
      } catch (RuntimeException e) {
        LOG.warn(
            "clean-up of " + seen.key() + " (pod " + podName(seen) + ") failed: " + e.getMessage());
      }
    }
    for (String pool : ipam.pools()) {
      try {
        List<String> freed = reclaimOrphans(pool, id -> false);
        if (!freed.isEmpty()) LOG.warn("freed orphaned reservations in " + pool + ": " + freed);
      } catch (RuntimeException e) {
        LOG.warn("reclaim in " + pool + " failed: " + e.getMessage());
      }
    }
    try {
      List<String> freed = reclaimReservations();
      if (!freed.isEmpty()) LOG.warn("freed orphaned static address reservations: " + freed);
    } catch (RuntimeException e) {
      LOG.warn("reclaim of static address reservations failed: " + e.getMessage());
    }
    return removed;
  }

  /**
   * Frees this node's cluster-wide reservations ({@link AddressReservations#mine}) that are
   * orphaned: no attachment record of that network and attachment lists the address (a crash
   * between reservation and record, a DEL while the API was unreachable), or the record's pod is
   * gone from the API (or was replaced: another uid). Each is checked and released under its
   * attachment lock, so an ADD in flight keeps its reservation.
   *
   * @return the freed reservations ({@code network address (pod)})
   * @throws RuntimeException when the reservations cannot be listed
   */
  public List<String> reclaimReservations() {
    List<String> freed = new ArrayList<>();
    for (AddressReservations.Claim c : reservations.mine()) {
      synchronized (lock(c.owner())) {
        boolean recorded =
            store.list().stream()
                .anyMatch(
                    r ->
                        r.key().id().equals(c.owner())
                            && c.network().equals(r.vdeNetwork())
                            && claims(r).stream().anyMatch(x -> x.address().equals(c.address())));
        if ((!recorded || reservations.podGone(c)) && reservations.release(c))
          freed.add(c.network() + " " + c.address() + " (" + c.holder() + ")");
      }
    }
    return freed;
  }

  /**
   * {@code ns/name} of the record's pod, or its container id when it came without pod coordinates.
   */
  static String podName(AttachmentRecord r) {
    String n = r.pod().get("K8S_POD_NAME");
    return n == null
        ? "container " + r.key().containerId()
        : r.pod().getOrDefault("K8S_POD_NAMESPACE", "") + "/" + n;
  }

  private static Map<String, String> podArgs(AttachmentRecord rec) {
    Map<String, String> a = new LinkedHashMap<>();
    rec.pod()
        .forEach(
            (k, v) -> {
              if (k.startsWith("K8S_")) a.put(k, v);
            });
    return a;
  }

  private void delegateDelQuietly(
      String plugin, String cniPath, Map<String, Object> config, AttachRequest req) {
    try {
      delegateDel(plugin, cniPath, config, req);
    } catch (RuntimeException e) {
      LOG.warn(
          "IPAM plugin "
              + plugin
              + " DEL for "
              + req.containerId()
              + "/"
              + req.ifName()
              + " failed: "
              + e.getMessage());
    }
  }
}
