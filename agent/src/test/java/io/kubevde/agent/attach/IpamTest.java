package io.kubevde.agent.attach;

import static io.kubevde.testing.Netns.path;
import static io.kubevde.testing.Sh.exec;
import static io.kubevde.testing.Sh.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.agent.cni.CniServer;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.ipam.IpAllocator;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.agent.model.IpamConfig;
import io.kubevde.agent.model.NetConf;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The address pools (issue 12): one pool per VdeNetwork, crash-safe reservations and cursor, orphan
 * reclaim, static address validation, delegation to another IPAM plugin, the bounded wait for a
 * network's configuration, the restart rule "drop only when the netns is proven gone" and
 * subprocess timeouts. Root, real netns and taps, the agent driven through the CNI binary's own
 * client.
 */
@SuppressWarnings("unchecked")
class IpamTest {
  private static final String IPAM = "{\"subnet\":\"10.77.60.0/24\",\"gateway\":\"10.77.60.1\"}";

  @BeforeEach
  void needsRoot() {
    Host.requireRoot();
  }

  private static Map<String, Object> ok(CniPlugin.Outcome o) {
    assertThat(o.exitCode()).as("exit code; stdout=%s stderr=%s", o.stdout(), o.stderr()).isZero();
    return o.stdout().isEmpty() ? Map.of() : Json.parseObject(o.stdout());
  }

  private static Map<String, Object> error(CniPlugin.Outcome o) {
    assertThat(o.exitCode()).as("stdout=%s", o.stdout()).isEqualTo(1);
    return Json.parseObject(o.stdout());
  }

  private static String address(Map<String, Object> result) {
    return String.valueOf(
        ((Map<String, Object>) ((List<Object>) result.get("ips")).getFirst()).get("address"));
  }

  /**
   * A config whose CNI {@code name} differs from its VdeNetwork (NAD: {@code blue}; chained: {@code
   * default/blue}).
   */
  private static String config(AgentFixture a, String name, String extra) {
    return "{\"cniVersion\":\"1.1.0\",\"name\":\""
        + name
        + "\",\"type\":\"kubevde\",\"network\":\"default/blue\""
        + extra
        + "}";
  }

  @Test
  void nadStyleAndChainedStyleAddsToOneNetworkNeverShareAnAddress() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String n1 = nets.create(), n2 = nets.create();
      String ipA =
          address(
              ok(a.call("ADD", "c1", path(n1), "net1", config(a, "blue", ",\"ipam\":" + IPAM))));
      String ipB =
          address(
              ok(
                  a.call(
                      "ADD",
                      "c2",
                      path(n2),
                      "net1",
                      config(a, "chained-blue", ",\"ipam\":" + IPAM))));
      assertThat(ipA).isNotEqualTo(ipB);
      assertThat(a.ipam.reserved("default/blue"))
          .containsExactlyInAnyOrder(ipA.split("/")[0], ipB.split("/")[0]);
      ok(a.call("DEL", "c1", path(n1), "net1", config(a, "blue", ",\"ipam\":" + IPAM)));
      ok(a.call("DEL", "c2", path(n2), "net1", config(a, "chained-blue", ",\"ipam\":" + IPAM)));
      assertThat(a.ipam.reserved("default/blue")).isEmpty();
    }
  }

  @Test
  void aCrashBetweenAllocationAndRecordLeaksNothingAfterRestartAndReconcile() throws Exception {
    Path dir = Files.createTempDirectory("kvagent");
    try (Netns nets = new Netns()) {
      String live = nets.create();
      String liveIp;
      try (AgentFixture a = new AgentFixture(dir)) {
        liveIp =
            address(
                    ok(
                        a.call(
                            "ADD",
                            "live",
                            path(live),
                            "net1",
                            config(a, "blue", ",\"ipam\":" + IPAM))))
                .split("/")[0];
        // the agent "dies" right after reserving (no record written) ...
        NetConf conf = NetConf.parse(Json.parseObject(config(a, "blue", ",\"ipam\":" + IPAM)));
        a.ipam.allocate(conf, new AttachmentKey("blue", "crashed", "net1"));
        // ... or while an older agent wrote an owner file (empty, garbled) ...
        Path pool = dir.resolve("state/ipam/default%2Fblue");
        Files.writeString(pool.resolve("10.77.60.90"), "");
        Files.writeString(pool.resolve("10.77.60.91"), "garbage-without-newline");
        // ... or after the record was written in state creating (tap never made)
        a.ipam.allocate(conf, new AttachmentKey("blue", "half", "net9"));
        a.store.write(
            new AttachmentRecord(
                new AttachmentKey("blue", "half", "net9"),
                "default/blue",
                path(live),
                "02:00:00:00:00:01",
                1450,
                List.of("10.77.60.4/24"),
                Map.of(),
                0,
                "creating",
                null));
        assertThat(a.ipam.reserved("default/blue")).hasSize(5);
      }
      try (AgentFixture b = new AgentFixture(dir)) { // restart on the same state
        b.handler.reconcile();
        assertThat(b.ipam.reserved("default/blue")).containsExactly(liveIp);
        assertThat(b.store.list()).extracting(r -> r.key().containerId()).containsExactly("live");
        ok(b.call("CHECK", "live", path(live), "net1", config(b, "blue", ",\"ipam\":" + IPAM)));
        ok(b.call("DEL", "live", path(live), "net1", config(b, "blue", ",\"ipam\":" + IPAM)));
      }
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  @Test
  void theCursorPersistsAcrossARestart() throws Exception {
    Path dir = Files.createTempDirectory("kvagent");
    try (Netns nets = new Netns()) {
      String ns = nets.create();
      try (AgentFixture a = new AgentFixture(dir)) {
        assertThat(
                address(
                    ok(
                        a.call(
                            "ADD",
                            "c1",
                            path(ns),
                            "net1",
                            config(a, "blue", ",\"ipam\":" + IPAM)))))
            .isEqualTo("10.77.60.2/24");
        ok(a.call("DEL", "c1", path(ns), "net1", config(a, "blue", ",\"ipam\":" + IPAM)));
      }
      assertThat(Files.readString(dir.resolve("state/ipam/default%2Fblue/" + IpAllocator.CURSOR)))
          .isEqualTo("10.77.60.2");
      try (AgentFixture b = new AgentFixture(dir)) {
        assertThat(
                address(
                    ok(
                        b.call(
                            "ADD",
                            "c2",
                            path(ns),
                            "net1",
                            config(b, "blue", ",\"ipam\":" + IPAM)))))
            .as("the address released just before the restart is not handed out again at once")
            .isEqualTo("10.77.60.3/24");
        ok(b.call("DEL", "c2", path(ns), "net1", config(b, "blue", ",\"ipam\":" + IPAM)));
      }
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  @Test
  void staticAddressesAreValidated() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      Map<String, String> refused =
          Map.of(
              "10.77.60.1/24",
              "is the gateway",
              "10.77.61.5/24",
              "outside the subnet",
              "10.77.60.0/24",
              "network address",
              "10.77.60.255/24",
              "broadcast address");
      refused.forEach(
          (ip, why) -> {
            Map<String, Object> e =
                error(
                    a.call(
                        "ADD",
                        "s1",
                        path(ns),
                        "net1",
                        config(
                            a,
                            "blue",
                            ",\"ipam\":"
                                + IPAM
                                + ",\"runtimeConfig\":{\"ips\":[\""
                                + ip
                                + "\"]}")));
            assertThat(e.get("code")).isEqualTo((long) CniError.INVALID_CONFIG);
            assertThat(String.valueOf(e.get("msg"))).contains(why);
          });
      assertThat(a.ipam.reserved("default/blue")).isEmpty();
      assertThat(a.store.list()).isEmpty();
      String good =
          config(
              a, "blue", ",\"ipam\":" + IPAM + ",\"runtimeConfig\":{\"ips\":[\"10.77.60.77/24\"]}");
      assertThat(address(ok(a.call("ADD", "s1", path(ns), "net1", good))))
          .isEqualTo("10.77.60.77/24");
      String ns2 = nets.create();
      assertThat(String.valueOf(error(a.call("ADD", "s2", path(ns2), "net1", good)).get("msg")))
          .contains("already in use");
      ok(a.call("DEL", "s1", path(ns), "net1", good));
    }
    // the operator's blocks: an address in another node's block is refused, one outside every block
    // is taken
    Path dir = Files.createTempDirectory("kvipam");
    try {
      IpamConfig ipam =
          IpamConfig.forNode(
              AgentNetworkConfigCodec.read(
                  """
                    {"namespace":"default","name":"blue","transport":"local","ipamType":"host-local","subnet":"10.79.0.0/16",
                     "rangeStart":"10.79.0.1","rangeEnd":"10.79.127.254",
                     "nodeRanges":{"n1":{"node":"n1","cidr":"10.79.0.0/20"},"n2":{"node":"n2","cidr":"10.79.16.0/20"}}}"""),
              "n1");
      IpAllocator alloc = new IpAllocator(dir);
      NetConf base =
          NetConf.parse(
              Json.parseObject(
                  """
                    {"cniVersion":"1.1.0","name":"blue","network":"default/blue","runtimeConfig":{"ips":["10.79.17.9/16"]}}"""));
      NetConf conf = base.with(ipam, null, null);
      assertThatThrownBy(() -> alloc.allocate(conf, new AttachmentKey("blue", "x", "net1")))
          .isInstanceOfSatisfying(
              CniError.Failure.class,
              f -> {
                assertThat(f.error().code()).isEqualTo(CniError.INVALID_CONFIG);
                assertThat(f.error().msg()).contains("node n2");
              });
      NetConf outside =
          NetConf.parse(
                  Json.parseObject(
                      """
                    {"cniVersion":"1.1.0","name":"blue","network":"default/blue","runtimeConfig":{"ips":["10.79.200.9/16"]}}"""))
              .with(ipam, null, null);
      assertThat(alloc.allocate(outside, new AttachmentKey("blue", "y", "net1")))
          .extracting(Object::toString)
          .containsExactly("10.79.200.9/16");
      assertThat(alloc.reserved("default/blue")).containsExactly("10.79.200.9");
      // inside the range node blocks are cut from, in no block yet: the node that gets the block
      // later would hand it out
      NetConf unplaced =
          NetConf.parse(
                  Json.parseObject(
                      """
                    {"cniVersion":"1.1.0","name":"blue","network":"default/blue","runtimeConfig":{"ips":["10.79.40.9/16"]}}"""))
              .with(ipam, null, null);
      assertThatThrownBy(() -> alloc.allocate(unplaced, new AttachmentKey("blue", "z", "net1")))
          .isInstanceOfSatisfying(
              CniError.Failure.class,
              f -> {
                assertThat(f.error().code()).isEqualTo(CniError.INVALID_CONFIG);
                assertThat(f.error().msg())
                    .contains("range node blocks are cut from (10.79.0.1-10.79.127.254)")
                    .contains("not in this node's block (10.79.0.1-10.79.15.255)");
              });
      NetConf own =
          NetConf.parse(
                  Json.parseObject(
                      """
                    {"cniVersion":"1.1.0","name":"blue","network":"default/blue","runtimeConfig":{"ips":["10.79.3.3/16"]}}"""))
              .with(ipam, null, null);
      assertThat(alloc.allocate(own, new AttachmentKey("blue", "w", "net1")))
          .extracting(Object::toString)
          .containsExactly("10.79.3.3/16");
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  @Test
  void anAddBeforeTheNetworksConfigurationAnswersTryAgainAfterABoundedWait() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      DataPlane dp = new DataPlane(a.dir.resolve("run"), null, null);
      Path sock = a.dir.resolve("switching.sock");
      CniServer server =
          new CniServer(sock, new SwitchingAttachmentHandler(a.handler, a.store, dp, "n1", 700));
      server.start();
      try {
        String ns = nets.create();
        String nad =
            "{\"cniVersion\":\"1.0.0\",\"name\":\"blue\",\"type\":\"kubevde\",\"network\":\"default/blue\"}";
        Map<String, String> env =
            new HashMap<>(
                Map.of(
                    "CNI_COMMAND",
                    "ADD",
                    "CNI_CONTAINERID",
                    "w1",
                    "CNI_NETNS",
                    path(ns),
                    "CNI_IFNAME",
                    "net1",
                    "CNI_PATH",
                    "/opt/cni/bin",
                    "KUBEVDE_AGENT_SOCKET",
                    sock.toString(),
                    "CNI_ARGS",
                    "K8S_POD_NAMESPACE=default"));
        CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
        long t0 = System.nanoTime();
        Map<String, Object> e = error(plugin.run(env, nad));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(e.get("code")).isEqualTo((long) CniError.TRY_AGAIN_LATER);
        assertThat(ms).as("waited the configured bound, not forever").isBetween(650L, 5_000L);
        assertThat(exec("ip", "-n", ns, "link", "show", "net1").exitCode())
            .as("no interface made")
            .isNotZero();
        assertThat(dp.networks()).as("no switch made").isEmpty();
        // the configuration arrives: the retried ADD gets an address of this node's block
        dp.apply(
            AgentNetworkConfigCodec.read(
                """
                        {"namespace":"default","name":"blue","uid":"u","transport":"local","ipamType":"host-local",
                         "subnet":"10.77.63.0/24","nodeRanges":{"n1":{"node":"n1","cidr":"10.77.63.64/26"}}}"""));
        assertThat(address(ok(plugin.run(env, nad)))).isEqualTo("10.77.63.64/24");
        env.put("CNI_COMMAND", "DEL");
        ok(plugin.run(env, nad));
      } finally {
        server.close();
        dp.close();
      }
    }
  }

  @Test
  void anOperatorDualStackNetworkGivesEachPodAnAddressOfEachBlockAndTheNetworksRoutes()
      throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      DataPlane dp = new DataPlane(a.dir.resolve("run"), null, null);
      Path sock = a.dir.resolve("switching.sock");
      CniServer server =
          new CniServer(sock, new SwitchingAttachmentHandler(a.handler, a.store, dp, "n1", 700));
      server.start();
      try {
        dp.apply(
            AgentNetworkConfigCodec.read(
                """
                {"namespace":"default","name":"ds","uid":"u","transport":"local","ipamType":"host-local",
                 "subnet":"10.77.64.0/24","gateway":"10.77.64.1",
                 "nodeRanges":{"n1":{"node":"n1","cidr":"10.77.64.64/26"},"n2":{"node":"n2","cidr":"10.77.64.128/26"}},
                 "subnets":[{"subnet":"fd64::/64","gateway":"fd64::1",
                   "nodeRanges":{"n1":{"node":"n1","cidr":"fd64::1:0:0:0/80"},"n2":{"node":"n2","cidr":"fd64::2:0:0:0/80"}}}],
                 "routes":[{"dst":"fd99::/64"}]}"""));
        String ns = nets.create();
        String nad =
            "{\"cniVersion\":\"1.1.0\",\"name\":\"ds\",\"type\":\"kubevde\",\"network\":\"default/ds\"}";
        Map<String, String> env =
            new HashMap<>(
                Map.of(
                    "CNI_COMMAND",
                    "ADD",
                    "CNI_CONTAINERID",
                    "ds1",
                    "CNI_NETNS",
                    path(ns),
                    "CNI_IFNAME",
                    "net1",
                    "CNI_PATH",
                    "/opt/cni/bin",
                    "KUBEVDE_AGENT_SOCKET",
                    sock.toString(),
                    "CNI_ARGS",
                    "K8S_POD_NAMESPACE=default"));
        CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
        Map<String, Object> res = ok(plugin.run(env, nad));
        assertThat((List<?>) res.get("ips"))
            .extracting(
                o -> ((Map<?, ?>) o).get("address") + " via " + ((Map<?, ?>) o).get("gateway"))
            .containsExactly("10.77.64.64/24 via 10.77.64.1", "fd64::1:0:0:0/64 via fd64::1");
        assertThat(run("ip", "-n", ns, "-6", "route", "show", "fd99::/64"))
            .contains("via fd64::1 dev net1");
        // a static IPv6 address of the other node's block is refused
        env.put("CNI_CONTAINERID", "ds2");
        env.put("CNI_NETNS", path(nets.create()));
        Map<String, Object> e =
            error(
                plugin.run(
                    env, nad.replace("}", ",\"runtimeConfig\":{\"ips\":[\"fd64::2:0:0:9\"]}}")));
        assertThat(String.valueOf(e.get("msg"))).contains("inside node n2's address block");
        env.put("CNI_CONTAINERID", "ds1");
        env.put("CNI_NETNS", path(ns));
        env.put("CNI_COMMAND", "DEL");
        ok(plugin.run(env, nad));
        assertThat(a.ipam.reserved("default/ds")).isEmpty();
      } finally {
        server.close();
        dp.close();
      }
    }
  }

  @Test
  void anotherIpamTypeIsDelegatedToThatPluginAndDelReleasesTheAddress() throws Exception {
    Host.requireFile(Path.of("/usr/lib/cni/host-local"), "containernetworking-plugins");
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      Path data = a.dir.resolve("host-local");
      // host-local of Debian's containernetworking-plugins speaks CNI up to 1.0.0
      String cfg =
          config(
                  a,
                  "blue",
                  ",\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.77.62.0/24\",\"dataDir\":\""
                      + data
                      + "\",\"routes\":[{\"dst\":\"10.78.0.0/16\",\"gw\":\"10.77.62.1\"}]}")
              .replace("1.1.0", "1.0.0");
      Map<String, Object> res = ok(a.call("ADD", "h1", path(ns), "net1", cfg, "/usr/lib/cni"));
      assertThat(address(res)).isEqualTo("10.77.62.2/24");
      assertThat(run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "net1"))
          .contains("10.77.62.2/24");
      assertThat(run("ip", "-n", ns, "route", "show"))
          .contains("10.78.0.0/16 via 10.77.62.1 dev net1");
      assertThat(Files.exists(data.resolve("blue/10.77.62.2")))
          .as("host-local holds the address")
          .isTrue();
      assertThat(a.ipam.reserved("default/blue")).as("kubevde's own pool is not used").isEmpty();
      ok(a.call("DEL", "h1", path(ns), "net1", cfg, "/usr/lib/cni"));
      assertThat(Files.exists(data.resolve("blue/10.77.62.2")))
          .as("DEL delegated: address released")
          .isFalse();
      assertThat(exec("ip", "-n", ns, "link", "show", "net1").exitCode()).isNotZero();

      Map<String, Object> e =
          error(
              a.call(
                  "ADD",
                  "h2",
                  path(ns),
                  "net1",
                  config(
                      a,
                      "blue",
                      ",\"ipam\":{\"type\":\"nosuch-ipam\",\"subnet\":\"10.77.62.0/24\"}"),
                  "/usr/lib/cni"));
      assertThat(e.get("code")).isEqualTo((long) CniError.INVALID_CONFIG);
      assertThat(String.valueOf(e.get("msg")))
          .contains("nosuch-ipam")
          .contains("not found in CNI_PATH");
      assertThat(a.store.list()).isEmpty();
    }
  }

  @Test
  void restartDropsAnAttachmentOnlyWhenItsNetnsIsProvenGone() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String kept = nets.create(), unmounted = nets.create();
      String cfg = config(a, "blue", ",\"ipam\":" + IPAM);
      ok(a.call("ADD", "kept", path(kept), "net1", cfg));
      ok(a.call("ADD", "unm", path(unmounted), "net1", cfg));
      // the netns' bind mount is gone but the path still exists (a plain file, another inode):
      // proven gone
      run("umount", path(unmounted));
      assertThat(Files.exists(Path.of(path(unmounted)))).isTrue();
      // a record whose netns cannot be checked (stat fails with ELOOP, standing in for a denied
      // mount; as root
      // EACCES cannot be provoked): kept with its address
      Path loop = a.dir.resolve("loop");
      Files.createSymbolicLink(loop, loop);
      String unknown = loop.toString();
      NetConf conf = NetConf.parse(Json.parseObject(cfg));
      AttachmentKey uk = new AttachmentKey("blue", "unknown", "net1");
      String ip = a.ipam.allocate(conf, uk).getFirst().toString();
      a.store.write(
          new AttachmentRecord(
              uk,
              "default/blue",
              unknown,
              "02:00:00:00:00:02",
              1450,
              List.of(ip),
              Map.of(),
              0,
              "ready",
              Map.of()));

      int removed = a.handler.reconcile();
      assertThat(a.store.list())
          .extracting(r -> r.key().containerId())
          .containsExactlyInAnyOrder("kept", "unknown");
      assertThat(removed).isEqualTo(1);
      assertThat(a.ipam.reserved("default/blue")).hasSize(2).contains(ip.split("/")[0]);
      Files.deleteIfExists(Path.of(path(unmounted)));
      ok(a.call("DEL", "kept", path(kept), "net1", cfg));
    }
  }

  @Test
  void anOnDemandSwitchIsPrunedWhenItsLastPodLeaves() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      DataPlane dp = new DataPlane(a.dir.resolve("run"), null, null);
      SwitchingAttachmentHandler h =
          new SwitchingAttachmentHandler(a.handler, a.store, dp, "n1", -1);
      Path sock = a.dir.resolve("switching.sock");
      CniServer server = new CniServer(sock, h);
      server.start();
      try {
        String n1 = nets.create(), n2 = nets.create();
        String cfg =
            "{\"cniVersion\":\"1.1.0\",\"name\":\"blue\",\"type\":\"kubevde\",\"network\":\"default/blue\","
                + "\"ipam\":"
                + IPAM
                + "}";
        CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
        Map<String, String> env =
            new HashMap<>(
                Map.of(
                    "CNI_COMMAND",
                    "ADD",
                    "CNI_CONTAINERID",
                    "p1",
                    "CNI_NETNS",
                    path(n1),
                    "CNI_IFNAME",
                    "net1",
                    "CNI_PATH",
                    "/opt/cni/bin",
                    "KUBEVDE_AGENT_SOCKET",
                    sock.toString(),
                    "CNI_ARGS",
                    "K8S_POD_NAMESPACE=default"));
        ok(plugin.run(env, cfg));
        Map<String, String> env2 = new HashMap<>(env);
        env2.put("CNI_CONTAINERID", "p2");
        env2.put("CNI_NETNS", path(n2));
        ok(plugin.run(env2, cfg));
        assertThat(dp.network("default/blue")).isPresent();
        env.put("CNI_COMMAND", "DEL");
        ok(plugin.run(env, cfg));
        assertThat(dp.network("default/blue")).as("still used by p2").isPresent();
        env2.put("CNI_COMMAND", "DEL");
        ok(plugin.run(env2, cfg));
        assertThat(dp.network("default/blue")).as("pruned with its last pod").isEmpty();
        assertThat(Files.exists(dp.directoryOf("default/blue"))).isFalse();
      } finally {
        server.close();
        dp.close();
      }
    }
  }

  @Test
  void aFailedReAttachIsRetriedWithBackoffAndSurfaced() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      DataPlane dp = new DataPlane(a.dir.resolve("run"), null, null);
      try {
        SwitchingAttachmentHandler h =
            new SwitchingAttachmentHandler(a.handler, a.store, dp, "n1", -1);
        String ns = nets.create();
        // a record of the last run whose tap cannot be opened now (missing: e.g. a netns that was
        // busy)
        AttachmentKey k = new AttachmentKey("blue", "r1", "net1");
        a.store.write(
            new AttachmentRecord(
                k,
                "default/blue",
                path(ns),
                "02:00:00:00:00:03",
                1450,
                List.of(),
                Map.of("K8S_POD_NAMESPACE", "default", "K8S_POD_NAME", "pod-r1"),
                0,
                "ready",
                Map.of()));
        assertThat(h.restore()).containsExactly(0, 0);
        assertThat(h.unattached()).containsOnlyKeys(k);
        assertThat(a.store.read(k)).as("kept: its netns exists").isNotNull();
        assertThat(h.reconcile()).as("backoff: not retried at once").containsExactly(0, 0);
        run("ip", "-n", ns, "tuntap", "add", "dev", "net1", "mode", "tap");
        // TapDevice.attach finds the interface through java.net.NetworkInterface, which lists IPv4
        // interfaces
        run("ip", "-n", ns, "addr", "add", "10.77.60.50/24", "dev", "net1");
        Thread.sleep(1_100);
        assertThat(h.reconcile()).containsExactly(0, 1);
        assertThat(h.unattached()).isEmpty();
        assertThat(dp.attachments()).extracting(AttachmentRecord::key).containsExactly(k);
      } finally {
        dp.close();
      }
    }
  }

  @Test
  void aSubprocessTimeoutFiresAndLargeOutputDoesNotBlock() {
    long t0 = System.nanoTime();
    Subprocess.Result r = Subprocess.run(List.of("sleep", "30"), Map.of(), null, 300, false);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.timedOut()).isTrue();
    assertThat(r.ok()).isFalse();
    assertThat(ms).isLessThan(5_000);
    Subprocess.Result big =
        Subprocess.run(List.of("head", "-c", "300000", "/dev/zero"), Map.of(), null, 10_000, true);
    assertThat(big.ok()).isTrue();
    assertThat(big.stdout()).hasSize(300_000);
    Subprocess.Result slow =
        Subprocess.run(List.of("ip", "monitor", "link"), Map.of(), null, 300, true); // until killed
    assertThat(slow.ok()).isFalse();
    assertThat(slow.timedOut()).isTrue();
  }
}
