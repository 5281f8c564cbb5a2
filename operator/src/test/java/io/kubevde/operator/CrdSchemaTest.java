package io.kubevde.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.testing.KubeApi;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated CRDs, installed in a real kube-apiserver, reject invalid objects before any
 * controller sees them (HTTP 422 naming the field) and accept valid ones. Objects are sent as raw
 * maps so the Java types cannot hide a mistake.
 */
class CrdSchemaTest {
  private static KubernetesClient client;
  private static String ns;

  @BeforeAll
  static void start() {
    client = KubeApi.withKubevdeCrds().client();
    ns = KubeApi.newNamespace(client, "schema");
  }

  @AfterAll
  static void stop() {
    if (client != null) client.close();
  }

  private static GenericKubernetesResource obj(String kind, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("kubevde.io/v1alpha1")
        .withKind(kind)
        .withNewMetadata()
        .withName(name)
        .withNamespace("VdeNode".equals(kind) ? null : ns)
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", spec))
        .build();
  }

  private static void create(GenericKubernetesResource r) {
    var op = client.genericKubernetesResources(r.getApiVersion(), r.getKind());
    if ("VdeNode".equals(r.getKind())) op.resource(r).create();
    else op.inNamespace(ns).resource(r).create();
  }

  private static Map<String, Object> net(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    m.put("transport", "vxvde");
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }

  static Stream<Arguments> invalidObjects() {
    return Stream.of(
        Arguments.of(
            "unknown transport", "VdeNetwork", net("transport", "geneve"), "spec.transport"),
        Arguments.of("VNI 0", "VdeNetwork", net("vni", 0), "spec.vni"),
        Arguments.of("VNI above 24 bits", "VdeNetwork", net("vni", 16777216), "spec.vni"),
        Arguments.of("unicast group", "VdeNetwork", net("group", "10.0.0.1"), "spec.group"),
        Arguments.of("port 0", "VdeNetwork", net("port", 0), "spec.port"),
        Arguments.of("port above 65535", "VdeNetwork", net("port", 70000), "spec.port"),
        Arguments.of("mtu too small", "VdeNetwork", net("mtu", 100), "spec.mtu"),
        Arguments.of("mtu above 9216", "VdeNetwork", net("mtu", 9217), "spec.mtu"),
        Arguments.of("vlan 4095", "VdeNetwork", net("vlan", 4095), "spec.vlan"),
        Arguments.of("unknown switch", "VdeNetwork", net("switch", "router"), "spec.switch"),
        Arguments.of(
            "unknown egress mode",
            "VdeNetwork",
            net("egress", Map.of("mode", "masquerade")),
            "spec.egress.mode"),
        Arguments.of(
            "egress defaultRoute not a boolean",
            "VdeNetwork",
            net("egress", Map.of("mode", "nat", "defaultRoute", "yes")),
            "spec.egress.defaultRoute"),
        Arguments.of(
            "MAC prefix not local", "VdeNetwork", net("macPrefix", "00:11:22"), "spec.macPrefix"),
        Arguments.of(
            "allowed namespace not a DNS label",
            "VdeNetwork",
            net("allowedNamespaces", List.of("Tenant_A")),
            "spec.allowedNamespaces[0]"),
        Arguments.of(
            "allowed namespace wildcard pattern",
            "VdeNetwork",
            net("allowedNamespaces", List.of("tenant-*")),
            "spec.allowedNamespaces[0]"),
        Arguments.of(
            "subnet without prefix",
            "VdeNetwork",
            net("ipam", Map.of("subnet", "10.77.0.0")),
            "spec.ipam.subnet"),
        Arguments.of(
            "subnet /33",
            "VdeNetwork",
            net("ipam", Map.of("subnet", "10.77.0.0/33")),
            "spec.ipam.subnet"),
        Arguments.of(
            "bad rangeStart",
            "VdeNetwork",
            net("ipam", Map.of("subnet", "10.77.0.0/16", "rangeStart", "10.77.0.256")),
            "spec.ipam.rangeStart"),
        Arguments.of(
            "unknown ipam type",
            "VdeNetwork",
            net("ipam", Map.of("type", "dhcp")),
            "spec.ipam.type"),
        Arguments.of(
            "unknown encryption mode",
            "VdeNetwork",
            net("encryption", Map.of("mode", "aes")),
            "spec.encryption.mode"),
        Arguments.of(
            "rotation period in days",
            "VdeNetwork",
            net("encryption", Map.of("mode", "sealed", "rotationPeriod", "1d")),
            "spec.encryption.rotationPeriod"),
        Arguments.of(
            "bad exclude CIDR",
            "VdeNetwork",
            net("ipam", Map.of("subnet", "10.77.0.0/16", "exclude", List.of("10.77.1.0"))),
            "spec.ipam.exclude"),
        Arguments.of(
            "relative VNL",
            "VdeLink",
            Map.of(
                "network", "blue", "paths", List.of(Map.of("name", "a", "vnl", "relative/path"))),
            "spec.paths[0].vnl"),
        Arguments.of(
            "VNL without scheme",
            "VdeLink",
            Map.of(
                "network", "blue", "paths", List.of(Map.of("name", "a", "vnl", "udp:/10.0.0.1"))),
            "spec.paths[0].vnl"),
        Arguments.of(
            "no paths", "VdeLink", Map.of("network", "blue", "paths", List.of()), "spec.paths"),
        Arguments.of(
            "missing network",
            "VdeLink",
            Map.of("paths", List.of(Map.of("name", "a", "vnl", "udp://10.0.0.1:1/10.0.0.2:1"))),
            "spec.network"),
        Arguments.of(
            "unknown link mode",
            "VdeLink",
            Map.of(
                "network",
                "blue",
                "mode",
                "mirror",
                "paths",
                List.of(Map.of("name", "a", "vnl", "vde:///run/sw"))),
            "spec.mode"),
        Arguments.of(
            "a dual-stack subnet that is no CIDR",
            "VdeNetwork",
            net("ipam", Map.of("subnets", List.of(Map.of("subnet", "fd78::/129")))),
            "spec.ipam.subnets[0].subnet"),
        Arguments.of(
            "an address reservation without its attachment",
            "VdeAddressReservation",
            Map.of("network", "blue", "address", "10.0.0.5", "node", "n1"),
            "spec.containerId"),
        Arguments.of(
            "an address reservation of a host name",
            "VdeAddressReservation",
            Map.of(
                "network",
                "blue",
                "address",
                "db.example.com",
                "node",
                "n1",
                "containerId",
                "c",
                "ifName",
                "net1"),
            "spec.address"),
        Arguments.of(
            "host-local ipam without subnet (CEL)",
            "VdeNetwork",
            net("ipam", Map.of("gateway", "10.0.0.1")),
            "subnet is required unless type is none"),
        Arguments.of(
            "node and nodeSelector (CEL)",
            "VdeLink",
            Map.of(
                "network",
                "blue",
                "node",
                "n1",
                "nodeSelector",
                Map.of("a", "b"),
                "paths",
                List.of(Map.of("name", "a", "vnl", "vde:///run/sw"))),
            "node and nodeSelector are mutually exclusive"),
        Arguments.of(
            "duplicate path names (CEL)",
            "VdeLink",
            Map.of(
                "network",
                "blue",
                "paths",
                List.of(
                    Map.of("name", "a", "vnl", "vde:///run/sw1"),
                    Map.of("name", "a", "vnl", "vde:///run/sw2"))),
            "path names must be unique"),
        Arguments.of(
            "bad node address", "VdeNode", Map.of("address", "node-1.example"), "spec.address"));
  }

  @ParameterizedTest(name = "{0} is rejected")
  @MethodSource("invalidObjects")
  void apiServerRejectsInvalidObject(
      String what, String kind, Map<String, Object> spec, String field) {
    String name = "bad-" + Integer.toHexString(what.hashCode() & 0xffffff);
    assertThatThrownBy(() -> create(obj(kind, name, spec)))
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(
            e -> {
              assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains(field);
            });
  }

  @Test
  void apiServerAcceptsValidObjects() {
    create(
        obj(
            "VdeNetwork",
            "ok-full",
            net(
                "vni",
                16777215,
                "group",
                "239.1.2.3",
                "port",
                14789,
                "mtu",
                1450,
                "vlan",
                10,
                "switch",
                "hub",
                "macPrefix",
                "02:77:00",
                "nodeSelector",
                Map.of("kubevde.io/net", "yes"),
                "allowedNamespaces",
                List.of("lab", "tenant-b"),
                "ipam",
                Map.of(
                    "subnet",
                    "10.77.0.0/16",
                    "rangeStart",
                    "10.77.0.10",
                    "rangeEnd",
                    "10.77.255.200",
                    "gateway",
                    "10.77.0.1",
                    "exclude",
                    List.of("10.77.1.0/24"),
                    "nodeBlockPrefix",
                    24))));
    create(
        obj(
            "VdeNetwork",
            "ok-v6",
            net(
                "transport",
                "vxvde-unicast",
                "group",
                "ff05:56de::1",
                "ipam",
                Map.of("subnet", "fd77::/64"),
                "encryption",
                Map.of("mode", "sealed", "rotationPeriod", "1h30m"))));
    create(obj("VdeNetwork", "ok-empty", Map.of("allowedNamespaces", List.of("*"))));
    create(
        obj(
            "VdeNetwork",
            "ok-dual",
            net(
                "ipam",
                Map.of(
                    "subnets",
                    List.of(
                        Map.of("subnet", "10.78.0.0/16", "gateway", "10.78.0.1"),
                        Map.of("subnet", "fd78::/64", "gateway", "fd78::1", "nodeBlockPrefix", 80)),
                    "routes",
                    List.of(
                        Map.of("dst", "fd99::/64"),
                        Map.of("dst", "0.0.0.0/0", "gw", "10.78.0.1"))))));
    create(
        obj(
            "VdeLink",
            "ok-link",
            Map.of(
                "network",
                "ok-full",
                "mode",
                "multi",
                "paths",
                List.of(
                    Map.of("name", "ssh", "vnl", "cmd://ssh host vde_plug vde:///tmp/sw"),
                    Map.of("name", "peer", "vnl", "vdenetwork://other/red")))));
    create(obj("VdeNode", "node-ok-" + ns, Map.of("address", "10.0.0.5", "agentVersion", "0.1.0")));
    assertThat(
            client
                .genericKubernetesResources("kubevde.io/v1alpha1", "VdeNetwork")
                .inNamespace(ns)
                .list()
                .getItems())
        .hasSize(4);
  }

  @Test
  void crdsCarryShortNamesPrinterColumnsAndStatusSubresource() {
    CustomResourceDefinition crd =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("vdenetworks.kubevde.io")
            .get();
    assertThat(crd.getSpec().getNames().getShortNames()).contains("vnet");
    var v = crd.getSpec().getVersions().get(0);
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns())
        .extracting(c -> c.getName())
        .contains("VNI", "Group", "Subnet", "Nodes", "Ready", "Age");
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("vdenodes.kubevde.io")
                .get()
                .getSpec()
                .getScope())
        .isEqualTo("Cluster");
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("vdelinks.kubevde.io")
                .get()
                .getSpec()
                .getNames()
                .getShortNames())
        .contains("vlink");
  }
}
