package io.kubevde.vdeplug.vdeswitch;

import io.kubevde.vdeplug.netnode.LoopProtection;
import io.kubevde.vdeplug.netnode.LoopProtectionConfig;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.stp.PortRole;
import io.kubevde.vdeplug.netnode.stp.SpanningTree;
import java.util.ArrayList;
import java.util.List;

/**
 * The console's {@code fstp/*} menu (vde-2 {@code fstp.c}, vde-protocols.md §9.3) over the node's
 * {@link LoopProtection}: {@code fstp/showinfo}, {@code fstp/setfstp 0/1}, {@code fstp/setedge VLAN
 * PORT 1/0}, {@code fstp/bonus VLAN PORT COST}, {@code fstp/print [VLAN]}. Output lines and error
 * codes follow vde-2 (22 = EINVAL for bad numbers or ports, 6 = ENXIO for an unknown VLAN).
 *
 * <p>One tree serves every VLAN (vde-2 runs one per VLAN): the VLAN argument is checked (it must
 * exist) and the setting applies to the port. {@code fstp/bonus} lowers the port's path cost by
 * COST (default cost {@value SpanningTree#DEFAULT_COST}, never below 1; a negative bonus raises
 * it).
 */
final class FstpCommands {
  /** Output lines (null = none) and errno (0 = success). */
  record Result(List<String> lines, int errno) {}

  private final Netnode node;
  private final VlanSwitchPolicy policy;

  FstpCommands(Netnode node, VlanSwitchPolicy policy) {
    this.node = node;
    this.policy = policy;
  }

  private LoopProtection loop() {
    return node.loopProtection()
        .orElseGet(() -> node.installLoopProtection(LoopProtectionConfig.random(false)));
  }

  Result showinfo() {
    LoopProtectionConfig c = loop().config();
    return new Result(
        List.of(
            String.format(
                "MAC %s Priority %d (0x%x)",
                LoopProtectionConfig.formatMac(c.mac()), c.priority(), c.priority()),
            "FSTP=" + loop().enabled()),
        0);
  }

  Result setfstp(String[] a) {
    loop().setEnabled(Integer.decode(a[0]) != 0);
    return new Result(null, 0);
  }

  private int check(int vlan, int port) {
    if (vlan < 0 || vlan > 4094 || port < 0 || port >= policy.numPorts()) return 22;
    if (vlan != 0 && !policy.vlanExists(vlan)) return 6;
    return 0;
  }

  Result setedge(String[] a) {
    if (a.length != 3) return new Result(null, 22);
    int vlan = Integer.decode(a[0]), port = Integer.decode(a[1]), val = Integer.decode(a[2]);
    int err = check(vlan, port);
    if (err == 0) loop().setEdge(port, val != 0);
    return new Result(null, err);
  }

  Result bonus(String[] a) {
    if (a.length != 3) return new Result(null, 22);
    int vlan = Integer.decode(a[0]), port = Integer.decode(a[1]), cost = Integer.decode(a[2]);
    int err = check(vlan, port);
    if (err != 0) return new Result(null, err);
    long c = Math.max(1, SpanningTree.DEFAULT_COST - cost);
    return new Result(null, loop().setCost(port, c) ? 0 : 6);
  }

  Result print(String[] a) {
    if (a.length > 0) {
      int vlan = Integer.decode(a[0]);
      if (vlan < 0 || vlan > 4094) return new Result(null, 22);
      if (vlan != 0 && !policy.vlanExists(vlan)) return new Result(null, 6);
      return new Result(printVlan(vlan), 0);
    }
    List<String> out = new ArrayList<>(printVlan(0));
    for (int v = 1; v < 4095; v++) if (policy.vlanExists(v)) out.addAll(printVlan(v));
    return new Result(out, 0);
  }

  private static String id(long id) {
    StringBuilder b = new StringBuilder();
    for (int i = 7; i >= 0; i--) {
      if (b.length() > 0) b.append(':');
      b.append(String.format("%02x", (id >>> (8 * i)) & 0xFF));
    }
    return b.toString();
  }

  private List<String> printVlan(int vlan) {
    LoopProtection.Status s = loop().status();
    List<String> out = new ArrayList<>();
    out.add(
        String.format(
            "FST DATA VLAN %04d %s %s",
            vlan,
            s.rootId() == s.bridgeId() ? "ROOTSWITCH" : "",
            s.enabled() ? "" : "FSTP IS DISABLED"));
    out.add(" ++ root " + id(s.rootId()));
    long designated =
        s.ports().stream()
            .filter(v -> v.id() == s.rootPort())
            .mapToLong(SpanningTree.PortView::designatedBridge)
            .findFirst()
            .orElse(s.bridgeId());
    out.add(" ++ designated " + id(designated));
    out.add(
        String.format(
            " ++ rootport %04d cost %d topology_changes %d malformed_bpdus %d edge_bpdus %d",
            Math.max(0, s.rootPort()),
            s.rootCost(),
            s.topologyChanges(),
            s.malformedBpdus(),
            s.bpduOnEdge()));
    for (SpanningTree.PortView v : s.ports()) {
      out.add(
          String.format(
              " -- Port %04d tagged=%d portcost=%d role=%s state=%s bpdu_in=%d bpdu_out=%d"
                  + " bpdu_edge=%d",
              v.id(),
              vlan == 0 ? 0 : 1,
              v.cost(),
              role(v.role()),
              v.state().name().charAt(0) + v.state().name().substring(1).toLowerCase(),
              v.bpduIn(),
              v.bpduOut(),
              v.bpduOnEdge()));
    }
    return out;
  }

  private static String role(PortRole r) {
    return switch (r) {
      case EDGE -> "Edge";
      case ROOT -> "Root";
      case DESIGNATED -> "Designated";
      case ALTERNATE, BACKUP -> "Alternate/Backup";
    };
  }
}
