package io.kubevde.agent.attach;

import static io.kubevde.testing.Netns.path;
import static io.kubevde.testing.Sh.exec;
import static io.kubevde.testing.Sh.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.CniRequest;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's CNI side against real network namespaces and taps (root; skips with a message
 * otherwise).
 */
@SuppressWarnings("unchecked")
class TapAttachmentTest {
  private static final String IPAM =
      "{\"subnet\":\"10.77.60.0/24\",\"gateway\":\"10.77.60.1\",\"routes\":[{\"dst\":\"10.78.0.0/16\"}]}";

  @BeforeEach
  void needsRoot() {
    Host.requireRoot();
  }

  private static Map<String, Object> ok(CniPlugin.Outcome o) {
    assertThat(o.exitCode()).as("exit code; stdout=%s stderr=%s", o.stdout(), o.stderr()).isZero();
    return o.stdout().isEmpty() ? Map.of() : Json.parseObject(o.stdout());
  }

  private static long code(CniPlugin.Outcome o) {
    assertThat(o.exitCode()).isEqualTo(1);
    return (Long) Json.parseObject(o.stdout()).get("code");
  }

  private static Map<String, Object> link(String ns, String dev) {
    Sh.Result r = exec("ip", "-n", ns, "-j", "-d", "addr", "show", "dev", dev);
    if (r.exitCode() != 0) return null;
    return (Map<String, Object>) ((List<Object>) Json.parse(r.output())).getFirst();
  }

  private static List<String> addrs(Map<String, Object> link) {
    List<String> out = new ArrayList<>();
    for (Object o : (List<Object>) link.get("addr_info")) {
      Map<String, Object> a = (Map<String, Object>) o;
      if ("inet".equals(a.get("family"))) out.add(a.get("local") + "/" + a.get("prefixlen"));
    }
    return out;
  }

  @Test
  void addPutsAConfiguredTapIntoTheFreshNetnsAndAnswersItsSandbox() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      Map<String, Object> res = ok(a.call("ADD", "c1", path(ns), "net1", cfg));

      Map<String, Object> iface =
          (Map<String, Object>) ((List<Object>) res.get("interfaces")).getFirst();
      assertThat(iface)
          .containsEntry("name", "net1")
          .containsEntry("sandbox", path(ns))
          .containsEntry("mtu", 1450L);
      Map<String, Object> ip0 = (Map<String, Object>) ((List<Object>) res.get("ips")).getFirst();
      assertThat(ip0)
          .containsEntry("address", "10.77.60.2/24")
          .containsEntry("gateway", "10.77.60.1")
          .containsEntry("interface", 0L);

      Map<String, Object> link = link(ns, "net1");
      assertThat(link).as("net1 exists in %s", ns).isNotNull();
      assertThat(link.get("address")).isEqualTo(iface.get("mac"));
      assertThat(link.get("mtu")).isEqualTo(1450L);
      assertThat((List<Object>) link.get("flags")).contains("UP");
      assertThat(((Map<String, Object>) link.get("linkinfo")).get("info_kind")).isEqualTo("tun");
      assertThat(addrs(link)).containsExactly("10.77.60.2/24");
      assertThat(run("ip", "-n", ns, "route", "show"))
          .contains("10.78.0.0/16 via 10.77.60.1 dev net1");
      AttachmentRecord rec = a.store.read(new AttachmentKey("blue", "c1", "net1"));
      assertThat(rec.state()).isEqualTo("ready");
      assertThat(rec.pod()).containsEntry("K8S_POD_NAME", "pod-c1");
      assertThat(a.ipam.reserved("default/blue")).containsExactly("10.77.60.2");
      // nothing of ours in the host netns
      assertThat(run("ip", "-j", "link", "show")).doesNotContain("kubevde/");
      ok(a.call("CHECK", "c1", path(ns), "net1", cfg));
      ok(a.call("DEL", "c1", path(ns), "net1", cfg));
    }
  }

  @Test
  void delRemovesTapRecordAndAddressAndIsIdempotentAlsoWithEmptyNetns() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      ok(a.call("ADD", "c1", path(ns), "net1", cfg));
      ok(a.call("DEL", "c1", path(ns), "net1", cfg));
      assertThat(link(ns, "net1")).isNull();
      assertThat(a.store.list()).isEmpty();
      assertThat(a.ipam.reserved("default/blue")).isEmpty();
      ok(a.call("DEL", "c1", path(ns), "net1", cfg));
      ok(a.call("DEL", "c1", "", "net1", cfg));

      // CRI's second DEL comes with an empty CNI_NETNS: the record's netns is used
      ok(a.call("ADD", "c2", path(ns), "net1", cfg));
      ok(a.call("DEL", "c2", "", "net1", cfg));
      assertThat(link(ns, "net1")).isNull();
      assertThat(a.ipam.reserved("default/blue")).isEmpty();
      // the freed address is handed out again once the range wraps; a new ADD works in the same
      // netns
      assertThat(ok(a.call("ADD", "c3", path(ns), "net1", cfg)).toString()).contains("10.77.60.");
      ok(a.call("DEL", "c3", path(ns), "net1", cfg));
    }
  }

  @Test
  void delAfterTheNetnsIsGoneStillFreesTheAddress() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      ok(a.call("ADD", "c1", path(ns), "net1", cfg));
      run("ip", "netns", "del", ns);
      ok(a.call("DEL", "c1", path(ns), "net1", cfg));
      assertThat(a.ipam.reserved("default/blue")).isEmpty();
      assertThat(a.store.list()).isEmpty();
    }
  }

  @Test
  void checkDetectsAMissingInterfaceAndAnUnknownAttachment() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      Map<String, Object> res = ok(a.call("ADD", "c1", path(ns), "net1", cfg));
      String withPrev =
          cfg.substring(0, cfg.length() - 1) + ",\"prevResult\":" + Json.write(res) + "}";
      ok(a.call("CHECK", "c1", path(ns), "net1", withPrev));

      run("ip", "-n", ns, "addr", "flush", "dev", "net1");
      CniPlugin.Outcome noAddr = a.call("CHECK", "c1", path(ns), "net1", withPrev);
      assertThat(code(noAddr)).isEqualTo(101);
      assertThat(noAddr.stdout()).contains("lacks address 10.77.60.2/24");

      run("ip", "-n", ns, "link", "del", "net1");
      CniPlugin.Outcome gone = a.call("CHECK", "c1", path(ns), "net1", withPrev);
      assertThat(code(gone)).isEqualTo(101);
      assertThat(gone.stdout()).contains("missing");
      assertThat(code(a.call("CHECK", "nobody", path(ns), "net1", cfg))).isEqualTo(3);
      ok(a.call("DEL", "c1", path(ns), "net1", cfg));
    }
  }

  @Test
  void aNetnsGivenAsAProcPathWorksThroughNsenter() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      Process holder = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "120").start();
      try {
        String procPath = "/proc/" + holder.pid() + "/ns/net";
        // wait until the exec'd sleep really sits in the netns (same inode as the named one)
        String want = run("stat", "-L", "-c", "%i", path(ns)).strip();
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(20))
            .until(() -> run("stat", "-L", "-c", "%i", procPath).strip().equals(want));
        String cfg = a.config("1.1.0", "blue", IPAM);
        Map<String, Object> res = ok(a.call("ADD", "c1", procPath, "net1", cfg));
        assertThat(Json.write(res)).contains("\"sandbox\":\"" + procPath + "\"");
        assertThat(addrs(link(ns, "net1"))).containsExactly("10.77.60.2/24");
        ok(a.call("CHECK", "c1", procPath, "net1", cfg));
        ok(a.call("DEL", "c1", procPath, "net1", cfg));
        assertThat(link(ns, "net1")).isNull();
      } finally {
        holder.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void gcRemovesOnlyAttachmentsNotListedAsValid() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns1 = nets.create();
      String ns2 = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      ok(a.call("ADD", "keep", path(ns1), "net1", cfg));
      ok(a.call("ADD", "stale", path(ns2), "net1", cfg));
      String gc =
          cfg.substring(0, cfg.length() - 1)
              + ",\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"net1\"}]}";
      ok(a.call("GC", "", "", "", gc));
      assertThat(link(ns1, "net1")).isNotNull();
      assertThat(link(ns2, "net1")).isNull();
      assertThat(a.store.list()).extracting(r -> r.key().containerId()).containsExactly("keep");
      assertThat(a.ipam.reserved("default/blue")).hasSize(1);
      ok(a.call("DEL", "keep", path(ns1), "net1", cfg));
    }
  }

  @Test
  void chainedAddAppendsToPrevResultAndOldVersionsGetIpVersion() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      String prev =
          "{\"cniVersion\":\"0.3.1\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\""
              + path(ns)
              + "\"}],"
              + "\"ips\":[{\"version\":\"4\",\"address\":\"10.244.0.5/24\",\"interface\":0}]}";
      String cfg = a.config("0.3.1", "blue", IPAM);
      cfg = cfg.substring(0, cfg.length() - 1) + ",\"prevResult\":" + prev + "}";
      Map<String, Object> res = ok(a.call("ADD", "c1", path(ns), "net1", cfg));
      assertThat(res.get("cniVersion")).isEqualTo("0.3.1");
      List<Object> ifs = (List<Object>) res.get("interfaces");
      assertThat(ifs).hasSize(2);
      List<Object> ips = (List<Object>) res.get("ips");
      assertThat((Map<String, Object>) ips.get(1))
          .containsEntry("interface", 1L)
          .containsEntry("version", "4")
          .containsEntry("address", "10.77.60.2/24");
      ok(a.call("DEL", "c1", path(ns), "net1", cfg));
    }
  }

  @Test
  void requestedAddressAndMacAreUsedAndTakenAddressesRefused() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns1 = nets.create();
      String ns2 = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      String rc =
          cfg.substring(0, cfg.length() - 1)
              + ",\"runtimeConfig\":{\"mac\":\"02:00:00:aa:bb:cc\",\"ips\":[\"10.77.60.77/24\"]}}";
      Map<String, Object> res = ok(a.call("ADD", "c1", path(ns1), "net1", rc));
      assertThat(Json.write(res)).contains("02:00:00:aa:bb:cc").contains("10.77.60.77/24");
      assertThat(link(ns1, "net1").get("address")).isEqualTo("02:00:00:aa:bb:cc");
      assertThat(code(a.call("ADD", "c2", path(ns2), "net1", rc))).isEqualTo(7);
      assertThat(link(ns2, "net1")).isNull();
      ok(a.call("DEL", "c1", path(ns1), "net1", cfg));
    }
  }

  @Test
  void delWithoutTheAgentRemovesEveryKubevdeTapOfTheContainerAndNothingElse() throws Exception {
    try (Netns nets = new Netns()) {
      String ns = nets.create();
      try (AgentFixture a = new AgentFixture()) {
        ok(a.call("ADD", "c1", path(ns), "net1", a.config("1.1.0", "blue", IPAM)));
      }
      // a foreign tap, and a kubevde tap of another container, in the same netns
      run("ip", "-n", ns, "tuntap", "add", "dev", "mine0", "mode", "tap");
      run("ip", "-n", ns, "tuntap", "add", "dev", "other0", "mode", "tap");
      run("ip", "-n", ns, "link", "set", "dev", "other0", "alias", "kubevde/blue/c2");
      // the agent is gone: a chained DEL names the primary's eth0, kubevde's net1 must go too
      Map<String, String> env = new HashMap<>();
      env.put("CNI_COMMAND", "DEL");
      env.put("CNI_CONTAINERID", "c1");
      env.put("CNI_NETNS", path(ns));
      env.put("CNI_IFNAME", "eth0");
      env.put("CNI_PATH", "/opt/cni/bin");
      env.put(AgentProtocol.SOCKET_ENV, "/nonexistent/kubevde-agent.sock");
      CniPlugin.Outcome del =
          new CniPlugin(p -> new AgentClient(p, 5_000))
              .run(env, "{\"cniVersion\":\"1.1.0\",\"name\":\"chain\",\"type\":\"kubevde\"}");
      assertThat(del.exitCode()).as(del.stderr()).isZero();
      assertThat(link(ns, "net1")).isNull();
      assertThat(link(ns, "mine0")).isNotNull();
      assertThat(link(ns, "other0")).isNotNull();
    }
  }

  @Test
  void failuresAreUndoneAndDuplicatesRefused() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      ok(a.call("ADD", "c1", path(ns), "net1", cfg));
      assertThat(code(a.call("ADD", "c1", path(ns), "net1", cfg))).isEqualTo(100);
      // another container asking for an interface name that already exists in the netns: 103,
      // nothing left over
      CniPlugin.Outcome clash = a.call("ADD", "c2", path(ns), "net1", cfg);
      assertThat(code(clash)).isEqualTo(103);
      assertThat(a.ipam.reserved("default/blue")).containsExactly("10.77.60.2");
      assertThat(a.store.list()).hasSize(1);
      ok(
          a.call(
              "CHECK", "c1", path(ns), "net1", cfg)); // the clashing ADD's undo left c1's tap alone
      assertThat(run("ip", "-j", "link", "show")).doesNotContain("kubevde/");
      // the tap is made under a temporary name and renamed: the failed rename's tap is gone too
      assertThat(run("ip", "-n", ns, "-j", "link", "show")).doesNotContain("\"kvt");
      assertThat(code(a.call("ADD", "c3", "/var/run/netns/kvc-does-not-exist", "net1", cfg)))
          .isEqualTo(4);
      ok(a.call("DEL", "c1", path(ns), "net1", cfg));
    }
  }

  @Test
  void namesAndValuesAnIpBatchScriptWouldInterpretAreRefusedBeforeAnyCommandRuns()
      throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      // straight to the agent's socket server (a client other than the binary): code 4
      for (String ifName : List.of("net1#x", "net\"1", "net1\nlink", "net 1")) {
        String answer =
            a.server.answer(
                new CniRequest(
                        CniCommand.ADD,
                        "c1",
                        path(ns),
                        ifName,
                        Map.of("K8S_POD_NAMESPACE", "default"),
                        "/opt/cni/bin",
                        cfg)
                    .toJson());
        assertThat(Json.parseObject(answer)).as(ifName).containsEntry("code", 4L);
      }
      // through the binary: refused before the agent is asked
      assertThat(code(a.call("ADD", "c1", path(ns), "net1#x", cfg))).isEqualTo(4);
      // config values: a MAC with trailing script text, a network name with a blank: code 7
      String base = cfg.substring(0, cfg.length() - 1);
      assertThat(
              code(
                  a.call(
                      "ADD", "c1", path(ns), "net1", base + ",\"mac\":\"02:00:00:00:00:01 up\"}")))
          .isEqualTo(7);
      assertThat(
              code(
                  a.call(
                      "ADD",
                      "c1",
                      path(ns),
                      "net1",
                      cfg.replace("default/blue", "default/blue x"))))
          .isEqualTo(7);
      assertThat(run("ip", "-n", ns, "-o", "link", "show"))
          .as("nothing was created")
          .doesNotContain("net1", "kubevde/");
      assertThat(a.store.list()).isEmpty();
      assertThat(a.ipam.reserved("blue")).isEmpty();
    }
  }

  @Test
  void anExhaustedPoolAnswers102() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String ns1 = nets.create();
      String ns2 = nets.create();
      String cfg = a.config("1.1.0", "tiny", "{\"subnet\":\"10.77.61.0/30\"}");
      ok(a.call("ADD", "c1", path(ns1), "net1", cfg));
      ok(a.call("ADD", "c2", path(ns1), "net2", cfg));
      assertThat(code(a.call("ADD", "c3", path(ns2), "net1", cfg))).isEqualTo(102);
      assertThat(link(ns2, "net1")).isNull();
      ok(a.call("DEL", "c1", path(ns1), "net1", cfg));
      ok(a.call("DEL", "c2", path(ns1), "net2", cfg));
    }
  }

  @Test
  void restartReconcileDropsRecordsWhoseNetnsIsGone() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      String live = nets.create();
      String dead = nets.create();
      String cfg = a.config("1.1.0", "blue", IPAM);
      ok(a.call("ADD", "live", path(live), "net1", cfg));
      ok(a.call("ADD", "dead", path(dead), "net1", cfg));
      run("ip", "netns", "del", dead);
      assertThat(a.handler.reconcile()).isEqualTo(1);
      assertThat(a.store.list()).extracting(r -> r.key().containerId()).containsExactly("live");
      assertThat(a.ipam.reserved("default/blue")).hasSize(1);
      ok(a.call("CHECK", "live", path(live), "net1", cfg));
      ok(a.call("DEL", "live", path(live), "net1", cfg));
    }
  }

  @Test
  void hundredConcurrentAddsOnOneAgentAllSucceed() throws Exception {
    int n = 100;
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      List<String> ns = new ArrayList<>();
      for (int i = 0; i < n; i++) ns.add(nets.create());
      String cfg = a.config("1.1.0", "big", "{\"subnet\":\"10.77.64.0/22\"}");
      List<Future<CniPlugin.Outcome>> adds = new ArrayList<>();
      long t0 = System.nanoTime();
      try (ExecutorService ex = Executors.newFixedThreadPool(n)) {
        for (int i = 0; i < n; i++) {
          int k = i;
          adds.add(ex.submit(() -> a.call("ADD", "pod" + k, path(ns.get(k)), "net1", cfg)));
        }
        Set<String> addresses = new HashSet<>();
        for (Future<CniPlugin.Outcome> f : adds) {
          Map<String, Object> res = ok(f.get());
          addresses.add(
              String.valueOf(
                  ((Map<String, Object>) ((List<Object>) res.get("ips")).getFirst())
                      .get("address")));
        }
        System.out.printf("100 concurrent ADDs: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(addresses).hasSize(n);
        for (int i = 0; i < n; i++)
          assertThat(link(ns.get(i), "net1")).as("net1 in %s", ns.get(i)).isNotNull();
        List<Future<CniPlugin.Outcome>> dels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int k = i;
          dels.add(ex.submit(() -> a.call("DEL", "pod" + k, path(ns.get(k)), "net1", cfg)));
        }
        for (Future<CniPlugin.Outcome> f : dels) ok(f.get());
      }
      assertThat(a.store.list()).isEmpty();
      assertThat(a.ipam.reserved("default/big")).isEmpty();
      for (int i = 0; i < n; i++) assertThat(link(ns.get(i), "net1")).isNull();
    }
  }
}
