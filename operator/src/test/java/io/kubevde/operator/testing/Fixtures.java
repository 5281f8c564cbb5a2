package io.kubevde.operator.testing;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kubevde.api.v1alpha1.Ipam;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import io.kubevde.operator.model.Conditions;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders for test objects. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * @return a vxvde network spec with optional user vni/group and subnet
   */
  public static VdeNetworkSpec spec(Integer vni, String group, String subnet) {
    return new VdeNetworkSpec(
        Transport.VXVDE,
        vni,
        group,
        null,
        null,
        null,
        subnet == null ? null : new Ipam(null, subnet, null, null, null, null, null),
        null,
        null,
        null);
  }

  /**
   * @return the same spec with a node selector
   */
  public static VdeNetworkSpec withSelector(VdeNetworkSpec s, Map<String, String> sel) {
    return new VdeNetworkSpec(
        s.transport(),
        s.vni(),
        s.group(),
        s.port(),
        s.mtu(),
        sel,
        s.ipam(),
        s.switchMode(),
        s.vlan(),
        s.macPrefix());
  }

  /**
   * @return a Node object with labels (nothing runs on it: there is no kubelet)
   */
  public static Node node(String name, Map<String, String> labels) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  /**
   * @return a VdeNode as an agent would write it, with one network entry
   */
  public static VdeNode vdeNode(
      String node,
      String address,
      String ns,
      String net,
      boolean ready,
      int attachments,
      Instant heartbeat) {
    VdeNode v = new VdeNode();
    v.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(node).build());
    v.setSpec(new VdeNodeSpec(address, "0.1.0"));
    v.setStatus(
        new VdeNodeStatus(
            List.of(new NodeNetwork(ns, net, ready, attachments, 0)),
            attachments,
            null,
            null,
            0,
            heartbeat.toString()));
    return v;
  }

  /**
   * @return true if the network's Ready condition is True for its current generation
   */
  public static boolean ready(VdeNetwork n) {
    return n != null
        && n.getStatus() != null
        && Conditions.isTrue(n.getStatus().conditions(), Conditions.READY)
        && Conditions.find(n.getStatus().conditions(), Conditions.READY)
            .get()
            .getObservedGeneration()
            .equals(n.getMetadata().getGeneration());
  }

  /**
   * @return the Ready condition's reason or ""
   */
  public static String readyReason(VdeNetwork n) {
    return n == null || n.getStatus() == null
        ? ""
        : Conditions.find(n.getStatus().conditions(), Conditions.READY)
            .map(c -> c.getReason())
            .orElse("");
  }
}
