package io.kubevde.agent.attach;

import static io.kubevde.testing.Netns.path;
import static io.kubevde.testing.Sh.exec;
import static io.kubevde.testing.Sh.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.agent.netlink.NetlinkException;
import io.kubevde.agent.netlink.Rtnetlink;
import io.kubevde.api.net.Cidr;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import io.kubevde.vdeplug.plugin.tap.TapPlug;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PodInterfaces} against real network namespaces (root): what the in-process rtnetlink
 * client configures is what {@code ip -j} then reports, and a pod reaches the tap's peer.
 */
@SuppressWarnings("unchecked")
class PodInterfacesTest {
  private final PodInterfaces pods = new PodInterfaces();

  @BeforeEach
  void needsRoot() {
    Host.requireRoot();
  }

  private static Map<String, Object> ipJson(String ns, String dev) {
    return (Map<String, Object>)
        ((List<Object>) Json.parse(run("ip", "-n", ns, "-j", "-d", "addr", "show", "dev", dev)))
            .getFirst();
  }

  @Test
  void aTapIsCreatedAndConfiguredInThePodNetnsAsIpWouldShowIt() throws Exception {
    try (Netns nets = new Netns("kvnl")) {
      String ns = nets.create();
      Rtnetlink.Link link =
          pods.createTap(
              path(ns),
              "net1",
              "02:77:00:00:00:aa",
              1400,
              "kubevde/default%2Fblue/c1",
              List.of(Cidr.parse("10.77.61.2/24"), Cidr.parse("fd77:61::2/64")),
              List.of(
                  new PodInterfaces.Route(Cidr.parse("10.78.0.0/16"), null),
                  new PodInterfaces.Route(Cidr.parse("10.79.0.0/16"), Cidr.Ip.parse("10.77.61.1")),
                  new PodInterfaces.Route(Cidr.parse("fd78::/48"), null)));
      assertThat(link.mac()).isEqualTo("02:77:00:00:00:aa");
      assertThat(link.mtu()).isEqualTo(1400);
      assertThat(link.kind()).isEqualTo("tun");
      assertThat(link.up()).isTrue();

      Map<String, Object> ip = ipJson(ns, "net1");
      assertThat(ip.get("ifindex")).isEqualTo((long) link.index());
      assertThat(ip.get("address")).isEqualTo("02:77:00:00:00:aa");
      assertThat(ip.get("mtu")).isEqualTo(1400L);
      assertThat(ip.get("ifalias")).isEqualTo("kubevde/default%2Fblue/c1");
      assertThat((List<String>) ip.get("flags")).contains("UP");
      assertThat(((Map<String, Object>) ip.get("linkinfo")).get("info_kind")).isEqualTo("tun");
      assertThat(
              ((List<Map<String, Object>>) ip.get("addr_info"))
                  .stream()
                      .filter(a -> !"link".equals(a.get("scope")))
                      .map(a -> a.get("local") + "/" + a.get("prefixlen"))
                      .toList())
          .containsExactlyInAnyOrder("10.77.61.2/24", "fd77:61::2/64");
      String routes = run("ip", "-n", ns, "route", "show");
      assertThat(routes)
          .contains("10.78.0.0/16 dev net1 scope link")
          .contains("10.79.0.0/16 via 10.77.61.1 dev net1");
      assertThat(run("ip", "-n", ns, "-6", "route", "show")).contains("fd78::/48 dev net1");

      PodInterfaces.Shown shown = pods.show(path(ns), "net1").orElseThrow();
      assertThat(shown.link()).isEqualTo(link);
      assertThat(shown.addresses().stream().map(Cidr::toString))
          .contains("10.77.61.2/24", "fd77:61::2/64");
      assertThat(pods.show(path(ns), "net9")).isEmpty();

      assertThat(pods.deleteIf(path(ns), "net1", l -> false)).isFalse();
      assertThat(exec("ip", "-n", ns, "link", "show", "net1").exitCode()).isZero();
      assertThat(pods.deleteIf(path(ns), "net1", l -> l.alias().startsWith("kubevde/"))).isTrue();
      assertThat(exec("ip", "-n", ns, "link", "show", "net1").exitCode()).isNotZero();
      assertThat(pods.deleteIf(path(ns), "net1", l -> true)).as("already gone").isFalse();
    }
  }

  @Test
  void twoPodsPingThroughTheirTapsWiredTogether() throws Exception {
    try (Netns nets = new Netns("kvnl")) {
      String a = nets.create(), b = nets.create();
      pods.createTap(
          path(a),
          "net1",
          "02:77:00:00:01:01",
          1450,
          "kubevde/w/a",
          List.of(Cidr.parse("10.77.63.1/24")),
          List.of());
      pods.createTap(
          path(b),
          "net1",
          "02:77:00:00:01:02",
          1450,
          "kubevde/w/b",
          List.of(Cidr.parse("10.77.63.2/24")),
          List.of());
      try (TapPlug pa =
              new TapPlug(
                  io.kubevde.agent.dataplane.Netns.call(path(a), () -> TapDevice.attach("net1")));
          TapPlug pb =
              new TapPlug(
                  io.kubevde.agent.dataplane.Netns.call(path(b), () -> TapDevice.attach("net1")))) {
        Thread ab = Thread.ofVirtual().start(() -> wire(pa, pb));
        Thread ba = Thread.ofVirtual().start(() -> wire(pb, pa));
        assertThat(
                exec(
                        "ip",
                        "netns",
                        "exec",
                        a,
                        "ping",
                        "-c",
                        "2",
                        "-i",
                        "0.2",
                        "-W",
                        "2",
                        "10.77.63.2")
                    .exitCode())
            .as("ping from pod a to pod b over the two taps")
            .isZero();
        pa.close();
        pb.close();
        ab.join(5_000);
        ba.join(5_000);
      }
    }
  }

  /** Copies frames from one tap to the other until either is closed. */
  private static void wire(Plug from, Plug to) {
    ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
    try {
      while (true) {
        buf.clear();
        if (from.receive(buf) == Plug.CLOSED) return;
        buf.flip();
        to.send(buf);
      }
    } catch (IOException e) {
      // closed under us: the test is over
    }
  }

  @Test
  void aL2OnlyTapIsUpWithoutAddressesAndReattachesByName() throws Exception {
    try (Netns nets = new Netns("kvnl")) {
      String ns = nets.create();
      pods.createTap(
          path(ns), "net1", "02:77:00:00:00:ab", 1450, "kubevde/l2/c1", List.of(), List.of());
      assertThat(run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "net1")).isBlank();
      TapDevice tap =
          io.kubevde.agent.dataplane.Netns.call(path(ns), () -> TapDevice.attach("net1"));
      try (TapPlug plug = new TapPlug(tap)) {
        assertThat(run("ip", "-n", ns, "link", "show", "net1")).contains("state UP");
      }
    }
  }

  @Test
  void aRefusedStepNamesOperationInterfaceAndErrnoAndLeavesNothing() throws Exception {
    try (Netns nets = new Netns("kvnl")) {
      String ns = nets.create();
      // the gateway is not on any connected network: the kernel refuses the route
      assertThatThrownBy(
              () ->
                  pods.createTap(
                      path(ns),
                      "net1",
                      "02:77:00:00:00:ac",
                      1450,
                      "kubevde/x/c1",
                      List.of(Cidr.parse("10.77.62.2/24")),
                      List.of(
                          new PodInterfaces.Route(
                              Cidr.parse("10.80.0.0/16"), Cidr.Ip.parse("192.0.2.1")))))
          .isInstanceOf(NetlinkException.class)
          .hasMessageStartingWith("add route 10.80.0.0/16 via 192.0.2.1 on net1: ENETUNREACH");
      assertThat(exec("ip", "-n", ns, "link", "show", "net1").exitCode())
          .as("the half-made tap was deleted")
          .isNotZero();

      run("ip", "-n", ns, "link", "add", "net1", "type", "veth", "peer", "name", "net1p");
      assertThatThrownBy(
              () ->
                  pods.createTap(
                      path(ns),
                      "net1",
                      "02:77:00:00:00:ad",
                      1450,
                      "kubevde/x/c2",
                      List.of(),
                      List.of()))
          .as("an existing interface of that name is never taken over")
          .isInstanceOf(IOException.class)
          .hasMessageContaining("an interface net1 already exists");
      assertThat(run("ip", "-n", ns, "-d", "link", "show", "net1")).contains("veth");

      assertThatThrownBy(
              () ->
                  pods.createTap(
                      "/var/run/netns/kvnl-does-not-exist",
                      "net1",
                      "02:77:00:00:00:ae",
                      1450,
                      "a",
                      List.of(),
                      List.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("kvnl-does-not-exist");
    }
  }
}
