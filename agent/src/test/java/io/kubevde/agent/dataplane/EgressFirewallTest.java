package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of egress: the nft script, the settings, the gateway's names and its guard. */
class EgressFirewallTest {
  private static EgressGateway gateway(String network, String gw, String subnet) {
    return new EgressGateway(network, EgressGateway.interfaceName(network), gw, subnet, null);
  }

  @Test
  void theScriptReplacesTheWholeTableAndNamesEachNetworksRules() {
    String script =
        EgressFirewall.render(
            List.of(
                gateway("t2/red", "10.2.0.1", "10.2.0.0/24"),
                gateway("t1/blue", "10.1.0.1", "10.1.0.0/16")),
            new EgressSettings(List.of("10.96.0.0/12"), null).allDenied());
    String blue = EgressGateway.interfaceName("t1/blue");
    assertThat(script)
        .startsWith("table inet kubevde\ndelete table inet kubevde\ntable inet kubevde {\n")
        .contains("elements = { 169.254.0.0/16, 10.96.0.0/12 }")
        .contains("iifname \"" + blue + "\" ip saddr 10.1.0.0/16 masquerade comment \"t1/blue\"")
        .contains("iifname \"" + blue + "\" ip saddr 10.1.0.0/16 accept comment \"t1/blue\"")
        .contains(
            "iifname \"" + blue + "\" ip daddr 10.1.0.1 icmp type echo-request accept comment")
        .contains("iifname \"kvg*\" oifname \"kvg*\" counter drop")
        .contains("oifname \"kvg*\" ct state established,related accept")
        .contains("iifname \"kvg*\" ip daddr @denied counter drop");
    assertThat(script.indexOf("t1/blue"))
        .as("sorted by network")
        .isLessThan(script.indexOf("t2/red"));
    assertThat(script.indexOf("@denied"))
        .as("denied before any accept")
        .isLessThan(script.indexOf("ip saddr 10.1.0.0/16 accept"));
    assertThat(EgressFirewall.render(List.of(), EgressSettings.DEFAULT.allDenied()))
        .as("no gateway: the table is deleted")
        .isEqualTo("table inet kubevde\ndelete table inet kubevde\n");
  }

  @Test
  void settingsTakeIpv4CidrsOnly() {
    assertThat(EgressSettings.parse("10.96.0.0/12, 10.244.1.7/16,").denyCidrs())
        .containsExactly("10.96.0.0/12", "10.244.0.0/16");
    assertThat(EgressSettings.parse(null).allDenied()).containsExactly("169.254.0.0/16");
    assertThatThrownBy(() -> EgressSettings.parse("fd00::/8")).hasMessageContaining("not IPv4");
    assertThatThrownBy(() -> EgressSettings.parse("10.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theGatewayHasOneNameAndMacPerNetworkOnEveryNode() {
    AgentNetworkConfig nat =
        AgentNetworkConfigCodec.read(
            """
            {"namespace":"t1","name":"blue","ipamType":"host-local","subnet":"10.1.0.0/16",
             "gateway":"10.1.0.1","egress":"nat"}""");
    String name = EgressGateway.interfaceName("t1/blue");
    assertThat(name)
        .hasSize(15)
        .startsWith("kvg")
        .isEqualTo(EgressGateway.interfaceName("t1/blue"));
    assertThat(name).isNotEqualTo(EgressGateway.interfaceName("t1/red"));
    byte[] mac = EgressGateway.macOf(nat);
    assertThat(mac).hasSize(6).isEqualTo(EgressGateway.macOf(nat));
    assertThat(mac[0]).as("locally administered unicast").isEqualTo((byte) 0x02);
    assertThat(
            EgressGateway.macOf(
                AgentNetworkConfigCodec.read("{\"namespace\":\"t1\",\"name\":\"blue\"}")))
        .as("no egress, no gateway")
        .isNull();
  }

  @Test
  void theGuardKeepsGatewayFramesOffTheUplink() throws Exception {
    byte[] gw = HexFormat.ofDelimiter(":").parseHex("02:aa:bb:cc:dd:ee");
    byte[] pod = HexFormat.ofDelimiter(":").parseHex("02:77:00:00:00:01");
    byte[] bcast = HexFormat.ofDelimiter(":").parseHex("ff:ff:ff:ff:ff:ff");
    Queue inner = new Queue();
    GatewayGuardPlug guard = new GatewayGuardPlug(inner, gw);

    guard.send(frame(bcast, gw)); // the gateway's ARP request
    guard.send(frame(pod, gw)); // its reply to a pod
    guard.send(frame(gw, pod)); // a pod's frame to the gateway (its own node's: not sent up)
    guard.send(frame(bcast, pod));
    assertThat(inner.sent).as("only the pod's broadcast goes up").hasSize(1);

    inner.in.add(frame(pod, gw)); // another node's gateway
    inner.in.add(frame(gw, pod)); // a remote pod to its own gateway, flooded
    inner.in.add(frame(bcast, pod));
    ByteBuffer b = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
    assertThat(guard.receive(b)).isEqualTo(Plug.NO_FRAME);
    assertThat(guard.receive(b)).isEqualTo(Plug.NO_FRAME);
    assertThat(guard.receive(b)).isEqualTo(60);
    assertThat(b.position()).isEqualTo(60);
    assertThat(guard.stats().droppedCount()).isEqualTo(5);
  }

  private static ByteBuffer frame(byte[] dst, byte[] src) {
    ByteBuffer f = ByteBuffer.allocate(60);
    f.put(dst).put(src).putShort((short) 0x0806);
    return f.clear();
  }

  /** A plug over two queues (frames sent, frames to receive). */
  private static final class Queue implements Plug {
    final List<ByteBuffer> sent = new java.util.ArrayList<>();
    final ArrayDeque<ByteBuffer> in = new ArrayDeque<>();
    final PlugStats stats = new PlugStats();

    @Override
    public void send(ByteBuffer frame) {
      sent.add(ByteBuffer.allocate(frame.remaining()).put(frame).flip());
    }

    @Override
    public int receive(ByteBuffer frame) {
      ByteBuffer f = in.poll();
      if (f == null) return CLOSED;
      int n = f.remaining();
      frame.put(f);
      return n;
    }

    @Override
    public PlugStats stats() {
      return stats;
    }

    @Override
    public void close() {}
  }
}
