package io.kubevde.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * One requested (static) pod address of a VdeNetwork, reserved cluster-wide ({@code kubectl get
 * vdeaddr}). Namespaced: it lives in the network's namespace and is named {@link #nameFor
 * deterministically} from the network and the address, so <b>creating it is the reservation</b>:
 * the API server's create-if-absent arbitrates between agents of different nodes (a second create
 * answers 409 AlreadyExists), in the spirit of Whereabouts' OverlappingRangeIPReservation. Written
 * and deleted by the node agents only; no status.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Plural("vdeaddressreservations")
@ShortNames({"vdeaddr", "vaddr"})
@AdditionalPrinterColumn(
    name = "Network",
    jsonPath = ".spec.network",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Address",
    jsonPath = ".spec.address",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Pod",
    jsonPath = ".spec.podName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Node",
    jsonPath = ".spec.node",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class VdeAddressReservation extends CustomResource<VdeAddressReservationSpec, Void>
    implements Namespaced {
  /** Kind name. */
  public static final String KIND = "VdeAddressReservation";

  /** Label with the node that holds the reservation (agents list their own by it). */
  public static final String NODE_LABEL = "kubevde.io/node";

  /** Label with the network's name (for {@code kubectl get vdeaddr -l kubevde.io/network=blue}). */
  public static final String NETWORK_LABEL = "kubevde.io/network";

  /** Longest object name the API server accepts (DNS-1123 subdomain). */
  static final int MAX_NAME = 253;

  /** Creates an empty object (Jackson). */
  public VdeAddressReservation() {}

  /**
   * A reservation object ready to create, in the network's namespace ({@code spec.network} is the
   * network's name only).
   *
   * @param namespace the VdeNetwork's namespace
   * @param spec what is reserved and for whom ({@code network} is the VdeNetwork's name)
   * @return the object, named {@link #nameFor}, labelled with node and network
   * @throws IllegalArgumentException when {@code spec.address} is not an IP address
   */
  public static VdeAddressReservation of(String namespace, VdeAddressReservationSpec spec) {
    VdeAddressReservation r = new VdeAddressReservation();
    r.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(namespace)
            .withName(nameFor(spec.network(), spec.address()))
            .withLabels(
                spec.node() == null
                    ? Map.of(NETWORK_LABEL, label(spec.network()))
                    : Map.of(NETWORK_LABEL, label(spec.network()), NODE_LABEL, label(spec.node())))
            .build());
    r.setSpec(spec);
    return r;
  }

  /**
   * The object name of the reservation of {@code address} on network {@code network}: {@code
   * <network>.<address>}, the address as dotted decimal (IPv4) or as its 8 full hex groups joined
   * by {@code -} (IPv6: {@code fd00-0000-…-0005}), so each (network, address) has exactly one name
   * whatever text form the pod asked with. When that is longer than 253 characters, the network
   * part is cut and followed by 10 hex digits of its SHA-256 ({@code spec.network} holds the full
   * name).
   *
   * @param network the VdeNetwork's name (DNS-1123 subdomain)
   * @param address an IPv4 or IPv6 address literal (no host names are resolved)
   * @return the object name
   * @throws IllegalArgumentException when {@code address} is not an IP address literal
   */
  public static String nameFor(String network, String address) {
    String a = canonical(address);
    String n = network + "." + a;
    if (n.length() <= MAX_NAME) return n;
    String hash = sha256(network).substring(0, 10);
    int keep = MAX_NAME - a.length() - hash.length() - 2;
    String head = network.substring(0, keep).replaceAll("[.-]+$", "");
    return head + "-" + hash + "." + a;
  }

  /**
   * The canonical name part of an address: IPv4 dotted decimal, IPv6 8 groups of 4 lower-case hex
   * digits joined by {@code -}.
   *
   * @param address an IP address literal
   * @return the canonical form
   * @throws IllegalArgumentException when it is not an IP literal
   */
  public static String canonical(String address) {
    if (address == null
        || address.isEmpty()
        || !address.matches("[0-9a-fA-F:.]+")
        || !(address.contains(":") || address.matches("[0-9.]+"))) {
      throw new IllegalArgumentException("not an IP address: " + address);
    }
    byte[] b;
    try {
      b = InetAddress.getByName(address).getAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + address, e);
    }
    if (b.length == 4) {
      return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 16; i += 2) {
      if (i > 0) sb.append('-');
      sb.append(HexFormat.of().toHexDigits((short) (((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))));
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  /**
   * The label value {@link #of} writes for a node or network name: at most 63 characters, ending
   * alphanumeric (a longer name is cut, so readers compare {@code spec} too).
   *
   * @param name a node or network name (DNS-1123 subdomain)
   * @return the label value
   */
  public static String label(String name) {
    String v = name.length() <= 63 ? name : name.substring(0, 63);
    return v.replaceAll("[^A-Za-z0-9]+$", "");
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
